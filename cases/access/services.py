"""Access requests and grants (issue 7 item 2; DESIGN.md "Visibility and security").

A user who found a case by search (`case_discoverable_by`) but cannot see it asks the unit that owns
it (its responsible unit) for access with a reason. That unit's intake officer or head grants it
with a scope and a number of days, or refuses it; the requester may withdraw it while it is open.
A grant is personal and widens `case_visible_to` until it expires (`cases.selectors._granted`): the
expiry is a condition of the query, so nothing has to run at that moment. The periodic job
"cases.grants_expired" only records each expiry once in the audit trail and tells the grantee.

Every use of a grant — the case page or API detail seen only through it, a document opened only
through a `read_documents` grant — is an audit event `cases.caseaccessgrant.use`
(`cases.selectors.grant_use_record`, `document_opened_by_grant`). A `read` grant opens the case file,
never its documents: the documents' resolvers ask for a `read_documents` grant.
"""

import datetime as dt

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.access.selectors import (
    NOTIFICATION_CONCERN,
    access_request_get_visible,
    access_request_url,
    active_grant,
)
from cases.models import AccessRequestState, AccessScope, Case, CaseAccessGrant, CaseAccessRequest
from cases.permissions import ACCESS_DECIDERS
from cases.selectors import case_discoverable_by, case_seen_by_units, case_visible_to
from core import audit, periodic
from core.exceptions import Conflict
from core.notifications import notify
from core.workflow import run_transition, timeline_add
from documents import access as document_access
from documents.kinds import REPORT_FOR_APPROVAL
from organisation.models import PATH_SEPARATOR, Membership, Unit, User
from organisation.standing import user_standing

TRANSITIONS = ("grant", "refuse", "withdraw")
MIN_DAYS, MAX_DAYS = 1, 30
DEFAULT_DAYS = 7
ACTION_USE = "cases.caseaccessgrant.use"
ACTION_EXPIRE = "cases.caseaccessgrant.expire"
# Documents linked to the case itself (cases.dossiers.CASE_LINK).
CASE_DOCUMENT_LINK = "cases.case"
EXPIRY_BATCH = 500
# A search hit's token opens the request form for this long (setting ACCESS_REQUEST_HIT_SECONDS).
DEFAULT_HIT_SECONDS = 3600
HIT_SALT = "lianban.cases.access.search-hit"
# A token is ~100 characters; anything far longer is not one (and is not worth verifying).
HIT_MAX_LENGTH = 512


# --- the way in: a search hit ---------------------------------------------------------------------


def hit_seconds() -> int:
    return int(getattr(settings, "ACCESS_REQUEST_HIT_SECONDS", DEFAULT_HIT_SECONDS))


def search_hit_token(*, user, case_id: int, search_event_id: int | None) -> str:
    """Sign the way from one search hit to the request form: this user, this case, this search.

    Issue 16 (leak 4): the form tells a case's number and owning unit (and a normal case's name and
    offence), exactly what the hit told; reachable for any id it would list every case without the
    purpose, rate limit and audit of a search. The token is personal, names the audited search it
    came from and lasts ACCESS_REQUEST_HIT_SECONDS.
    """
    return signing.dumps({"u": user.pk, "c": case_id, "s": search_event_id}, salt=HIT_SALT)


def search_hit_check(user, token, *, case_id) -> int | None:
    """Return the id of the search event a valid hit token of this user and case came from.

    Http404 for no token, a forged, mangled or expired one, one of another user or another case:
    the form's existence for a case is not revealed to anyone who did not find it by search.
    """
    if not isinstance(token, str) or not token or len(token) > HIT_MAX_LENGTH:
        raise Http404
    try:
        data = signing.loads(token, salt=HIT_SALT, max_age=hit_seconds())
    except signing.BadSignature:  # SignatureExpired is one too
        raise Http404 from None
    user_id = getattr(user, "pk", None)
    try:
        case_id = int(case_id)
    except (TypeError, ValueError):
        raise Http404 from None
    if not isinstance(data, dict) or user_id is None or data.get("u") != user_id or data.get("c") != case_id:
        raise Http404
    return data.get("s")


# --- services ------------------------------------------------------------------------------------


def _users_deciding(unit_id: int) -> list[User]:
    memberships = Membership.objects.current().filter(unit_id=unit_id, role__in=ACCESS_DECIDERS)
    return list(User.objects.filter(pk__in=memberships.values("user_id")))


def _requesting_unit(user, purpose_case: Case | None) -> Unit:
    """Name the unit the requester asks for: the one working on the stated case, else their first unit."""
    standing = user_standing(user)
    if purpose_case is not None:
        party_units = set(purpose_case.parties.values_list("unit_id", flat=True))
        for unit_id in standing.unit_ids:
            if unit_id in party_units:
                return Unit.objects.get(pk=unit_id)
    return Unit.objects.get(pk=standing.unit_ids[0])


@transaction.atomic
def access_request_create(
    *, case_id, by, reason: str, purpose_case=None, search_event_id: int | None = None
) -> CaseAccessRequest:
    """Ask the owning unit of a case found by search for access to it, with a reason.

    The page and the API reach this only with the user's own search hit (`search_hit_check`), whose
    search is named in the audit event (`search_event_id`).

    Http404 when the case is not discoverable to the user (restricted, a draft, unknown); 400 when
    the user already sees it, gives no reason, or names a purpose case they do not see; 409 when the
    user already has an open request for it.
    """
    case = case_discoverable_by(by).select_related("accepting_unit", "lead_unit").filter(pk=case_id).first()
    if case is None:
        raise Http404
    if case_visible_to(by).filter(pk=case.pk).exists():
        raise ValidationError({"case": _("You already see this case.")})
    text = (reason or "").strip()
    if not text:
        raise ValidationError({"reason": _("Give the reason why you need access to the case.")})
    if purpose_case is not None:
        purpose_id = purpose_case.pk if isinstance(purpose_case, Case) else purpose_case
        purpose_case = case_visible_to(by).filter(pk=purpose_id).first()
        if purpose_case is None:
            raise ValidationError({"purpose_case": _("Name a case of yours that you can see.")})
    if CaseAccessRequest.objects.filter(case=case, requester=by, state=AccessRequestState.REQUESTED).exists():
        raise Conflict(_("You already have an open request for access to this case."))
    owning_unit = case.responsible_unit
    requesting_unit = _requesting_unit(by, purpose_case)
    try:
        with transaction.atomic():
            access_request = CaseAccessRequest.objects.create(
                case=case,
                requester=by,
                requesting_unit=requesting_unit,
                owning_unit=owning_unit,
                reason=text,
                purpose_case=purpose_case,
            )
    except IntegrityError:
        # Two submissions raced past the check: the constraint keeps one open request.
        raise Conflict(_("You already have an open request for access to this case.")) from None
    payload = {
        "case": case.pk,
        "owning_unit": owning_unit.code,
        "purpose_case": purpose_case.pk if purpose_case else None,
        "reason": text,
        "search": search_event_id,
    }
    audit.record(
        action="cases.caseaccessrequest.create",
        actor=by,
        acting_unit_code=requesting_unit.code,
        target=access_request,
        payload=payload,
    )
    timeline_add(
        instance=access_request,
        actor=by,
        acting_unit_code=requesting_unit.code,
        action="created",
        to_state=access_request.state,
        note=text,
    )
    notify(
        users=_users_deciding(owning_unit.pk),
        key=f"cases.access:{access_request.pk}:requested",
        subject=_("Access to case %(number)s requested by %(unit)s"),
        asks=True,
        body=_("Grant it with a scope and a number of days, or refuse it with a reason."),
        url=access_request_url(access_request),
        params={"number": case.number, "unit": requesting_unit.name},
        about=(NOTIFICATION_CONCERN, access_request.pk),
    )
    return access_request


def _check_grant_input(scope: str, days) -> None:
    if scope not in AccessScope.values:
        raise ValidationError({"scope": _("Choose the case file, or the case file and its documents.")})
    if isinstance(days, bool) or not isinstance(days, int) or not MIN_DAYS <= days <= MAX_DAYS:
        raise ValidationError(
            {"days": _("Grant access for %(min)d to %(max)d days.") % {"min": MIN_DAYS, "max": MAX_DAYS}}
        )


@transaction.atomic
def access_request_transition(
    *,
    access_request: CaseAccessRequest,
    name: str,
    by,
    reason: str = "",
    scope: str = AccessScope.READ,
    days: int = DEFAULT_DAYS,
    expected_state: str | None = None,
    now: dt.datetime | None = None,
) -> CaseAccessRequest:
    """Grant, refuse or withdraw an access request through the single transition path.

    grant: by the owning unit's intake officer or head, for `days` (1 to 30) from `now` with a scope,
    making the CaseAccessGrant; refuse: the same deciders, with a reason; withdraw: the requester.
    Http404 when the user does not see the request, 409 when it moved on (or not as `expected_state`),
    403 for anyone else, 400 naming the field for bad input.
    """
    # Read afresh as the user sees it (not locked); run_transition locks and re-checks the state.
    access_request = access_request_get_visible(by, access_request.pk)
    if name not in TRANSITIONS:
        raise Http404(name)
    now = now or timezone.now()
    reason = (reason or "").strip()
    arguments: dict = {"now": now}
    audit_payload: dict = {"case": access_request.case_id}
    acting = access_request.owning_unit.code
    if name == "withdraw":
        acting = access_request.requesting_unit.code
    else:
        arguments["reason"] = reason
        if reason:
            audit_payload["reason"] = reason
    if name == "grant":
        audit_payload.update(
            scope=scope,
            days=days,
            starts_at=now,
            expires_at=now + dt.timedelta(days=days if _is_int(days) else 0),
        )

    def after(instance: CaseAccessRequest, from_state: str, to_state: str) -> None:
        # Validated here, after the permission check, so a wrong decider hears 403 before any 400;
        # a refusal rolls the whole transition back.
        url = access_request_url(instance)
        params = {"number": access_request.case.number, "unit": access_request.owning_unit.name}
        if name == "grant":
            _check_grant_input(scope, days)
            grant = CaseAccessGrant.objects.create(
                request=instance,
                case_id=instance.case_id,
                user_id=instance.requester_id,
                scope=scope,
                starts_at=now,
                expires_at=now + dt.timedelta(days=days),
                granted_by=by,
            )
            notify(
                users=[access_request.requester],
                key=f"cases.access:{instance.pk}:granted",
                subject=_("Access to case %(number)s granted until %(until)s"),
                body=_("Every use of the access is recorded in the audit trail."),
                url=reverse("cases:detail", args=[instance.case_id]),
                params={**params, "until": timezone.localtime(grant.expires_at).strftime("%Y-%m-%d %H:%M")},
            )
        elif name == "refuse":
            notify(
                users=[access_request.requester],
                key=f"cases.access:{instance.pk}:refused",
                subject=_("Access to case %(number)s refused by %(unit)s"),
                body=instance.decision_reason,
                url=url,
                params=params,
                about=(NOTIFICATION_CONCERN, instance.pk),
            )

    result = run_transition(
        model=CaseAccessRequest,
        pk=access_request.pk,
        name=name,
        by=by,
        acting_unit_code=acting,
        expected_state=expected_state,
        arguments=arguments,
        note=reason,
        audit_payload=audit_payload,
        after=after,
    )
    return result.instance


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# --- uses of a grant -----------------------------------------------------------------------------


def grant_use_audit(*, grant: CaseAccessGrant, by, path: str) -> None:
    """Record one use of a grant (the case or one of its documents seen through it)."""
    audit.record(
        action=ACTION_USE,
        actor=by,
        target=grant,
        payload={"case": grant.case_id, "grant": grant.pk, "scope": grant.scope, "path": path},
    )


def document_opened_by_grant(user, *, case_id, document) -> bool:
    """Return whether a `read_documents` grant opens the case's document to the user, auditing the use.

    A `read` grant opens the case file only. Asked by the documents' resolvers after their own rule
    said no, so a user who sees the document anyway never reaches this.
    """
    if case_id is None or not getattr(user, "is_authenticated", False):
        return False
    grant = active_grant(user, case_id, scopes=[AccessScope.READ_DOCUMENTS])
    if grant is None:
        return False
    grant_use_audit(grant=grant, by=user, path=f"documents/{document.pk}")
    return True


def _resolve_case_document(document, user) -> bool:
    """Documents linked to the case itself (its 立案决定书, cases.filing): the units that see the case see
    them, as a proceeding's or a request's documents; beyond them, a documents grant.
    """
    try:
        case_id = int(document.link_target_id)
    except (TypeError, ValueError):
        return False
    standing = user_standing(user)
    if document.kind == REPORT_FOR_APPROVAL.code:
        # The 呈请立案/不予立案报告书 is a paper to the organ's own head (MPS-2020 art 178): the units
        # above the organ, to which it would go up, read it; a party to the case (a unit asked to
        # assist) reads the decision, never the report, nor does a grant open it.
        return _above_unit(standing.unit_ids, document.issuing_unit_id)
    if standing.unit_ids and Case.objects.filter(case_seen_by_units(standing), pk=case_id).exists():
        return True
    return document_opened_by_grant(user, case_id=case_id, document=document)


def _above_unit(unit_ids, unit_id) -> bool:
    """Return whether one of `unit_ids` is an ancestor of the unit `unit_id`."""
    path = Unit.objects.filter(pk=unit_id).values_list("path", flat=True).first()
    if not unit_ids or path is None:
        return False
    return Unit.objects.filter(pk__in=unit_ids, code__in=path.split(PATH_SEPARATOR)[:-1]).exists()


document_access.register_resolver(CASE_DOCUMENT_LINK, _resolve_case_document)


# --- expiry --------------------------------------------------------------------------------------


@periodic.register("cases.grants_expired", every_seconds=300)
def grants_expired_note(*, now: dt.datetime | None = None) -> int:
    """Record each expired grant once (audit `cases.caseaccessgrant.expire`) and tell the grantee.

    The grant stopped opening the case at `expires_at` by itself; this only leaves the trace. Safe
    to run concurrently: a grant is claimed by setting `expiry_noted_at` where it is still empty.
    """
    now = now or timezone.now()
    expired = list(
        CaseAccessGrant.objects.filter(
            expires_at__lte=now, expiry_noted_at__isnull=True, revoked_at__isnull=True
        )
        .select_related("case", "user")
        .order_by("expires_at", "pk")[:EXPIRY_BATCH]
    )
    noted = 0
    for grant in expired:
        with transaction.atomic():
            claimed = CaseAccessGrant.objects.filter(pk=grant.pk, expiry_noted_at__isnull=True).update(
                expiry_noted_at=now
            )
            if not claimed:
                continue
            audit.record(
                action=ACTION_EXPIRE,
                target=grant,
                payload={
                    "case": grant.case_id,
                    "grant": grant.pk,
                    "user": grant.user_id,
                    "expired_at": grant.expires_at,
                },
            )
            notify(
                users=[grant.user],
                key=f"cases.grant:{grant.pk}:expired",
                subject=_("Your access to case %(number)s has expired"),
                body=_("Ask the owning unit again if you still need it."),
                url=reverse("access:detail", args=[grant.request_id]),
                params={"number": grant.case.number},
                about=(NOTIFICATION_CONCERN, grant.request_id),
            )
            noted += 1
    return noted
