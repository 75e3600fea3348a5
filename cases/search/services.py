"""Cross-province search (跨省查询, issue 7): find cases by a person's identifiers, name or case number.

Every search states its purpose — a case of the searcher's, or a written reason — and is recorded
in the audit trail with the normalised query and how many hits of each class it gave (DESIGN.md:
"every search with its stated purpose"). Searches are rate-limited per user.

What a hit shows follows DESIGN.md "Visibility and security":
  full     a case the user may see (`case_visible_to`): number, name, offence, unit, state and the
           matching persons' names, with a link;
  summary  another 普通 case (`case_discovery_summary`): number, name, offence, owning unit;
  minimal  another 内部 case: only number and owning unit;
  (summary and minimal hits carry the searcher's own signed, short-lived way to ask for access,
  `request_access_url` with its `request_access_token`: the request form opens from nothing else);
  限制 cases the user may not see never appear (`case_discoverable_by` leaves them out).
The search never reads persons' names, numbers or any other fact of a case it shows only as a
summary or minimal hit: matching happens in the database, and only full hits list names.

A search costs a constant number of queries however many cases it finds.
"""

import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from cases.access import services as access
from cases.models import Case, CasePerson, HandlingCode, PersonBankAccount, PersonPhone
from cases.selectors import (
    case_discoverable_by,
    case_discovery_summary,
    case_visible_to,
    grant_uses_record,
)
from cases.services import normalise_account_number, normalise_phone
from core import audit
from core.exceptions import DomainError
from core.identity import check_character
from core.models import AuditEvent
from core.words import localized
from organisation.standing import user_standing

AUDIT_ACTION = "cases.search"
# The `path` of a grant use recorded when a search shows a case only a grant opens.
SEARCH_USE_PATH = "search"
MAX_HITS = 50
# Cases with a matching person considered at most; beyond this the result is flagged truncated.
MAX_CANDIDATES = 2000
DEFAULT_RATE_PER_MINUTE = 30
RATE_WINDOW_SECONDS = 60
# First key of the per-user advisory lock that orders one user's concurrent searches.
RATE_LOCK_CLASS = 7_310_001
PURPOSE_MIN_LENGTH = 4
NAME_MIN_LENGTH = 2
# A LIKE '%…%' needs three characters for PostgreSQL's trigram index to serve it; a shorter name
# query is matched from the start of the name (LIKE '…%', which the trigram index serves too).
TRIGRAM_LENGTH = 3


class SearchKind:
    ID_NUMBER = "id_number"
    NAME = "name"
    PHONE = "phone"
    ACCOUNT = "account"
    CASE_NUMBER = "case_number"

    choices = (
        (ID_NUMBER, gettext_lazy("Identity document number")),
        (NAME, gettext_lazy("Name (Chinese characters or pinyin)")),
        (PHONE, gettext_lazy("Phone number")),
        (ACCOUNT, gettext_lazy("Bank account")),
        (CASE_NUMBER, gettext_lazy("Case number")),
    )
    values = tuple(value for value, _label in choices)


class HitClass:
    FULL = "full"
    SUMMARY = "summary"
    MINIMAL = "minimal"
    values = (FULL, SUMMARY, MINIMAL)


# Exactly the fields each class of hit carries; the property test holds the search to these.
HIT_FIELDS = {
    HitClass.FULL: frozenset(
        {
            "id",
            "hit_class",
            "number",
            "name",
            "offence",
            "unit_code",
            "unit_name",
            "state",
            "state_label",
            "handling_code",
            "persons",
            "url",
        }
    ),
    HitClass.SUMMARY: frozenset(
        {
            "id",
            "hit_class",
            "number",
            "name",
            "offence",
            "unit_code",
            "unit_name",
            "request_access_url",
            "request_access_token",
        }
    ),
    HitClass.MINIMAL: frozenset(
        {"id", "hit_class", "number", "unit_code", "unit_name", "request_access_url", "request_access_token"}
    ),
}


@dataclass(frozen=True)
class SearchResult:
    kind: str
    query: str
    hits: list[dict[str, Any]]
    truncated: bool
    counts: dict[str, int] = field(default_factory=dict)


class SearchRateLimited(DomainError):
    """Too many searches by this user in the current window; `wait` is the seconds until the next one.

    The API answers it 429 with Retry-After, the page 429 with the message (`status_code`).
    """

    code = "throttled"
    status_code = 429

    def __init__(self, wait: int):
        self.wait = wait
        super().__init__(
            ngettext(
                "Too many searches; you may search again in %(seconds)d second.",
                "Too many searches; you may search again in %(seconds)d seconds.",
                wait,
            )
            % {"seconds": wait}
        )


# --- normalising the query -----------------------------------------------------------------------

_SPACES = re.compile(r"\s+")
_ID_NUMBER = re.compile(r"\d{15}|\d{17}[\dX]")
_CASE_NUMBER = re.compile(r"[0-9A-Z]{4,24}")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_PINYIN_QUERY = re.compile(r"[a-z' ]+")


def _folded(raw: str) -> str:
    # Chinese input methods type full-width digits and letters (１２３, Ｘ); NFKC folds them.
    return unicodedata.normalize("NFKC", raw or "").strip()


def id_number_variants(raw: str) -> tuple[str, list[str]]:
    """Return the normalised number and the stored forms it may take; raise ValidationError if malformed.

    A 15-digit first-generation number (GB 11643-1989) is also sought in its 18-character form:
    "19" before the two-digit birth year and the ISO 7064 MOD 11-2 check character (GB 11643-1999).
    """
    number = _SPACES.sub("", _folded(raw)).upper()
    if not _ID_NUMBER.fullmatch(number):
        raise ValidationError(
            {"q": _("An identity card number has 18 characters (digits, the last may be X) or 15 digits.")}
        )
    if len(number) == 15:
        first_17 = number[:6] + "19" + number[6:]
        return number, [number, first_17 + check_character(first_17)]
    return number, [number]


def _person_condition(kind: str, raw: str) -> tuple[str, Q]:
    """Return the normalised query and the condition on CasePerson rows it matches."""
    if kind == SearchKind.ID_NUMBER:
        number, variants = id_number_variants(raw)
        return number, Q(id_number__in=variants) if len(variants) > 1 else Q(id_number=number)
    if kind == SearchKind.PHONE:
        try:
            phone = normalise_phone(raw)
        except ValueError:
            raise ValidationError({"q": _("A phone number has 5 to 15 digits.")}) from None
        return phone, Q(pk__in=PersonPhone.objects.filter(number=phone).values("person_id"))
    if kind == SearchKind.ACCOUNT:
        try:
            account = normalise_account_number(raw)
        except ValueError:
            raise ValidationError({"q": _("An account number has 6 to 32 digits or letters.")}) from None
        return account, Q(pk__in=PersonBankAccount.objects.filter(account_number=account).values("person_id"))
    if kind == SearchKind.NAME:
        return _name_condition(raw)
    raise ValidationError({"kind": _("Choose what to search by.")})


def _name_condition(raw: str) -> tuple[str, Q]:
    """Match a name: Chinese characters in the name, ASCII letters in its pinyin or initials.

    Partial matches: a query of three or more characters anywhere in the name, a shorter one at
    its start (so "张三" finds 张三丰, and "zsf", "zhangsan" and "sanfeng" find him too).
    """
    text = _SPACES.sub(" ", _folded(raw))
    if len(text.replace(" ", "")) < NAME_MIN_LENGTH:
        raise ValidationError({"q": _("Give at least two characters of the name.")})
    lowered = text.lower()
    if not _CJK.search(text) and _PINYIN_QUERY.fullmatch(lowered):
        letters = re.sub(r"[^a-z]", "", lowered)
        spelled = (
            Q(name_pinyin__contains=letters)
            if len(letters) >= TRIGRAM_LENGTH
            else Q(name_pinyin__startswith=letters)
        )
        return letters, spelled | Q(name_initials=letters)
    # Chinese (or another script): the written name itself; spaces inside a Chinese name are noise.
    written = text.replace(" ", "") if _CJK.search(text) else text
    if len(written) >= TRIGRAM_LENGTH:
        return written, Q(name__contains=written)
    return written, Q(name__startswith=written)


def _case_number(raw: str) -> str:
    number = _SPACES.sub("", _folded(raw)).upper()
    if not _CASE_NUMBER.fullmatch(number):
        raise ValidationError({"q": _("A case number has 4 to 24 digits or letters, e.g. A510107202600012.")})
    return number


# --- purpose and rate --------------------------------------------------------------------------


def _purpose(user, purpose_case, purpose_text: str) -> tuple[Case | None, str]:
    """Return the stated purpose; raise ValidationError naming `purpose` when there is none."""
    text = (purpose_text or "").strip()
    case = None
    if purpose_case not in (None, ""):
        pk = purpose_case.pk if isinstance(purpose_case, Case) else purpose_case
        try:
            pk = int(pk)
        except (TypeError, ValueError):
            pk = None
        case = case_visible_to(user).filter(pk=pk).only("pk", "number").first() if pk else None
        if case is None:
            raise ValidationError({"purpose_case": _("Choose a case of yours as the purpose of the search.")})
    if case is None and len(text) < PURPOSE_MIN_LENGTH:
        raise ValidationError(
            {
                "purpose": _(
                    "State the purpose of the search: choose a case of yours or write the reason "
                    "(at least 4 characters)."
                )
            }
        )
    return case, text


def rate_per_minute() -> int:
    return int(getattr(settings, "SEARCH_RATE_PER_MINUTE", DEFAULT_RATE_PER_MINUTE))


def _now():
    return timezone.now()


def _take_rate(user) -> None:
    """Raise SearchRateLimited when the user made SEARCH_RATE_PER_MINUTE searches in the last minute.

    Counted from the audit trail itself, a sliding window over the user's `cases.search` events
    (index actor_id, occurred_at): every worker counts together, nothing depends on Redis being up
    (README: rate limits live in PostgreSQL), and a refused or invalid search, never audited, never
    counts. On PostgreSQL a per-user transaction lock makes two concurrent searches of one user
    count one after the other; SQLite's IMMEDIATE transactions already do.
    """
    limit = rate_per_minute()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [RATE_LOCK_CLASS, user.pk])
    now = _now()
    recent = list(
        AuditEvent.objects.filter(
            actor_id=user.pk,
            action=AUDIT_ACTION,
            occurred_at__gt=now - timedelta(seconds=RATE_WINDOW_SECONDS),
        )
        .order_by("-occurred_at")
        .values_list("occurred_at", flat=True)[:limit]
    )
    if len(recent) >= limit:
        # The oldest of the last `limit` searches leaves the window first and frees a search.
        frees_at = recent[-1] + timedelta(seconds=RATE_WINDOW_SECONDS)
        raise SearchRateLimited(wait=max(1, math.ceil((frees_at - now).total_seconds())))


# --- the search --------------------------------------------------------------------------------


def normalise(kind: str, query: str) -> tuple[str, Q | None]:
    """Return the normalised query and the condition on persons (None for a case number)."""
    if kind not in SearchKind.values:
        raise ValidationError({"kind": _("Choose what to search by.")})
    if kind == SearchKind.CASE_NUMBER:
        return _case_number(query), None
    return _person_condition(kind, query)


def candidate_case_ids(persons: Q) -> QuerySet:
    """Return the ids of cases with a matching person, at most MAX_CANDIDATES of them (one query).

    Taken apart from the case query on purpose: joined to cases ordered newest first with a LIMIT,
    PostgreSQL may walk every case backwards looking for matches (the LIMIT trap) instead of
    asking the person indexes once. Unordered, this is an index look-up and a hash of case ids.
    """
    return (
        CasePerson.objects.filter(persons)
        .order_by()
        .values_list("case_id", flat=True)
        .distinct()[:MAX_CANDIDATES]
    )


def matching_cases(user, kind: str, query: str, case_ids: list[int] | None) -> QuerySet[Case]:
    """Return the discoverable cases matched, newest first, each annotated `is_visible`.

    `case_ids` are the candidates of a person search (`candidate_case_ids`); a case-number search
    passes None and matches the number itself.
    """
    cases = case_discoverable_by(user)
    cases = cases.filter(number=query) if case_ids is None else cases.filter(pk__in=case_ids)
    visible = case_visible_to(user).filter(pk=OuterRef("pk"))
    return (
        cases.annotate(is_visible=Exists(visible))
        .select_related("offence", "accepting_unit", "lead_unit")
        .order_by("-id")
    )


def _hit(case: Case) -> dict[str, Any] | None:
    owner = case.responsible_unit
    if case.is_visible:
        names = list(dict.fromkeys(person.name for person in getattr(case, "matched_persons", [])))
        return {
            "id": case.pk,
            "hit_class": HitClass.FULL,
            "number": case.number,
            "name": case.name,
            # The offence as the reader's language names it (issue 20 item 6): the English name in English.
            "offence": localized(case.offence) if case.offence_id else "",
            "unit_code": owner.code,
            "unit_name": owner.name,
            "state": case.state,
            "state_label": str(case.get_state_display()),
            "handling_code": case.handling_code,
            "persons": names,
            "url": reverse("cases:detail", args=[case.pk]),
        }
    if case.handling_code == HandlingCode.RESTRICTED:
        return None  # never mentioned (discoverable_by leaves these out; kept as a second guard)
    hit_class = HitClass.SUMMARY if case.handling_code == HandlingCode.NORMAL else HitClass.MINIMAL
    # The way to ask for access (a token naming this search) is added once the search is audited.
    summary = case_discovery_summary(case)
    if summary.get("offence") and case.offence_id:
        summary["offence"] = localized(case.offence)
    return {"id": case.pk, "hit_class": hit_class, **summary}


def _offer_access(hit: dict[str, Any], *, user, search_event_id: int) -> None:
    """Give a summary or minimal hit the user's own, short-lived way to the request form (issue 16)."""
    token = access.search_hit_token(user=user, case_id=hit["id"], search_event_id=search_event_id)
    hit["request_access_token"] = token
    form = reverse("access:new", args=[hit["id"]])
    hit["request_access_url"] = f"{form}?{urlencode({'hit': token})}"


@transaction.atomic
def search(*, by, kind: str, query: str, purpose_case=None, purpose_text: str = "") -> SearchResult:
    """Search the six regions' cases for a person's identifier, a name or a case number; audited.

    `purpose_case` is a case `by` may see (or its id), `purpose_text` a written reason; one of
    them is required. Raise ValidationError (fields `kind`, `q`, `purpose`, `purpose_case`),
    PermissionDenied for a user without case data, SearchRateLimited beyond SEARCH_RATE_PER_MINUTE.
    """
    if not user_standing(by).unit_ids:
        raise PermissionDenied
    normalised, persons = normalise(kind, query)
    case, text = _purpose(by, purpose_case, purpose_text)
    _take_rate(by)

    if persons is None:
        case_ids, capped = None, False
    else:
        case_ids = list(candidate_case_ids(persons))
        capped = len(case_ids) >= MAX_CANDIDATES
    cases = matching_cases(by, kind, normalised, case_ids)
    if persons is not None:
        # Names of the matching persons, for full hits only.
        matched = CasePerson.objects.filter(persons).only("pk", "case_id", "name").order_by("pk")
        cases = cases.prefetch_related(Prefetch("persons", queryset=matched, to_attr="matched_persons"))
    found = list(cases[: MAX_HITS + 1])
    truncated = capped or len(found) > MAX_HITS
    hits = [hit for hit in map(_hit, found[:MAX_HITS]) if hit is not None]
    counts = dict.fromkeys(HitClass.values, 0)
    for hit in hits:
        counts[hit["hit_class"]] += 1
    # A full hit shows a case's name, state and persons: a use of the grant when only a grant opens it.
    grant_uses_record(
        by, [hit["id"] for hit in hits if hit["hit_class"] == HitClass.FULL], path=SEARCH_USE_PATH
    )
    searched = audit.record(
        action=AUDIT_ACTION,
        actor=by,
        target=case,
        payload={
            "kind": kind,
            # The audit trail is itself restricted, so the number is kept whole: an inquiry into
            # a search must be able to say what was sought.
            "query": normalised,
            "purpose_case": case.pk if case else None,
            "purpose_case_number": case.number if case else "",
            "purpose_text": text,
            "counts": counts,
            "truncated": truncated,
        },
    )
    for hit in hits:
        if hit["hit_class"] != HitClass.FULL:
            _offer_access(hit, user=by, search_event_id=searched.pk)
    return SearchResult(kind=kind, query=normalised, hits=hits, truncated=truncated, counts=counts)
