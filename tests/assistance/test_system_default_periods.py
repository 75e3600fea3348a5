"""Law and practice on the request page: a period an article sets shows the article, in Chinese on a
Chinese page (MPS-2020 art 353); one no article sets (the acknowledgement, art 348 sets no number;
urgency shortening) reads as a system default, 系统默认期限，非法定, never with an article."""

from django.test import Client

from cases.assistance_kinds import AssistanceKind
from core.models import Deadline
from organisation.models import Unit
from tests.support.factories.assistance import draft_request, walk
from tests.support.personas import Cast

SYSTEM_DEFAULT_ZH = "系统默认期限，非法定"
ART_353_ZH = "《公安机关办理刑事案件程序规定》第三百五十三条"


def _page(user, request) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(f"/assistance-requests/{request.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_acknowledgement_period_is_shown_as_a_system_default_mps_2020_art_348(db):
    cast = Cast()
    request = walk(draft_request(cast.investigator), cast, "sent")

    deadline = Deadline.objects.get(target_id=str(request.pk), rule_key="acknowledge_receipt")
    assert deadline.citation == ""
    html = _page(cast.intake, request)
    assert SYSTEM_DEFAULT_ZH in html


def test_an_identity_check_shows_its_article_in_chinese_mps_2020_art_353(db):
    cast = Cast(requested="520100")
    request = walk(
        draft_request(cast.investigator, to="520100", kind=AssistanceKind.IDENTITY_CHECK), cast, "received"
    )

    html = _page(cast.intake, request)
    assert ART_353_ZH in html
    assert "MPS-2020 art 353" not in html


def test_an_urgent_identity_check_runs_a_system_default_period_not_the_article_s(db):
    cast = Cast(requested="520100")
    request = walk(
        draft_request(cast.investigator, to="520100", kind=AssistanceKind.IDENTITY_CHECK, urgency="urgent"),
        cast,
        "received",
    )

    deadline = Deadline.objects.get(target_id=str(request.pk), rule_key="identity_check")
    assert (deadline.period, deadline.citation) == ("3 days", "")
    assert SYSTEM_DEFAULT_ZH in _page(cast.intake, request)


def test_a_remote_unit_s_15_days_say_the_remote_list_is_the_system_s_mps_2020_art_353(db):
    Unit.objects.filter(code="520100").update(is_remote=True)
    cast = Cast(requested="520100")
    request = walk(
        draft_request(cast.investigator, to="520100", kind=AssistanceKind.IDENTITY_CHECK), cast, "received"
    )

    html = _page(cast.intake, request)
    assert ART_353_ZH + " · 边远地区名单为系统设置，非法定" in html
