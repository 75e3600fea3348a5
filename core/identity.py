"""Resident identity card numbers (GB 11643-1999 公民身份号码) and masking of personal numbers.

Pure: no ORM. An 18-character number is a 6-digit region code (the household's county when the
number was issued; retired codes stay valid on old cards, so only the province part is checked),
an 8-digit birth date, a 3-digit sequence (odd last digit: male) and a check character computed
with ISO 7064 MOD 11-2, written X for 10.

Error messages are English msgids marked for translation and translated when shown, so a caller
can put ``str(error)`` into a form's field error in the user's language; ``code`` and ``params``
say the same for code and tests.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.core.exceptions import AppRegistryNotReady, ImproperlyConfigured
from django.utils.translation import gettext, gettext_noop

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"  # indexed by the weighted sum mod 11
LENGTH = 18

# Province-level codes (GB/T 2260) a citizen's number can begin with, by macro-region (north,
# north-east, east, central-south, south-west, north-west); 71, 81, 82 and 83 appear on the
# residence permits of Taiwan, Hong Kong and Macao residents, which use the same format.
_PROVINCE_RANGES = (range(11, 16), range(21, 24), range(31, 38), range(41, 47), range(50, 55), range(61, 66))
PROVINCE_CODES = frozenset(str(code) for codes in (*_PROVINCE_RANGES, (71, 81, 82, 83)) for code in codes)
EARLIEST_BIRTH_YEAR = 1800  # the standard's birth-date field covers the 19th century onwards

_DIGITS = frozenset("0123456789")


class InvalidIdNumber(ValueError):
    """A resident identity card number that fails GB 11643; ``str()`` gives the translated reason."""

    def __init__(self, code: str, message: str, **params: object) -> None:
        super().__init__(message % params)
        self.code = code
        self.message = message
        self.params = params

    def __str__(self) -> str:
        return _translate(self.message) % self.params


def _translate(msgid: str) -> str:
    # Usable without configured Django (scripts, the data generator): fall back to the msgid.
    try:
        return gettext(msgid)
    except (ImproperlyConfigured, AppRegistryNotReady):
        return msgid


@dataclass(frozen=True)
class IdNumber:
    """A checked resident identity card number and what it encodes."""

    number: str
    region_code: str
    birth_date: dt.date
    sequence: str

    @property
    def is_male(self) -> bool:
        return int(self.sequence[-1]) % 2 == 1

    def __str__(self) -> str:
        return self.number


def normalise_id_number(value: str) -> str:
    """Fold full-width characters to ASCII, strip surrounding spaces and upper-case a final x."""
    # Chinese input methods often type full-width digits (１２３) and Ｘ; NFKC folds them.
    return unicodedata.normalize("NFKC", value).strip().upper()


def check_character(first_17: str) -> str:
    """Return the check character (0–9 or X) for the first 17 digits of a number."""
    if len(first_17) != LENGTH - 1 or not set(first_17) <= _DIGITS:
        raise ValueError(f"Expected 17 digits, got {first_17!r}.")
    total = sum(int(digit) * weight for digit, weight in zip(first_17, WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11]


def _shanghai_today() -> dt.date:
    return dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()


def parse_id_number(value: str, *, today: dt.date | None = None) -> IdNumber:
    """Check a resident identity card number and return its parts, or raise ``InvalidIdNumber``.

    Checks, in order, so the first reason given is the most basic one: length, digits, the check
    character's form, the province code, the birth date (a real date, not after ``today``), then
    the check character itself.
    """
    number = normalise_id_number(value)
    if len(number) != LENGTH:
        raise InvalidIdNumber(
            "wrong_length",
            gettext_noop(
                "Wrong length: a resident identity card number has 18 characters, this one has %(length)d."
            ),
            length=len(number),
        )
    if not set(number[:-1]) <= _DIGITS:
        raise InvalidIdNumber(
            "not_digits",
            gettext_noop("The first 17 characters of a resident identity card number must be digits."),
        )
    if number[-1] not in _DIGITS and number[-1] != "X":
        raise InvalidIdNumber("bad_check_character", gettext_noop("The last character must be a digit or X."))

    region = number[:6]
    if region[:2] not in PROVINCE_CODES:
        raise InvalidIdNumber(
            "invalid_region",
            gettext_noop("The region code %(region)s does not begin with a province code."),
            region=region,
        )

    birth_digits = number[6:14]
    try:
        birth_date = dt.datetime.strptime(birth_digits, "%Y%m%d").date()
    except ValueError:
        birth_date = None
    if birth_date is None or birth_date.year < EARLIEST_BIRTH_YEAR:
        raise InvalidIdNumber(
            "invalid_birth_date", gettext_noop("Invalid birth date %(digits)s."), digits=birth_digits
        )
    if birth_date > (today or _shanghai_today()):
        raise InvalidIdNumber(
            "birth_date_in_future",
            gettext_noop("Invalid birth date %(digits)s: it is in the future."),
            digits=birth_digits,
        )

    expected = check_character(number[:-1])
    if number[-1] != expected:
        raise InvalidIdNumber(
            "check_digit",
            gettext_noop("The check digit should be %(expected)s, not %(actual)s."),
            expected=expected,
            actual=number[-1],
        )
    return IdNumber(number=number, region_code=region, birth_date=birth_date, sequence=number[14:17])


def validate_id_number(value: str, *, today: dt.date | None = None) -> str:
    """Return the normalised number if it is valid, else raise ``InvalidIdNumber`` (a ValueError)."""
    return parse_id_number(value, today=today).number


def is_valid_id_number(value: str, *, today: dt.date | None = None) -> bool:
    """Return whether ``value`` is a valid resident identity card number."""
    try:
        parse_id_number(value, today=today)
    except InvalidIdNumber:
        return False
    return True


def make_id_number(region: str, birth_date: dt.date, sequence: int) -> str:
    """Build a valid number from its parts, computing the check character.

    ``sequence`` is 0–999; its last digit is odd for a man and even for a woman.
    """
    if len(region) != 6 or not set(region) <= _DIGITS or region[:2] not in PROVINCE_CODES:
        raise ValueError(f"A region code is 6 digits beginning with a province code, not {region!r}.")
    if not 0 <= sequence <= 999:
        raise ValueError(f"A sequence number is 0–999, not {sequence}.")
    if birth_date.year < EARLIEST_BIRTH_YEAR:
        raise ValueError(f"A birth year before {EARLIEST_BIRTH_YEAR} cannot be encoded.")
    first_17 = f"{region}{birth_date:%Y%m%d}{sequence:03d}"
    return first_17 + check_character(first_17)


# Masking ----------------------------------------------------------------------------------------


def mask_id_number(value: str) -> str:
    """Hide the middle of an identity document number, keeping its length.

    An 18-character number keeps its first 4 and last 4 characters ("5101**********1234");
    shorter numbers (passports, permits) keep a quarter of their length at each end, up to 4.
    """
    number = value.strip()
    keep = min(4, len(number) // 4)
    if keep == 0:
        return "*" * len(number)
    return number[:keep] + "*" * (len(number) - 2 * keep) + number[-keep:]


_COUNTRY_PREFIXES = ("+86", "0086")


def mask_phone(value: str) -> str:
    """Hide the middle digits of a phone number, keeping separators and a +86 prefix.

    A mainland mobile number keeps its first 3 and last 4 digits ("138****5678"), and so does a
    landline with its area code ("028-****-4321"); a short local number keeps only its last 4.
    """
    phone = value.strip()
    prefix = ""
    for candidate in _COUNTRY_PREFIXES:
        if phone.startswith(candidate):
            prefix, phone = candidate, phone[len(candidate) :]
            break
    digits = sum(char.isdigit() for char in phone)
    head = 3 if digits >= 10 else 0
    tail = min(4, digits // 2)
    masked = []
    seen = 0
    for char in phone:
        if char.isdigit():
            seen += 1
            masked.append(char if seen <= head or seen > digits - tail else "*")
        else:
            masked.append(char)
    return prefix + "".join(masked)
