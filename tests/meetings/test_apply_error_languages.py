"""Why a decision could not be applied is kept as message keys and read in the reader's language
(issue 20 item 6): it was frozen in the words of whoever issued the minutes."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from core import words
from core.exceptions import Conflict
from meetings import resolutions
from meetings.models import ApplyState, Resolution, ResolutionKind
from tests.support.api import token_client
from tests.support.meetings import published_meeting
from tests.support.units import GUIZHOU

pytestmark = pytest.mark.django_db


def stored_in_chinese(error: Exception) -> str:
    # Issued by a head who reads Chinese: the stored text must not be Chinese words.
    with translation.override("zh-hans"):
        return resolutions._messages(error)


def both(text: str) -> tuple[str, str]:
    with translation.override("en"):
        english = words.shown(text)
    with translation.override("zh-hans"):
        chinese = words.shown(text)
    return english, chinese


def test_a_refusal_on_a_field_is_kept_by_its_key_and_read_in_each_language():
    text = stored_in_chinese(ValidationError({"proceeding": [resolutions.NO_SUCH_PROCEEDING]}))

    assert text.startswith(words.PREFIX) and "管辖程序不存在" not in text
    assert both(text) == ("proceeding: No such jurisdiction proceeding.", "proceeding：管辖程序不存在。")


def test_several_refusals_are_joined_as_each_language_joins_them():
    error = ValidationError(
        {"proceeding": [resolutions.NO_SUCH_PROCEEDING], "lead_unit": [resolutions.NO_SUCH_PROCEEDING]}
    )
    english, chinese = both(stored_in_chinese(error))

    assert (
        english == "proceeding: No such jurisdiction proceeding.; lead_unit: No such jurisdiction proceeding."
    )
    assert chinese == "proceeding：管辖程序不存在。；lead_unit：管辖程序不存在。"


def test_a_conflict_and_a_refused_permission_are_kept_by_their_keys():
    conflict = stored_in_chinese(Conflict(resolutions.NO_SUCH_PROCEEDING, current_state="closed"))
    assert both(conflict) == ("No such jurisdiction proceeding. (closed)", "管辖程序不存在。（closed）")

    denied = stored_in_chinese(PermissionDenied())
    assert both(denied) == (
        "Only the head of the host unit may apply it.",
        "只有承办单位负责人可以执行此项。",
    )


def test_the_host_reads_it_on_the_page_and_in_the_api_in_its_language(client, provinces, pan_southwest):
    meeting, _participant, _item, _resolution, _action = published_meeting(
        pan_southwest, host=GUIZHOU, organiser=provinces[GUIZHOU].liaison, owner=GUIZHOU
    )
    failed = Resolution.objects.create(
        minutes=meeting.minutes,
        number=2,
        kind=ResolutionKind.NOTE,
        text="下次会议由四川省公安厅承办。",
        apply_state=ApplyState.FAILED,
        apply_error=stored_in_chinese(ValidationError({"proceeding": [resolutions.NO_SUCH_PROCEEDING]})),
        attempts=1,
    )

    def row(language: str) -> str:
        client.force_login(provinces[GUIZHOU].liaison)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        page = client.get(reverse("meetings:detail", args=[meeting.pk]))
        assert page.status_code == 200
        start = page.text.index(f'id="resolution-{failed.pk}"')
        return page.text[start : page.text.index("</li>", start)]

    assert "proceeding: No such jurisdiction proceeding." in row("en")
    assert "管辖程序不存在。" in row("zh-hans") and words.PREFIX not in row("zh-hans")

    api = token_client(provinces[GUIZHOU].head)
    url = f"/api/v1/meetings/{meeting.pk}/minutes/resolutions/"
    for language, expected in (
        ("en", "proceeding: No such jurisdiction proceeding."),
        ("zh-hans", "管辖程序不存在"),
    ):
        listed = api.get(url, HTTP_ACCEPT_LANGUAGE=language).json()
        assert expected in {item["id"]: item for item in listed}[failed.pk]["apply_error"]
