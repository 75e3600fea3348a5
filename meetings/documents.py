"""The documents of joint meetings: the minutes (纪要) and the crime-pattern briefing pack.

Both kinds need no approval chain of their own (documents.kinds.EXTERNAL): the minutes are approved
by every current member unit signing the same text (GB/T 9704-2012 §10.3 [S]; the signatures are their
review), the briefing pack by the briefing being frozen at the opening of the session. Whoever sees
the meeting sees its documents.
"""

from django.utils.translation import gettext_lazy as _

from documents import access as document_access
from documents import kinds as document_kinds
from meetings.models import (
    HELD_STATES,
    JointMeeting,
    MeetingState,
    Minutes,
    MinutesState,
    SignoffAction,
    minutes_digest,
)
from meetings.permissions import current_member_units
from meetings.selectors import meeting_visible_to
from organisation.models import Role

LINK_TYPE = "meetings.meeting"

MEETING_MINUTES = document_kinds.register(
    document_kinds.DocumentKindSpec(
        code="meeting_minutes",
        title="会议纪要",
        label=_("Minutes of a joint meeting (会议纪要)"),
        template_name="documents/kinds/meeting_minutes",
        # v2 (issue 19): GB/T 9704 v2 layout; the 版记 on the last lines of the last page.
        template_version=2,
        category_char="纪",
        required_fields=("masthead", "opening"),
        approval_chain=document_kinds.EXTERNAL_CHAIN,
        sealed=False,
        # Corrected minutes are signed again by every member (meetings.minutes.minutes_reopen).
        corrected_by_process=True,
    )
)

BRIEFING_PACK = document_kinds.register(
    document_kinds.DocumentKindSpec(
        code="briefing_pack",
        title="发案规律分析研判材料",
        label=_("Crime-pattern briefing pack (分析研判材料)"),
        template_name="documents/kinds/briefing_pack",
        # v2 (issue 19): GB/T 9704 v2 layout; the 版记 on the last lines of the last page.
        template_version=2,
        category_char="析",
        required_fields=("series", "period"),
        approval_chain=document_kinds.EXTERNAL_CHAIN,
        # The host's liaison officer prepares the briefing and issues its pack.
        issuer_roles=(Role.LIAISON_OFFICER, Role.UNIT_HEAD),
    )
)


def _meeting_id(document) -> int | None:
    try:
        return int(document.link_target_id)
    except (TypeError, ValueError):
        return None


def _resolve(document, user) -> bool:
    pk = _meeting_id(document)
    return pk is not None and meeting_visible_to(user).filter(pk=pk).exists()


def _minutes_approved(meeting_id: int, document) -> bool:
    minutes = (
        Minutes.objects.select_related("meeting__series")
        .filter(meeting_id=meeting_id, state__in=[MinutesState.SIGNED, MinutesState.PUBLISHED])
        .first()
    )
    if minutes is None or minutes_digest(document.data or {}) != minutes.content_digest:
        return False
    signed = set(
        minutes.signoffs.filter(
            action=SignoffAction.SIGNED, version=minutes.version, content_digest=minutes.content_digest
        ).values_list("unit_id", flat=True)
    )
    members = set(current_member_units(minutes.meeting.series))
    return bool(members) and members <= signed


def _briefing_approved(meeting_id: int) -> bool:
    return JointMeeting.objects.filter(
        pk=meeting_id,
        state__in=[MeetingState.IN_SESSION, *HELD_STATES],
        briefing__frozen_at__isnull=False,
    ).exists()


def _approved(document) -> bool:
    pk = _meeting_id(document)
    if pk is None:
        return False
    if document.kind == MEETING_MINUTES.code:
        return _minutes_approved(pk, document)
    if document.kind == BRIEFING_PACK.code:
        return _briefing_approved(pk)
    return False


def register() -> None:
    document_access.register_resolver(LINK_TYPE, _resolve)
    document_access.register_external_approval(LINK_TYPE, _approved)
