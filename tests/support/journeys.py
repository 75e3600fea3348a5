"""A journey through the pages as a named officer would walk it, with what the pilot asked of every step.

`Journey` wraps Playwright pages and keeps the promises of issue 20's "done when":

- every click, tick and choice is counted (`click`, `check`, `choose`); text is typed only through `type`,
  which refuses anything that looks like a division code, an organisation code or a username: an
  officer picks units and people, never types their codes;
- every page reached is checked with axe-core (no serious or critical violation) and its browser
  console is watched (no error, no failed or refused request);
- `expect_turn` asserts that the page shows the user whose turn it is a live primary step;
- every page load is timed (server answer and full load), so the record names the slowest page.

`Journey.record()` writes the journey's figures to test-artifacts/journeys/<name>.json, and
`documented_clicks` reads the count that docs/journeys.md states, so a test can hold the document to
what the walk measured.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tests.support.browser import ARTIFACTS

DOC = Path(__file__).resolve().parents[2] / "docs" / "journeys.md"
SERIOUS = {"serious", "critical"}

# What an officer must never have to type: a 6-digit division or unit code, a 12-digit organ code,
# a username of the demo's `<place>.<role>` form or of the test factories' `<place>_<role>` form.
TYPED_CODE = re.compile(r"^\s*(\d{6}|\d{12}|[a-z]+[._-][a-z-]+\d*)\s*$")

_axe = Axe()


@dataclass
class PageTiming:
    url: str
    server_ms: float
    load_ms: float


@dataclass
class Journey:
    """One named journey; `open_as` gives each named user a page of their own."""

    name: str
    browser: Browser
    base_url: str
    password: str
    viewport: dict = field(default_factory=lambda: {"width": 1366, "height": 800})
    clicks: int = 0
    keys: int = 0  # key presses of a keyboard-only walk (`press`, `tab_to`); typed text is not counted
    typed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    timings: list[PageTiming] = field(default_factory=list)
    axe_checked: set[str] = field(default_factory=set)
    _contexts: list[BrowserContext] = field(default_factory=list)

    # --- users -----------------------------------------------------------------------------------
    def open_as(self, username: str, *, keyboard: bool = False, viewport: dict | None = None) -> Page:
        """Sign in as `username` in a browser of their own and land on their inbox (待办).

        With `keyboard`, the sign-in form is reached with Tab and sent with Enter, as a keyboard user does.
        With `viewport`, this user's screen differs from the journey's (one officer on a phone).
        """
        context = self.browser.new_context(
            locale="zh-CN", timezone_id="Asia/Shanghai", viewport=viewport or self.viewport
        )
        self._contexts.append(context)
        page = context.new_page()
        self._watch(page, username)
        self.goto(page, "/login/")
        if keyboard:
            self.tab_to(page.locator("#id_username"))
            page.keyboard.type(username)  # signing in is the one place a username is typed
            self.press(page, "Tab")
            page.keyboard.type(self.password)
            self.press(page, "Enter", navigates=True)
        else:
            page.locator("#id_username").fill(username)  # signing in is the one place a username is typed
            page.locator("#id_password").fill(self.password)
            self.click(page.locator("form.form button[type=submit]"))
        expect(page).to_have_url(re.compile(re.escape(self.base_url) + r"/(\?.*)?$"))
        return page

    def close(self) -> None:
        for context in self._contexts:
            context.close()
        self._contexts.clear()

    # --- actions ---------------------------------------------------------------------------------
    def goto(self, page: Page, path: str) -> None:
        """Open a page by address: only for the start of a journey (a bookmark), never to skip a click."""
        page.goto(self.base_url + path)
        self._arrived(page)

    def click(self, target: Locator) -> None:
        """Click, count it, and check the page it leads to when it navigates."""
        page = target.page
        before = page.url
        submits = target_is_form_submit(target)  # read before the click: the element may be gone after
        if submits and target_is_htmx_submit(target):
            page.evaluate("() => { window.__journeyBeforeRefresh = true; }")  # gone once the page reloads
            # htmx posts in the background and answers a success with HX-Redirect, which the page
            # follows only after the answer: wait for it, or the old page would be checked again.
            with page.expect_response(lambda r: r.request.method == "POST") as answer:
                target.click()
            redirect = answer.value.headers.get("hx-redirect")
            if redirect:
                page.wait_for_url(re.compile(re.escape(redirect) + r"(#.*)?$"))
            elif answer.value.headers.get("hx-refresh") == "true":
                # HX-Refresh (a fact added on the case page): htmx reloads the page after the answer.
                page.wait_for_function("() => !window.__journeyBeforeRefresh", polling=50)
        else:
            target.click()
        self.clicks += 1
        page.wait_for_load_state("load")
        if page.url != before or submits:
            self._arrived(page)

    def check(self, target: Locator) -> None:
        target.check()
        self.clicks += 1

    def attach(self, file_input: Locator, files) -> None:
        """Choose a file (a scan) for an upload field: one click on the field, then the file dialog."""
        file_input.set_input_files(files)
        self.clicks += 1

    # --- the keyboard alone (issue 20 item 8) ----------------------------------------------------
    def press(self, page: Page, key: str, *, navigates: bool = False) -> None:
        """Press one key, count it, and check the page it leads to when it submits or follows a link."""
        if navigates:
            with page.expect_navigation():
                page.keyboard.press(key)
            self._arrived(page)
        else:
            page.keyboard.press(key)
        self.keys += 1

    def tab_to(self, target: Locator, *, limit: int = 250, backwards: bool = False) -> int:
        """Press Tab (Shift+Tab) until `target` has the focus; every control passed shows its focus.

        Fails when the target is never reached (a control out of the tab order, a focus trap) or when
        a focused control shows no focus ring (no outline and no box shadow under :focus-visible).
        """
        page = target.page
        key = "Shift+Tab" if backwards else "Tab"
        for presses in range(1, limit + 1):
            self.press(page, key)
            state = target.evaluate(_FOCUS_STATE)  # one round trip a key: the walk stays quick
            assert state["visible"], f"focus not visible on {state['what']} ({page.url})"
            if state["reached"]:
                return presses
        raise AssertionError(f"{key} never reached {target} in {limit} presses ({page.url})")

    def keyboard_type(self, page: Page, text: str) -> None:
        """Type into the focused field, with the same refusal of codes and usernames as `type`."""
        assert not TYPED_CODE.match(text), f"the journey typed a code or username: {text!r}"
        page.keyboard.type(text)
        self.typed.append(text)

    def choose(self, select: Locator, label: str | re.Pattern) -> None:
        """Pick an option of a select by its visible label (one click to open, one to choose).

        A pattern chooses the first option whose label it finds, for a label that carries a number
        or a state the walk cannot know in advance ("超期协作请求 R510107… · 已发送").
        """
        if isinstance(label, re.Pattern):
            labels = [text.strip() for text in select.locator("option").all_text_contents()]
            found = next((text for text in labels if label.search(text)), None)
            assert found is not None, f"no option matches {label.pattern!r}: {labels}"
            label = found
        select.select_option(label=label)
        self.clicks += 2

    def pick(self, picker_input: Locator, text: str, option: str | re.Pattern) -> None:
        """Type part of a name into a picker and choose the matching option with a click."""
        self.type(picker_input, text)
        listbox_option = picker_input.page.get_by_role("option", name=option).first
        expect(listbox_option).to_be_visible()
        self.click(listbox_option)

    def type(self, target: Locator, text: str) -> None:
        """Fill a field with words the officer writes; codes and usernames are refused."""
        assert not TYPED_CODE.match(text), f"the journey typed a code or username: {text!r}"
        target.fill(text)
        self.typed.append(text)

    # --- assertions ------------------------------------------------------------------------------
    def expect_turn(self, page: Page, step: str | re.Pattern | None = None) -> Locator:
        """Assert that the page shows a live primary step (named `step` when given) and return it."""
        # Only a primary step the user can see counts: a step's form folded away (a closed <details>)
        # may come first in the page and is no step in front of the officer.
        primary = page.locator(".button--primary:not([disabled]):visible")
        if step is not None:
            primary = primary.filter(has_text=step)
        expect(primary.first).to_be_visible()
        return primary.first

    def assert_clean(self) -> None:
        assert self.problems == [], "\n".join(self.problems)

    # --- record ----------------------------------------------------------------------------------
    @property
    def slowest(self) -> PageTiming | None:
        return max(self.timings, key=lambda timing: timing.load_ms, default=None)

    def record(self) -> dict:
        slowest = self.slowest
        figures = {
            "journey": self.name,
            "viewport": f"{self.viewport['width']}x{self.viewport['height']}",
            "clicks": self.clicks,
            "keys": self.keys,
            "typed": self.typed,
            "pages": len(self.timings),
            "axe_checked_pages": sorted(self.axe_checked),
            "slowest_page": slowest and {
                "url": slowest.url,
                "server_ms": round(slowest.server_ms),
                "load_ms": round(slowest.load_ms),
            },
        }
        folder = ARTIFACTS / "journeys"
        folder.mkdir(parents=True, exist_ok=True)
        label = f"{self.name}-{self.viewport['width']}"
        text = json.dumps(figures, ensure_ascii=False, indent=2)
        (folder / f"{label}.json").write_text(text, encoding="utf-8")
        return figures

    # --- internals -------------------------------------------------------------------------------
    def _watch(self, page: Page, who: str) -> None:
        page.on("console", lambda m: m.type == "error" and self.problems.append(f"{who} console: {m.text}"))
        page.on("pageerror", lambda error: self.problems.append(f"{who} page error: {error}"))
        page.on(
            "response",
            lambda r: r.status >= 400 and self.problems.append(f"{who} HTTP {r.status}: {r.url}"),
        )
        page.on(
            "requestfailed",
            lambda r: self.problems.append(f"{who} failed: {r.method} {r.url} {r.failure}"),
        )

    def _arrived(self, page: Page) -> None:
        page.wait_for_load_state("load")
        timing = page.evaluate(
            """() => {
                const n = performance.getEntriesByType('navigation')[0];
                return n ? [n.responseStart - n.requestStart, n.loadEventEnd || performance.now()] : [0, 0];
            }"""
        )
        path = re.sub(r"^https?://[^/]+", "", page.url)
        self.timings.append(PageTiming(path, timing[0], timing[1]))
        self._axe(page, path)

    def _axe(self, page: Page, path: str) -> None:
        results = _axe.run(page)
        serious = [v for v in results.response["violations"] if v["impact"] in SERIOUS]
        self.axe_checked.add(_page_kind(path))
        for violation in serious:
            targets = "; ".join(", ".join(node["target"]) for node in violation["nodes"][:5])
            self.problems.append(
                f"axe {violation['impact']} {violation['id']} on {path}: {violation['help']} ({targets})"
            )


# What the focused element is and whether it shows the focus (an outline or a box shadow, the ring).
_FOCUS_STATE = """(target) => {
    const e = document.activeElement;
    if (!e || e === document.body) return {visible: true, what: 'body', reached: false};
    // A date or time field's last Tab stop is its calendar button, inside the browser's own shadow
    // tree: the field is the active element without :focus-visible, and Chromium rings the button.
    const dated = ['date', 'datetime-local', 'time', 'month', 'week'].includes(e.type);
    if (dated && !e.matches(':focus-visible')) {
        return {visible: true, what: e.tagName + ' calendar button', reached: e === target};
    }
    const s = getComputedStyle(e);
    const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
    const shown = e.getClientRects().length > 0;
    const what = e.tagName + (e.id ? '#' + e.id : '') + (e.name ? '[name=' + e.name + ']' : '')
        + ' ' + (e.textContent || '').trim().slice(0, 30);
    return {visible: ring && shown, what, reached: e === target};
}"""


def target_is_form_submit(target: Locator) -> bool:
    return bool(target.evaluate("e => !!(e.form && (e.type === 'submit' || e.tagName === 'BUTTON'))"))


def target_is_htmx_submit(target: Locator) -> bool:
    return bool(target.evaluate("e => !!(e.form && e.form.closest('[hx-post]'))"))


def _page_kind(path: str) -> str:
    """Name a page by its address with ids folded, so the record lists kinds of page, not rows."""
    return re.sub(r"/\d+(?=/|$)", "/<id>", path.split("?")[0])


def documented_clicks(journey: str, width: int) -> int | None:
    """Read the click count docs/journeys.md states for a journey at a width (None when not stated)."""
    row = re.compile(rf"^\|\s*{re.escape(journey)}\s*\|\s*{width}\s*\|\s*(\d+)\s*\|", re.MULTILINE)
    found = row.search(DOC.read_text(encoding="utf-8")) if DOC.exists() else None
    return int(found.group(1)) if found else None
