"""The steps of a meeting, of its minutes, of an action item and of a normative document, declared once.

The meeting's `minutes_*` transitions follow its minutes (meetings.minutes) and the minutes'
`complete_signing` follows the last signature: nobody takes them, so they are no steps here. The
services the steps run are meetings.scheduling, meetings.minutes, meetings.action_items and
meetings.normative, each through core.workflow.run_transition.
"""

from django.conf import settings
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.steps import DANGER, PRIMARY, SECONDARY, Machine, Need, Step
from meetings import action_items, minutes, normative, scheduling
from meetings.forms import (
    ActionCompleteForm,
    ActionWithdrawForm,
    ReasonForm,
    RescheduleForm,
    RevisionReasonForm,
)
from meetings.models import ActionItem, JointMeeting, Minutes, NormativeDocument


def _take_meeting_step(meeting, name, *, by, expected_state=None, reason="", start_at=None, end_at=None):
    fields = {key: value for key, value in (("start_at", start_at), ("end_at", end_at)) if value is not None}
    return scheduling.meeting_transition(
        meeting=meeting,
        name=name,
        by=by,
        reason=reason,
        fields=fields or None,
        expected_state=expected_state,
    )


def _take_minutes_step(record, name, *, by, expected_state=None, reason=""):
    return minutes.minutes_transition(
        minutes=record, name=name, by=by, reason=reason, expected_state=expected_state
    )


def _take_action_item_step(item, name, *, by, expected_state=None, note="", reason=""):
    return action_items.action_item_transition(
        item=item, name=name, by=by, note=note, reason=reason, expected_state=expected_state
    )


def _take_normative_step(entry, name, *, by, expected_state=None, **values):
    return normative.normative_transition(
        entry=entry, name=name, by=by, expected_state=expected_state, **values
    )


def _too_early_text() -> str:
    return gettext("The session opens at most %(minutes)d minutes before the start.") % {
        "minutes": settings.MEETING_OPEN_LEEWAY_MINUTES
    }


def _has_opening(record: Minutes) -> bool:
    return bool(record.opening.strip())


def _records_something(record: Minutes) -> bool:
    return bool(record.closing.strip()) or record.resolutions.exists()


# Read when shown: the leeway is a setting.
TOO_EARLY = lazy(_too_early_text, str)()


MEETING_MACHINE = Machine(
    JointMeeting,
    [
        Step(
            "schedule",
            _("Schedule and send the invitations"),
            emphasis=PRIMARY,
            help=_(
                "Issues the notice (会议通知): every participant gets the invitation by e-mail with a "
                "calendar entry."
            ),
        ),
        Step(
            "postpone",
            _("Postpone"),
            emphasis=SECONDARY,
            form=ReasonForm,
            help=_("Participants are told; the new date follows with “Fix the new date”."),
        ),
        # The postponed meeting's next step; the inbox does not list postponed meetings.
        Step("reschedule", _("Fix the new date"), emphasis=PRIMARY, form=RescheduleForm, waiting=False),
        Step(
            "cancel",
            _("Cancel the meeting"),
            emphasis=DANGER,
            form=ReasonForm,
            confirm=_("Cancel this meeting for every participant."),
            help=_("Every participant already invited gets a calendar cancellation."),
        ),
        # Offered weeks ahead but disabled until shortly before the start; those who run the
        # session know when it starts, so it does not wait in their inbox.
        Step(
            "open_session",
            _("Open the session"),
            emphasis=PRIMARY,
            help=_("The briefing is frozen as it stands."),
            needs=(Need(TOO_EARLY, lambda meeting: meeting.session_may_open()),),
            waiting=False,
        ),
        Step(
            "close",
            _("Close the session"),
            emphasis=PRIMARY,
            help=_("At a regular meeting the duty (轮值) passes to the next member."),
            waiting=False,
        ),
        Step("start_minutes", _("Start drafting the minutes"), emphasis=PRIMARY),
    ],
    run=_take_meeting_step,
    # A draft to schedule and a closed session whose minutes are to be drafted ("organise" also
    # lists minutes returned with comments: a step of the minutes, shown on the meeting's page).
    inbox_kinds=("meetings.organise",),
)

MINUTES_MACHINE = Machine(
    Minutes,
    [
        # The drafter's own work; the inbox does not list minutes being drafted.
        Step(
            "circulate",
            _("Circulate for signature (会签)"),
            emphasis=PRIMARY,
            help=_("The text is frozen; every member unit signs this version."),
            # Shown disabled with the reason while the draft records nothing, not refused only once
            # taken (issue 20: late refusals); Minutes.circulate still refuses it on the model.
            needs=(
                Need(_("Write the opening paragraph of the minutes."), _has_opening),
                Need(_("Minutes record at least one decision or a closing paragraph."), _records_something),
            ),
            waiting=False,
        ),
        Step(
            "revise",
            _("Take back for revision"),
            emphasis=DANGER,
            form=RevisionReasonForm,
            confirm=_("Take the minutes back: the signatures on this version no longer count."),
        ),
        Step(
            "issue",
            _("Issue the minutes (签发)"),
            emphasis=PRIMARY,
            help=_("Numbers and issues the 纪要; its resolutions then take effect."),
        ),
        Step(
            "correct",
            _("Correct the issued minutes (更正)"),
            form=RevisionReasonForm,
            waiting=False,
            help=_(
                "Reopens the text; every member signs the corrected version again and the new 纪要, once "
                "issued, supersedes the one issued now. Decisions already applied stay as they took effect."
            ),
        ),
    ],
    run=_take_minutes_step,
    inbox_kinds=("meetings.issue",),
    # The inbox lists the minutes under their meeting (whose page shows them).
    inbox_object=lambda record: ("meetings.jointmeeting", str(record.meeting_id)),
)

ACTION_ITEM_MACHINE = Machine(
    ActionItem,
    [
        Step("complete", _("Report it done"), emphasis=PRIMARY, form=ActionCompleteForm),
        Step(
            "withdraw",
            _("Withdraw the task"),
            emphasis=DANGER,
            form=ActionWithdrawForm,
            confirm=_("Withdraw this task from the unit responsible for it."),
        ),
    ],
    run=_take_action_item_step,
    inbox_kinds=("meetings.action_item",),
)

# The register's entries change state only when a later 纪要 is issued (meetings.normative): the
# steps are taken by that service, never from a page or the API.
NORMATIVE_MACHINE = Machine(
    NormativeDocument,
    [
        Step(
            "repeal",
            _("Repeal"),
            emphasis=DANGER,
            confirm=_("Repeal this normative document."),
            api=False,
            page=False,
            waiting=False,
        )
    ],
    run=_take_normative_step,
    inbox_kinds=(),
)
