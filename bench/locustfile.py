"""What officers of each role do during `make load` (bench/load.py runs locust on this; not a test).

LOAD_PLAN names the JSON bench/load.py wrote: an API token and the objects each officer may see,
the ID numbers to search, the number of simulated officers per role. LOAD_RECORD names the JSON
this file writes when locust quits: every request's endpoint, time and verdict, so the report
computes exact percentiles rather than locust's rounded ones.

Each request says which statuses it expects; anything else (a 5xx, a refused connection, a 404 on
an object the officer may see) is a failure. No task is racy by design: every write works on an
object the same officer created, so no 409 is expected either. Officers think 1 to 3 s between
tasks, and between the steps of a task that a person would take one at a time.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
from collections import defaultdict, deque
from pathlib import Path

from locust import HttpUser, between, events

PLAN = json.loads(Path(os.environ["LOAD_PLAN"]).read_text())
RECORD = os.environ.get("LOAD_RECORD")
API = "/api/v1"
PURPOSE = "核查涉案人员身份（负载测试）"
DOSSIER_WAIT_SECONDS = 120
# Searches held back beyond this share of the server's limit: client and server clocks differ a little.
SEARCH_BUDGET = max(1, int(PLAN["search_rate_per_minute"] * 0.8))

_records: list[tuple[str, str, float, bool]] = []
_failures: list[str] = []
_task_errors: list[str] = []
_clock = {"started": None, "stopped": None}
_searches: dict[str, deque] = defaultdict(deque)
_serial = itertools.count(1)


@events.request.add_listener
def _on_request(request_type, name, response_time, response_length, exception=None, **kwargs):
    _records.append((request_type, name, round(response_time, 2), exception is None))
    if exception is not None and len(_failures) < 100:
        _failures.append(f"{request_type} {name}: {exception}"[:400])


@events.user_error.add_listener
def _on_task_error(user_instance, exception, tb, **kwargs):
    # A task that raised (a response without the expected fields, say) is an error too.
    _task_errors.append(f"{type(user_instance).__name__}: {type(exception).__name__}: {exception}"[:400])


@events.test_start.add_listener
def _on_start(**kwargs):
    _clock["started"] = time.time()


@events.test_stop.add_listener
def _on_stop(**kwargs):
    _clock["stopped"] = time.time()


@events.quitting.add_listener
def _on_quit(**kwargs):
    if RECORD:
        record = {**_clock, "records": _records, "failures": _failures, "task_errors": _task_errors}
        Path(RECORD).write_text(json.dumps(record, ensure_ascii=False))


class Officer(HttpUser):
    """An officer signed in with an API token of their own, thinking 1 to 3 s between tasks."""

    abstract = True
    role = ""
    wait_time = between(1, 3)

    def on_start(self):
        personas = PLAN["personas"][self.role]
        self.persona = personas[next(self._accounts) % len(personas)]
        self.own_cases: list[int] = []
        self.client.headers.update(
            {"Authorization": f"Token {self.persona['token']}", "Accept-Language": "zh-hans"}
        )

    def call(self, method: str, path: str, name: str, expect=(200,), **kwargs):
        """Send one request; return the response when its status is expected, else record a failure."""
        with self.client.request(
            method, API + path, name=API + name, catch_response=True, **kwargs
        ) as response:
            if response.status_code in expect:
                response.success()
                return response
            response.failure(f"HTTP {response.status_code} {response.text[:200]!r}")
            return None

    def pick(self, kind: str) -> int | None:
        ids = self.persona[kind] + (self.own_cases if kind == "cases" else [])
        return random.choice(ids) if ids else None


def _account_counter():
    """Number the officers of one role, so each takes the next account of the role's list."""
    return itertools.count()


# --- tasks: plain functions of the user, shared by the roles below ---------------------------------


def case_list(user: Officer):
    response = user.call("GET", "/cases/", "/cases/")
    # One in four reads on to the second page, as an officer scrolling would.
    if response is not None and random.random() < 0.25 and response.json().get("next"):
        user.call("GET", response.json()["next"].split(API, 1)[1], "/cases/ (next page)")


def case_list_filtered(user: Officer):
    choices = [
        {"state": random.choice(PLAN["states"])},
        {"year": random.choice(PLAN["years"])},
        {"offence": random.choice(PLAN["offences"])},
        {"state": "under_investigation", "year": random.choice(PLAN["years"])},
        {"handling_code": "normal", "offence": random.choice(PLAN["offences"])},
        {"lead_unit": user.persona["unit_code"]},
    ]
    user.call("GET", "/cases/", "/cases/ (filtered)", params=random.choice(choices))


def case_detail(user: Officer):
    case_id = user.pick("cases")
    if case_id is None:
        return case_list(user)
    user.call("GET", f"/cases/{case_id}/", "/cases/{id}/")


def inbox(user: Officer):
    user.call("GET", "/inbox/", "/inbox/")


def search_id_number(user: Officer):
    """Search by ID number with a case of the officer's as the purpose, within the rate limit."""
    now = time.monotonic()
    done = _searches[user.persona["username"]]
    while done and now - done[0] > 60:
        done.popleft()
    if len(done) >= SEARCH_BUDGET:
        return inbox(user)
    done.append(now)
    params = {"kind": "id_number", "q": random.choice(PLAN["id_numbers"])}
    case_id = user.pick("cases")
    if case_id is not None and random.random() < 0.7:
        params["purpose_case"] = case_id
    else:
        params["purpose"] = PURPOSE
    user.call("GET", "/search/", "/search/ (id_number)", params=params)


def request_list(user: Officer):
    if random.random() < 0.5:
        params = random.choice(
            [{"direction": "incoming"}, {"direction": "outgoing"}, {"state": "sent"}, {"overdue": "true"}]
        )
        user.call("GET", "/assistance-requests/", "/assistance-requests/ (filtered)", params=params)
    else:
        user.call("GET", "/assistance-requests/", "/assistance-requests/")


def request_detail(user: Officer):
    request_id = user.pick("requests")
    if request_id is None:
        return request_list(user)
    user.call("GET", f"/assistance-requests/{request_id}/", "/assistance-requests/{id}/")


def proceeding_list(user: Officer):
    params = {"awaiting_me": "true"} if random.random() < 0.5 else {}
    name = "/jurisdiction-proceedings/" + (" (awaiting me)" if params else "")
    user.call("GET", "/jurisdiction-proceedings/", name, params=params)


def proceeding_detail(user: Officer):
    proceeding_id = user.pick("proceedings")
    if proceeding_id is None:
        return proceeding_list(user)
    user.call("GET", f"/jurisdiction-proceedings/{proceeding_id}/", "/jurisdiction-proceedings/{id}/")


def meeting_list(user: Officer):
    user.call("GET", "/meetings/", "/meetings/")


def meeting_detail(user: Officer):
    meeting_id = user.pick("meetings")
    if meeting_id is None:
        return meeting_list(user)
    user.call("GET", f"/meetings/{meeting_id}/", "/meetings/{id}/")


def notifications(user: Officer):
    user.call("GET", "/notifications/", "/notifications/")
    if random.random() < 0.3:
        user.call("POST", "/notifications/read-all/", "/notifications/read-all/")


def open_case(user: Officer):
    """Open a draft case, record its place and a victim, and register it: four writes, one officer."""
    serial = next(_serial)
    response = user.call(
        "POST",
        "/cases/",
        "/cases/ (create)",
        expect=(201,),
        json={
            "name": f"负载测试：{user.persona['username']} 第{serial}号电诈案",
            "offence": random.choice(PLAN["offences"]),
            "summary": "受害人接到自称客服的电话，按对方指示转账后发现被骗。",
        },
    )
    if response is None:
        return
    case_id = response.json()["id"]
    user.wait()
    location = {
        "role": "victim_loss",
        "division_code": user.persona["unit_code"],
        "address": "某小区 3 栋 2 单元",
        "occurred": "2026年11月",
        "is_main": True,
        "loss_amount": "12800.00",
        "victim_count": 1,
    }
    if user.call("POST", f"/cases/{case_id}/locations/", "/cases/{id}/locations/", (201,), json=location):
        user.wait()
        person = {"role": "victim", "name": random.choice("王李张刘陈杨黄赵") + "某某", "gender": "female"}
        if user.call("POST", f"/cases/{case_id}/persons/", "/cases/{id}/persons/", (201,), json=person):
            user.wait()
            body = {"expected_state": "draft"}
            if user.call(
                "POST",
                f"/cases/{case_id}/transitions/register/",
                "/cases/{id}/transitions/register/",
                json=body,
            ):
                user.own_cases.append(case_id)


def dossier(user: Officer):
    """Ask for a case's dossier (a PDF the Celery worker renders), wait for it and download it."""
    case_id = user.pick("cases")
    if case_id is None:
        return
    started = time.monotonic()
    response = user.call("POST", f"/cases/{case_id}/dossiers/", "/cases/{id}/dossiers/", expect=(202,))
    if response is None:
        return
    dossier_id = response.json()["id"]
    state = response.json()["state"]
    while state not in ("done", "failed") and time.monotonic() - started < DOSSIER_WAIT_SECONDS:
        time.sleep(1.0)  # gevent-patched: the officer's page polls once a second
        response = user.call("GET", f"/cases/{case_id}/dossiers/{dossier_id}/", "/cases/{id}/dossiers/{id}/")
        if response is None:
            return
        state = response.json()["state"]
    elapsed = (time.monotonic() - started) * 1000
    problem = (
        None if state == "done" else RuntimeError(f"dossier {dossier_id} {state} after {elapsed:.0f} ms")
    )
    # The time from asking to a finished PDF, as an endpoint of its own: the render through Celery.
    events.request.fire(
        request_type="RENDER",
        name="dossier ready (POST to done)",
        response_time=elapsed,
        response_length=0,
        exception=problem,
        context={},
    )
    if problem is None:
        path = f"/cases/{case_id}/dossiers/{dossier_id}/file/"
        user.call("GET", path, "/cases/{id}/dossiers/{id}/file/")


def document_download(user: Officer):
    document_id = user.pick("documents")
    if document_id is None:
        return case_detail(user)
    user.call("GET", f"/documents/{document_id}/file/", "/documents/{id}/file/")


def _with_documents(tasks: dict) -> dict:
    """Add the document download (a render of a watermarked copy) when the data set has documents."""
    if any(persona["documents"] for personas in PLAN["personas"].values() for persona in personas):
        tasks[document_download] = 1
    return tasks


# --- the roles -----------------------------------------------------------------------------------


class Investigator(Officer):
    role = "investigator"
    fixed_count = PLAN["counts"]["investigator"]
    _accounts = _account_counter()
    tasks = _with_documents(
        {
            case_list: 10,
            case_list_filtered: 6,
            case_detail: 14,
            inbox: 6,
            search_id_number: 3,
            request_list: 3,
            request_detail: 3,
            proceeding_detail: 1,
            meeting_list: 1,
            notifications: 1,
            open_case: 2,
            dossier: 1,
        }
    )


class IntakeOfficer(Officer):
    role = "intake"
    fixed_count = PLAN["counts"]["intake"]
    _accounts = _account_counter()
    tasks = {
        inbox: 8,
        request_list: 6,
        request_detail: 8,
        case_detail: 3,
        case_list: 2,
        search_id_number: 1,
        notifications: 1,
    }


class LegalOfficer(Officer):
    role = "legal"
    fixed_count = PLAN["counts"]["legal"]
    _accounts = _account_counter()
    tasks = _with_documents(
        {
            proceeding_list: 4,
            proceeding_detail: 6,
            case_list_filtered: 3,
            case_list: 2,
            case_detail: 6,
            inbox: 4,
            search_id_number: 1,
            request_detail: 1,
        }
    )


class LiaisonOfficer(Officer):
    role = "liaison"
    fixed_count = PLAN["counts"]["liaison"]
    _accounts = _account_counter()
    tasks = {
        meeting_list: 5,
        meeting_detail: 3,
        inbox: 4,
        request_list: 3,
        case_list: 2,
        case_detail: 2,
        notifications: 2,
    }


class UnitHead(Officer):
    role = "unit_head"
    fixed_count = PLAN["counts"]["unit_head"]
    _accounts = _account_counter()
    tasks = {
        inbox: 6,
        case_list: 3,
        case_list_filtered: 2,
        case_detail: 4,
        proceeding_list: 2,
        proceeding_detail: 1,
        request_list: 2,
        meeting_list: 1,
    }
