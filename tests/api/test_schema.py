"""OpenAPI 3 at /api/schema/ and Swagger UI at /api/docs/, both served entirely from the server."""

import re
from urllib.parse import urlsplit

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from openapi_spec_validator import validate

from tests.support.api import assert_error, session_client, token_client

SCHEMA_URL = "/api/schema/"
DOCS_URL = "/api/docs/"


@pytest.fixture
def schema(wuhou_investigator) -> dict:
    response = token_client(wuhou_investigator).get(SCHEMA_URL, {"format": "json"})
    assert response.status_code == 200
    return response.json()


@pytest.mark.django_db
def test_schema_validates_as_openapi_3(schema):
    validate(schema)
    assert schema["openapi"].startswith("3.")


@pytest.mark.django_db
def test_schema_is_yaml_by_default_and_json_on_request(wuhou_investigator):
    client = token_client(wuhou_investigator)
    assert client.get(SCHEMA_URL)["Content-Type"].startswith("application/vnd.oai.openapi")
    assert (
        client.get(SCHEMA_URL, HTTP_ACCEPT="application/vnd.oai.openapi+json")
        .json()["openapi"]
        .startswith("3.")
    )


@pytest.mark.django_db
def test_schema_describes_the_endpoints_the_token_and_the_error_body(schema):
    paths = schema["paths"]
    for path in (
        "/api/v1/auth/token/",
        "/api/v1/auth/logout/",
        "/api/v1/me/",
        "/api/v1/units/",
        "/api/v1/inbox/",
    ):
        assert path in paths
    unit_detail = paths["/api/v1/units/{code}/"]["get"]
    assert unit_detail["responses"]["404"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    assert set(schema["components"]["schemas"]["Error"]["required"]) == {"code", "message", "fields"}
    assert schema["components"]["securitySchemes"]["tokenAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": schema["components"]["securitySchemes"]["tokenAuth"]["description"],
    }
    assert paths["/api/v1/auth/token/"]["post"].get("security", [{}]) == [{}]
    assert {"tokenAuth": []} in paths["/api/v1/units/"]["get"]["security"]
    level = next(p for p in paths["/api/v1/units/"]["get"]["parameters"] if p["name"] == "level")
    # A 派出所 is below county level (MPS-2020 art 178: its head does not approve 立案).
    assert level["schema"]["enum"] == ["county", "ministry", "prefecture", "province", "station"]
    assert "/api/docs/" not in paths
    assert "/api/schema/" not in paths


@pytest.mark.django_db
def test_schema_generates_without_warnings(tmp_path):
    # --fail-on-warn turns every unresolved type or clashing component name into a failure, so each
    # endpoint added later must be annotated well enough for clients to be generated from it.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert (tmp_path / "schema.yaml").read_text().startswith("openapi: 3")


@pytest.mark.django_db
def test_schema_needs_authentication(api_client):
    assert_error(api_client.get(SCHEMA_URL), 401, "not_authenticated")


@pytest.mark.django_db
def test_swagger_ui_is_served_from_the_server_without_inline_script(wuhou_investigator):
    client = session_client(wuhou_investigator)

    response = client.get(DOCS_URL)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html, re.IGNORECASE)
    assert "http://" not in html and "https://" not in html
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.DOTALL)
    assert scripts
    assert all('src="' in attributes and not body.strip() for attributes, body in scripts)
    assert "<style" not in html
    assert " style=" not in html
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp

    sources = [src for attributes, _ in scripts for src in re.findall(r'src="([^"]+)"', attributes)]
    static_files = [src for src in sources if src.startswith("/static/")]
    assert len(static_files) == 2
    for src in static_files:
        assert finders.find(src.removeprefix("/static/")), src
    [init_script] = [src for src in sources if not src.startswith("/static/")]
    script = client.get(init_script.replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()
    assert urlsplit(init_script).path == DOCS_URL


@pytest.mark.django_db
def test_swagger_ui_sends_a_visitor_to_sign_in(api_client):
    response = api_client.get(DOCS_URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")
