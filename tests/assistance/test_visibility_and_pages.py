"""An uninvolved province sees nothing: 404 on every request endpoint and page, empty lists. Pages work."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from cases.assistance_kinds import AssistanceKind
from core.pages import MovedView
from tests.support.api import token_client
from tests.support.factories.assistance import attach_all, draft_request, walk
from tests.support.personas import Cast


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def _methods(view_class) -> list[str]:
    # An old step URL that moved (core.pages.moved) sends its POST on to the one shape.
    if issubclass(view_class, MovedView):
        return ["post"]
    return [m for m in ("get", "post") if hasattr(view_class, m)]


def _object_routes(fragment):
    routes = [
        (route, _methods(callback.view_class))
        for route, callback in _routes(get_resolver().url_patterns)
        if fragment in route and "<int:pk>" in route
    ]
    assert routes
    return routes


def _fill(route, pk, document_id, measure_id):
    values = {
        "pk": pk,
        "name": "accept",
        "document_id": document_id,
        "measure_id": measure_id,
        "action": "release",
    }
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), route)


@pytest.fixture
def busy_request(db):
    cast = Cast()
    request = walk(draft_request(cast.investigator, kind=AssistanceKind.FREEZING), cast, "in_progress")
    from django.utils import timezone

    from cases.assistance import services

    measure = services.property_measure_record(
        by=cast.officer, request=request, kind="deposits", target="6222", starts_on=timezone.localdate()
    )
    return request, request.documents.first(), measure, cast


def test_uninvolved_province_gets_404_on_every_request_endpoint_and_page(busy_request, qinghai_investigator):
    request, document, measure, _cast = busy_request
    client = token_client(qinghai_investigator)
    client.force_login(qinghai_investigator)
    routes = [
        (_fill(route, request.pk, document.pk, measure.pk), methods)
        for route, methods in _object_routes("assistance-requests/")
    ]
    assert any(url.startswith("/api/") for url, _ in routes) and any(
        not url.startswith("/api/") for url, _ in routes
    )
    for url, methods in routes:
        assert methods, url
        for method in methods:
            # Followed: a moved page URL sends the request on to one that must answer 404 too.
            response = getattr(client, method)(url, {}, follow=True)
            assert response.status_code == 404, (method, url, response.status_code)
    assert client.get("/api/v1/assistance-requests/").json()["results"] == []
    page = client.get("/assistance-requests/")
    assert page.status_code == 200
    assert request.number not in page.content.decode()


def test_involved_users_see_the_pages(busy_request):
    request, document, _measure, cast = busy_request
    for user in (cast.investigator, cast.intake, cast.officer):
        client = token_client(user)
        client.force_login(user)
        page = client.get(f"/assistance-requests/{request.pk}/")
        assert page.status_code == 200
        assert request.number in page.content.decode()
        assert client.get("/assistance-requests/").status_code == 200
    download = client.get(f"/assistance-requests/{request.pk}/documents/{document.pk}/")
    assert download.status_code == 200


def test_auditor_and_admin_get_404_on_pages(busy_request, auditor, system_admin):
    request, *_ = busy_request
    for user in (auditor, system_admin):
        client = token_client(user)
        client.force_login(user)
        assert client.get(f"/assistance-requests/{request.pk}/").status_code == 404
        assert client.get("/assistance-requests/").status_code == 404


def test_form_lists_the_documents_of_the_kind_and_creates_a_draft(db, cast):
    from tests.support.factories.assistance import case_in

    case = case_in("510107")
    client = token_client(cast.investigator)
    client.force_login(cast.investigator)
    page = client.get("/assistance-requests/new/?kind=detention")
    assert page.status_code == 200
    assert "拘留证" in page.content.decode() or "Detention warrant" in page.content.decode()
    fragment = client.get(
        "/assistance-requests/new/documents/?kind=evidence_collection", HTTP_HX_REQUEST="true"
    )
    assert "立案决定书" in fragment.content.decode()
    response = client.post(
        "/assistance-requests/new/",
        {
            "case": case.pk,
            "requested_unit": "530100",
            "kind": "evidence_collection",
            "urgency": "normal",
            "matters": "调取流水",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    detail = client.get(response["Location"])
    assert detail.status_code == 200


def test_transition_buttons_post_and_report_errors(db, cast):
    request = draft_request(cast.investigator)
    attach_all(cast.investigator, request)
    client = token_client(cast.investigator)
    client.force_login(cast.investigator)
    page = client.get(f"/assistance-requests/{request.pk}/").content.decode()
    assert f"/assistance-requests/{request.pk}/transitions/submit/" in page
    response = client.post(
        f"/assistance-requests/{request.pk}/transitions/submit/", {"expected_state": "draft"}
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.state == "awaiting_approval"


def test_follow_up_forms_on_the_page(busy_request):
    request, _document, measure, cast = busy_request
    client = token_client(cast.officer)
    client.force_login(cast.officer)
    page = client.get(f"/assistance-requests/{request.pk}/").content.decode()
    assert f"/assistance-requests/{request.pk}/property-measures/" in page
    assert f"/assistance-requests/{request.pk}/leads/" in page
    step_url = f"/assistance-requests/{request.pk}/property-measures/{measure.pk}/transitions/unrelated/"
    assert step_url in page
    # The old shape of the step's URL sends the POST on to the one shape.
    old = client.post(f"/assistance-requests/{request.pk}/property-measures/{measure.pk}/unrelated/")
    assert old.status_code == 308 and old["Location"] == step_url
    response = client.post(step_url, {"reason": "案外人财产"})
    assert response.status_code == 302
    measure.refresh_from_db()
    assert measure.state == "unrelated"
    page = client.get(f"/assistance-requests/{request.pk}/").content.decode()
    assert "6222" in page
