"""A notification is kept as message ids with arguments and read in the reader's language (issue 20 item 6).

It was frozen in the language of the worker that delivered it: an officer who chose English read
Chinese subjects, and "MPS-2020 art 178" stood in the middle of Chinese text. Now the row keeps the
key and the arguments, the page (language cookie) and the API (Accept-Language) translate them when
shown, the e-mail is written in the site language, and a row written before keeps its text.
"""

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy

from cases import filing
from cases.models import CaseState
from core import words
from core.models import Notification
from core.notifications import notify
from organisation.models import Role
from tests.support.api import token_client
from tests.support.factories.cases import CaseFactory, offence
from tests.support.factories.organisation import UserFactory
from tests.support.personas import officer
from tests.support.units import WUHOU

pytestmark = pytest.mark.django_db

TASK = "A joint meeting gave your unit a task (%(citation)s): %(task)s"
DUE = "Due by %(due)s."


@pytest.fixture(autouse=True)
def _eager(eager_celery):
    """Run the outbox eagerly (tests/support/fixtures.py)."""


@pytest.fixture
def reader(db):
    return UserFactory(username="reader", email="reader@example.cn")


def deliver(user, django_capture_on_commit_callbacks, *, language="zh-hans", **values):
    # Sent while another language is active: what the row keeps must not depend on it.
    with translation.override(language), django_capture_on_commit_callbacks(execute=True):
        notify(users=[user], key="task:1", url="", **values)
    return Notification.objects.get(user=user, key="task:1")


def page(client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(reverse("organisation:notifications")).content.decode()


def api(client, language) -> dict:
    response = client.get("/api/v1/notifications/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.json()["results"][0]


def test_the_row_keeps_the_key_and_its_arguments(reader, django_capture_on_commit_callbacks):
    fraud = offence("fraud_words")
    fraud.name, fraud.name_en = "诈骗罪", "Fraud"
    fraud.save()
    row = deliver(
        reader,
        django_capture_on_commit_callbacks,
        language="en",
        subject=gettext_lazy(TASK),
        body=gettext_lazy(DUE),
        params={"citation": "MPS-2020 art 178", "task": words.texts(fraud), "due": "2026-12-10"},
    )

    assert (row.subject_msgid, row.body_msgid) == (TASK, DUE)
    assert row.message_params == {
        "citation": "MPS-2020 art 178",
        "task": {"__texts__": {"zh": "诈骗罪", "en": "Fraud"}},
        "due": "2026-12-10",
    }
    # The text in the site language is kept besides, whoever caused the notification.
    assert "第一百七十八条" in row.subject and "诈骗罪" in row.subject


def test_the_page_shows_it_in_chinese_and_in_english(reader, client, django_capture_on_commit_callbacks):
    fraud = offence("fraud_words")
    fraud.name, fraud.name_en = "诈骗罪", "Fraud"
    fraud.save()
    deliver(
        reader,
        django_capture_on_commit_callbacks,
        subject=gettext_lazy(TASK),
        body=gettext_lazy(DUE),
        params={"citation": "MPS-2020 art 178", "task": words.texts(fraud), "due": "2026-12-10"},
    )
    client.force_login(reader)

    chinese = page(client, "zh-hans")
    english = page(client, "en")

    assert "《公安机关办理刑事案件程序规定》第一百七十八条" in chinese and "诈骗罪" in chinese
    assert "MPS-2020 art 178" not in chinese and "A joint meeting" not in chinese
    assert "A joint meeting gave your unit a task (MPS-2020 art 178): Fraud" in english
    assert "Due by 2026-12-10." in english
    assert "第一百七十八条" not in english and "诈骗罪" not in english


def test_the_api_answers_in_the_language_asked(reader, django_capture_on_commit_callbacks):
    deliver(
        reader,
        django_capture_on_commit_callbacks,
        subject=gettext_lazy(TASK),
        body=gettext_lazy(DUE),
        params={"citation": "MPS-2020 art 16", "task": "协查", "due": "2026-12-10"},
    )
    client = token_client(reader)

    english, chinese = api(client, "en"), api(client, "zh-hans")

    assert english["subject"] == "A joint meeting gave your unit a task (MPS-2020 art 16): 协查"
    assert english["body"] == "Due by 2026-12-10."
    assert "第十六条" in chinese["subject"] and "MPS-2020" not in chinese["subject"]
    assert "A joint meeting" not in chinese["subject"] and "Due by" not in chinese["body"]
    # Marking read answers in the language asked too.
    marked = client.post(f"/api/v1/notifications/{english['id']}/read/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert marked["subject"] == english["subject"]


def test_the_email_is_in_the_site_language(reader, django_capture_on_commit_callbacks):
    deliver(
        reader,
        django_capture_on_commit_callbacks,
        language="en",
        subject=gettext_lazy(TASK),
        body=gettext_lazy(DUE),
        params={"citation": "MPS-2020 art 178", "task": "协查", "due": "2026-12-10"},
    )

    [email] = mail.outbox
    assert "第一百七十八条" in email.subject and "A joint meeting" not in email.subject


def test_a_row_written_before_keeps_its_text_in_every_language(reader, client):
    Notification.objects.create(user=reader, key="old:1", subject="案件已受理", body="请查看。")
    client.force_login(reader)

    assert "案件已受理" in page(client, "en") and "请查看。" in page(client, "en")
    assert api(token_client(reader), "en")["subject"] == "案件已受理"


def test_a_typed_reason_with_a_percent_sign_does_not_fail_the_page(reader, client):
    Notification.objects.create(
        user=reader,
        key="typed:1",
        subject="Assistance request %(number)s was returned: a document is defective",
        subject_msgid="Assistance request %(number)s was returned: a document is defective",
        body="完成 50% (typed)",
        body_msgid="完成 50% (typed)",
        message_params={"number": "XZ-1"},
    )
    client.force_login(reader)

    content = page(client, "en")
    assert "Assistance request XZ-1 was returned" in content and "完成 50% (typed)" in content


def test_a_request_for_filing_reaches_the_head_in_the_language_the_head_reads(
    django_capture_on_commit_callbacks,
):
    """A producer: cases.filing translated its subject in the asking officer's language (gettext)."""
    head = officer(WUHOU, Role.UNIT_HEAD)
    case = CaseFactory(state=CaseState.REGISTERED)
    with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
        filing.filing_request(case=case, by=officer(WUHOU), reasons="有犯罪事实，需要追究刑事责任。")
    row = Notification.objects.get(user=head)
    assert row.subject_msgid == "A request for filing (立案) awaits your approval: %(case)s"

    english = api(token_client(head), "en")["subject"]
    chinese = api(token_client(head), "zh-hans")["subject"]
    assert english.startswith("A request for filing (立案) awaits your approval")
    assert chinese.startswith("有呈请立案待您批准：") and "awaits" not in chinese
