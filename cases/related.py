"""Related cases (串并案线索): a suspect's identifier on one case that appears on another case.

Detection runs at write time, when a suspect's identity document number, phone or bank account
is written on a registered case, and for all its suspects when a case is registered: one indexed
`__in` look-up per kind of identifier, never a scan. Drafts neither match nor are matched (a
draft is nobody's business until it is accepted); revoked cases are left out too.

Only suspects count, on both sides. The issue speaks of "a suspect's ID number, a phone or a bank
account"; victims' phones and accounts would flood the units with notices that mean little (two
victims of one fraud network share no suspect), so phones and accounts are a suspect's too.

Each side's lead unit (the accepting unit while there is no lead) is told, in words that depend
on the OTHER case's handling code as DESIGN.md allows — unless the receiving unit may see that
case anyway, when it is told in full:
  普通 (normal)     number, name, offence, owning unit, kind of match and the masked value;
  内部 (internal)   only the number and owning unit (and which of its own identifiers matched);
  限制 (restricted) only that a restricted case matches, and whom to ask there.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import permissions
from cases.models import (
    Case,
    CasePerson,
    CaseState,
    HandlingCode,
    MatchKind,
    PersonBankAccount,
    PersonPhone,
    PersonRole,
    RelatedCaseMatch,
)
from cases.selectors import case_discovery_summary, case_seen_by_units, case_visible_to
from core import audit
from core.identity import mask_id_number, mask_phone
from core.notifications import notify
from core.words import texts
from core.workflow import timeline_add
from organisation.models import Membership, Role
from organisation.standing import Standing

# States of a case that match and are matched: accepted and not revoked (closed cases count: an
# old case sharing a suspect is just what a related-case notice is for).
MATCHING_STATES = tuple(
    state for state in CaseState.values if state not in (CaseState.DRAFT, CaseState.REVOKED)
)

# Who in the receiving unit is told: its heads, who decide on 串并案, and whoever opened the case
# if they still work there. Not every investigator: a city bureau has hundreds.
HEAD_ROLES = (Role.UNIT_HEAD, Role.DEPARTMENT_HEAD)
CREATOR_ROLES = (Role.INVESTIGATOR, Role.DEPARTMENT_HEAD, Role.UNIT_HEAD)

# Full sentences per combination of kinds, so that translators see each phrase whole.
_KINDS_PHRASES = {
    frozenset({MatchKind.ID_NUMBER}): gettext_lazy("identity document number"),
    frozenset({MatchKind.PHONE}): gettext_lazy("phone number"),
    frozenset({MatchKind.BANK_ACCOUNT}): gettext_lazy("bank account"),
    frozenset({MatchKind.ID_NUMBER, MatchKind.PHONE}): gettext_lazy(
        "identity document number and phone number"
    ),
    frozenset({MatchKind.ID_NUMBER, MatchKind.BANK_ACCOUNT}): gettext_lazy(
        "identity document number and bank account"
    ),
    frozenset({MatchKind.PHONE, MatchKind.BANK_ACCOUNT}): gettext_lazy("phone number and bank account"),
    frozenset({MatchKind.ID_NUMBER, MatchKind.PHONE, MatchKind.BANK_ACCOUNT}): gettext_lazy(
        "identity document number, phone number and bank account"
    ),
}

# How much of the other case a reader is told.
FULL = "full"  # the reader may see the other case: everything, with a link
SUMMARY = "summary"  # 普通: number, name, offence, owning unit
NUMBER_ONLY = "number_only"  # 内部: number and owning unit
RESTRICTED = "restricted"  # 限制: that a match exists, and whom to ask


def kinds_phrase(kinds: Iterable[str]):
    return _KINDS_PHRASES[frozenset(MatchKind(kind) for kind in kinds)]


def value_digest(kind: str, value: str) -> str:
    """Return a keyed digest of an identifier: unique per value, useless to guess ID numbers from.

    Keyed with SECRET_KEY: after a key rotation an old match is found again once and notified again.
    """
    return salted_hmac("lianban.cases.related", f"{kind}:{value}").hexdigest()


def mask_value(kind: str, value: str) -> str:
    return mask_phone(value) if kind == MatchKind.PHONE else mask_id_number(value)


@dataclass(frozen=True)
class _Hit:
    case_id: int
    other_case_id: int
    kind: str
    digest: str
    masked: str
    person_id: int
    other_person_id: int

    @property
    def key(self) -> tuple[int, int, str, str]:
        return (self.case_id, self.other_case_id, self.kind, self.digest)


# --- detection -----------------------------------------------------------------------------------


def _identifiers(case: Case, person_ids: Iterable[int] | None) -> dict[str, dict[str, int]]:
    """Return the case's suspects' identifiers by kind: {kind: {value: person id}} (three queries)."""
    suspects = CasePerson.objects.filter(case=case, role=PersonRole.SUSPECT)
    if person_ids is not None:
        suspects = suspects.filter(pk__in=list(person_ids))
    found: dict[str, dict[str, int]] = {kind: {} for kind in MatchKind.values}
    for person in suspects.only("pk", "id_type", "id_number").prefetch_related("phones", "bank_accounts"):
        if person.id_number:
            # The type is part of the value: a passport number equal to an ID number is no match.
            found[MatchKind.ID_NUMBER].setdefault(f"{person.id_type}:{person.id_number}", person.pk)
        for phone in person.phones.all():
            found[MatchKind.PHONE].setdefault(phone.number, person.pk)
        for account in person.bank_accounts.all():
            found[MatchKind.BANK_ACCOUNT].setdefault(account.account_number, person.pk)
    return found


def id_number_lookup(case_id: int, numbers: Iterable[str]):
    """Suspects of other matching cases holding one of these document numbers (partial index)."""
    return (
        CasePerson.objects.filter(id_number__in=list(numbers), role=PersonRole.SUSPECT)
        # Repeats the partial index's condition, so the planner may use the index.
        .exclude(id_number="")
        .exclude(case_id=case_id)
        .filter(case__state__in=MATCHING_STATES)
        .order_by()
        .values_list("pk", "case_id", "id_type", "id_number")
    )


def phone_lookup(case_id: int, numbers: Iterable[str]):
    """Phones of suspects of other matching cases among these numbers (index on PersonPhone.number)."""
    return (
        PersonPhone.objects.filter(number__in=list(numbers), person__role=PersonRole.SUSPECT)
        .exclude(person__case_id=case_id)
        .filter(person__case__state__in=MATCHING_STATES)
        .order_by()
        .values_list("person_id", "person__case_id", "number")
    )


def bank_account_lookup(case_id: int, numbers: Iterable[str]):
    """Accounts of suspects of other matching cases among these numbers (index on account_number)."""
    return (
        PersonBankAccount.objects.filter(account_number__in=list(numbers), person__role=PersonRole.SUSPECT)
        .exclude(person__case_id=case_id)
        .filter(person__case__state__in=MATCHING_STATES)
        .order_by()
        .values_list("person_id", "person__case_id", "account_number")
    )


def _hits(case: Case, identifiers: dict[str, dict[str, int]]) -> list[_Hit]:
    """Look each kind up once; return every match in both directions."""
    found: list[tuple[str, str, int, int, int]] = []  # kind, value, own person, other case, other person
    ids = identifiers[MatchKind.ID_NUMBER]
    if ids:
        numbers = {value.split(":", 1)[1] for value in ids}
        for person_id, other_case_id, id_type, number in id_number_lookup(case.pk, numbers):
            value = f"{id_type}:{number}"
            if value in ids:
                found.append((MatchKind.ID_NUMBER, value, ids[value], other_case_id, person_id))
    for kind, lookup in ((MatchKind.PHONE, phone_lookup), (MatchKind.BANK_ACCOUNT, bank_account_lookup)):
        values = identifiers[kind]
        if values:
            for person_id, other_case_id, value in lookup(case.pk, values):
                found.append((kind, value, values[value], other_case_id, person_id))
    hits = []
    for kind, value, own_person, other_case_id, other_person in found:
        digest = value_digest(kind, value)
        shown = value.split(":", 1)[1] if kind == MatchKind.ID_NUMBER else value
        masked = mask_value(kind, shown)
        hits.append(_Hit(case.pk, other_case_id, kind, digest, masked, own_person, other_person))
        hits.append(_Hit(other_case_id, case.pk, kind, digest, masked, other_person, own_person))
    return hits


def _record_new(hits: list[_Hit]) -> list[RelatedCaseMatch]:
    """Store the hits not stored before; return the new rows (a repeated value adds nothing)."""
    if not hits:
        return []
    case_ids = {hit.case_id for hit in hits}
    existing_filter = Q(
        case_id__in=case_ids, other_case_id__in=case_ids, value_digest__in={h.digest for h in hits}
    )
    existing = set(
        RelatedCaseMatch.objects.filter(existing_filter).values_list(
            "case_id", "other_case_id", "kind", "value_digest"
        )
    )
    new = {hit.key: hit for hit in hits if hit.key not in existing}
    if not new:
        return []
    # ignore_conflicts: a concurrent write of the same value elsewhere may have stored a row first;
    # the notification key is the row's, so whoever notifies, each notice goes out once.
    RelatedCaseMatch.objects.bulk_create(
        [
            RelatedCaseMatch(
                case_id=hit.case_id,
                other_case_id=hit.other_case_id,
                kind=hit.kind,
                value_digest=hit.digest,
                matched_value_masked=hit.masked,
                person_id=hit.person_id,
                other_person_id=hit.other_person_id,
            )
            for hit in new.values()
        ],
        ignore_conflicts=True,
    )
    stored = RelatedCaseMatch.objects.filter(existing_filter).order_by("id")
    return [
        match
        for match in stored
        if (match.case_id, match.other_case_id, match.kind, match.value_digest) in new
    ]


@transaction.atomic
def case_related_detect(*, case: Case, by, person_ids: Iterable[int] | None = None) -> list[RelatedCaseMatch]:
    """Find other cases naming one of the case's suspects' identifiers; record and notify new matches.

    `person_ids` limits the look-up to those persons (after one was added or changed); without it
    every suspect of the case is looked up (at registration). Return the new matches, both
    directions. Idempotent: a value matched before records and notifies nothing.
    """
    if case.state not in MATCHING_STATES:
        return []
    matches = _record_new(_hits(case, _identifiers(case, person_ids)))
    if not matches:
        return []
    cases = {
        found.pk: found
        for found in Case.objects.filter(pk__in={m.case_id for m in matches}).select_related(
            "offence", "accepting_unit", "lead_unit"
        )
    }
    _notify(matches, cases)
    acting = permissions.acting_unit_code(case, by) if by is not None else ""
    audit.record(
        action="cases.related_match",
        actor=by,
        acting_unit_code=acting,
        target=case,
        payload={
            # Masked values only: the audit trail never holds a personal number.
            "matches": [
                {
                    "case": m.case_id,
                    "other_case": m.other_case_id,
                    "kind": m.kind,
                    "value": m.matched_value_masked,
                }
                for m in matches
            ]
        },
    )
    kinds_by_case: dict[int, set[str]] = defaultdict(set)
    for match in matches:
        kinds_by_case[match.case_id].add(match.kind)
    for case_id, kinds in sorted(kinds_by_case.items()):
        own = case_id == case.pk
        # The other side's timeline names neither the other case nor who wrote it.
        timeline_add(
            instance=cases[case_id],
            actor=by if own else None,
            acting_unit_code=acting if own else "",
            action="related_match",
            note=_("Possible related case found: a suspect's %(kinds)s appears on another case.")
            % {"kinds": kinds_phrase(kinds)},
            data={"kinds": sorted(kinds)},
        )
    return matches


# --- notices -------------------------------------------------------------------------------------


def _unit_sees(unit, case_ids: set[int]) -> set[int]:
    """Return which of these cases the unit as such may see (the visibility rule, without grants)."""
    standing = Standing(
        roles_by_unit={unit.pk: frozenset({Role.INVESTIGATOR})}, path_by_unit={unit.pk: unit.path}
    )
    visible = Case.objects.filter(pk__in=case_ids).filter(case_seen_by_units(standing))
    return set(visible.values_list("pk", flat=True))


def _recipients(cases: dict[int, Case]) -> dict[int, list]:
    """Return the users told about each case's matches: heads of its lead unit and its creator."""
    unit_of = {case_id: case.responsible_unit.pk for case_id, case in cases.items()}
    memberships = (
        Membership.objects.current().filter(unit_id__in=set(unit_of.values())).select_related("user")
    )
    by_case: dict[int, dict[int, Any]] = defaultdict(dict)
    for membership in memberships:
        for case_id, unit_id in unit_of.items():
            if membership.unit_id != unit_id:
                continue
            is_creator = (
                membership.user_id == cases[case_id].created_by_id and membership.role in CREATOR_ROLES
            )
            if membership.role in HEAD_ROLES or is_creator:
                by_case[case_id][membership.user_id] = membership.user
    return {case_id: list(users.values()) for case_id, users in by_case.items()}


def disclosure(other: Case, *, visible: bool) -> str:
    """Return how much of `other` a reader is told: FULL, SUMMARY, NUMBER_ONLY or RESTRICTED."""
    if visible:
        return FULL
    return {
        HandlingCode.NORMAL: SUMMARY,
        HandlingCode.INTERNAL: NUMBER_ONLY,
    }.get(other.handling_code, RESTRICTED)


def _notice(own: Case, other: Case, level: str, matches: list[RelatedCaseMatch]) -> dict[str, Any]:
    owner = other.responsible_unit
    params = {
        "own_number": own.number,
        "unit": owner.name,
        "kinds": kinds_phrase({m.kind for m in matches}),
        "values": ", ".join(sorted({m.matched_value_masked for m in matches})),
    }
    if level == RESTRICTED:
        return {
            "subject": gettext_lazy(
                "Possible related case: a restricted case matches your case %(own_number)s"
            ),
            "body": gettext_lazy(
                "A restricted case elsewhere matches a suspect of your case %(own_number)s. "
                "For details, ask the legal department or the unit head of %(unit)s."
            ),
            "params": {"own_number": own.number, "unit": owner.name},
        }
    params["number"] = other.number
    if level == NUMBER_ONLY:
        return {
            "subject": gettext_lazy("Possible related case: %(number)s"),
            "body": gettext_lazy(
                "A suspect's %(kinds)s (%(values)s) of your case %(own_number)s also appears on case "
                "%(number)s of %(unit)s. For details, ask that unit."
            ),
            "params": params,
        }
    params["name"] = other.name
    # Kept in both languages: the notice names the offence in its reader's (issue 20 item 6).
    params["offence"] = texts(other.offence) if other.offence_id else "—"
    return {
        "subject": gettext_lazy("Possible related case: %(number)s %(name)s"),
        "body": gettext_lazy(
            "A suspect's %(kinds)s (%(values)s) of your case %(own_number)s also appears on case "
            "%(number)s “%(name)s” (%(offence)s) of %(unit)s."
        ),
        "params": params,
    }


def _notify(matches: list[RelatedCaseMatch], cases: dict[int, Case]) -> None:
    """Tell each case's lead unit once per other case newly matched, worded per the other's code."""
    others: dict[int, Case] = {
        found.pk: found
        for found in Case.objects.filter(pk__in={m.other_case_id for m in matches}).select_related(
            "offence", "accepting_unit", "lead_unit"
        )
    }
    grouped: dict[tuple[int, int], list[RelatedCaseMatch]] = defaultdict(list)
    for match in matches:
        grouped[(match.case_id, match.other_case_id)].append(match)
    recipients = _recipients(cases)
    seen_by_unit: dict[int, set[int]] = {}
    for (case_id, other_id), group in sorted(grouped.items()):
        own, other = cases[case_id], others[other_id]
        unit = own.responsible_unit
        if unit.pk not in seen_by_unit:
            wanted = {o for (c, o) in grouped if cases[c].responsible_unit.pk == unit.pk}
            seen_by_unit[unit.pk] = _unit_sees(unit, wanted)
        level = disclosure(other, visible=other_id in seen_by_unit[unit.pk])
        notice = _notice(own, other, level, group)
        url_case = other if level == FULL else own
        notify(
            users=recipients.get(case_id, []),
            key=f"related:{group[0].pk}:{case_id}",
            url=reverse("cases:detail", args=[url_case.pk]),
            **notice,
        )


# --- reads ---------------------------------------------------------------------------------------


def related_cases_for(case: Case, user) -> list[dict[str, Any]]:
    """Return the case's possible related cases worded as this user may be told, ready to display.

    The caller has checked that the user sees `case`. One item per other case (revoked ones left
    out), newest match first; each says how much is disclosed (`disclosure`) and carries a
    translated sentence (`text`). Restricted items the user cannot see carry only the unit to ask.
    """
    matches = list(
        RelatedCaseMatch.objects.filter(case=case)
        .exclude(other_case__state=CaseState.REVOKED)
        .select_related(
            "other_case__offence", "other_case__accepting_unit", "other_case__lead_unit", "person"
        )
        .order_by("-id")
    )
    if not matches:
        return []
    other_ids = {m.other_case_id for m in matches}
    visible = set(case_visible_to(user).filter(pk__in=other_ids).values_list("pk", flat=True))
    grouped: dict[int, list[RelatedCaseMatch]] = {}
    for match in matches:
        grouped.setdefault(match.other_case_id, []).append(match)
    items = []
    for other_id, group in grouped.items():
        other = group[0].other_case
        level = disclosure(other, visible=other_id in visible)
        owner = other.responsible_unit
        item: dict[str, Any] = {
            "disclosure": level,
            "case_id": other.pk if level == FULL else None,
            "url": reverse("cases:detail", args=[other.pk]) if level == FULL else "",
            "number": "",
            "name": "",
            "offence": "",
            "state_label": "",
            "unit_code": owner.code,
            "unit_name": owner.name,
            "matches": [],
            "found_at": min(m.created_at for m in group),
        }
        if level == FULL:
            item.update(
                number=other.number,
                name=other.name,
                offence=other.offence.name if other.offence_id else "",
                state_label=str(other.get_state_display()),
            )
        elif level != RESTRICTED:
            # What a unit that cannot see the case may be told of it: one definition, in selectors.
            summary = case_discovery_summary(other)
            item.update({key: summary.get(key, "") for key in ("number", "name", "offence")})
        if level != RESTRICTED:
            item["matches"] = [
                {
                    "kind": m.kind,
                    "kind_label": str(m.get_kind_display()),
                    "value": m.matched_value_masked,
                    "person": m.person.name if m.person_id else "",
                }
                for m in sorted(group, key=lambda m: m.pk)
            ]
        item["text"] = _item_text(item, {m.kind for m in group})
        items.append(item)
    return items


def cases_told_in_full(items: list[dict[str, Any]]) -> list[int]:
    """Return the ids of the related cases that `related_cases_for` told in full (with a link)."""
    return [item["case_id"] for item in items if item["disclosure"] == FULL]


def _item_text(item: dict[str, Any], kinds: set[str]) -> str:
    level = item["disclosure"]
    values = ", ".join(sorted({m["value"] for m in item["matches"]}))
    params = {
        "unit": item["unit_name"],
        "kinds": kinds_phrase(kinds),
        "values": values,
        "number": item["number"],
    }
    if level == RESTRICTED:
        return _(
            "A restricted case elsewhere matches a suspect of this case. "
            "For details, ask the legal department or the unit head of %(unit)s."
        ) % {"unit": item["unit_name"]}
    if level == NUMBER_ONLY:
        return _("Case %(number)s of %(unit)s names a suspect with the same %(kinds)s (%(values)s).") % params
    params.update(name=item["name"], offence=item["offence"] or "—")
    return (
        _(
            "Case %(number)s “%(name)s” (%(offence)s) of %(unit)s names a suspect "
            "with the same %(kinds)s (%(values)s)."
        )
        % params
    )
