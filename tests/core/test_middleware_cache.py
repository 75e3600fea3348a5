"""Every response that may carry case data is marked no-store; static assets stay cacheable."""

import pytest
from django.http import HttpResponse
from rest_framework.test import APIClient

from core.middleware import NoStoreMiddleware
from organisation.authentication import api_token_issue
from tests.support.factories.cases import CaseFactory


@pytest.fixture
def signed_in(client, wuhou_investigator):
    client.force_login(wuhou_investigator)
    return client


def _no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_pages_are_not_stored(signed_in):
    response = signed_in.get("/")
    assert response.status_code == 200
    assert _no_store(response)


def test_case_page_and_csv_export_are_not_stored(signed_in, wuhou_investigator):
    case = CaseFactory()
    page = signed_in.get(f"/cases/{case.pk}/")
    assert page.status_code == 200
    assert _no_store(page)
    export = signed_in.get("/api/v1/cases/export.csv")
    assert export.status_code == 200
    assert _no_store(export)


def test_token_api_responses_are_not_stored(wuhou_investigator):
    _, token = api_token_issue(user=wuhou_investigator)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = client.get("/api/v1/me/")
    assert response.status_code == 200
    assert _no_store(response)


def test_a_view_cannot_make_a_response_cacheable_again(signed_in, rf):
    def cacheable(request):
        response = HttpResponse(b"%PDF-1.7", content_type="application/pdf")
        response["Cache-Control"] = "public, max-age=3600"
        return response

    response = NoStoreMiddleware(cacheable)(rf.get("/documents/1/download/"))
    assert response["Cache-Control"] == "no-store"


def test_static_assets_stay_cacheable(rf, settings):
    def asset(request):
        response = HttpResponse(b"body{}", content_type="text/css")
        response["Cache-Control"] = "max-age=60, public"
        return response

    response = NoStoreMiddleware(asset)(rf.get(settings.STATIC_URL + "css/app.css"))
    assert response["Cache-Control"] == "max-age=60, public"
