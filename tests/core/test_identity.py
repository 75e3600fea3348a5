"""Resident identity card numbers (GB 11643-1999) and masking. No database: the module is pure."""

import datetime as dt

import pytest
from django.utils import translation

from core.identity import (
    IdNumber,
    InvalidIdNumber,
    check_character,
    is_valid_id_number,
    make_id_number,
    mask_id_number,
    mask_phone,
    normalise_id_number,
    parse_id_number,
    validate_id_number,
)

TODAY = dt.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def english():
    # Messages are translated when shown; the zh-hans catalogue must not change these assertions.
    with translation.override("en"):
        yield


# The standard's own examples, and numbers built by hand from the algorithm.
VALID = [
    pytest.param(
        "11010519491231002X", "11010519491231002X", dt.date(1949, 12, 31), False, id="GB 11643 example, X"
    ),
    pytest.param("11010519491231002x", "11010519491231002X", dt.date(1949, 12, 31), False, id="lowercase x"),
    pytest.param(
        "440524188001010014", "440524188001010014", dt.date(1880, 1, 1), True, id="GB 11643 example, 1880"
    ),
    pytest.param(
        " 510107199003070014 ", "510107199003070014", dt.date(1990, 3, 7), True, id="surrounding spaces"
    ),
    pytest.param(
        "５１０１０７１９９００３０７００１４",
        "510107199003070014",
        dt.date(1990, 3, 7),
        True,
        id="full-width",
    ),
    pytest.param(
        "530102200002290020", "530102200002290020", dt.date(2000, 2, 29), False, id="29 Feb of a leap year"
    ),
    pytest.param("630102202603020010", "630102202603020010", TODAY, True, id="born today"),
]


@pytest.mark.parametrize(("value", "number", "birth_date", "male"), VALID)
def test_valid_numbers(value, number, birth_date, male):
    parsed = parse_id_number(value, today=TODAY)

    assert parsed == IdNumber(
        number=number, region_code=number[:6], birth_date=birth_date, sequence=number[14:17]
    )
    assert parsed.is_male is male
    assert str(parsed) == number
    assert validate_id_number(value, today=TODAY) == number
    assert is_valid_id_number(value, today=TODAY)


INVALID = [
    pytest.param("110105194912310021", "check_digit", "The check digit should be X, not 1.", id="X expected"),
    pytest.param(
        "510107199003070018", "check_digit", "The check digit should be 4, not 8.", id="wrong check digit"
    ),
    pytest.param(
        "510107199003070214", "check_digit", "The check digit should be 7, not 4.", id="typo in sequence"
    ),
    pytest.param(
        "51010719900307001",
        "wrong_length",
        "Wrong length: a resident identity card number has 18 characters, this one has 17.",
        id="17 characters",
    ),
    pytest.param("5101071990030700140", "wrong_length", "this one has 19", id="19 characters"),
    pytest.param("510107900307001", "wrong_length", "this one has 15", id="first-generation 15 digits"),
    pytest.param("", "wrong_length", "this one has 0", id="empty"),
    pytest.param("5101071990O3070014", "not_digits", "must be digits", id="letter O for zero"),
    pytest.param("51010719900307001Y", "bad_check_character", "digit or X", id="Y as check character"),
    pytest.param("990107199003070013", "invalid_region", "region code 990107", id="no such province"),
    pytest.param("510107199002300017", "invalid_birth_date", "Invalid birth date 19900230", id="30 February"),
    pytest.param("510107199013070018", "invalid_birth_date", "Invalid birth date 19901307", id="month 13"),
    pytest.param("510107170001010019", "invalid_birth_date", "Invalid birth date 17000101", id="year 1700"),
    pytest.param("510107202603030010", "birth_date_in_future", "in the future", id="born tomorrow"),
]


@pytest.mark.parametrize(("value", "code", "message"), INVALID)
def test_invalid_numbers_say_why(value, code, message):
    with pytest.raises(InvalidIdNumber) as caught:
        parse_id_number(value, today=TODAY)

    assert caught.value.code == code
    assert message in str(caught.value)
    assert isinstance(caught.value, ValueError)
    assert not is_valid_id_number(value, today=TODAY)


def test_the_check_digit_error_names_both_characters():
    with pytest.raises(InvalidIdNumber) as caught:
        validate_id_number("510107199003070018", today=TODAY)

    assert caught.value.params == {"expected": "4", "actual": "8"}


def test_messages_are_translatable_msgids():
    with pytest.raises(InvalidIdNumber) as caught:
        validate_id_number("5101071990", today=TODAY)

    # The stored msgid is what makemessages extracts; the params fill it in any language.
    assert caught.value.message == (
        "Wrong length: a resident identity card number has 18 characters, this one has %(length)d."
    )
    assert caught.value.params == {"length": 10}


def test_future_check_uses_the_current_date_by_default():
    assert is_valid_id_number("11010519491231002X")
    assert not is_valid_id_number(make_id_number("510107", dt.date.today() + dt.timedelta(days=2), 1))


@pytest.mark.parametrize(
    ("first_17", "expected"),
    [
        ("11010519491231002", "X"),
        ("44052418800101001", "4"),
        ("51010719900307001", "4"),
        ("53010220000229002", "0"),
    ],
)
def test_check_character(first_17, expected):
    assert check_character(first_17) == expected


@pytest.mark.parametrize("first_17", ["1101051949123100", "1101051949123100X", "110105194912310022"])
def test_check_character_needs_17_digits(first_17):
    with pytest.raises(ValueError):
        check_character(first_17)


@pytest.mark.parametrize(
    ("region", "birth_date", "sequence", "expected"),
    [
        ("110105", dt.date(1949, 12, 31), 2, "11010519491231002X"),
        ("440524", dt.date(1880, 1, 1), 1, "440524188001010014"),
        ("510107", dt.date(1990, 3, 7), 1, "510107199003070014"),
    ],
)
def test_make_id_number(region, birth_date, sequence, expected):
    assert make_id_number(region, birth_date, sequence) == expected


def test_every_generated_number_is_valid():
    regions = ["500103", "510107", "520102", "530102", "540102", "630102"]
    for index in range(600):
        number = make_id_number(
            regions[index % 6], dt.date(1960, 1, 1) + dt.timedelta(days=37 * index), index
        )
        assert validate_id_number(number, today=TODAY) == number


@pytest.mark.parametrize(
    ("region", "birth_date", "sequence"),
    [
        ("51010", dt.date(1990, 1, 1), 1),
        ("99010A", dt.date(1990, 1, 1), 1),
        ("990100", dt.date(1990, 1, 1), 1),
        ("510107", dt.date(1990, 1, 1), 1000),
        ("510107", dt.date(1990, 1, 1), -1),
        ("510107", dt.date(1700, 1, 1), 1),
    ],
)
def test_make_id_number_refuses_bad_parts(region, birth_date, sequence):
    with pytest.raises(ValueError):
        make_id_number(region, birth_date, sequence)


def test_normalise():
    assert normalise_id_number(" 11010519491231002x\n") == "11010519491231002X"


# Masking ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("510104199001011234", "5101**********1234"),
        ("11010519491231002X", "1101**********002X"),
        ("E12345678", "E1*****78"),  # a passport number
        ("AB1234", "A****4"),
        ("123", "***"),
        ("", ""),
    ],
)
def test_mask_id_number(value, masked):
    assert mask_id_number(value) == masked
    assert len(mask_id_number(value)) == len(value)


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13812345678", "138****5678"),
        ("+8613812345678", "+86138****5678"),
        ("+86 138 1234 5678", "+86 138 **** 5678"),
        ("0086-13812345678", "0086-138****5678"),
        ("028-8765-4321", "028-****-4321"),
        ("87654321", "****4321"),
        ("110", "**0"),
    ],
)
def test_mask_phone(value, masked):
    assert mask_phone(value) == masked
