"""Reads of access requests and grants: who sees which request, and what a request may tell of its cases.

A request is seen by its requester and by the unit that decides it (`access_requests_visible_to`);
nobody else learns of it. It names its case, and the requester's purpose case, only as far as the
viewer may see each now (`CaseMention`, issue 16). Showing a case that only a grant opens is a use
of the grant, audited here as every read of a case is (`access_requests_shown`).
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case, CaseAccessGrant, CaseAccessRequest, CaseState, HandlingCode
from cases.permissions import ACCESS_DECIDERS
from cases.selectors import (
    case_discoverable_by,
    case_discovery_summary,
    case_visible_to,
    grant_uses_record,
)
from core import notifications
from organisation.standing import user_standing

# --- reads ---------------------------------------------------------------------------------------


def deciding_unit_ids(user) -> list[int]:
    """Return the units in which the user may decide access requests (intake officer or head)."""
    standing = user_standing(user)
    return [unit_id for unit_id in standing.unit_ids if standing.holds(unit_id, ACCESS_DECIDERS)]


def access_requests_visible_to(user) -> QuerySet[CaseAccessRequest]:
    """Return the requests the user may see: their own, and those addressed to a unit they decide for.

    Nobody else learns of a request (its case may be one they cannot even discover): 404.
    """
    if not getattr(user, "is_authenticated", False) or not user_standing(user).unit_ids:
        return CaseAccessRequest.objects.none()
    condition = Q(requester_id=user.pk)
    units = deciding_unit_ids(user)
    if units:
        condition |= Q(owning_unit_id__in=units)
    return CaseAccessRequest.objects.filter(condition)


def access_grants_visible_to(user) -> QuerySet[CaseAccessGrant]:
    """Return the grants of the requests the user may see (the grantee's and the deciding unit's)."""
    return CaseAccessGrant.objects.filter(request__in=access_requests_visible_to(user).values("pk"))


# --- what a request or grant shows of a case ------------------------------------------------------


@dataclass(frozen=True)
class CaseMention:
    """A case as an access request (or its grant) tells of it to one viewer, now (issue 16).

    A request is read by its requester and by the deciding unit, neither of whom need see the case it
    asks for, nor the requester's purpose case: each is shown as far as the viewer may see that case
    now (`case_visible_to`), otherwise at most as discovery allows (`case_discovery_summary`): the
    number of a normal or internal case, and of a restricted one (or a draft) only that it exists
    and whom to ask — the owning unit, which the request names anyway.
    """

    id: int | None
    number: str
    visible: bool
    unit_name: str

    @property
    def label(self) -> str:
        if self.number:
            return self.number
        return _("(a restricted case of %(unit)s)") % {"unit": self.unit_name}


def _tells_more_than_discovery(case: Case) -> bool:
    return case.state == CaseState.DRAFT or case.handling_code == HandlingCode.RESTRICTED


def case_mention(case: Case | None, *, seen: bool) -> CaseMention | None:
    """Return what may be shown of `case` to a viewer who sees it now (`seen`) or not."""
    if case is None:
        return None
    unit_name = case.responsible_unit.name
    if seen:
        return CaseMention(id=case.pk, number=case.number, visible=True, unit_name=unit_name)
    summary = {} if case.state == CaseState.DRAFT else case_discovery_summary(case)
    if not summary or summary.get("restricted"):
        return CaseMention(id=None, number="", visible=False, unit_name=unit_name)
    return CaseMention(id=case.pk, number=summary.get("number", ""), visible=False, unit_name=unit_name)


# What a notification about a request names: its case by number. It is read while the user may see
# the request and may still be told that case's number (core.notifications, issue 16): a requester
# whose case became restricted since, or a decider no longer working on it, reads a neutral text.
NOTIFICATION_CONCERN = "cases.caseaccessrequest.case"


def _notified_requests(user, ids: list[str]):
    wanted = [int(pk) for pk in ids if str(pk).isdigit()]
    # Discoverable: seen, or a registered normal or internal case, whose number search may tell.
    told = case_discoverable_by(user).values("pk")
    return access_requests_visible_to(user).filter(pk__in=wanted, case__in=told).values_list("pk", flat=True)


notifications.register_concern_type(NOTIFICATION_CONCERN, _notified_requests)


def _seen(user, field: str) -> Exists:
    """Whether the user may see the case in `field` now, in the same query as the rows."""
    return Exists(case_visible_to(user).filter(pk=OuterRef(field)))


# The shown cases' units (their responsible unit names the owner) and offence (discovery reads it).
_CASE_RELATED = tuple(
    f"{field}__{related}"
    for field in ("case", "purpose_case")
    for related in ("accepting_unit", "lead_unit", "offence")
)


def access_request_list_visible_to(user) -> QuerySet[CaseAccessRequest]:
    """Return the visible requests with what a list shows, in a constant number of queries.

    Each row carries whether the user sees its case and its purpose case now (`case_seen`,
    `purpose_case_seen`): read the cases through `access_requests_shown`, never `row.case`.
    """
    return (
        access_requests_visible_to(user)
        .select_related(
            "case",
            "requester",
            "requesting_unit",
            "owning_unit",
            "purpose_case",
            "decided_by",
            "grant_row",
            *_CASE_RELATED,
        )
        .annotate(case_seen=_seen(user, "case_id"), purpose_case_seen=_seen(user, "purpose_case_id"))
    )


def access_requests_shown(user, requests, *, path: str) -> list[CaseAccessRequest]:
    """Give each request (from `access_request_list_visible_to`) the cases it may show; return them.

    Sets `case_shown` and `purpose_case_shown` (CaseMention, or None for no purpose case), which
    the API and the pages read. Showing a case's number that discovery would not tell (a restricted
    case) is a use of an access grant when only a grant opens it: audited with `path`.
    """
    requests = list(requests)
    beyond_discovery = set()
    for item in requests:
        item.case_shown = case_mention(item.case, seen=item.case_seen)
        item.purpose_case_shown = case_mention(item.purpose_case, seen=item.purpose_case_seen)
        for case, seen in ((item.case, item.case_seen), (item.purpose_case, item.purpose_case_seen)):
            if case is not None and seen and _tells_more_than_discovery(case):
                beyond_discovery.add(case.pk)
    grant_uses_record(user, sorted(beyond_discovery), path=path)
    return requests


def access_request_get_visible(user, pk) -> CaseAccessRequest:
    """Return the request if the user may see it; raise Http404 otherwise."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    found = access_request_list_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def access_request_url(access_request: CaseAccessRequest) -> str:
    return reverse("access:detail", args=[access_request.pk])


def grant_of(access_request: CaseAccessRequest) -> CaseAccessGrant | None:
    try:
        return access_request.grant_row
    except CaseAccessGrant.DoesNotExist:
        return None


def active_grant(user, case_id: int, *, scopes=None, at=None) -> CaseAccessGrant | None:
    at = at or timezone.now()
    grants = CaseAccessGrant.objects.filter(
        case_id=case_id,
        user_id=getattr(user, "pk", None),
        revoked_at__isnull=True,
        starts_at__lte=at,
        expires_at__gt=at,
    )
    if scopes is not None:
        grants = grants.filter(scope__in=scopes)
    return grants.order_by("-expires_at").first()
