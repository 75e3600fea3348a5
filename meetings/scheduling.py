"""Scheduling services of joint meetings. Owner: H1."""


def meeting_create(
    *,
    series,
    by,
    kind,
    host_unit=None,
    title="",
    start_at=None,
    end_at=None,
    place="",
    video_link="",
    description="",
    rotation_override_reason="",
):
    raise NotImplementedError


def meeting_update(*, meeting_id, by, expected_sequence=None, **fields):
    raise NotImplementedError


def meeting_transition(*, meeting_id, name, by, reason="", fields=None, expected_state=None):
    raise NotImplementedError


def meeting_checks(meeting, *, start_at=None, end_at=None, user=None):
    raise NotImplementedError


def participant_candidates(meeting, query=""):
    raise NotImplementedError


def participant_add(
    *,
    meeting_id,
    by,
    user=None,
    unit=None,
    external_name="",
    external_affiliation="",
    email="",
    kind,
    attendance_role,
    is_chair=False,
):
    raise NotImplementedError


def participant_update(*, participant_id, by, **fields):
    raise NotImplementedError


def participant_remove(*, participant_id, by):
    raise NotImplementedError


def participant_answer(*, participant_id, by, answer, reason="", delegate=None):
    raise NotImplementedError


def attendance_record(*, participant_id, by, attended):
    raise NotImplementedError
