"""The drafter sees why the minutes cannot go out for signature yet (issue 20 item 2: no late refusals).

送成员单位会签 was offered as the live primary step on an empty draft and refused only when taken; the
meeting page now shows it disabled with what the draft lacks, and live once it records a decision.
"""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from meetings import resolutions
from tests.support.meetings import held_meeting, start_minutes
from tests.support.units import GUIZHOU

pytestmark = pytest.mark.django_db


def _circulate_button(html: str) -> str:
    found = re.search(r"<button[^>]*>\s*Circulate for signature \(会签\)\s*</button>", html)
    assert found, "the circulate step is not on the page"
    return found.group(0)


def test_circulate_is_disabled_with_the_reason_until_the_draft_records_something(
    client, provinces, pan_southwest
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    meeting = held_meeting(provinces, pan_southwest)
    liaison = provinces[GUIZHOU].liaison
    minutes = start_minutes(meeting, liaison)
    client.force_login(liaison)
    url = reverse("meetings:detail", args=[meeting.pk])

    page = client.get(url).content.decode()
    assert "disabled" in _circulate_button(page)
    assert "Minutes record at least one decision or a closing paragraph." in page

    resolutions.resolution_add(minutes=minutes, by=liaison, kind="note", text="下次会议由四川省公安厅承办。")
    page = client.get(url).content.decode()
    assert "disabled" not in _circulate_button(page)
    assert "Minutes record at least one decision or a closing paragraph." not in page
