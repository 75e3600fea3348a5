"""Notifications: through the outbox, once per user and key, in-app and by e-mail; the API and the page."""

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy
from rest_framework.test import APIClient

from core import notifications, outbox
from core.models import Notification, OutboxMessage, OutboxState
from core.notifications import notify
from tests.support.api import assert_error, session_client, token_client
from tests.support.factories.organisation import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _eager(eager_celery):
    """Run tasks eagerly here, the outbox out of back-off (tests/support/fixtures.py)."""


@pytest.fixture
def officer(db):
    return UserFactory(username="officer", email="officer@example.cn")


@pytest.fixture
def colleague(db):
    return UserFactory(username="colleague", email="colleague@example.cn")


def send(users, key="case:1:registered", **extra):
    values = {"subject": "案件已受理", "body": "请查看。", "url": "/meetings/", **extra}
    return notify(users=users, key=key, **values)


def test_notify_twice_with_one_key_makes_one_notification_and_one_email(
    officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert send([officer]) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert send([officer]) == 0
        assert send([officer, officer]) == 0

    notification = Notification.objects.get()
    assert (notification.user, notification.key) == (officer, "case:1:registered")
    assert (notification.subject, notification.body, notification.url) == (
        "案件已受理",
        "请查看。",
        "/meetings/",
    )
    assert notification.emailed_at is not None and notification.read_at is None
    assert OutboxMessage.objects.get().idempotency_key == f"notify:case:1:registered:{officer.pk}"
    assert OutboxMessage.objects.get().state == OutboxState.DONE
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["officer@example.cn"]
    assert email.subject == "案件已受理"
    assert "/meetings/" in email.body
    assert email.extra_headers["X-Lianban-Notification-Key"] == "case:1:registered"


def test_a_delivery_repeated_by_the_outbox_sends_nothing_twice(officer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send([officer])
    message = OutboxMessage.objects.get()

    # As if the worker died after its effect and the row were handed out again.
    with django_capture_on_commit_callbacks(execute=True):
        notifications.deliver(message.payload, key=message.idempotency_key)
        OutboxMessage.objects.filter(pk=message.pk).update(state=OutboxState.PENDING)
        outbox.deliver(message.pk)

    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1


def test_each_user_is_notified_and_only_those_with_an_address_get_mail(
    officer, django_capture_on_commit_callbacks
):
    no_address = UserFactory(username="no_address", email="")
    inactive = UserFactory(username="left", email="left@example.cn", is_active=False)

    with django_capture_on_commit_callbacks(execute=True):
        assert send([officer, no_address, inactive, None]) == 3

    assert set(Notification.objects.values_list("user__username", flat=True)) == {
        "officer",
        "no_address",
        "left",
    }
    assert [email.to for email in mail.outbox] == [["officer@example.cn"]]


def test_nothing_is_sent_when_the_callers_transaction_rolls_back(officer, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        send([officer])
        raise RuntimeError("the transition failed")

    assert not Notification.objects.exists()
    assert not OutboxMessage.objects.exists()
    assert mail.outbox == []


def test_subject_and_body_render_in_the_site_language_with_lazy_parameters(
    officer, django_capture_on_commit_callbacks
):
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        send(
            [officer],
            subject=gettext_lazy("This field is required."),
            body="%(answer)s · %(number)s",
            params={"answer": gettext_lazy("Yes"), "number": 12},
        )

    notification = Notification.objects.get()
    with translation.override("zh-hans"):
        required, yes = translation.gettext("This field is required."), translation.gettext("Yes")
    assert required != "This field is required." and yes == "是"
    assert notification.subject == required
    assert notification.body == "是 · 12"
    assert mail.outbox[0].subject == required


def test_a_mail_server_failure_keeps_the_notification_and_never_resends(
    officer, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    def refuse(self, fail_silently=False):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(notifications.EmailMessage, "send", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        send([officer])

    notification = Notification.objects.get()
    assert notification.emailed_at is not None
    assert "could not be sent" in caplog.text
    monkeypatch.undo()
    monkeypatch.setattr(outbox, "_broker_down_until", 0.0)
    message = OutboxMessage.objects.get()
    OutboxMessage.objects.filter(pk=message.pk).update(state=OutboxState.PENDING)
    with django_capture_on_commit_callbacks(execute=True):
        outbox.deliver(message.pk)
    assert mail.outbox == []


def test_a_key_too_long_for_the_outbox_is_refused(officer):
    with pytest.raises(ValueError, match="key"):
        send([officer], key="k" * 161)
    assert send([], key="nobody") == 0


# --- API -----------------------------------------------------------------------------------------

LIST_URL = "/api/v1/notifications/"


def make(user, count, *, start=0, read=False):
    now = timezone.now()
    Notification.objects.bulk_create(
        Notification(
            user=user,
            key=f"test:{n}",
            subject=f"通知 {n}",
            body="正文",
            url=f"/x/{n}/",
            read_at=now if read else None,
        )
        for n in range(start, start + count)
    )
    return list(Notification.objects.filter(user=user).order_by("id"))


def test_api_lists_only_own_notifications_newest_first(officer, colleague):
    own = make(officer, 3)
    make(colleague, 2, start=10)

    response = token_client(officer).get(LIST_URL)

    assert response.status_code == 200
    body = response.json()
    assert [item["id"] for item in body["results"]] == [n.pk for n in reversed(own)]
    assert body["results"][0] == {
        "id": own[-1].pk,
        "subject": "通知 2",
        "body": "正文",
        "url": "/x/2/",
        "created_at": body["results"][0]["created_at"],
        "read_at": None,
        "is_read": False,
        "dealt_at": None,
    }


def test_api_filters_unread_and_pages_by_cursor(officer):
    make(officer, 3, read=True)
    unread = make(officer, 4, start=3)[3:]
    client = token_client(officer)

    body = client.get(LIST_URL, {"unread": "true"}).json()
    assert [item["id"] for item in body["results"]] == [n.pk for n in reversed(unread)]
    assert len(client.get(LIST_URL, {"unread": "false"}).json()["results"]) == 3

    first = client.get(LIST_URL, {"page_size": 4}).json()
    second = client.get(first["next"]).json()
    assert len(first["results"]) == 4 and len(second["results"]) == 3
    assert second["next"] is None


def test_api_marks_one_and_all_read(officer):
    first, *_others = make(officer, 3)
    client = token_client(officer)

    response = client.post(f"{LIST_URL}{first.pk}/read/")
    assert response.status_code == 200
    assert response.json()["is_read"] is True
    read_at = Notification.objects.get(pk=first.pk).read_at
    assert read_at is not None
    # Reading again keeps the first time it was read.
    client.post(f"{LIST_URL}{first.pk}/read/")
    assert Notification.objects.get(pk=first.pk).read_at == read_at

    response = client.post(f"{LIST_URL}read-all/")
    assert response.json() == {"marked": 2}
    assert not Notification.objects.unread().exists()


def test_api_answers_404_for_another_users_notification(officer, colleague):
    (theirs,) = make(colleague, 1)
    client = token_client(officer)

    assert_error(client.post(f"{LIST_URL}{theirs.pk}/read/"), 404, "not_found")
    assert_error(client.post(f"{LIST_URL}999999/read/"), 404, "not_found")
    assert client.post(f"{LIST_URL}read-all/").json() == {"marked": 0}
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_api_needs_sign_in_and_csrf_for_sessions(officer):
    assert_error(APIClient().get(LIST_URL), 401, "not_authenticated")
    (own,) = make(officer, 1)
    assert session_client(officer).post(f"{LIST_URL}{own.pk}/read/").status_code == 403


def queries_for(callable_):
    with CaptureQueriesContext(connection) as captured:
        response = callable_()
    assert response.status_code == 200
    return len(captured)


def test_api_list_costs_the_same_queries_for_5_and_50_rows(officer):
    client = token_client(officer)
    client.get(LIST_URL)  # the token's first use records itself
    make(officer, 5)
    few = queries_for(lambda: client.get(LIST_URL))
    make(officer, 45, start=5)
    many = queries_for(lambda: client.get(LIST_URL))

    assert len(client.get(LIST_URL).json()["results"]) == 50
    assert few == many


# --- the page and the badge ----------------------------------------------------------------------


@pytest.fixture
def signed_in(client, officer):
    client.force_login(officer)
    return client


def test_page_lists_own_notifications_and_the_badge_counts_unread(signed_in, officer, colleague):
    make(officer, 2, read=True)
    make(officer, 3, start=2)
    make(colleague, 1, start=99)

    response = signed_in.get(reverse("organisation:notifications"))

    assert response.status_code == 200
    content = response.content.decode()
    assert "通知 4" in content and "通知 0" in content
    assert "通知 99" not in content
    assert content.count('class="notification notification--unread"') == 3
    assert 'notification-link__count">3<' in content
    # Every page carries the badge.
    assert 'notification-link__count">3<' in signed_in.get(reverse("organisation:unit-tree")).content.decode()


def test_page_shows_unread_only_on_request(signed_in, officer):
    make(officer, 1, read=True)
    make(officer, 1, start=1)

    content = signed_in.get(reverse("organisation:notifications"), {"unread": "1"}).content.decode()

    assert "通知 1" in content and "通知 0" not in content


def test_page_marks_one_and_all_read_by_post(signed_in, officer):
    first, _second, _third = make(officer, 3)

    response = signed_in.post(
        reverse("organisation:notification-read", args=[first.pk]), {"next": "/notifications/?unread=1"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/notifications/?unread=1"
    assert Notification.objects.get(pk=first.pk).read_at is not None

    response = signed_in.post(
        reverse("organisation:notifications-read-all"), {"next": "https://elsewhere.example/"}
    )
    assert response["Location"] == reverse("organisation:notifications")
    assert not Notification.objects.unread().exists()
    assert (
        "notification-link__count"
        not in signed_in.get(reverse("organisation:notifications")).content.decode()
    )

    assert signed_in.get(reverse("organisation:notification-read", args=[first.pk])).status_code == 405


def test_page_answers_404_for_another_users_notification(signed_in, colleague):
    (theirs,) = make(colleague, 1)

    assert signed_in.post(reverse("organisation:notification-read", args=[theirs.pk])).status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_page_needs_sign_in(client):
    response = client.get(reverse("organisation:notifications"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("organisation:login"))


def test_page_pages_by_id_and_costs_the_same_queries_for_5_and_50_rows(signed_in, officer):
    make(officer, 5)
    few = queries_for(lambda: signed_in.get(reverse("organisation:notifications")))
    rows = make(officer, 46, start=5)
    many = queries_for(lambda: signed_in.get(reverse("organisation:notifications")))
    assert few == many

    content = signed_in.get(reverse("organisation:notifications")).content.decode()
    assert f"?before={rows[1].pk}" in content
    older = signed_in.get(reverse("organisation:notifications"), {"before": rows[1].pk}).content.decode()
    assert "通知 0" in older and "通知 1<" not in older


# --- a notification about a case is read under the case's rule (issue 16, leak 3) ----------------


@pytest.fixture
def case_and_superior(db):
    """A case of 武侯 assisted by 渝中, and the head of 重庆市公安局 (above 渝中, not above the lead)."""
    from cases.models import CaseParty, CaseState, HandlingCode, PartyRole
    from organisation.models import Role
    from tests.support.factories.cases import CaseFactory, unit
    from tests.support.factories.organisation import member

    case = CaseFactory(
        state=CaseState.UNDER_INVESTIGATION,
        accepting_unit=unit("510107"),
        handling_code=HandlingCode.NORMAL,
        name="4·15 跨境电信网络诈骗案",
    )
    CaseParty.objects.create(case=case, unit=unit("500103"), role=PartyRole.ASSISTING)
    head = member("500000", Role.UNIT_HEAD, username="chongqing_head_notified")
    head.email = "cq@example.cn"
    head.save(update_fields=["email"])
    return case, head


def _handling(case, code):
    from cases.models import Case

    Case.objects.filter(pk=case.pk).update(handling_code=code)


def test_a_notification_about_a_case_shows_it_only_while_the_user_may_see_the_case(
    case_and_superior, django_capture_on_commit_callbacks
):
    from cases.models import HandlingCode
    from cases.selectors import case_visible_to

    case, head = case_and_superior
    with django_capture_on_commit_callbacks(execute=True):
        # One names its case by link, the other by reference.
        notify(
            users=[head],
            key=f"case:{case.pk}:linked",
            subject="协查：%(case)s",
            body="请查看%(case)s。",
            url=reverse("cases:detail", args=[case.pk]),
            params={"case": f"{case.number} {case.name}"},
        )
        notify(
            users=[head],
            key=f"case:{case.pk}:about",
            subject="协查：%(case)s",
            params={"case": f"{case.number} {case.name}"},
            about=case,
        )
    assert set(Notification.objects.values_list("about_type", "about_id")) == {("cases.case", str(case.pk))}
    client = token_client(head)
    page = session_client(head)

    def texts():
        api = client.get(LIST_URL)
        html = page.get(reverse("organisation:notifications"))
        assert api.status_code == html.status_code == 200
        return api.content.decode(), html.content.decode()

    assert all(case.name in text for text in texts())

    _handling(case, HandlingCode.RESTRICTED)
    assert not case_visible_to(head).filter(pk=case.pk).exists()
    for text in texts():
        assert case.name not in text and case.number not in text
        assert reverse("cases:detail", args=[case.pk]) not in text
    read = client.post(f"/api/v1/notifications/{Notification.objects.first().pk}/read/")
    assert read.status_code == 200 and case.name not in read.content.decode()
    # The stored row is untouched: the text comes back when the case may be seen again.
    _handling(case, HandlingCode.NORMAL)
    assert all(case.name in text for text in texts())


def test_an_email_about_a_case_restricted_before_it_went_out_names_nothing(
    case_and_superior, django_capture_on_commit_callbacks
):
    from cases.models import HandlingCode

    case, head = case_and_superior
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(users=[head], key="case:mail", subject=f"协查：{case.name}", about=case)
    _handling(case, HandlingCode.RESTRICTED)
    for callback in callbacks:
        callback()
    # The outbox delivers after commit; its e-mail goes out after the delivery's own commit.
    assert Notification.objects.filter(user=head).exists()
    assert all(case.name not in message.subject + message.body for message in mail.outbox)


def test_the_list_costs_the_same_queries_with_notifications_about_cases(case_and_superior):
    case, head = case_and_superior
    client = token_client(head)
    client.get(LIST_URL)

    def add(n, start):
        for index in range(start, start + n):
            Notification.objects.create(
                user=head,
                key=f"about:{index}",
                subject=f"通知 {index}",
                about_type="cases.case",
                about_id=str(case.pk),
            )

    add(2, 0)
    few = queries_for(lambda: client.get(LIST_URL))
    add(20, 2)
    many = queries_for(lambda: client.get(LIST_URL))
    assert few == many


def test_an_object_type_nobody_declared_is_not_shown(officer):
    Notification.objects.create(
        user=officer, key="unknown", subject="机密", about_type="nowhere.thing", about_id="1"
    )
    (row,) = list(notifications.notifications_for(officer))
    assert row.subject != "机密" and row.url == ""
