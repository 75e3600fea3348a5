"""Every kind of page the app serves passes axe-core with no serious or critical violation (issue 20 item 8).

The demo world (as `make demo` sets it up, plus the few objects it lacks: a draft request, a bulletin, an
access request, a merger proposal, an action item) is walked as the officers who use each page, one
browser context per officer, at a desk width (1366 px); the key pages (inbox, case, request, meeting)
again at a phone width (390 px), and the inbox and a case in English. Besides the pages of the URL
conf, the walk sees the project's 404 and 403 pages and forms sent back with their errors. On the sign-in,
case, request and meeting pages it also tabs from top to bottom: every stop shows the focus ring.

`test_the_walk_covers_every_page_of_the_url_conf` keeps the walk complete: every named pattern whose
view answers GET with a page is visited, or listed in `NOT_PAGES` with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import URLResolver, get_resolver, reverse
from playwright.sync_api import Browser, Page

from bulletins.models import Bulletin
from cases.access.services import access_request_create
from cases.assistance.models import AssistanceRequest
from cases.models import Case, CaseAccessRequest
from documents.models import Document
from jurisdiction.merger.services import merger_propose
from jurisdiction.models import JurisdictionProceeding, MergerProposal
from meetings.models import ActionItem, JointMeeting, MeetingSeries
from organisation.demo import DEMO_PASSWORD
from organisation.models import ExpertProfile, LiaisonAssignment, Unit, User
from tests.support.bulletins import draft as draft_bulletin
from tests.support.demo import demo  # noqa: F401 - the fixture
from tests.support.factories.assistance import draft_request
from tests.support.factories.meetings import ActionItemFactory, MinutesFactory

SERIOUS = {"serious", "critical"}
DESK = {"width": 1366, "height": 800}
PHONE = {"width": 390, "height": 844}

# Named patterns whose GET answers something other than a page of its own, so axe has nothing to check
# there; what they put into a page is checked on that page.
NOT_PAGES = {
    "assistance:kind-documents": "htmx fragment: the documents a kind needs, inside the new-request form",
    "assistance:document": "download of an uploaded scan",
    "documents:fields": "POST endpoint of the document page's field form",
    "documents:receipt": "download of a returned receipt's scan",
    "documents:download": "PDF download",
    "documents:preview": "a draft's PDF, shown inline",
    "documents:render-state": "htmx fragment the document page polls while a PDF renders",
    "bulletins:attachment": "download of an attachment",
    "meetings:checks": "htmx fragment: the warnings under the meeting form's times",
    "meetings:ics": "iCalendar file",
    "cases:dossier-progress": "htmx fragment the case page polls while a dossier is built",
    "cases:dossier-file": "dossier download",
    "audit:export": "CSV export",
    "organisation:logout": "POST only (a link or a prefetch must not end a session)",
    "organisation:lookup-units": "picker look-up (the picker's options, inside the form that has it)",
    "organisation:lookup-officers": "picker look-up (the picker's options, inside the form that has it)",
    "organisation:unit-children": "htmx fragment: a unit's subordinates, inside the unit tree",
}


def pk(model, **lookup) -> Callable[[], int]:
    return lambda: model.objects.filter(**lookup).order_by("pk").first().pk


CASE_415 = pk(Case, name__startswith="4·15")
CASE_502 = pk(Case, name__startswith="5·02")
REQUEST_TO_KUNMING = pk(AssistanceRequest, requested_unit__code="530100", state="sent")
SEARCH_415 = "?kind=case_number&q=A510107202600001&purpose=核查线索"
DRAFT_REQUEST = pk(AssistanceRequest, state="draft")
ISSUED_REPORT = pk(Document, kind="report_for_approval", state="issued")


@dataclass
class Visit:
    """A page to check: a named pattern (its arguments looked up when visited), or a raw path."""

    name: str | None = None
    kwargs: dict[str, Callable[[], object] | object] = field(default_factory=dict)
    query: str = ""
    path: str | Callable[[], str] | None = None  # where the officer starts, when not at the named page
    status: int = 200
    label: str = ""
    act: Callable[[Page], None] | None = None  # what the officer does on the page before the check
    keyboard: bool = False  # also tab through the page: every stop shows the focus ring

    def url(self) -> str:
        if self.path:
            return self.path() if callable(self.path) else self.path
        kwargs = {key: value() if callable(value) else value for key, value in self.kwargs.items()}
        return reverse(self.name, kwargs=kwargs) + self.query

    def title(self) -> str:
        return self.label or self.name or str(self.path)


# What the focused element shows: an outline of at least 2 px (the style sheet's ring), or its name.
FOCUS = """() => {
    const e = document.activeElement;
    if (!e || e === document.body) return null;
    const s = getComputedStyle(e);
    const ring = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2;
    const text = (e.textContent || "").trim().slice(0, 30);
    return ring ? "" : `${e.tagName.toLowerCase()}.${e.className} "${text}"`;
}"""


def _unringed_stops(page: Page, limit: int = 150) -> list[str]:
    """Tab from the top of the page to its end; name every stop that shows no focus ring."""
    missing: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        stop = page.evaluate(FOCUS)
        if stop is None:  # past the last stop, back to the document
            break
        if stop and stop not in missing:
            missing.append(stop)
    return missing


def _send_empty(page: Page) -> None:
    """Send the page's main form empty (the browser's own checks off): it comes back with its errors."""
    page.locator("main form").first.evaluate("form => { form.noValidate = true; }")
    page.locator("main form").first.locator("button[type=submit]").first.click()
    page.wait_for_load_state("load")


def _wrong_password(page: Page) -> None:
    page.locator("#id_username").fill("wuhou.investigator")
    page.locator("#id_password").fill("not-the-password")
    page.locator("form.form button[type=submit]").click()
    page.wait_for_load_state("load")


def _ask_for_access(page: Page) -> None:
    """Follow a search hit's link to ask for access (the page exists only with the hit)."""
    page.locator("a[href*='request-access']").first.click()
    page.wait_for_load_state("load")


def _english(page: Page) -> None:
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state("load")


# Who visits what: each officer the pages of their work.
DESK_WALK: dict[str | None, list[Visit]] = {
    None: [
        Visit("organisation:login", keyboard=True),
        Visit("organisation:login", label="sign-in refused", act=_wrong_password),
    ],
    "wuhou.investigator": [
        Visit("organisation:home"),
        Visit("organisation:notifications"),
        Visit("cases:list"),
        Visit("cases:new"),
        Visit("cases:new", label="new case sent back with errors", act=_send_empty, status=400),
        Visit("cases:detail", {"pk": CASE_415}, keyboard=True),
        Visit("cases:location-new", {"pk": CASE_415}),
        Visit("cases:person-new", {"pk": CASE_415}),
        Visit("search:index"),
        Visit(
            "search:index",
            query="?kind=case_number&q=A530100202600001&purpose_case=",
            label="search refused",
            status=400,
        ),
        Visit("assistance:list"),
        Visit("assistance:create", keyboard=True),
        Visit("assistance:detail", {"pk": REQUEST_TO_KUNMING}, keyboard=True),
        Visit("assistance:edit", {"pk": DRAFT_REQUEST}),
        Visit("bulletins:list"),
        Visit("bulletins:new"),
        Visit("bulletins:detail", {"pk": pk(Bulletin)}),
        Visit("documents:verify"),
        Visit("documents:detail", {"pk": ISSUED_REPORT}),
        Visit("access:mine"),
        Visit("meetings:list"),
        Visit("organisation:unit-tree"),
        Visit("organisation:unit-detail", {"code": "510107"}),
        Visit("registers:experts"),
        Visit("registers:liaisons"),
        Visit("organisation:password-change-required"),
        Visit(path="/cases/987654321/", status=404, label="404 page"),
        Visit("registers:expert-edit", {"pk": pk(ExpertProfile)}, status=403, label="403 page"),
        Visit("organisation:home", label="inbox in English", act=_english),
        Visit("cases:detail", {"pk": CASE_415}, label="case in English"),
    ],
    "kunming.intake": [
        Visit("organisation:home"),
        Visit("assistance:detail", {"pk": REQUEST_TO_KUNMING}, label="request, receiving side"),
    ],
    "xining.investigator": [
        # A search hit is what lets an officer ask for access to another unit's case.
        Visit("search:index", query=SEARCH_415, label="search results"),
        Visit("access:new", path=lambda: reverse("search:index") + SEARCH_415, act=_ask_for_access),
    ],
    "wuhou.unit-head": [
        Visit("jurisdiction:designation-queue"),
        Visit("jurisdiction:proceeding-detail", {"pk": pk(JurisdictionProceeding)}),
        Visit("jurisdiction:proceeding-open", {"case_id": CASE_415}),
        Visit("mergers:propose", {"case_id": CASE_415}),
        Visit("mergers:detail", {"pk": pk(MergerProposal)}),
        Visit("access:list"),
        Visit("access:detail", {"pk": pk(CaseAccessRequest)}),
        Visit("organisation:membership-proposals"),
        Visit("organisation:password-resets"),
    ],
    "wuhou.legal": [Visit("jurisdiction:review-queue")],
    "chongqing.liaison": [
        Visit("meetings:list"),
        Visit("meetings:calendar"),
        Visit("meetings:create"),
        Visit("meetings:detail", {"pk": pk(JointMeeting)}, keyboard=True),
        Visit("meetings:series", {"pk": pk(MeetingSeries)}),
        Visit("meetings:normative-documents", {"pk": pk(MeetingSeries)}),
        Visit("meetings:action-item", {"pk": pk(ActionItem)}),
        Visit("registers:expert-new"),
        Visit("registers:expert-edit", {"pk": lambda: _chongqing(ExpertProfile)}),
        Visit("registers:liaison-new"),
        Visit("registers:liaison-edit", {"pk": lambda: _chongqing(LiaisonAssignment)}),
    ],
    "admin": [Visit("documents:seals")],
    "wuhou.auditor": [Visit("audit:trail"), Visit("audit:chain")],
}

PHONE_WALK: dict[str | None, list[Visit]] = {
    "wuhou.investigator": [
        Visit("organisation:home"),
        Visit("cases:detail", {"pk": CASE_415}),
        Visit("assistance:detail", {"pk": REQUEST_TO_KUNMING}),
    ],
    "chongqing.liaison": [Visit("meetings:detail", {"pk": pk(JointMeeting)})],
}


def _chongqing(model) -> int:
    """A register entry Chongqing's liaison keeps (one of a unit within Chongqing)."""
    chongqing = Unit.objects.get(code="500000")
    return next(
        row.pk for row in model.objects.select_related("unit").order_by("pk") if chongqing.contains(row.unit)
    )


def _complete_the_demo() -> None:
    """Add what the demo world lacks for a page to show: made through the services (factories for minutes)."""
    user = User.objects.get
    case_415, case_502 = Case.objects.get(pk=CASE_415()), Case.objects.get(pk=CASE_502())
    draft_request(user(username="wuhou.investigator"), case=case_415, to="530100")
    draft_bulletin(user(username="wuhou.investigator"), "510107")
    access_request_create(
        case_id=case_415.pk, by=user(username="lhasa.investigator"), reason="核查同一团伙的线索"
    )
    merger_propose(
        into_case=case_415,
        merged_case=case_502,
        by=user(username="wuhou.unit-head"),
        ground="linked",
        reasons="两案同一话务窝点实施。",
    )
    ActionItemFactory(resolution__minutes=MinutesFactory(meeting=JointMeeting.objects.order_by("pk").first()))


def _walk(browser: Browser, base_url: str, walk: dict, viewport: dict) -> tuple[list[str], list[str]]:
    """Visit every page of the walk; return the violations and the pages that did not answer as expected."""
    axe = Axe()
    violations: list[str] = []
    wrong: list[str] = []
    for username, visits in walk.items():
        context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=viewport)
        page = context.new_page()
        if username:
            page.goto(base_url + reverse("organisation:login"))
            page.locator("#id_username").fill(username)
            page.locator("#id_password").fill(DEMO_PASSWORD)
            page.locator("form.form button[type=submit]").click()
            page.wait_for_url(re.compile(re.escape(base_url) + r"/(\?.*)?$"))
        for visit in visits:
            where = f"{visit.title()} ({username or 'signed out'}, {viewport['width']} px)"
            response = page.goto(base_url + visit.url())
            if visit.act:
                answers: list = []

                def listener(answer, seen=answers):
                    if answer.request.is_navigation_request():
                        seen.append(answer)

                page.on("response", listener)
                visit.act(page)
                page.remove_listener("response", listener)
                response = answers[-1]  # after any redirect, the page the officer is shown
            if response.status != visit.status:
                wrong.append(f"{where}: HTTP {response.status} at {page.url}, expected {visit.status}")
                continue
            for violation in axe.run(page).response["violations"]:
                if violation["impact"] in SERIOUS:
                    nodes = "; ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
                    violations.append(
                        f"{where} {page.url}: {violation['impact']} {violation['id']}"
                        f" — {violation['help']} ({nodes})"
                    )
            if visit.keyboard:
                violations += [f"{where}: no visible focus on {stop}" for stop in _unringed_stops(page)]
        context.close()
    return violations, wrong


# Error pages no URL leads to on purpose (a bad request, an expired form, an upload too large, a server
# error): rendered as their handlers render them and checked in place.
ERROR_TEMPLATES = ("400.html", "403_csrf.html", "413.html", "500.html")


def _error_pages(browser: Browser, base_url: str) -> list[str]:
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    context = browser.new_context(locale="zh-CN", viewport=DESK)
    page = context.new_page()
    page.goto(base_url + reverse("organisation:login"))  # the site's origin: the style sheet loads
    violations = []
    for name in ERROR_TEMPLATES:
        extra = {"code": "too_large", "message": "上传的文件过大。"}
        page.set_content(render_to_string(name, extra, request=None if name == "500.html" else request))
        for violation in Axe().run(page).response["violations"]:
            if violation["impact"] in SERIOUS:
                violations.append(f"{name}: {violation['impact']} {violation['id']} — {violation['help']}")
    context.close()
    return violations


@pytest.mark.browser
def test_every_page_passes_axe_at_desk_and_phone_width(browser, demo):  # noqa: F811
    _complete_the_demo()
    violations, wrong = _walk(browser, demo.url, DESK_WALK, DESK)
    phone_violations, phone_wrong = _walk(browser, demo.url, PHONE_WALK, PHONE)
    problems = wrong + phone_wrong + violations + phone_violations + _error_pages(browser, demo.url)
    assert problems == [], "\n".join(problems)


def _page_patterns() -> set[str]:
    """Every named pattern outside the admin, the API and i18n whose view answers GET."""
    names: set[str] = set()

    def walk(patterns, prefix: str, namespace: str | None) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route, pattern.namespace or namespace)
                continue
            view = getattr(pattern.callback, "view_class", None)
            if route.startswith(("admin/", "api/", "i18n/", "bench-floors/")) or not pattern.name:
                continue
            if view is not None and hasattr(view, "get"):
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns, "", None)
    return names


def test_the_walk_covers_every_page_of_the_url_conf():
    pages = _page_patterns()
    walked = {visit.name for visits in DESK_WALK.values() for visit in visits if visit.name}
    assert sorted(pages - walked - set(NOT_PAGES)) == [], "pages no officer visits in the accessibility walk"
    assert sorted(set(NOT_PAGES) - pages) == [], "stale entries of NOT_PAGES"
    assert sorted(set(NOT_PAGES) & walked) == []
