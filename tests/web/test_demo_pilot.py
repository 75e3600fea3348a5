"""The demo as a pilot (issue 20 item 7): DEBUG off, the project's own error pages, no developer links
in an officer's menu, accounts for every unit the scenarios reach, and the overdue request it promises."""

import re
import shlex
from pathlib import Path

import pytest
from django.core.management import call_command

from cases.models import Case
from jurisdiction.facts import case_analysis
from jurisdiction.models import JurisdictionProceeding
from meetings.agenda import agenda_candidates
from meetings.management.commands.seed_meeting_series import SERIES
from meetings.models import AgendaSource, JointMeeting
from organisation.demo import demo_seed
from organisation.models import Membership, Role, User
from tests.support.processes import ROOT, run_django

# What a unit must have for the worked scenarios to be played through by the demo accounts alone:
# its officer, legal department and head (a consultation's position, a transfer, a handover), its
# intake officer (requests received) and its liaison officer (meetings, registers).
SCENARIO_ROLES = {
    Role.INVESTIGATOR,
    Role.LEGAL_OFFICER,
    Role.UNIT_HEAD,
    Role.INTAKE_OFFICER,
    Role.LIAISON_OFFICER,
}


def demo_environment() -> dict[str, str]:
    """Return the variables the Makefile's `make demo` serves with (its DEMO_ENV line)."""
    makefile = (ROOT / "Makefile").read_text()
    line = re.search(r"^DEMO_ENV\s*:=\s*(.*)$", makefile, re.MULTILINE)
    assert line, "the Makefile names the demo's environment in DEMO_ENV"
    return dict(item.split("=", 1) for item in shlex.split(line.group(1)))


# Through the WSGI entry point gunicorn loads (it refuses to start while a production variable is
# missing), then an unknown URL. The collected static files are the demo's (make setup-demo); here
# the plain storage stands in for them, since collecting takes a minute.
SERVE_AN_UNKNOWN_URL = """
import config.wsgi
from django.conf import settings as s
from django.test import Client, override_settings
plain = {**s.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
with override_settings(STORAGES=plain):
    response = Client().get("/no-such-page/", HTTP_HOST="127.0.0.1")
body = response.content.decode()
print("DEBUG", s.DEBUG)
print("STATUS", response.status_code)
print("URLCONF", "URLconf" in body or "Using the URLconf" in body)
print("OWN_PAGE", "error-page__code" in body and "页面不存在" in body)
print("SIGNING", s.DOCUMENT_SIGNING)
print("HTTP", s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.SECURE_HSTS_SECONDS)
print("STATIC", s.STORAGES["staticfiles"]["BACKEND"])
"""


def test_make_demo_serves_with_debug_off_and_answers_the_projects_404(tmp_path):
    env = {**demo_environment(), "LIANBAN_VAR_DIR": str(tmp_path)}
    result = run_django(env, "-c", SERVE_AN_UNKNOWN_URL)
    assert result.returncode == 0, result.stderr
    seen = dict(line.split(" ", 1) for line in result.stdout.splitlines() if " " in line)
    assert seen["DEBUG"] == "False"
    assert seen["STATUS"] == "404"
    assert seen["URLCONF"] == "False"
    assert seen["OWN_PAGE"] == "True"
    # The demo signs with its local CA, over plain HTTP on the loopback address, static files by WhiteNoise.
    assert seen["SIGNING"] == "demo"
    assert seen["HTTP"] == "False False 0"
    assert seen["STATIC"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    # Its keys are generated under the var directory, as with DEBUG on.
    assert (tmp_path / "secret-key").exists() and (tmp_path / "audit-checkpoint-key").exists()


def test_make_demo_collects_the_static_files_it_serves():
    makefile = (ROOT / "Makefile").read_text()
    setup = re.search(r"^setup-demo:(.*)$", makefile, re.MULTILINE).group(1)
    assert "var/.static-collected" in setup
    recipe = re.search(r"^var/\.static-collected:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE).group(1)
    assert "$(DEMO_ENV) $(PY) manage.py collectstatic --noinput" in recipe
    serve = (ROOT / "bin" / "demo-serve").read_text()
    assert "runserver" not in serve and "gunicorn" in serve


@pytest.mark.django_db
def test_the_demo_seeds_run_with_the_demo_flag_and_debug_off(settings):
    settings.DEBUG = False
    settings.DEMO = True
    call_command("seed_demo", verbosity=0)
    assert User.objects.filter(username="yunyan.legal").exists()


@pytest.fixture
def demo_world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.CELERY_TASK_ALWAYS_EAGER = True
    demo_seed()
    for command in ("seed_demo_cases", "seed_meeting_series", "seed_demo_meetings"):
        call_command(command, "--force", verbosity=0)


def _held_roles() -> dict[str, set[str]]:
    held: dict[str, set[str]] = {}
    for code, role in Membership.objects.filter(user__username__contains=".").values_list(
        "unit__code", "role"
    ):
        held.setdefault(code, set()).add(role)
    return held


@pytest.mark.django_db
@pytest.mark.usefixtures("demo_world")
def test_every_candidate_unit_of_the_seeded_scenarios_has_its_demo_officers():
    units = set()
    for case in Case.objects.all():
        units |= {candidate.unit.code for candidate in case_analysis(case).candidates}
        units.add(case.accepting_unit.code)
    for proceeding in JurisdictionProceeding.objects.all():
        units |= set(proceeding.parties.values_list("unit__code", flat=True))
    # 云岩 (the suspect's habitual residence) and 盘龙 (a victim) are candidates of the 4·15 case.
    assert {"520103", "530103"} <= units
    held = _held_roles()
    missing = {code: sorted(SCENARIO_ROLES - held.get(code, set())) for code in units}
    assert {code: roles for code, roles in missing.items() if roles} == {}


@pytest.mark.django_db
@pytest.mark.usefixtures("demo_world")
def test_the_demo_meeting_offers_an_overdue_request_for_its_agenda():
    meeting = JointMeeting.objects.get(series__name=SERIES[0].name)
    overdue = [c for c in agenda_candidates(meeting) if c.source_kind == AgendaSource.REQUEST_OVERDUE]
    assert len(overdue) == 1
    assert "贵阳市公安局南明区分局" in overdue[0].summary


@pytest.mark.django_db
@pytest.mark.usefixtures("demo_world")
def test_an_uninvolved_officer_and_an_unknown_id_get_the_projects_404(client):
    case = Case.objects.get(external_number="DEMO-2026-0415")
    client.force_login(User.objects.get(username="qinghai.investigator"))
    for url in (
        f"/cases/{case.pk}/",
        "/cases/987654321/",
        "/assistance-requests/987654321/",
        "/no-such-page/",
    ):
        response = client.get(url)
        body = response.content.decode()
        assert response.status_code == 404, url
        assert "URLconf" not in body, url
        assert "页面不存在" in body and 'class="error-page__code">404<' in body, url
        # A way back, and no trace of the case.
        assert "返回待办" in body, url
        assert "4·15" not in body, url


@pytest.mark.django_db
def test_api_documentation_is_in_the_administrators_menu_only(client, wuhou_investigator, system_admin):
    client.force_login(wuhou_investigator)
    assert 'href="/api/docs/"' not in client.get("/").content.decode()
    client.force_login(system_admin)
    assert 'href="/api/docs/"' in client.get("/").content.decode()


# The Content-Security-Policy allows no inline style (style-src 'self'): an attribute, a <style>
# element or a script writing one is refused by the browser with a console error. The printed
# documents (WeasyPrint, no browser) and drf-spectacular's note about its page are exempt.
INLINE_STYLE = re.compile(
    r"""\sstyle\s*=\s*["']|<style[\s>]|\.style\.|\.cssText|setAttribute\(\s*["']style"""
)
EXEMPT = ("templates/documents/",)


def test_no_page_template_or_script_of_ours_carries_an_inline_style():
    files = [
        *Path(ROOT, "templates").rglob("*.html"),
        *(path for path in Path(ROOT).glob("*/templates/**/*.html")),
        *(path for path in Path(ROOT, "static", "js").rglob("*.js")),
    ]
    assert files
    offenders = []
    for path in files:
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith(EXEMPT) or relative.startswith(".venv/"):
            continue
        text = path.read_text(encoding="utf-8")
        # Template comments may name what they avoid.
        text = re.sub(r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}", "", text, flags=re.DOTALL)
        if INLINE_STYLE.search(text):
            offenders.append(relative)
    assert offenders == []


def test_check_deploy_refuses_the_demo_settings(tmp_path):
    """The demo's relaxations never pass for production: the demo CA and plain HTTP are refused."""
    env = {**demo_environment(), "LIANBAN_VAR_DIR": str(tmp_path)}
    result = run_django(env, "manage.py", "check", "--deploy")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    for check in ("documents.E002", "security.W008", "security.W012"):
        assert check in output, check
