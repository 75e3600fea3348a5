"""Generate a realistic synthetic data set in PostgreSQL for the benchmarks (not a test).

Run: make bench-data  (BENCH_CASES, BENCH_PERSONS, BENCH_MEETINGS, BENCH_SEED, BENCH_DATABASE_URL … override)
  or DEBUG=true DATABASE_URL=postgresql://postgres@127.0.0.1:5432/lianban_bench \
     .venv/bin/python bench/generate.py --cases 300000 --persons 1000000 --seed 20261128 --recreate

The data set spreads cases over the 623 units of the six regions: registered cases in every state
after registration, handling codes 普通/内部/限制 in realistic shares, the accepting and lead units as
parties, one to three crime locations, and persons (suspects, victims, witnesses) with valid resident
ID numbers (GB 11643-1999 check character), names with their pinyin, phone numbers and bank
accounts; some suspects, phones and accounts recur across cases and provinces, as they do.
Assistance requests in every state, jurisdiction proceedings, and joint meetings: the two seeded
series (the six-province one meets yearly) and, carrying most meetings, the regions' own series of
each province's and each prefecture's bureaus, over the three years before the last accepted case
and the months after it — held ones with frozen briefings, minutes signed and issued as numbered
documents, action items; upcoming ones scheduled with their briefing left to compute live.

Repeatable: the same seed and sizes give the same rows (ids included) on an empty database, whose
schema `--recreate` builds from scratch (migrate, the organisation, the demo personas, the meeting
series and their officers).

Fast: each table is written as COPY text to a temporary file while the rows are generated, then
loaded with one COPY; the loaded tables' secondary indexes are dropped before and rebuilt after,
and foreign-key triggers are off during the load (the generator writes consistent rows), so a
million cases load in minutes on two cores.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import functools
import json
import logging
import random
import sys
import tempfile
import time
import uuid
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from common import django_setup, machine, peak_memory_mb, recreate_database, write_section

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEFAULT_DATABASE = "lianban_bench"
FIRST_YEAR, LAST_YEAR = 2021, 2026
LAST_ACCEPTED = dt.datetime(2026, 11, 20, 18, 0, tzinfo=SHANGHAI)

# Shares of the data set (sums need not be 1: random.choices weighs them).
STATE_WEIGHTS = {
    "registered": 8,
    "under_investigation": 46,
    # Each has an active jurisdiction proceeding: about 40 % of the proceedings (the rest are over).
    "jurisdiction_pending": 0.8,
    "suspended": 10,
    "transferred_for_prosecution": 20,
    "closed": 9,
    "revoked": 3,
}
HANDLING_WEIGHTS = {"normal": 80, "internal": 15, "restricted": 5}
HANDLING_CODES = tuple(HANDLING_WEIGHTS)
ROLE_WEIGHTS = {"suspect": 45, "victim": 40, "witness": 15}
# A suspect, phone or account already seen elsewhere comes back this often (repeat offenders,
# shared mule accounts): what makes cross-province search find more than one case.
RECURRING_SUSPECT_SHARE = 0.06
RECURRING_PHONE_SHARE = 0.05
RECURRING_ACCOUNT_SHARE = 0.08

# Frequent surnames (roughly by frequency), two compound ones, and given-name characters.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官")
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞建国志海燕晓东文斌梅辉俊宇婷欣然学立新振"
    "淑珍德天佳琳浩然子涵雨轩思远博文嘉怡梓豪晨阳一鸣雪晴凯瑞兴旺"
)
# Names in Tibet and Qinghai are often two Tibetan names written in characters, with no surname.
TIBETAN_NAMES = (
    "扎西", "卓玛", "次仁", "格桑", "旦增", "央金", "拉姆", "多吉", "平措", "尼玛",
    "索朗", "达瓦", "普布", "德吉", "边巴", "琼达", "曲珍", "洛桑", "顿珠", "白玛",
)  # fmt: skip
BANKS = (
    "中国工商银行",
    "中国农业银行",
    "中国银行",
    "中国建设银行",
    "交通银行",
    "中国邮政储蓄银行",
    "招商银行",
)
STREETS = ("人民路", "解放路", "中山路", "建设路", "文化路", "新华路", "胜利路", "和平路", "长江路", "北京路")
SUMMARY = (
    "{date}，被害人{victim}报称在{place}被以{method}骗取财物，涉案金额人民币{amount}元。经初查，涉及多地。"
)
METHODS = ("网络刷单返利", "冒充客服退款", "虚假投资理财", "冒充公检法", "网络贷款", "虚构中奖信息")
MOBILE_PREFIXES = (
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "158",
    "177",
    "180",
    "186",
    "189",
    "199",
)


# --- COPY text files ---------------------------------------------------------------------------

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value)


@dataclass
class TableFile:
    """Rows of one table in PostgreSQL's COPY text format, on disk until loaded."""

    table: str
    columns: tuple[str, ...]
    directory: Path
    rows: int = 0
    _handle: object = field(default=None, repr=False)

    def __post_init__(self):
        self.path = self.directory / f"{self.table}.copy"
        self._handle = self.path.open("w", encoding="utf-8", buffering=1 << 20)

    def add(self, *values) -> None:
        self._handle.write("\t".join(map(_copy_value, values)) + "\n")
        self.rows += 1

    def close(self) -> None:
        self._handle.close()


class PartyFile(TableFile):
    """Case parties, each (case, unit, role) once, as services.case_party_add keeps them."""

    def add_party(self, counters: dict, case_id: int, unit: UnitRow, role: str, at) -> None:
        key = (case_id, unit.id, role)
        if key in self.seen:
            return
        self.seen.add(key)
        counters["party"] += 1
        self.add(counters["party"], case_id, unit.id, role, unit.path, at)

    def __post_init__(self):
        super().__post_init__()
        self.seen: set[tuple[int, int, str]] = set()


# --- the units and people the data hangs on ---------------------------------------------------


@dataclass(frozen=True)
class UnitRow:
    id: int
    code: str
    path: str
    level: int
    province_code: str
    name: str


def _row(unit) -> UnitRow:
    return UnitRow(unit.id, unit.code, unit.path, unit.level, unit.province_code, unit.name)


def _load_units() -> tuple[list[UnitRow], list[UnitRow]]:
    """Return (units that accept cases, county-level units) from the loaded organisation."""
    from organisation.models import Unit, UnitLevel

    units = [_row(unit) for unit in Unit.objects.filter(is_active=True).order_by("id")]
    counties = [u for u in units if u.level == UnitLevel.COUNTY]
    accepting = counties + [u for u in units if u.level == UnitLevel.PREFECTURE]
    return accepting, counties


@functools.cache
def _pinyin(name: str) -> tuple[str, str]:
    from cases.pinyin import name_pinyin

    return name_pinyin(name)


class People:
    """Names, ID numbers, phones and accounts, drawn from a seeded generator."""

    def __init__(self, rng: random.Random, counties: list[UnitRow]):
        from core.identity import check_character

        self.rng = rng
        self.counties = counties
        self.check_character = check_character
        self.recurring_suspects: list[tuple[str, str, dt.date, str]] = []
        self.recurring_phones: list[str] = []
        self.recurring_accounts: list[str] = []

    def name(self, province_code: str) -> str:
        rng = self.rng
        if province_code in ("540000", "630000") and rng.random() < 0.5:
            return rng.choice(TIBETAN_NAMES) + rng.choice(TIBETAN_NAMES)
        surname = rng.choice(COMPOUND_SURNAMES) if rng.random() < 0.01 else rng.choice(SURNAMES)
        given = rng.choice(GIVEN) if rng.random() < 0.3 else rng.choice(GIVEN) + rng.choice(GIVEN)
        return surname + given

    def identity(self, gender: str) -> tuple[str, dt.date]:
        rng = self.rng
        born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(20_000))  # to 2004
        sequence = rng.randrange(500) * 2 + (1 if gender == "male" else 0)
        first_17 = f"{rng.choice(self.counties).code}{born:%Y%m%d}{sequence:03d}"
        return first_17 + self.check_character(first_17), born

    def phone(self) -> str:
        rng = self.rng
        if self.recurring_phones and rng.random() < RECURRING_PHONE_SHARE:
            return rng.choice(self.recurring_phones)
        number = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        if len(self.recurring_phones) < 50_000 and rng.random() < 0.05:
            self.recurring_phones.append(number)
        return number

    def account(self) -> str:
        rng = self.rng
        if self.recurring_accounts and rng.random() < RECURRING_ACCOUNT_SHARE:
            return rng.choice(self.recurring_accounts)
        number = "62" + "".join(str(rng.randrange(10)) for _ in range(rng.choice((14, 17))))
        if len(self.recurring_accounts) < 50_000 and rng.random() < 0.05:
            self.recurring_accounts.append(number)
        return number


# --- generation ---------------------------------------------------------------------------------


@dataclass
class Plan:
    cases: int
    persons: int
    seed: int
    requests: int = 0
    proceedings: int = 0
    meetings: int = 0


def _persons_per_case(plan: Plan, rng: random.Random) -> Iterator[int]:
    """Yield how many persons each case gets, summing exactly to plan.persons."""
    remaining_persons, remaining_cases = plan.persons, plan.cases
    while remaining_cases:
        mean = remaining_persons / remaining_cases
        base = int(mean)
        count = base + (1 if rng.random() < mean - base else 0)
        count = min(count, remaining_persons) if remaining_cases > 1 else remaining_persons
        remaining_persons -= count
        remaining_cases -= 1
        yield count


def _accepted_at(rng: random.Random) -> dt.datetime:
    first = dt.datetime(FIRST_YEAR, 1, 1, tzinfo=SHANGHAI)
    span = int((LAST_ACCEPTED - first).total_seconds())
    return first + dt.timedelta(seconds=rng.randrange(span))


class CaseFacts:
    """What the meetings stage needs of every generated case, in compact arrays indexed by case id.

    A few bytes a case, so a million cases cost megabytes: the number's serial, the offence, the
    handling code and whether a lead unit is named (the accepting unit and time are in `cases`).
    """

    def __init__(self, first_id: int, offences: list[tuple[int, str]]):
        self.first_id = first_id
        self.offences = offences
        self.serials = array("I")
        self.offence = array("H")
        self.handling = bytearray()
        self.led = bytearray()

    def add(self, serial: int, offence: int, handling: str, led: bool) -> None:
        self.serials.append(serial)
        self.offence.append(offence)
        self.handling.append(HANDLING_CODES.index(handling))
        self.led.append(led)

    def handling_of(self, case_id: int) -> str:
        return HANDLING_CODES[self.handling[case_id - self.first_id]]

    def case(self, case_id: int, unit, accepted: dt.datetime, offences: dict):
        """Return the case as an unsaved model, for the services' own describing helpers (no query)."""
        from cases.models import Case

        index = case_id - self.first_id
        offence_id, offence_name = self.offences[self.offence[index]]
        return Case(
            pk=case_id, number=f"A{unit.code}{accepted.year}{self.serials[index]:05d}",
            name=f"{accepted.month}·{accepted.day} {offence_name}案",
            handling_code=HANDLING_CODES[self.handling[index]], offence=offences[offence_id],
            accepting_unit=unit, lead_unit=unit if self.led[index] else None,
            accepted_at=accepted,
        )  # fmt: skip


def generate(plan: Plan, directory: Path) -> dict[str, TableFile]:
    """Write every table's rows as COPY files in `directory`; return them by table."""
    from cases.models import (
        Case,
        CaseLocation,
        CaseParty,
        CasePerson,
        Offence,
        PersonBankAccount,
        PersonPhone,
    )
    from organisation.models import Unit

    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(plan.seed)
    accepting, counties = _load_units()
    units_by_province: dict[str, list[UnitRow]] = {}
    for unit in accepting:
        units_by_province.setdefault(unit.province_code, []).append(unit)
    offences = list(Offence.objects.filter(is_active=True).order_by("id").values_list("id", "name"))
    offence_index = {offence_id: index for index, (offence_id, _name) in enumerate(offences)}
    people = People(rng, counties)
    files = {
        "case": TableFile(
            Case._meta.db_table,
            (
                "id", "number", "number_year", "number_serial", "external_number", "name", "offence_id",
                "summary", "accepting_unit_id", "accepted_at", "lead_unit_id", "handling_code",
                "source_reliability", "information_accuracy", "state", "created_by_id", "created_at",
                "updated_at", "suspended_reason", "closed_reason", "revoke_reason", "merged_into_id",
            ),
            directory,
        ),
        "party": PartyFile(
            CaseParty._meta.db_table,
            ("id", "case_id", "unit_id", "role", "unit_path", "created_at"),
            directory,
        ),
        "location": TableFile(
            CaseLocation._meta.db_table,
            (
                "id", "case_id", "role", "division_code", "division_unit_id", "address", "occurred",
                "is_main", "victim_count", "loss_amount", "note", "created_at", "updated_at",
            ),
            directory,
        ),
        "person": TableFile(
            CasePerson._meta.db_table,
            (
                "id", "case_id", "role", "name", "name_pinyin", "name_initials", "gender", "birth_date",
                "id_type", "id_number", "household_division_code", "household_unit_id", "household_address",
                "habitual_division_code", "habitual_unit_id", "habitual_address", "habitual_since", "note",
                "created_at", "updated_at",
            ),
            directory,
        ),
        "phone": TableFile(PersonPhone._meta.db_table, ("id", "person_id", "number"), directory),
        "account": TableFile(
            PersonBankAccount._meta.db_table, ("id", "person_id", "bank", "account_number"), directory
        ),
    }  # fmt: skip
    serials: dict[tuple[int, int], int] = {}
    # Ids continue after any rows already there (none in a recreated database: ids from 1).
    counters = {key: _max_id(table.table) for key, table in files.items()}
    states, state_weights = zip(*STATE_WEIGHTS.items(), strict=True)
    codes, code_weights = zip(*HANDLING_WEIGHTS.items(), strict=True)
    roles, role_weights = zip(*ROLE_WEIGHTS.items(), strict=True)
    counts = _persons_per_case(plan, rng)
    cases: list[tuple[int, UnitRow, dt.datetime]] = []
    facts_of_cases = CaseFacts(first_id=counters["case"] + 1, offences=offences)
    proceeding_cases: list = []
    pending_share = STATE_WEIGHTS["jurisdiction_pending"] / sum(STATE_WEIGHTS.values())
    # Proceedings that are over sit on cases past registration (most of them).
    settled_share = max(0.0, plan.proceedings - plan.cases * pending_share) / max(1.0, plan.cases * 0.9)
    for case_id in range(counters["case"] + 1, counters["case"] + plan.cases + 1):
        unit = rng.choice(accepting)
        accepted = _accepted_at(rng)
        cases.append((case_id, unit, accepted))
        year = accepted.year
        serial = serials[(unit.id, year)] = serials.get((unit.id, year), 0) + 1
        state = rng.choices(states, state_weights)[0]
        lead = None if state in ("registered", "jurisdiction_pending") else unit
        offence_id, offence_name = rng.choice(offences)
        graded = rng.random() < 0.6
        files["case"].add(
            case_id, f"A{unit.code}{year}{serial:05d}", year, serial, "",
            f"{accepted.month}·{accepted.day} {offence_name}案", offence_id,
            SUMMARY.format(
                date=f"{accepted:%Y年%m月%d日}", victim=people.name(unit.province_code), place=unit.name[:-3],
                method=rng.choice(METHODS), amount=rng.randrange(3_000, 3_000_000),
            ),
            unit.id, accepted, lead.id if lead else None, (handling := rng.choices(codes, code_weights)[0]),
            rng.choice("ABC") if graded else "", rng.randrange(1, 4) if graded else None, state, None,
            accepted, accepted, "", "", "", None,
        )  # fmt: skip
        facts_of_cases.add(serial, offence_index[offence_id], handling, lead is not None)
        party_units = [(unit, "accepting")] + ([(lead, "lead")] if lead else [])
        for party_unit, role in party_units:
            files["party"].add_party(counters, case_id, party_unit, role, accepted)
        # The main place is the accepting unit's; others usually in the same province, often not.
        places = [unit]
        for _ in range(rng.choice((0, 0, 1, 1, 2))):
            province = unit.province_code if rng.random() < 0.6 else rng.choice(list(units_by_province))
            places.append(rng.choice(units_by_province[province]))
        facts = []
        for index, place in enumerate(places):
            counters["location"] += 1
            role = "conduct" if index == 0 else rng.choice(("result", "victim_loss"))
            address = f"{place.name[:-3]}{rng.choice(STREETS)}{rng.randrange(1, 300)}号"
            victims, loss = rng.randrange(1, 40), rng.randrange(1_000, 500_000)
            files["location"].add(
                counters["location"], case_id, role, place.code, place.id, address, "", index == 0,
                victims, f"{loss}.00", "", accepted, accepted,
            )  # fmt: skip
            facts.append((role, place, address, index == 0, victims, loss))
        if state == "jurisdiction_pending" or (state != "registered" and rng.random() < settled_share):
            proceeding_cases.append((case_id, unit, accepted, state, facts))
        for _ in range(next(counts)):
            _person(
                files, counters, people, rng, case_id, unit, accepted, rng.choices(roles, role_weights)[0]
            )
    units = Unit.objects.in_bulk()  # the 623 units by id, for the services' own helpers
    requests = Requests(plan, rng, directory, accepting, units)
    request_serials = requests.generate(cases, files, counters)
    proceedings = Proceedings(rng, directory, accepting, units)
    proceedings.generate(proceeding_cases, files, counters)
    duty_terms: dict = {}
    if plan.meetings:
        duty_terms = Meetings(plan, rng, directory, units).generate(
            cases=cases, facts=facts_of_cases, requests=requests, proceedings=proceedings, people=people,
            files=files, counters=counters,
        )  # fmt: skip
    for table in files.values():
        table.close()
    files["_serials"] = serials  # type: ignore[assignment]
    files["_request_serials"] = request_serials  # type: ignore[assignment]
    files["_duty_terms"] = duty_terms  # type: ignore[assignment]
    return files


def _max_id(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f'SELECT COALESCE(max(id), 0) FROM "{table}"')
        return cursor.fetchone()[0]


def _person(files, counters, people: People, rng, case_id, unit: UnitRow, accepted, role) -> None:
    counters["person"] += 1
    person_id = counters["person"]
    if role == "suspect" and people.recurring_suspects and rng.random() < RECURRING_SUSPECT_SHARE:
        name, id_number, born, gender = rng.choice(people.recurring_suspects)
    else:
        gender = rng.choice(("male", "female"))
        name = people.name(unit.province_code)
        id_number, born = people.identity(gender)
        if role == "suspect" and len(people.recurring_suspects) < 50_000 and rng.random() < 0.1:
            people.recurring_suspects.append((name, id_number, born, gender))
    pinyin, initials = _pinyin(name)
    documented = rng.random() < 0.92
    home = id_number[:6]
    files["person"].add(
        person_id, case_id, role, name, pinyin, initials, gender, born if documented else None,
        "resident_id" if documented else "none", id_number if documented else "", home, None, "", "", None,
        "", None, "", accepted, accepted,
    )  # fmt: skip
    for _ in range(rng.choices((0, 1, 2), (15, 75, 10))[0]):
        counters["phone"] += 1
        files["phone"].add(counters["phone"], person_id, people.phone())
    if rng.random() < (0.6 if role == "victim" else 0.3):
        counters["account"] += 1
        files["account"].add(counters["account"], person_id, rng.choice(BANKS), people.account())


# --- assistance requests -------------------------------------------------------------------------

# Every state of the request machine, in realistic shares: most are done, a fifth are open.
REQUEST_STATE_WEIGHTS = {
    "draft": 3, "awaiting_approval": 2, "approved": 1, "sent": 4, "received": 3,
    "clarification_requested": 1, "returned": 1, "accepted": 2, "acknowledged": 3, "routed": 2,
    "assigned": 3, "in_progress": 5, "fulfilled": 6, "closed": 55, "disputed": 1, "referred": 1,
    "withdrawn": 6,
}  # fmt: skip
NOT_SENT = {"draft", "awaiting_approval", "approved"}
ASSIGNED_STATES = {"assigned", "in_progress", "fulfilled", "closed"}
ROUTED_STATES = {"routed", *ASSIGNED_STATES}
MATTERS = "请协助查明犯罪嫌疑人{name}（身份证号码见附件）的身份信息及近期活动轨迹，并调取相关证据材料。"
REQUEST_TARGET = "assistance.assistancerequest"
DEADLINE_COLUMNS = (
    "id", "target_type", "target_id", "rule_key", "label", "citation", "period", "kind", "state",
    "started_at", "due_at", "paused_at", "paused_seconds", "met_at", "cancelled_at",
    "responsible_unit_code", "responsible_department_kind", "requester_unit_code", "assignee_id",
    "escalation_level", "last_escalated_at", "next_escalation_at", "created_at",
)  # fmt: skip
LEGAL_BASIS = "《公安机关办理刑事案件程序规定》第三百四十六条"  # MPS-2020 art 346


class Requests:
    """Assistance requests between the units of generated cases, with their parties and clocks."""

    def __init__(
        self, plan: Plan, rng: random.Random, directory: Path, accepting: list[UnitRow], units: dict
    ):
        from cases.assistance.models import AssistanceRequest
        from cases.assistance_kinds import KINDS
        from core import holidays
        from core.models import Deadline
        from organisation.models import Department

        self.plan, self.rng, self.accepting, self.units = plan, rng, accepting, units
        self.kinds = [(kind.value, spec.completion_rule) for kind, spec in KINDS.items()]
        self.calendar = holidays.calendar()
        self.criminal = dict(Department.objects.filter(kind="criminal").values_list("unit_id", "id"))
        self.officers = self.officer_ids()
        self.request_file = TableFile(
            AssistanceRequest._meta.db_table,
            (
                "id", "number", "case_id", "requesting_unit_id", "requesting_department_id",
                "requested_unit_id",
                "kind", "urgency", "matters", "legal_basis", "first_response_urgent", "first_response_reason",
                "freeze_scope",
                "state", "created_by_id", "created_at", "updated_at", "approved_by_id", "approved_at",
                "rejection_reason", "sent_at", "received_at", "clarification_question",
                "clarification_answer",
                "accepted_at", "acknowledged_at", "resubmission_count", "routed_department_id", "assignee_id",
                "started_at", "fulfilled_at", "results", "closed_at", "withdrawn_at", "withdrawal_reason",
                "disputed_from", "dispute_reason", "disputed_by_unit_id", "referred_to_id", "decision",
                "decided_by_id", "decided_at", "forwarded_from_id",
            ),
            directory,
        )  # fmt: skip
        self.deadline_file = TableFile(Deadline._meta.db_table, DEADLINE_COLUMNS, directory)
        # What the meetings' briefings and agendas read back: (sent, received, fulfilled, from, to)
        # as timestamps of every sent request, the disputed ones, and the missed clocks.
        self.sent: list[tuple[float, float | None, float | None, int, int]] = []
        self.disputed: list[tuple] = []
        self.missed: list[tuple[float, str, float | None]] = []

    @staticmethod
    def officer_ids() -> dict[int, int]:
        """Return an investigator's user id per unit (every unit has one after bench_officers)."""
        from organisation.models import Membership, Role

        rows = (
            Membership.objects.filter(role=Role.INVESTIGATOR).order_by("id").values_list("unit_id", "user_id")
        )
        return dict(rows)

    def generate(self, cases, files: dict, counters: dict) -> dict[tuple[int, int], int]:
        """Write the requests and their deadlines; add the requested units as case parties."""
        if not self.plan.requests:
            return {}
        files["request"], files["deadline"] = self.request_file, self.deadline_file
        counters["request"] = _max_id(self.request_file.table)
        counters["deadline"] = _max_id(self.deadline_file.table)
        states, weights = zip(*REQUEST_STATE_WEIGHTS.items(), strict=True)
        serials: dict[tuple[int, int], int] = {}
        rng = self.rng
        for _ in range(self.plan.requests):
            case_id, unit, accepted = rng.choice(cases)
            state = rng.choices(states, weights)[0]
            self._request(case_id, unit, accepted, state, serials, files, counters)
        return serials

    def _request(self, case_id, unit: UnitRow, accepted, state: str, serials, files, counters) -> None:
        rng = self.rng
        counters["request"] += 1
        request_id = counters["request"]
        requested = rng.choice(self.accepting)
        while requested.id == unit.id:
            requested = rng.choice(self.accepting)
        kind, completion_rule = rng.choice(self.kinds)
        urgency = rng.choices(("normal", "urgent", "extra_urgent"), (85, 12, 3))[0]
        created = min(accepted + dt.timedelta(hours=rng.randrange(1, 24 * 60)), LAST_ACCEPTED)
        year = created.year
        serial = serials[(unit.id, year)] = serials.get((unit.id, year), 0) + 1
        step = iter(created + dt.timedelta(hours=4 * n + rng.random()) for n in range(1, 12))
        times = {
            "approved_at": next(step), "sent_at": next(step), "received_at": next(step),
            "accepted_at": next(step), "started_at": next(step), "fulfilled_at": next(step),
            "closed_at": next(step), "other_at": next(step),
        }  # fmt: skip
        sent = state not in NOT_SENT
        if state == "withdrawn":
            sent = rng.random() < 0.5
        received = sent and state not in {"sent", "withdrawn"}
        requester_officer = self.officers.get(unit.id)
        assignee = self.officers.get(requested.id) if state in ASSIGNED_STATES else None
        superior = None
        if state == "referred":  # art 356: to the units' common superior, as the service names it
            from organisation.selectors import common_superior

            superior = common_superior([self.units[unit.id], self.units[requested.id]]).id

        def at(name: str, *reached: str):
            return times[name] if state in reached else None

        files["request"].add(
            request_id, f"R{unit.code}{year}{serial:05d}", case_id, unit.id, self.criminal.get(unit.id),
            requested.id, kind, urgency, MATTERS.format(name="某某"), LEGAL_BASIS,
            False, "", "", state, requester_officer, created, times["other_at"],
            requester_officer if state != "draft" and state != "awaiting_approval" else None,
            times["approved_at"] if state not in {"draft", "awaiting_approval"} else None, "",
            times["sent_at"] if sent else None, times["received_at"] if received else None,
            "请补充被查询人的出生日期。" if state == "clarification_requested" else "", "",
            at("accepted_at", "accepted", *ROUTED_STATES), at("other_at", "acknowledged"), 0,
            self.criminal.get(requested.id) if state in ROUTED_STATES else None, assignee,
            at("started_at", "in_progress", "fulfilled", "closed"), at("fulfilled_at", "fulfilled", "closed"),
            "已查明，材料见附件。" if state in {"fulfilled", "closed"} else "", at("closed_at", "closed"),
            at("other_at", "withdrawn"), "案件已撤销，不再需要协作。" if state == "withdrawn" else "",
            "received" if state in {"disputed", "referred"} else "",
            "协作事项不属于本单位职责范围。" if state in {"disputed", "referred"} else "",
            requested.id if state in {"disputed", "referred"} else None, superior, "", None, None, None,
        )  # fmt: skip
        if state in {"disputed", "referred"}:
            self.disputed.append((request_id, f"R{unit.code}{year}{serial:05d}", case_id, unit, requested,
                                  state, times["sent_at"] if sent else created))  # fmt: skip
        if sent:
            fulfilled = times["fulfilled_at"] if state in {"fulfilled", "closed"} else None
            self.sent.append((
                times["sent_at"].timestamp(), times["received_at"].timestamp() if received else None,
                fulfilled.timestamp() if fulfilled else None, unit.id, requested.id,
            ))  # fmt: skip
            files["party"].add_party(counters, case_id, requested, "requested", times["sent_at"])
            self._clocks(
                request_id,
                unit,
                requested,
                state,
                urgency,
                completion_rule,
                received,
                times,
                assignee,
                files,
                counters,
            )

    def _clocks(
        self,
        request_id,
        unit,
        requested,
        state,
        urgency,
        completion_rule,
        received,
        times,
        assignee,
        files,
        counters,
    ):
        """Write the acknowledgement and completion clocks as the services leave them in this state."""
        ack_state, ack_met = ("met", times["received_at"]) if received else ("running", None)
        if state == "withdrawn":
            ack_state, ack_met = "cancelled", None
        self._deadline(
            request_id, "acknowledge_receipt", times["sent_at"], unit, requested, urgency, ack_state,
            met_at=ack_met, cancelled_at=times["other_at"] if ack_state == "cancelled" else None,
            files=files, counters=counters,
        )  # fmt: skip
        if not received or not completion_rule:
            return
        completion = {
            # A question leaves the art 353 clock running (MPS-2020 art 353).
            "returned": "cancelled", "acknowledged": "cancelled",
            "fulfilled": "met", "closed": "met",
        }.get(state, "running")  # fmt: skip
        self._deadline(
            request_id, completion_rule, times["received_at"], unit, requested, urgency, completion,
            met_at=times["fulfilled_at"] if completion == "met" else None,
            cancelled_at=times["other_at"] if completion == "cancelled" else None,
            paused_at=times["other_at"] if completion == "paused" else None,
            department_kind="criminal" if state in ROUTED_STATES else "", assignee=assignee,
            files=files, counters=counters,
        )  # fmt: skip

    def _deadline(
        self, request_id, rule_key, start, unit, requested, urgency, state, *, files, counters,
        met_at=None, cancelled_at=None, paused_at=None, department_kind="", assignee=None,
    ) -> None:  # fmt: skip
        from core.deadline_rows import deadline_build

        row = deadline_build(
            target=(REQUEST_TARGET, request_id), rule_key=rule_key, start=start,
            responsible_unit_code=requested.code, requester_unit_code=unit.code, urgency=urgency,
            responsible_department_kind=department_kind, calendar=self.calendar,
        )  # fmt: skip
        counters["deadline"] += 1
        open_clock = state in ("running", "paused")
        if open_clock or (state == "met" and met_at > row.due_at):
            self.missed.append((row.due_at.timestamp(), row.responsible_unit_code, met_at))
        files["deadline"].add(
            counters["deadline"], row.target_type, row.target_id, row.rule_key, row.label, row.citation,
            row.period, row.kind, state, row.started_at, row.due_at, paused_at, 0, met_at, cancelled_at,
            row.responsible_unit_code, row.responsible_department_kind, row.requester_unit_code, assignee,
            0, None, row.next_escalation_at if open_clock else None, start,
        )  # fmt: skip


# --- jurisdiction proceedings --------------------------------------------------------------------

ACTIVE_PROCEEDING_WEIGHTS = {
    "open": 2, "consulting": 4, "agreed": 1, "designation_requested": 1, "forwarding": 1,
    "at_superior": 2, "designated": 1, "transferring": 1, "handover": 1,
}  # fmt: skip
DESIGNATION_STATES = {
    "designation_requested",
    "forwarding",
    "at_superior",
    "designated",
    "transferring",
    "handover",
}
CONSULTATION_RULE = "jurisdiction_consultation"  # jurisdiction.services.CONSULTATION_RULE
PROCEEDING_TARGET = "jurisdiction.jurisdictionproceeding"


class Proceedings:
    """Jurisdiction proceedings: active ones on every case whose jurisdiction is pending, the rest over.

    The analysis stored with each is the rules engine's own (`jurisdiction.rules.analyse`, pure) on
    the generated places, and its candidate units are the parties, as proceeding_open makes them.
    """

    def __init__(self, rng: random.Random, directory: Path, accepting: list[UnitRow], units: dict):
        from jurisdiction.models import JurisdictionProceeding, ProceedingParty

        self.rng, self.accepting, self.units = rng, accepting, units
        self.by_code = {unit.code: _row(unit) for unit in units.values()}
        self.directory = directory
        self.proceeding_file = TableFile(
            JurisdictionProceeding._meta.db_table,
            (
                "id", "case_id", "kind", "state", "opened_by_id", "opening_unit_id", "holding_unit_id",
                "reason",
                "opened_at", "consultation_due_at", "lead_unit_id", "outcome_reason", "agreement_citation",
                "agreement_reference", "superior_unit_id", "route", "route_position", "designated_directly",
                "analysis", "rules_version", "legal_review_note", "after_filing", "family_notice",
                "settled_at", "withdrawn_reason", "created_at", "updated_at",
            ),
            directory,
        )  # fmt: skip
        self.party_file = TableFile(
            ProceedingParty._meta.db_table,
            ("id", "proceeding_id", "unit_id", "unit_path", "bases", "position", "proposed_unit_id",
             "reasons", "positioned_by_id", "positioned_at"),
            directory,
        )  # fmt: skip
        # (id, case id, kind, state, opened at, holding unit, party units) for the meetings' agendas.
        self.records: list[tuple] = []

    def _ref(self, unit: UnitRow):
        from jurisdiction.rules import UnitRef

        return UnitRef(code=unit.code, name=unit.name, path=unit.path)

    def _analysis(self, unit: UnitRow, accepted, facts) -> dict:
        from core.audit import json_safe
        from jurisdiction.rules import CaseFacts, Place, analyse

        places = tuple(
            Place(role=role, division_code=place.code, unit=self._ref(place), address=address, is_main=main,
                  victim_count=victims, loss_amount=Decimal(loss))
            for role, place, address, main, victims, loss in facts
        )  # fmt: skip
        named = {unit.code, *(place.code for _r, place, *_rest in facts)}
        ancestors = {code for code in named for code in self.by_code[code].path.split(".")[:-1]} - named
        superiors = tuple(self._ref(self.by_code[code]) for code in sorted(ancestors) if code in self.by_code)
        facts_ = CaseFacts(accepting_unit=self._ref(unit), accepted_on=accepted.date(), places=places,
                           superiors=superiors)  # fmt: skip
        return json_safe(analyse(facts_).to_dict())

    def generate(self, proceeding_cases, files: dict, counters: dict) -> None:
        if not proceeding_cases:
            return
        from core import holidays
        from core.deadline_rows import deadline_build
        from jurisdiction.services import designation_route

        files["proceeding"], files["proceeding_party"] = self.proceeding_file, self.party_file
        counters["proceeding"] = _max_id(self.proceeding_file.table)
        counters["proceeding_party"] = _max_id(self.party_file.table)
        counters.setdefault("deadline", _max_id("core_deadline"))
        if "deadline" not in files:
            from core.models import Deadline

            files["deadline"] = TableFile(Deadline._meta.db_table, DEADLINE_COLUMNS, self.directory)
        calendar = holidays.calendar()
        officers = Requests.officer_ids()
        states, weights = zip(*ACTIVE_PROCEEDING_WEIGHTS.items(), strict=True)
        rng = self.rng
        for case_id, unit, accepted, case_state, facts in proceeding_cases:
            counters["proceeding"] += 1
            proceeding_id = counters["proceeding"]
            if case_state == "jurisdiction_pending":
                state = rng.choices(states, weights)[0]
            else:
                state = "settled" if rng.random() < 0.85 else "withdrawn"
            kind = "transfer" if state in ("transferring", "handover") and rng.random() < 0.5 else "dispute"
            analysis = self._analysis(unit, accepted, facts)
            codes = [candidate["unit"]["code"] for candidate in analysis.get("candidates", [])]
            bases = {c["unit"]["code"]: c.get("bases", []) for c in analysis.get("candidates", [])}
            parties = {code: self.by_code[code] for code in codes if code in self.by_code}
            parties.setdefault(unit.code, unit)
            while len(parties) < 2:  # a consultation needs a second unit: the one disputing the case
                other = rng.choice(self.accepting)
                parties.setdefault(other.code, other)
            opened = accepted + dt.timedelta(days=rng.randrange(1, 60))
            lead = None
            if state in ("agreed", "designated", "transferring", "handover", "settled"):  # a lead is named
                lead = rng.choice(list(parties.values()))
            superior = None
            route: list[int] = []
            if state in DESIGNATION_STATES:  # the 层报 route, as the designation request makes it
                superior, route_units = designation_route(
                    self.units[unit.id], [self.units[party.id] for party in parties.values()]
                )
                route = [step.id for step in route_units]
            consultation = None
            if kind == "dispute" and state not in ("open", "withdrawn"):
                deadline = deadline_build(
                    target=(PROCEEDING_TARGET, proceeding_id), rule_key=CONSULTATION_RULE,
                    start=opened + dt.timedelta(hours=2), responsible_unit_code=unit.code, calendar=calendar,
                )  # fmt: skip
                consultation = deadline.due_at
                running = state == "consulting"
                counters["deadline"] += 1
                files["deadline"].add(
                    counters["deadline"], deadline.target_type, deadline.target_id, deadline.rule_key,
                    deadline.label, deadline.citation, deadline.period, deadline.kind,
                    "running" if running else "met", deadline.started_at, deadline.due_at, None, 0,
                    None if running else opened + dt.timedelta(days=3), None, deadline.responsible_unit_code,
                    "", "", None, 0, None, deadline.next_escalation_at if running else None,
                    deadline.started_at,
                )  # fmt: skip
            over = state in ("settled", "withdrawn")
            self.proceeding_file.add(
                proceeding_id, case_id, kind, state, officers.get(unit.id), unit.id, unit.id,
                "管辖权存在争议：犯罪地涉及多个单位。", opened, consultation, lead.id if lead else None,
                "综合犯罪地、损失和侦查便利确定。" if lead else "", "", "", superior.id if superior else None,
                json.dumps(route), 0, False, json.dumps(analysis, ensure_ascii=False), "MPS-2020", "",
                True, "", opened + dt.timedelta(days=20) if state == "settled" else None,
                "双方已协商一致，撤回申请。" if state == "withdrawn" else "", opened,
                opened + dt.timedelta(days=20) if over else opened,
            )  # fmt: skip
            self.records.append((proceeding_id, case_id, kind, state, opened, unit, list(parties.values())))
            positioned = state not in ("open", "consulting")
            for code, party in sorted(parties.items()):
                counters["proceeding_party"] += 1
                position = ""
                if positioned:
                    position = "claim" if party.code == unit.code else rng.choice(("claim", "decline"))
                self.party_file.add(
                    counters["proceeding_party"], proceeding_id, party.id, party.path,
                    json.dumps(bases.get(code, []), ensure_ascii=False), position, None,
                    "本单位意见见附件。" if positioned else "",
                    officers.get(party.id) if positioned else None,
                    opened + dt.timedelta(days=2) if positioned else None,
                )  # fmt: skip
                files["party"].add_party(counters, case_id, party, "proceeding", opened)


# --- joint meetings ------------------------------------------------------------------------------

# The meetings span the three years before the data set's present (the last accepted case) and
# the four months after it: what is before is held (or cancelled), what is after is still to come.
MEETINGS_NOW = LAST_ACCEPTED
MEETINGS_FROM = dt.datetime(2023, 11, 20, 9, 0, tzinfo=SHANGHAI)
MEETINGS_UNTIL = MEETINGS_NOW + dt.timedelta(days=120)
# About this many meetings a series of the bench's own holds in the window (every six weeks or so);
# a small data set fills fewer series.
MEETINGS_PER_BENCH_SERIES = 30
CANCELLED_SHARE = 0.04
POSTPONED_SHARE = 0.08
DECLINED_SHARE = 0.08
MEETING_TARGET = "meetings.jointmeeting"
MINUTES_TARGET = "meetings.minutes"
ACTION_ITEM_TARGET = "meetings.actionitem"
FREE_TOPICS = (
    "通报近期跨区域电信网络诈骗案件侦办情况",
    "研究部署跨区域联合打击整治专项行动",
    "交流执法办案协作经验做法",
    "通报协作请求办理和反馈情况",
    "审议联席会议年度工作要点",
    "研究跨区域涉案财物移交工作",
)
DRILL_TOPICS = ("联合演练方案说明", "演练总结讲评")
NOTE_DECISIONS = (
    "会议同意进一步规范跨区域协作请求的受理和反馈工作，各成员单位按照协作机制及时办理。",
    "会议明确由轮值单位牵头做好下一次会议的筹备工作。",
    "会议同意建立跨区域重点案件信息定期通报制度。",
    "会议要求各成员单位加强联络员队伍建设，保持联络渠道畅通。",
)
TASKS = (
    "牵头梳理近一年跨区域协作请求办理情况，形成书面报告报轮值单位。",
    "组织开展一次跨区域涉案人员信息核查专项工作。",
    "完善本单位协作请求受理登记台账，报送联络员名单。",
    "会同相关成员单位研究制定联合打击工作方案。",
)
DECLINE_REASON = "因办案任务请假。"
POSTPONE_REASON = "因主要议题材料尚未齐备，会议延期召开。"
CANCEL_REASON = "因工作安排调整，本次会议取消。"
NOTICE_TEXT = "请各成员单位分管领导、联络员准时参加。"
CLOSING = "会议要求，各成员单位要认真抓好会议议定事项的落实，确保协作机制有效运行。"
# Held meetings move on from the session to issued minutes at this pace (days, uniform).
MINUTES_STARTED_AFTER = (0.3, 2.5)
CIRCULATED_AFTER = (1.0, 6.0)
SIGNED_WITHIN = (0.2, 7.0)
ISSUED_AFTER = (0.3, 4.0)


def bench_series_plan() -> list[tuple[str, str, list]]:
    """Return (name, short name, member units) of the bench's own series: one per province among its
    prefecture-level bureaus (Chongqing: its districts and counties) and one per prefecture among
    its county-level bureaus, as the regions hold them below the six-province joint meeting.
    """
    from organisation.models import Unit, UnitLevel

    children: dict[int, list] = {}
    for unit in Unit.objects.filter(is_active=True, level__gte=UnitLevel.PREFECTURE).order_by("code"):
        children.setdefault(unit.parent_id, []).append(unit)
    plan = []
    parents = Unit.objects.filter(is_active=True, level__in=(UnitLevel.PROVINCE, UnitLevel.PREFECTURE))
    # Prefectures first: a small data set fills the small series, with meetings of a few counties.
    for parent in parents.order_by("-level", "code"):
        members = children.get(parent.pk, [])
        if len(members) < 2:
            continue
        region = parent.division_name or parent.name
        if all(member.level == UnitLevel.COUNTY for member in members):
            name = f"{parent.name}区县警务协作联席会议"
        else:
            name = f"{parent.name}市（州）警务协作联席会议"
        plan.append((name, f"{region}警务协作", members))
    return plan


def bench_meetings_setup() -> None:
    """Seed the two joint-meeting series, the bench's own series below them, and their officers.

    The regions' own series carry most of the generated meetings (the two seeded series meet once
    a year); every member unit gets a liaison officer and a head (and, in the legal series, a legal
    officer) where it has none, as bench_officers does for investigators. Idempotent.
    """
    import io

    from django.core.management import call_command

    from meetings.models import MeetingSeries, SeriesKind, SeriesMember

    call_command("seed_meeting_series", verbosity=0, stdout=io.StringIO())
    existing = set(MeetingSeries.objects.values_list("name", flat=True))
    for name, short_name, members in bench_series_plan():
        if name in existing:
            continue
        series = MeetingSeries.objects.create(
            name=name, short_name=short_name, kind=SeriesKind.POLICE_COOPERATION, chair_unit=members[0],
            frequency_months=1, drills_per_year=1, minutes_masthead=f"{name}纪要",
            started_on=MEETINGS_FROM.date(),
        )  # fmt: skip
        SeriesMember.objects.bulk_create(
            SeriesMember(series=series, unit=unit, unit_path=unit.path, rotation_position=position,
                         joined_on=MEETINGS_FROM.date())
            for position, unit in enumerate(members, start=1)
        )  # fmt: skip
    bench_meeting_officers()


def bench_meeting_officers() -> int:
    """Give every member unit of an active series the officers who take part in its meetings."""
    from meetings.models import SeriesKind, SeriesMember
    from organisation.models import Department, Membership, Role

    wanted: dict[tuple[int, str], object] = {}
    for member in SeriesMember.objects.filter(series__is_active=True).select_related("unit", "series"):
        roles = [Role.LIAISON_OFFICER, Role.UNIT_HEAD]
        if member.series.kind == SeriesKind.LEGAL_COLLABORATION:
            roles.append(Role.LEGAL_OFFICER)
        for role in roles:
            wanted[(member.unit_id, role)] = member.unit
    held = set(Membership.objects.current().values_list("unit_id", "role"))
    missing = sorted(key for key in wanted if key not in held)
    slugs = {Role.LIAISON_OFFICER: ("liaison", "联络员"), Role.UNIT_HEAD: ("head", "局长"),
             Role.LEGAL_OFFICER: ("legal", "法制员")}  # fmt: skip
    legal = dict(Department.objects.filter(kind="legal").values_list("unit_id", "id"))
    return _bench_accounts(
        (
            f"bench.{wanted[key].code}.{slugs[key[1]][0]}",
            f"{wanted[key].name[:20]}{slugs[key[1]][1]}",
            key[0],
            key[1],
            legal.get(key[0]) if key[1] == Role.LEGAL_OFFICER else None,
        )
        for key in missing
    )


def _bench_accounts(rows) -> int:
    """Create users with no usable password (no one signs in as them) and one membership each.

    `rows` are (username, full name, unit id, role, department id); return how many were made.
    """
    from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX

    from organisation.models import Membership, User

    rows = list(rows)
    users = User.objects.bulk_create(
        [
            User(username=username, full_name=name, password=UNUSABLE_PASSWORD_PREFIX)
            for username, name, *_ in rows
        ]
    )
    Membership.objects.bulk_create(
        [
            Membership(
                user=user, unit_id=unit_id, role=role, department_id=department_id,
                valid_from=dt.date(FIRST_YEAR - 1, 1, 1),
            )
            for user, (_username, _name, unit_id, role, department_id) in zip(users, rows, strict=True)
        ]
    )  # fmt: skip
    return len(users)


def bench_briefing_target() -> tuple[str, int]:
    """Return (username, meeting id): the next scheduled regular meeting of the six-province series,
    whose briefing is live (computed, then stored until it is old), and its host's liaison officer.
    """
    from meetings.management.commands.seed_meeting_series import SERIES
    from meetings.models import JointMeeting, MeetingKind, MeetingState, ParticipantKind

    upcoming = JointMeeting.objects.filter(state=MeetingState.SCHEDULED, kind=MeetingKind.REGULAR).order_by(
        "start_at", "id"
    )
    meeting = upcoming.filter(series__name=SERIES[0].name).first() or upcoming.first()
    if meeting is None:
        raise LookupError("No scheduled meeting: generate the data set with --meetings")
    participant = (
        meeting.participants.filter(unit_id=meeting.host_unit_id, kind=ParticipantKind.LIAISON)
        .select_related("user")
        .order_by("id")
        .first()
    )
    return participant.user.username, meeting.pk


@dataclass
class _Meeting:
    """One generated meeting while its story is worked out (times, state, host, number)."""

    series: object
    kind: str
    start: dt.datetime
    end: dt.datetime
    fixed: bool = False
    id: int = 0
    created: dt.datetime | None = None
    notice: dt.datetime | None = None
    state: str = ""
    cancelled: dt.datetime | None = None
    postponed: dt.datetime | None = None
    opened: dt.datetime | None = None
    closed: dt.datetime | None = None
    minutes_started: dt.datetime | None = None
    circulated: dt.datetime | None = None
    signoffs: dict = field(default_factory=dict)
    signed: dt.datetime | None = None
    published: dt.datetime | None = None
    host: object = None
    session_number: int | None = None
    document: tuple | None = None
    place: str = ""
    video_link: str = ""


def _uniform_days(rng: random.Random, bounds: tuple[float, float]) -> dt.timedelta:
    return dt.timedelta(days=rng.uniform(*bounds))


def _between(rng: random.Random, start: dt.datetime, end: dt.datetime) -> dt.datetime:
    return start + (end - start) * rng.random()


class _SeriesView:
    """A series with its current members (rotation order), the units they cover and their officers."""

    def __init__(self, series, members: list, units: dict):
        self.series = series
        self.members = members
        member_paths = [member.unit_path for member in members]
        self.covered = frozenset(
            unit.pk for unit in units.values()
            if any(unit.path == path or unit.path.startswith(path + ".") for path in member_paths)
        )  # fmt: skip
        self.scope = sorted(member.unit.code for member in members)
        self.provinces = sorted(
            {member.unit.province_code for member in members if member.unit.province_code}
        )
        self.member_of = {member.unit_id: member for member in members}


class Meetings:
    """Joint meetings of every series in all the states of their machine, with what the services leave.

    Each series holds its regular meetings in turn (the host is the member on duty, and the duty
    passes on at the close of each regular meeting), a few extraordinary meetings and its joint
    drills. What a meeting reached follows from its times against the data set's present: a
    meeting still to come is a draft, scheduled or postponed, one held has its session opened and
    closed (its briefing frozen with figures of the generated cases and requests), then its
    minutes drafted, circulated, signed by every member's head and issued as a numbered 会议纪要
    document whose decisions opened action items with their deadlines. A few are cancelled. The
    next regular meeting of every series is scheduled with no briefing, so the briefing API
    computes it live (bench_briefing_target names one and who may read it).
    """

    def __init__(self, plan: Plan, rng: random.Random, directory: Path, units: dict):
        from cases.models import Offence
        from core import holidays
        from core.models import TimelineEntry
        from documents.models import Document, DocumentCounter, DocumentRecipient
        from meetings import models as meeting_models
        from meetings.management.commands.seed_meeting_series import SERIES
        from organisation.models import Membership, Role

        self.plan, self.rng, self.units = plan, rng, units
        self.calendar = holidays.calendar()
        self.offences = Offence.objects.in_bulk()
        seeded_names = [seed.name for seed in SERIES]
        views = []
        for series in meeting_models.MeetingSeries.objects.filter(is_active=True).order_by("id"):
            members = list(
                series.members.filter(left_on__isnull=True)
                .select_related("unit")
                .order_by("rotation_position")
            )
            if members:
                views.append(_SeriesView(series, members, units))
        self.seeded = sorted((v for v in views if v.series.name in seeded_names),
                             key=lambda v: seeded_names.index(v.series.name))  # fmt: skip
        self.bench = [view for view in views if view.series.name not in seeded_names]
        member_units = {member.unit_id for view in views for member in view.members}
        self.officers: dict[tuple[int, str], tuple[int, str]] = {}
        rows = (
            Membership.objects.current()
            .filter(
                unit_id__in=member_units, role__in=[Role.LIAISON_OFFICER, Role.UNIT_HEAD, Role.LEGAL_OFFICER]
            )
            .order_by("id")
            .values_list("unit_id", "role", "user_id", "user__full_name", "user__username")
        )
        for unit_id, role, user_id, full_name, username in rows:
            self.officers.setdefault((unit_id, role), (user_id, full_name or username))

        def table(model, *columns: str) -> TableFile:
            return TableFile(model._meta.db_table, columns, directory)

        m = meeting_models
        self.tables = {
            "meeting": table(
                m.JointMeeting, "id", "uid", "series_id", "kind", "session_number", "title", "host_unit_id",
                "rotation_override_reason", "chair_unit_id", "organiser_id", "organiser_unit_id", "start_at",
                "end_at", "place", "video_link", "description", "state", "sequence", "ical_changed_at",
                "times_changed_at", "notice_issued_at", "opened_at", "closed_at", "postponed_at",
                "cancelled_at", "postpone_reason", "cancel_reason", "created_at", "updated_at",
            ),
            "participant": table(
                m.MeetingParticipant, "id", "meeting_id", "uid", "user_id", "unit_id", "member_id",
                "external_name", "external_affiliation", "email", "kind", "attendance_role", "is_chair",
                "answer", "answer_reason", "answered_at", "answered_by_id", "delegated_from_id", "attended",
                "presence", "presence_reason", "invited_sequence", "added_at",
            ),
            "agenda_item": table(
                m.AgendaItem, "id", "meeting_id", "position", "source_kind", "target_type", "target_id",
                "title", "summary", "presenting_unit_id", "outcome", "note", "added_by_id", "added_at",
            ),
            "briefing": table(
                m.Briefing, "id", "meeting_id", "period_start", "period_end", "figures", "computed_at",
                "frozen_at", "document_id",
            ),
            "minutes": table(
                m.Minutes, "id", "meeting_id", "state", "version", "opening", "closing", "content",
                "content_digest", "drafted_by_id", "circulated_at", "signed_at", "published_at",
                "issued_by_id", "document_id", "revise_reason", "updated_at",
            ),
            "signoff": table(
                m.MinutesSignoff, "id", "minutes_id", "unit_id", "version", "content_digest", "action",
                "comment", "by_id", "at",
            ),
            "resolution": table(
                m.Resolution, "id", "minutes_id", "number", "kind", "text", "agenda_item_id", "proceeding_id",
                "lead_unit_id", "owner_unit_id", "task", "due_in_days", "due_on", "normative_title",
                "normative_text", "apply_state", "applied_at", "apply_error", "attempts", "result_type",
                "result_id",
            ),
            "action_item": table(
                m.ActionItem, "id", "resolution_id", "meeting_id", "series_id", "owner_unit_id",
                "owner_unit_path", "task", "due_at", "state", "completed_at", "completed_by_id",
                "result_note", "withdrawn_reason", "created_at",
            ),
            "duty_term": table(
                m.DutyTerm, "id", "series_id", "member_id", "started_at", "ended_at", "handed_over_at_id"
            ),
            "document": table(
                Document, "id", "kind", "issuing_unit_id", "department_id", "state", "title", "data",
                "approval_chain", "number", "number_year", "number_serial", "issued_at", "issued_by_id",
                "template_version", "snapshot", "file", "sha256", "pages", "verification_code",
                "render_state", "render_error", "reviewed_by_id", "reviewed_at", "approved_by_id",
                "approved_at", "send_back_reason", "replaces_id", "replaced_by_id", "voided_reason",
                "voided_at", "voided_by_id", "link_target_type", "link_target_id", "created_by_id",
                "created_at", "updated_at",
            ),
            "document_recipient": table(
                DocumentRecipient, "id", "document_id", "name", "unit_id", "served_at", "served_by_id",
                "receipt_method", "receipt_file", "receipt_content_type", "receipt_sha256", "receipt_note",
            ),
            "document_counter": table(DocumentCounter, "id", "issuing_unit_id", "kind", "year", "last"),
            "timeline": table(
                TimelineEntry, "id", "target_type", "target_id", "occurred_at", "actor_id", "actor_name",
                "acting_unit_code", "action", "from_state", "to_state", "note", "data",
            ),
        }  # fmt: skip

    # --- the plan: which meetings each series holds, when ----------------------------------------

    def _at(self, day: dt.date, kind: str) -> tuple[dt.datetime, dt.datetime]:
        """Return the start and end of a meeting of `kind` on the first working day from `day`."""
        while self.calendar.is_rest_day(day):
            day += dt.timedelta(days=1)
        if kind == "drill":
            hours, minutes, length = 8, 30, dt.timedelta(hours=9)
        elif kind == "extraordinary":
            (hours, minutes), length = self.rng.choice(((10, 0), (15, 0))), dt.timedelta(hours=2)
        else:
            (hours, minutes), length = self.rng.choice(((9, 0), (14, 30))), dt.timedelta(hours=3)
        start = dt.datetime(day.year, day.month, day.day, hours, minutes, tzinfo=SHANGHAI)
        return start, start + length

    def _meeting(self, view: _SeriesView, kind: str, day: dt.date, **extra) -> _Meeting:
        start, end = self._at(day, kind)
        return _Meeting(series=view, kind=kind, start=start, end=end, **extra)

    def _drill_days(self, count: int) -> list[dt.date]:
        days = []
        for year in range(MEETINGS_UNTIL.year, MEETINGS_FROM.year - 1, -1):
            day = dt.date(year, 6, 1) + dt.timedelta(days=self.rng.randrange(90))
            if MEETINGS_FROM.date() <= day <= MEETINGS_UNTIL.date() and len(days) < count:
                days.append(day)
        return days

    def _seeded_plan(self, view: _SeriesView) -> list[_Meeting]:
        """A seeded series meets as its data says: every `frequency_months`, its drills every year."""
        from meetings.briefing import months_before

        rng, series = self.rng, view.series
        upcoming = MEETINGS_NOW + dt.timedelta(days=rng.randrange(25, 75))
        # Its regular meetings are all held and the next one is scheduled, so that one's live
        # briefing covers the whole interval since the last: the widest the benchmark can ask for.
        meetings = [self._meeting(view, "regular", upcoming.date(), fixed=True)]
        months = series.frequency_months
        while (earlier := months_before(upcoming, months)) >= MEETINGS_FROM:
            day = (earlier + dt.timedelta(days=rng.randrange(-10, 10))).date()
            meetings.append(self._meeting(view, "regular", day, fixed=True))
            months += series.frequency_months
        years = MEETINGS_UNTIL.year - MEETINGS_FROM.year + 1
        drills = self._drill_days(series.drills_per_year * years)
        meetings += [self._meeting(view, "drill", day) for day in drills]
        # One extraordinary meeting, before the last regular one.
        last_regular = max((m.start for m in meetings[1:]), default=MEETINGS_NOW)
        day = _between(rng, MEETINGS_FROM, last_regular - dt.timedelta(days=20)).date()
        meetings.append(self._meeting(view, "extraordinary", day))
        if view is not self.seeded[0]:
            # Another a few days ago, its minutes still under way; not in the six-province series,
            # whose next meeting's briefing (the benchmark's) then covers the year since the last.
            day = (MEETINGS_NOW - dt.timedelta(days=rng.uniform(2, 8))).date()
            meetings.append(self._meeting(view, "extraordinary", day))
        return meetings

    def _bench_plan(self, view: _SeriesView, count: int) -> list[_Meeting]:
        """A series of the bench's own holds `count` meetings: regular ones evenly, a tenth extraordinary.

        The regular cadence runs on past the data set's present: the next meeting is scheduled (the
        benchmark's live briefings), those after it may still be drafts, postponed or cancelled.
        """
        rng = self.rng
        drills = min(count // 12, MEETINGS_UNTIL.year - MEETINGS_FROM.year + 1)
        extraordinary = count // 10
        regular = max(1, count - drills - extraordinary)
        extraordinary = count - drills - regular
        interval = (MEETINGS_UNTIL - MEETINGS_FROM) / regular
        upcoming = MEETINGS_NOW + dt.timedelta(days=rng.uniform(5, min(60, max(6, interval.days))))
        later = min(regular - 1, int((MEETINGS_UNTIL - upcoming) / interval))
        meetings = [self._meeting(view, "regular", upcoming.date(), fixed=True)]
        for k in range(later - regular + 1, later + 1):
            if k:
                moment = upcoming + interval * k + interval * rng.uniform(-0.15, 0.15)
                meetings.append(self._meeting(view, "regular", moment.date()))
        meetings += [self._meeting(view, "drill", day) for day in self._drill_days(drills)]
        for _ in range(extraordinary):
            day = _between(rng, MEETINGS_FROM, MEETINGS_UNTIL).date()
            meetings.append(self._meeting(view, "extraordinary", day))
        return meetings

    def _plan(self) -> list[_Meeting]:
        planned = [meeting for view in self.seeded for meeting in self._seeded_plan(view)]
        if len(planned) > self.plan.meetings:  # a tiny data set: the latest of the seeded series only
            planned.sort(key=lambda meeting: (not meeting.fixed, -meeting.start.timestamp()))
            planned = planned[: self.plan.meetings]
        remaining = self.plan.meetings - len(planned)
        if remaining and not self.bench:
            raise ValueError("No series of the bench's own: run bench_meetings_setup() first")
        if remaining:
            used = min(len(self.bench), max(1, round(remaining / MEETINGS_PER_BENCH_SERIES)))
            for index, view in enumerate(self.bench[:used]):
                count = remaining // used + (1 if index < remaining % used else 0)
                planned += self._bench_plan(view, count)
        return planned

    # --- the story of each meeting ------------------------------------------------------------

    def _story(self, meeting: _Meeting) -> None:
        """Work out what the meeting reached by the data set's present, and when each step happened."""
        rng, now = self.rng, MEETINGS_NOW
        start = meeting.start
        created = start - dt.timedelta(days=rng.uniform(14, 40))
        if start > now:
            created = min(created, now - dt.timedelta(days=rng.uniform(2, 9)))
        meeting.created = created
        notice = created + dt.timedelta(days=rng.uniform(0.5, 3))
        if notice >= start - dt.timedelta(hours=2):
            notice = created + (start - created) / 2
        if meeting.fixed and start > now:
            meeting.notice, meeting.state = min(notice, now - dt.timedelta(hours=1)), "scheduled"
            return
        if start > now and (notice > now or (start > now + dt.timedelta(days=45) and rng.random() < 0.4)):
            notice = None
        if not meeting.fixed and rng.random() < CANCELLED_SHARE:
            meeting.cancelled = _between(rng, created, min(start, now))
            meeting.notice = notice if notice is not None and notice < meeting.cancelled else None
            meeting.state = "cancelled"
            return
        meeting.notice = notice
        if notice is None:
            meeting.state = "draft"
            return
        if start > now:
            if not meeting.fixed and rng.random() < POSTPONED_SHARE:
                meeting.postponed, meeting.state = _between(rng, notice, now), "postponed"
            else:
                meeting.state = "scheduled"
            return
        opened = start + dt.timedelta(minutes=rng.uniform(0, 10))
        if opened > now:
            meeting.state = "scheduled"
            return
        meeting.opened = opened
        closed = max(
            meeting.end + dt.timedelta(minutes=rng.uniform(-10, 25)), opened + dt.timedelta(minutes=30)
        )
        if closed > now:
            meeting.state = "in_session"
            return
        meeting.closed = moment = closed
        steps = (
            ("closed", MINUTES_STARTED_AFTER, "minutes_started"),
            ("minutes_drafting", CIRCULATED_AFTER, "circulated"),
        )
        for state, bounds, attribute in steps:
            moment = moment + _uniform_days(rng, bounds)
            if moment > now:
                meeting.state = state
                return
            setattr(meeting, attribute, moment)
        for member in meeting.series.members:
            at = moment + _uniform_days(rng, SIGNED_WITHIN)
            if at <= now:
                meeting.signoffs[member.unit_id] = at
        if len(meeting.signoffs) < len(meeting.series.members):
            meeting.state = "minutes_circulating"
            return
        meeting.signed = max(meeting.signoffs.values())
        published = meeting.signed + _uniform_days(rng, ISSUED_AFTER)
        if published > now:
            meeting.state = "minutes_signed"
            return
        meeting.published, meeting.state = published, "published"

    def _rotate(self, view: _SeriesView, meetings: list[_Meeting], counters: dict) -> tuple:
        """Give each meeting the host the rotation proposes when it is created and its session number;
        write the duty terms that ended; return the open term (member id, start, meeting handed over at).
        """
        from meetings.rotation import next_in_rotation

        order = [(member.rotation_position, member.unit.code) for member in view.members]
        by_code = {member.unit.code: member for member in view.members}
        duty = view.members[0]
        started, handed_over_at = min(MEETINGS_FROM, *(meeting.created for meeting in meetings)), None
        # Sessions held before the generated window (a seeded series met from its start) keep their numbers.
        started_on = view.series.started_on
        months = (MEETINGS_FROM.year - started_on.year) * 12 + MEETINGS_FROM.month - started_on.month
        prior = max(0, months // view.series.frequency_months) if started_on < MEETINGS_FROM.date() else 0
        handovers: list[tuple[dt.datetime, int, _Meeting]] = []
        numbers: list[tuple[int, dt.datetime | None]] = []

        def hand_over(until: dt.datetime) -> None:
            nonlocal duty, started, handed_over_at
            while handovers and handovers[0][0] <= until:
                closed, _id, closing = handovers.pop(0)
                counters["duty_term"] += 1
                self.tables["duty_term"].add(counters["duty_term"], view.series.pk, duty.pk, started, closed,
                                             handed_over_at)  # fmt: skip
                previous, duty = duty, by_code[next_in_rotation(order, closing.host.rotation_position)]
                started, handed_over_at = closed, closing.id
                closer = self._officer(closing.host.unit_id, "liaison_officer")
                self._timeline(
                    MEETING_TARGET,
                    closing.id,
                    closed,
                    closer,
                    closing.host.unit.code,
                    "duty_handover",
                    note=duty.unit.name,
                    data={
                        "series": view.series.pk,
                        "meeting": closing.id,
                        "from": previous.unit.code,
                        "to": duty.unit.code,
                    },
                )

        for meeting in sorted(meetings, key=lambda m: (m.created, m.start)):
            hand_over(meeting.created)
            meeting.host = duty
            if meeting.kind != "drill":
                standing = [n for n, cancelled in numbers if cancelled is None or cancelled > meeting.created]
                meeting.session_number = max(standing, default=prior) + 1
                numbers.append((meeting.session_number, meeting.cancelled))
            if meeting.kind == "regular" and meeting.state in HELD:
                handovers.append((meeting.closed, meeting.id, meeting))
                handovers.sort(key=lambda item: (item[0], item[1]))
        hand_over(MEETINGS_UNTIL)
        return duty.pk, started, handed_over_at

    # --- writing the rows ---------------------------------------------------------------------

    def _officer(self, unit_id: int, role: str) -> tuple[int, str]:
        return self.officers[(unit_id, role)]

    def _timeline(self, target_type, target_id, at, actor, unit_code, action, **fields) -> None:
        self.counters["timeline"] += 1
        self.tables["timeline"].add(
            self.counters["timeline"], target_type, str(target_id), at, actor[0], actor[1], unit_code, action,
            fields.get("from_state", ""), fields.get("to_state", ""), fields.get("note", ""),
            json.dumps(fields.get("data") or {}, ensure_ascii=False, default=str),
        )  # fmt: skip

    def generate(self, *, cases, facts, requests, proceedings, people, files, counters) -> dict:
        """Write the meetings and everything hanging on them; return each series' open duty term."""
        self.counters = counters
        for key, table in self.tables.items():
            files[key] = table
            counters[key] = _max_id(table.table)
        counters.setdefault("deadline", _max_id("core_deadline"))
        if "deadline" not in files:
            from core.models import Deadline

            files["deadline"] = TableFile(
                Deadline._meta.db_table, DEADLINE_COLUMNS, self.tables["timeline"].directory
            )
        self.deadlines = files["deadline"]
        planned = self._plan()
        for meeting in planned:
            self._story(meeting)
        # Ids in the order the meetings were created, as the service would have given them.
        planned.sort(key=lambda m: (m.created, m.series.series.pk, m.start))
        for meeting in planned:
            counters["meeting"] += 1
            meeting.id = counters["meeting"]
        open_terms = {}
        for view in [*self.seeded, *self.bench]:
            of_series = [meeting for meeting in planned if meeting.series is view]
            if of_series:
                open_terms[view.series.pk] = self._rotate(view, of_series, counters)
        self._number_documents(planned)
        self.figures = _BriefingFigures(
            self.plan, self.rng, cases, facts, requests, people, self.units, self.offences
        )
        self.matters = _Matters(
            cases, facts, proceedings.records, requests.disputed, self.units, self.offences
        )
        previous: dict[int, list[tuple[dt.datetime, int]]] = {}
        for meeting in sorted(planned, key=lambda m: m.start):
            if meeting.kind != "drill" and meeting.state in HELD:
                previous.setdefault(meeting.series.series.pk, []).append((meeting.end, meeting.id))
        self.previous_ends = previous
        # Action items due in a year the holiday package does not know yet fall back to weekends: the
        # system check says so once, so the generator does not log it for every item.
        deadline_log = logging.getLogger("core.deadline_rows")
        level = deadline_log.level
        deadline_log.setLevel(logging.ERROR)
        try:
            for meeting in planned:
                self._write(meeting)
        finally:
            deadline_log.setLevel(level)
        return open_terms

    def _number_documents(self, planned: list[_Meeting]) -> None:
        """Number the issued minutes in the order they were issued, per host unit and year (gap-free)."""
        from documents.models import CODE_ALPHABET, CODE_LENGTH
        from documents.numbering import format_number
        from meetings.documents import MEETING_MINUTES

        last: dict[tuple[int, int], int] = {}
        for meeting in sorted((m for m in planned if m.published), key=lambda m: (m.published, m.id)):
            year = meeting.published.year
            key = (meeting.host.unit_id, year)
            serial = last[key] = last.get(key, 0) + 1
            self.counters["document"] += 1
            raw = "".join(self.rng.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            host = self.units[meeting.host.unit_id]
            number = format_number(spec=MEETING_MINUTES, unit=host, department=None, year=year, serial=serial)
            code = "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))
            meeting.document = (self.counters["document"], number, year, serial, code)
        for (unit_id, year), serial in sorted(last.items()):
            self.counters["document_counter"] += 1
            self.tables["document_counter"].add(
                self.counters["document_counter"], unit_id, MEETING_MINUTES.code, year, serial
            )

    def _title(self, meeting: _Meeting) -> str:
        from core.numerals import chinese_numeral

        name = meeting.series.series.name
        if meeting.kind == "drill":
            return f"{name}联合演练"
        number = meeting.session_number
        return f"{name}第{chinese_numeral(number, below=1000)}次会议" if number else name

    def _write(self, meeting: _Meeting) -> None:
        rng, view = self.rng, meeting.series
        series, host = view.series, meeting.host
        host_unit = self.units[host.unit_id]
        organiser = self._officer(host.unit_id, "liaison_officer")
        head = self._officer(host.unit_id, "unit_head")
        code = host_unit.code
        uid = uuid.UUID(int=rng.getrandbits(128), version=4)
        video = meeting.kind == "extraordinary" and rng.random() < 0.5
        place = meeting.place = "" if video else f"{host_unit.name}{rng.choice('一二三')}楼会议室"
        video_link = meeting.video_link = f"https://video.lianban.internal/meetings/{uid}" if video else ""
        title = self._title(meeting)
        state = meeting.state
        sequence = 0
        changed = meeting.notice
        if meeting.postponed:
            sequence, changed = 1, meeting.postponed
        if meeting.cancelled and meeting.notice:
            sequence, changed = 1, meeting.cancelled
        last = max(moment for moment in (
            meeting.created, meeting.notice, meeting.postponed, meeting.cancelled, meeting.opened,
            meeting.closed, meeting.minutes_started, meeting.circulated, meeting.signed, meeting.published,
        ) if moment is not None)  # fmt: skip
        self.tables["meeting"].add(
            meeting.id, uid, series.pk, meeting.kind, meeting.session_number, title, host.unit_id, "", None,
            organiser[0], host.unit_id, meeting.start, meeting.end, place, video_link,
            NOTICE_TEXT, state, sequence, changed, meeting.notice, meeting.notice, meeting.opened,
            meeting.closed, meeting.postponed, meeting.cancelled,
            POSTPONE_REASON if meeting.postponed else "", CANCEL_REASON if meeting.cancelled else "",
            meeting.created, last,
        )  # fmt: skip
        self._timeline(
            MEETING_TARGET,
            meeting.id,
            meeting.created,
            organiser,
            code,
            "create",
            to_state="draft",
            data={
                "series": series.pk,
                "kind": meeting.kind,
                "session_number": meeting.session_number,
                "host_unit": code,
                "proposal": code,
                "rotation_override_reason": "",
            },
        )
        participants = self._participants(meeting, organiser, code, sequence)
        agenda = self._agenda(meeting, organiser, code)
        if meeting.notice:
            self._timeline(
                MEETING_TARGET,
                meeting.id,
                meeting.notice,
                organiser,
                code,
                "schedule",
                from_state="draft",
                to_state="scheduled",
            )
        for participant in participants:
            if participant["answered_at"] is not None:
                self._timeline(
                    MEETING_TARGET,
                    meeting.id,
                    participant["answered_at"],
                    participant["user"],
                    participant["unit_code"],
                    "participant_answer",
                    note=participant["reason"],
                    data={
                        "participant": participant["id"],
                        "name": participant["user"][1],
                        "answer": participant["answer"],
                        "reason": participant["reason"],
                        "delegate": None,
                        "delegate_name": "",
                        "sequence": 0,
                    },
                )
        if meeting.postponed:
            self._timeline(
                MEETING_TARGET,
                meeting.id,
                meeting.postponed,
                organiser,
                code,
                "postpone",
                from_state="scheduled",
                to_state="postponed",
                note=POSTPONE_REASON,
                data={"reason": POSTPONE_REASON},
            )
        if meeting.cancelled:
            self._timeline(
                MEETING_TARGET,
                meeting.id,
                meeting.cancelled,
                organiser,
                code,
                "cancel",
                from_state="scheduled" if meeting.notice else "draft",
                to_state="cancelled",
                note=CANCEL_REASON,
                data={"reason": CANCEL_REASON},
            )
            return
        if meeting.opened is None:
            return
        self._timeline(
            MEETING_TARGET,
            meeting.id,
            meeting.opened,
            organiser,
            code,
            "open_session",
            from_state="scheduled",
            to_state="in_session",
        )
        self._briefing(meeting)
        if meeting.closed is None or state == "in_session":
            return
        self._timeline(
            MEETING_TARGET,
            meeting.id,
            meeting.closed,
            organiser,
            code,
            "close",
            from_state="in_session",
            to_state="closed",
        )
        if meeting.minutes_started is None:
            return
        self._minutes(meeting, participants, agenda, organiser, head)

    def _participants(self, meeting: _Meeting, organiser, code: str, sequence: int) -> list[dict]:
        """Invite the head and the liaison officer (and, in the legal series, the legal officer) of every
        member; they answer between the notice and the start, and the roll call follows the answers.
        """
        rng, view = self.rng, meeting.series
        roles = [("unit_head", "leader"), ("liaison_officer", "liaison")]
        if view.series.kind == "legal_collaboration":
            roles.append(("legal_officer", "legal"))
        chair_unit = view.series.chair_unit_id
        rows = []
        for member in view.members:
            for role, kind in roles:
                user = self._officer(member.unit_id, role)
                self.counters["participant"] += 1
                answer, reason, answered_at = "needs_action", "", None
                if meeting.notice is not None:
                    until = min(moment for moment in (meeting.start, meeting.cancelled) if moment is not None)
                    at = meeting.notice + (until - meeting.notice) * rng.uniform(0.02, 0.9)
                    if at <= MEETINGS_NOW and rng.random() > 0.04:
                        answered_at = at
                        answer = "declined" if rng.random() < DECLINED_SHARE else "accepted"
                        reason = DECLINE_REASON if answer == "declined" else ""
                attended = None
                # The roll call as opening the session fills it from the answers (meetings.scheduling):
                # an acceptance present, a decline on leave with its reason, no answer unrecorded.
                presence, presence_reason = "", ""
                if meeting.opened is not None and answer != "needs_action":
                    attended = answer == "accepted"
                    presence, presence_reason = ("present", "") if attended else ("leave", reason)
                added = meeting.created + dt.timedelta(minutes=len(rows) + 1)
                row = {
                    "id": self.counters["participant"], "user": user, "unit_code": member.unit.code,
                    "unit_name": member.unit.name, "position": member.rotation_position,
                    "path": member.unit_path,
                    "is_chair": kind == "leader" and member.unit_id == chair_unit, "answer": answer,
                    "reason": reason, "answered_at": answered_at, "attended": attended,
                }  # fmt: skip
                rows.append(row)
                self.tables["participant"].add(
                    row["id"],
                    meeting.id,
                    uuid.UUID(int=rng.getrandbits(128), version=4),
                    user[0],
                    member.unit_id,
                    member.pk,
                    "",
                    "",
                    "",
                    kind,
                    "present",
                    row["is_chair"],
                    answer,
                    reason,
                    answered_at,
                    user[0] if answered_at else None,
                    None,
                    attended,
                    presence,
                    presence_reason,
                    sequence if meeting.notice is not None else None,
                    added,
                )
                self._timeline(
                    MEETING_TARGET,
                    meeting.id,
                    added,
                    organiser,
                    code,
                    "participant_add",
                    data={
                        "participant": row["id"],
                        "user": user[0],
                        "name": user[1],
                        "unit": member.unit.code,
                        "kind": kind,
                        "attendance_role": "present",
                        "is_chair": row["is_chair"],
                        "sequence": 0,
                    },
                )
        return rows

    def _agenda(self, meeting: _Meeting, organiser, code: str) -> list[str]:
        """Write the standing briefing item, a free topic or two and the open matters of the members."""
        rng = self.rng
        host_unit = meeting.host.unit_id
        items = [("briefing", "", "", "定期分析研判发案规律", "", host_unit)]
        topics = DRILL_TOPICS if meeting.kind == "drill" else rng.sample(FREE_TOPICS, rng.choice((1, 1, 2)))
        items += [("free", "", "", topic, "", host_unit) for topic in topics]
        if meeting.kind != "drill":
            items += self.matters.pick(meeting, rng)
        held = meeting.opened is not None
        titles = []
        for position, (source, target_type, target_id, title, summary, presenter) in enumerate(
            items, start=1
        ):
            self.counters["agenda_item"] += 1
            added = meeting.created + dt.timedelta(minutes=30 + position)
            outcome = ""
            if held:
                outcome = (
                    "noted"
                    if source == "briefing"
                    else rng.choice(("decided", "decided", "deferred", "noted"))
                )
            self.tables["agenda_item"].add(
                self.counters["agenda_item"], meeting.id, position, source, target_type, target_id,
                title[:200], summary, presenter, outcome, "", organiser[0], added,
            )  # fmt: skip
            if source != "briefing":
                self._timeline(
                    MEETING_TARGET, meeting.id, added, organiser, code, "agenda_add", note=title[:200]
                )
            titles.append(title[:200])
        return titles

    def _briefing(self, meeting: _Meeting) -> None:
        """Freeze the briefing at the opening of the session, over the period since the last meeting held."""
        from meetings.briefing import months_before

        series = meeting.series.series
        ends = self.previous_ends.get(series.pk, [])
        earlier = [end for end, meeting_id in ends if end <= meeting.start and meeting_id != meeting.id]
        start = max(earlier) if earlier else months_before(meeting.start, series.frequency_months)
        end = meeting.opened
        start = min(start, end)
        figures = self.figures.figures(meeting.series, start, end)
        self.counters["briefing"] += 1
        self.tables["briefing"].add(
            self.counters["briefing"],
            meeting.id,
            start,
            end,
            json.dumps(figures, ensure_ascii=False),
            end,
            end,
            None,
        )

    def _minutes(self, meeting: _Meeting, participants: list[dict], agenda: list[str], liaison, head) -> None:
        """Draft, circulate, sign and issue the minutes as far as the meeting got; apply its decisions."""
        from core.deadlines import RuleBook
        from meetings.action_items import RULE_KEY, action_item_rule
        from meetings.models import Resolution, minutes_digest

        rng, view = self.rng, meeting.series
        series, code = view.series, meeting.host.unit.code
        self.counters["minutes"] += 1
        minutes_id = self.counters["minutes"]
        opening = self._opening(meeting, participants, agenda)
        decisions = []
        for number in range(1, rng.choice((1, 2, 2, 3)) + 1):
            if rng.random() < 0.4:
                owner = rng.choice(view.members).unit
                task, days = rng.choice(TASKS), rng.choice((15, 30, 60, 90))
                decisions.append(
                    (number, "action_item", f"{owner.name}{task}（{days}日内完成）", owner, task, days)
                )
            else:
                decisions.append((number, "note", rng.choice(NOTE_DECISIONS), None, "", None))
        content, digest = {}, ""
        if meeting.circulated:
            content = self._content(meeting, participants, opening, decisions)
            digest = minutes_digest(content)
        state = {"minutes_drafting": "drafting", "minutes_circulating": "circulating",
                 "minutes_signed": "signed", "published": "published"}[meeting.state]  # fmt: skip
        last = meeting.published or meeting.signed or meeting.circulated or meeting.minutes_started
        document = meeting.document
        self.tables["minutes"].add(
            minutes_id, meeting.id, state, 1 if meeting.circulated else 0, opening, CLOSING,
            json.dumps(content, ensure_ascii=False), digest, liaison[0], meeting.circulated, meeting.signed,
            meeting.published, head[0] if meeting.published else None, document[0] if document else None, "",
            last,
        )  # fmt: skip
        started = meeting.minutes_started
        self._timeline(
            MEETING_TARGET,
            meeting.id,
            started,
            liaison,
            code,
            "start_minutes",
            from_state="closed",
            to_state="minutes_drafting",
        )
        self._timeline(MINUTES_TARGET, minutes_id, started, liaison, code, "start", to_state="drafting")
        if meeting.circulated:
            self._timeline(
                MINUTES_TARGET,
                minutes_id,
                meeting.circulated,
                liaison,
                code,
                "circulate",
                from_state="drafting",
                to_state="circulating",
                data={"version": 1, "digest": digest},
            )
            self._timeline(
                MEETING_TARGET,
                meeting.id,
                meeting.circulated,
                liaison,
                code,
                "minutes_circulated",
                from_state="minutes_drafting",
                to_state="minutes_circulating",
            )
        signers = {}
        for member in view.members:
            at = meeting.signoffs.get(member.unit_id)
            if at is None:
                continue
            signer = signers[member.unit_id] = self._officer(member.unit_id, "unit_head")
            self.counters["signoff"] += 1
            self.tables["signoff"].add(
                self.counters["signoff"], minutes_id, member.unit_id, 1, digest, "signed", "", signer[0], at
            )
            self._timeline(
                MINUTES_TARGET,
                minutes_id,
                at,
                signer,
                member.unit.code,
                "signoff_signed",
                data={"unit": member.unit.code, "version": 1},
            )
        if meeting.signed:
            last_unit = max(meeting.signoffs, key=lambda unit_id: (meeting.signoffs[unit_id], unit_id))
            signer, signer_code = signers[last_unit], view.member_of[last_unit].unit.code
            self._timeline(
                MINUTES_TARGET,
                minutes_id,
                meeting.signed,
                signer,
                signer_code,
                "complete_signing",
                from_state="circulating",
                to_state="signed",
                data={"version": 1, "digest": digest},
            )
            self._timeline(
                MEETING_TARGET,
                meeting.id,
                meeting.signed,
                signer,
                signer_code,
                "minutes_signed",
                from_state="minutes_circulating",
                to_state="minutes_signed",
            )
        if meeting.published:
            self._document(meeting, content, signers)
            self._timeline(
                MINUTES_TARGET,
                minutes_id,
                meeting.published,
                head,
                code,
                "issue",
                from_state="signed",
                to_state="published",
                data={"version": 1, "digest": digest},
            )
            self._timeline(
                MEETING_TARGET,
                meeting.id,
                meeting.published,
                head,
                code,
                "minutes_published",
                from_state="minutes_signed",
                to_state="published",
            )
        masthead = series.minutes_masthead or f"{series.name}纪要"
        for number, kind, text, owner, task, days in decisions:
            self.counters["resolution"] += 1
            resolution_id = self.counters["resolution"]
            applied = meeting.published is not None
            result = ("", "")
            if applied and kind == "action_item":
                citation = f"《{masthead}》（{document[1]}）第{number}项"
                rule = action_item_rule(
                    Resolution(due_in_days=days), citation=citation, published_at=meeting.published
                )
                result = (ACTION_ITEM_TARGET, str(self._action_item(
                    meeting, resolution_id, owner, task, rule, RuleBook([rule]), RULE_KEY, head, citation,
                )))  # fmt: skip
            self.tables["resolution"].add(
                resolution_id, minutes_id, number, kind, text, None, None, None,
                owner.pk if owner else None, task, days, None, "", "", "applied" if applied else "pending",
                meeting.published, "", 1 if applied else 0, *result,
            )  # fmt: skip

    def _opening(self, meeting: _Meeting, participants: list[dict], agenda: list[str]) -> str:
        """Write the opening paragraph as meetings.minutes.opening_text pre-fills it."""
        from core.numerals import chinese_numeral

        series = meeting.series.series
        when = self._dates(meeting)
        where = f"在{meeting.place}" if meeting.place else ("以视频方式" if meeting.video_link else "")
        chair = next((p for p in participants if p["is_chair"]), None)
        chaired_by = (
            f"{chair['unit_name']}{chair['user'][1]}" if chair else self.units[series.chair_unit_id].name
        )
        sentences = [
            f"{when + '，' if when else ''}{series.name}{self._session(meeting)}{where}召开。",
            f"会议由{meeting.host.unit.name}承办，{chaired_by}主持。",
        ]
        if agenda:
            listed = "；".join(f"{chinese_numeral(i)}是{title}" for i, title in enumerate(agenda, start=1))
            sentences.append(f"会议研究了以下议题：{listed}。")
        sentences.append("现将会议议定事项纪要如下：")
        return "".join(sentences)

    def _session(self, meeting: _Meeting) -> str:
        from meetings.minutes import session_text
        from meetings.models import JointMeeting

        return session_text(JointMeeting(session_number=meeting.session_number, kind=meeting.kind))

    def _dates(self, meeting: _Meeting) -> str:
        from documents.services import local_date_text

        start, end = meeting.start.astimezone(SHANGHAI), meeting.end.astimezone(SHANGHAI)
        if start.date() != end.date():
            return f"{local_date_text(start)}至{local_date_text(end)}"
        return local_date_text(start)

    def _content(self, meeting: _Meeting, participants: list[dict], opening: str, decisions: list) -> dict:
        """Return the minutes' content as meetings.minutes.minutes_content freezes it at circulation."""
        from core.numerals import chinese_numeral

        series = meeting.series.series
        lists = {"present": [], "observers": [], "excused": []}
        for row in sorted(
            participants, key=lambda row: (not row["is_chair"], row["position"], row["path"], row["id"])
        ):
            entry = {"name": row["user"][1], "unit": row["unit_name"], "title": ""}
            # Only a recorded leave is 请假 (issue 20 item 3): one who never answered is in no list.
            if row["answer"] == "accepted":
                lists["present"].append(entry)
            elif row["answer"] == "declined":
                lists["excused"].append(entry)
        return {
            "masthead": series.minutes_masthead or f"{series.name}纪要",
            "series": series.name,
            "session": self._session(meeting),
            "title": self._title(meeting),
            "opening": opening,
            "decisions": [
                {"number": number, "numeral": chinese_numeral(number), "kind": kind, "text": text}
                for number, kind, text, *_rest in decisions
            ],
            "closing": CLOSING,
            **lists,
            "host_unit": meeting.host.unit.name,
            "date": self._dates(meeting),
            "place": meeting.place,
        }

    def _document(self, meeting: _Meeting, content: dict, signers: dict) -> None:
        """Write the issued 会议纪要 as document_issue leaves it: numbered, snapshotted, its render queued."""
        from documents.services import local_date_text
        from meetings.documents import LINK_TYPE, MEETING_MINUTES

        view, spec = meeting.series, MEETING_MINUTES
        document_id, number, year, serial, code = meeting.document
        host = self.units[meeting.host.unit_id]
        head = self._officer(host.pk, "unit_head")
        signatures = [
            {"unit": member.unit.name, "signer": signers[member.unit_id][1],
             "date": local_date_text(meeting.signoffs[member.unit_id])}
            for member in view.members
        ]  # fmt: skip
        data = {**content, "signatures": signatures}
        title = f"{content['masthead']}（{content['session']}）"[:128]
        issued = meeting.published
        snapshot = {
            "kind": spec.code, "kind_title": spec.title, "title": title, "number": number,
            "issuing_unit": {"code": host.code, "name": host.name}, "department": "",
            "date": local_date_text(issued), "date_iso": issued.astimezone(SHANGHAI).date().isoformat(),
            "fields": data, "recipients": [member.unit.name for member in view.members],
            "parts": list(spec.parts),
            "masthead": {"copy_number": spec.copy_number, "classification": spec.classification,
                         "urgency": spec.urgency},
            "template_version": spec.template_version, "verification_code": code,
        }  # fmt: skip
        # Rendering is left pending with no outbox row: nothing renders two thousand PDFs behind a
        # benchmark's back (the document pages say "rendering"; bench-render measures the renders).
        self.tables["document"].add(
            document_id, spec.code, host.pk, None, "issued", title, json.dumps(data, ensure_ascii=False),
            json.dumps(list(spec.approval_chain)), number, year, serial, issued, head[0],
            spec.template_version, json.dumps(snapshot, ensure_ascii=False), "", "", None, code, "pending",
            "", None, None, None, None, "", None, None, "", None, None, LINK_TYPE, str(meeting.id), head[0],
            issued, issued,
        )  # fmt: skip
        for member in view.members:
            self.counters["document_recipient"] += 1
            # No 回执 returned yet (issue 19): the receipt's text columns are empty, not NULL.
            recipient_id = self.counters["document_recipient"]
            self.tables["document_recipient"].add(
                recipient_id, document_id, member.unit.name, member.unit_id, None, None, "", "", "", "", ""
            )

    def _action_item(self, meeting, resolution_id, owner, task, rule, rules, rule_key, head, citation) -> int:
        """Open the action item with its deadline; most that are due were done, a few withdrawn."""
        from core.deadline_rows import deadline_build

        rng = self.rng
        self.counters["action_item"] += 1
        item_id = self.counters["action_item"]
        host_code = meeting.host.unit.code
        deadline = deadline_build(
            target=(ACTION_ITEM_TARGET, item_id), rule_key=rule_key, start=meeting.published,
            responsible_unit_code=owner.code, requester_unit_code=host_code, label=task[:200], rules=rules,
            calendar=self.calendar,
        )  # fmt: skip
        due = deadline.due_at
        state, completed, note, withdrawn = "open", None, "", ""
        draw = rng.random()
        if draw < 0.03:
            state, withdrawn = "withdrawn", "相关工作已并入专项行动统一部署。"
            completed = _between(rng, meeting.published, min(due, MEETINGS_NOW))
        elif draw < (0.85 if due < MEETINGS_NOW else 0.3):
            state, note = "done", "已按要求完成，书面材料已报轮值单位。"
            completed = meeting.published + (due - meeting.published) * rng.uniform(0.3, 1.0)
            if completed > MEETINGS_NOW:
                state, note, completed = "open", "", None
        owner_liaison = self._officer(owner.pk, "liaison_officer")
        self.tables["action_item"].add(
            item_id, resolution_id, meeting.id, meeting.series.series.pk, owner.pk, owner.path, task, due,
            state, completed if state == "done" else None, owner_liaison[0] if state == "done" else None,
            note, withdrawn, meeting.published,
        )  # fmt: skip
        self._timeline(
            ACTION_ITEM_TARGET,
            item_id,
            meeting.published,
            head,
            host_code,
            "open",
            to_state="open",
            note=citation,
        )
        if state == "done":
            self._timeline(
                ACTION_ITEM_TARGET,
                item_id,
                completed,
                owner_liaison,
                owner.code,
                "complete",
                from_state="open",
                to_state="done",
                note=note,
            )
        elif state == "withdrawn":
            self._timeline(
                ACTION_ITEM_TARGET,
                item_id,
                completed,
                head,
                host_code,
                "withdraw",
                from_state="open",
                to_state="withdrawn",
                note=withdrawn,
            )
        deadline_state = {"open": "running", "done": "met", "withdrawn": "cancelled"}[state]
        self.counters["deadline"] += 1
        self.deadlines.add(
            self.counters["deadline"],
            deadline.target_type,
            deadline.target_id,
            deadline.rule_key,
            deadline.label,
            deadline.citation,
            deadline.period,
            deadline.kind,
            deadline_state,
            deadline.started_at,
            due,
            None,
            0,
            completed if state == "done" else None,
            completed if state == "withdrawn" else None,
            deadline.responsible_unit_code,
            "",
            deadline.requester_unit_code,
            None,
            0,
            None,
            deadline.next_escalation_at if state == "open" else None,
            deadline.started_at,
        )
        return item_id


HELD = ("closed", "minutes_drafting", "minutes_circulating", "minutes_signed", "published")


class _BriefingFigures:
    """The figures of a frozen briefing, in the shape of meetings.briefing.briefing_compute, from the
    generated rows rather than the database (which is loaded only afterwards).

    Cases by offence and province, requests by province pair, fulfilment and missed deadlines are
    counted from the rows; where suspects live and the repeat suspects are estimated from how the
    persons were drawn (a residence anywhere in the six regions, RECURRING_SUSPECT_SHARE recurring).
    """

    def __init__(
        self, plan: Plan, rng, cases, facts: CaseFacts, requests, people: People, units: dict, offences
    ):
        from organisation.models import UnitLevel

        self.rng = rng
        self.rows = rows = {unit.pk: _row(unit) for unit in units.values()}
        self.province_names = {
            unit.code: unit.division_name or unit.name
            for unit in units.values()
            if unit.level == UnitLevel.PROVINCE
        }
        self.names = {unit.code: unit.name for unit in units.values()}
        self.offences = facts.offences
        self.codes = [offences[offence_id].code for offence_id, _name in facts.offences]
        accepted = array("d", (moment.timestamp() for _id, _unit, moment in cases))
        by_unit: dict[int, list[int]] = {}
        for index, (_id, unit, _moment) in enumerate(cases):
            by_unit.setdefault(unit.id, []).append(index)
        self.cases: dict[int, tuple[array, array]] = {}
        for unit_id, indexes in by_unit.items():
            indexes.sort(key=accepted.__getitem__)
            self.cases[unit_id] = (array("d", (accepted[i] for i in indexes)),
                                   array("H", (facts.offence[i] for i in indexes)))  # fmt: skip
        self.sent = sorted(requests.sent)
        self.sent_at = [row[0] for row in self.sent]
        self.fulfilled = sorted((fulfilled, received, to) for _s, received, fulfilled, _f, to in requests.sent
                                if fulfilled is not None and received is not None)  # fmt: skip
        self.fulfilled_at = [row[0] for row in self.fulfilled]
        self.missed = sorted(requests.missed, key=lambda row: (row[0], row[1]))
        self.missed_at = [row[0] for row in self.missed]
        suspect_share = ROLE_WEIGHTS["suspect"] / sum(ROLE_WEIGHTS.values())
        self.suspects_per_case = plan.persons / max(1, plan.cases) * suspect_share
        counties = Counter(row.province_code for row in rows.values() if row.level == UnitLevel.COUNTY)
        total = sum(counties.values())
        self.residence = {province: n / total for province, n in sorted(counties.items())}
        self.recurring = people.recurring_suspects
        self.shares: dict[int, float] = {}

    def _case_share(self, view: _SeriesView) -> float:
        """Return the share of all generated cases accepted within the series' member subtrees."""
        key = view.series.pk
        if key not in self.shares:
            inside = sum(len(self.cases[unit_id][0]) for unit_id in view.covered if unit_id in self.cases)
            self.shares[key] = inside / max(1, sum(len(moments) for moments, _o in self.cases.values()))
        return self.shares[key]

    def figures(self, view: _SeriesView, start: dt.datetime, end: dt.datetime) -> dict:
        from core.identity import mask_id_number
        from meetings.briefing import OTHER

        rows, covered = self.rows, view.covered
        provinces = view.provinces
        province_set = set(provinces)
        low, high = start.timestamp(), end.timestamp()
        cases: Counter = Counter()
        for unit_id in sorted(covered):
            if unit_id not in self.cases:
                continue
            moments, offences = self.cases[unit_id]
            first, last = bisect.bisect_left(moments, low), bisect.bisect_left(moments, high)
            if first < last:
                province = rows[unit_id].province_code
                for offence, n in Counter(offences[first:last]).items():
                    cases[(offence, province)] += n
        by_province: Counter = Counter()
        for (_offence, province), n in cases.items():
            by_province[province] += n
        flows: Counter = Counter()
        for source, n in sorted(by_province.items()):
            for target, share in self.residence.items():
                flows[(source, target if target in province_set else OTHER)] += (
                    n * self.suspects_per_case * share
                )
        # A recurring suspect counts when their other cases lie in another province of the scope:
        # none for a series within one province, about the scope's share of all cases otherwise.
        suspects = sum(by_province.values()) * self.suspects_per_case
        repeat_count = 0
        if len(provinces) > 1:
            repeat_count = round(suspects * RECURRING_SUSPECT_SHARE * self._case_share(view))
        repeat_rows = []
        if repeat_count and self.recurring:
            for _name, number, _born, _gender in self.rng.sample(
                self.recurring, min(repeat_count, 20, len(self.recurring))
            ):
                spread = min(self.rng.choice((2, 2, 3, 3, 4)), len(provinces))
                count = spread + self.rng.choice((0, 0, 1, 2))
                repeat_rows.append(
                    {
                        "id_number": mask_id_number(number),
                        "provinces": spread,
                        "cases": count,
                        "recent": min(count, self.rng.choice((1, 1, 1, 2))),
                    }
                )
            repeat_rows.sort(key=lambda row: (-row["cases"], -row["provinces"], row["id_number"]))
        volumes: Counter = Counter()
        for _sent, _received, _fulfilled, source, target in self.sent[
            bisect.bisect_left(self.sent_at, low) : bisect.bisect_left(self.sent_at, high)
        ]:
            if source in covered or target in covered:
                volumes[(rows[source].province_code, rows[target].province_code)] += 1
        fulfilment: dict[int, list[float]] = {}
        for fulfilled, received, target in self.fulfilled[
            bisect.bisect_left(self.fulfilled_at, low) : bisect.bisect_left(self.fulfilled_at, high)
        ]:
            if target in covered:
                fulfilment.setdefault(target, []).append(fulfilled - received)
        covered_codes = {rows[unit_id].code for unit_id in covered}
        overdue: Counter = Counter()
        for _due, code, _met in self.missed[
            bisect.bisect_left(self.missed_at, low) : bisect.bisect_left(self.missed_at, high)
        ]:
            if code in covered_codes:
                overdue[code] += 1
        codes = (
            set(provinces)
            | {province for _o, province in cases}
            | {code for pair in volumes for code in pair}
        )
        province_names = {
            code: self.province_names[code] for code in sorted(codes) if code in self.province_names
        }
        return {
            "period": {"start": start.isoformat(), "end": end.isoformat()},
            "scope": view.scope,
            "provinces": provinces,
            "province_names": province_names,
            "cases": [
                {
                    "offence": self.codes[offence],
                    "offence_name": self.offences[offence][1],
                    "province": province,
                    "n": n,
                }
                for (offence, province), n in sorted(
                    cases.items(), key=lambda item: (self.codes[item[0][0]], item[0][1])
                )
            ],
            "flows": [
                {"from": source, "to": target, "n": round(n)}
                for (source, target), n in sorted(flows.items())
                if round(n)
            ],
            "repeat_suspects": {"count": repeat_count, "rows": repeat_rows},
            "requests": [
                {"from": source, "to": target, "n": n} for (source, target), n in sorted(volumes.items())
            ],
            "fulfilment": [
                {
                    "unit": rows[unit_id].code,
                    "name": rows[unit_id].name,
                    "n": len(spans),
                    "avg_seconds": round(sum(spans) / len(spans)),
                    "longest_seconds": round(max(spans)),
                }
                for unit_id, spans in sorted(fulfilment.items(), key=lambda item: rows[item[0]].code)
            ],
            "overdue": [
                {"unit": code, "name": self.names[code], "n": n} for code, n in sorted(overdue.items())
            ],
        }


class _Matters:
    """The open matters a meeting's agenda names: disputed proceedings and requests of its members.

    A matter belongs to a series when every unit in it lies within a member's subtree (as
    meetings.agenda proposes them), and a restricted case is never proposed. Meetings still to
    come list what is still open; held ones what was open when they were convened. Titles and
    summaries are the agenda's own (meetings.agenda.KINDS), written in the site's language.
    """

    def __init__(
        self, cases, facts: CaseFacts, proceedings: list, disputed: list, units: dict, offences: dict
    ):
        self.cases, self.facts, self.units, self.offences = cases, facts, units, offences
        self.proceedings = sorted(
            (row for row in proceedings if row[2] == "dispute" and facts.handling_of(row[1]) != "restricted"),
            key=lambda row: (row[4], row[0]),
        )
        self.requests = sorted(
            (row for row in disputed if facts.handling_of(row[2]) != "restricted"),
            key=lambda row: (row[6], row[0]),
        )
        self.by_series: dict[int, tuple[list, list]] = {}

    def _of(self, view: _SeriesView) -> tuple[list, list]:
        key = view.series.pk
        if key not in self.by_series:
            covered = view.covered
            self.by_series[key] = (
                [row for row in self.proceedings if all(party.id in covered for party in row[6])],
                [row for row in self.requests if row[3].id in covered and row[4].id in covered],
            )
        return self.by_series[key]

    def _case(self, case_id: int):
        _id, unit, accepted = self.cases[case_id - self.facts.first_id]
        return self.facts.case(case_id, self.units[unit.id], accepted, self.offences)

    def pick(self, meeting: _Meeting, rng: random.Random) -> list[tuple]:
        """Return up to two proceedings and a request, as (source, type, id, title, summary, unit) rows."""
        from django.conf import settings
        from django.utils import translation

        from cases.assistance.models import AssistanceRequest
        from jurisdiction.models import JurisdictionProceeding
        from meetings.agenda import DESIGNATION_STATES, DISPUTE_STATES, KINDS, REQUEST_DISPUTE_STATES

        proceedings, requests = self._of(meeting.series)
        held = meeting.start <= MEETINGS_NOW
        since, until = meeting.created - dt.timedelta(days=365), meeting.created
        still_open = {*DISPUTE_STATES, *DESIGNATION_STATES}
        chosen_proceedings = [
            row for row in proceedings if since <= row[4] < until and (held or row[3] in still_open)
        ]
        chosen_requests = [
            row for row in requests if since <= row[6] < until and (held or row[5] in REQUEST_DISPUTE_STATES)
        ]
        chosen_proceedings = rng.sample(
            chosen_proceedings, min(len(chosen_proceedings), rng.choice((0, 1, 1, 2)))
        )
        chosen_requests = rng.sample(chosen_requests, min(len(chosen_requests), rng.choice((0, 0, 1))))
        rows = []
        with translation.override(settings.LANGUAGE_CODE):
            for proceeding_id, case_id, kind, state, opened, holder, _parties in chosen_proceedings:
                source = "designation_pending" if state in DESIGNATION_STATES else "proceeding_disputed"
                stub = JurisdictionProceeding(
                    pk=proceeding_id, kind=kind, state=state, opened_at=opened,
                    holding_unit=self.units[holder.id], case=self._case(case_id),
                )  # fmt: skip
                found = KINDS[source].describe(source, stub)
                rows.append(
                    (source, found.target_type, found.target_id, found.title, found.summary, holder.id)
                )
            for request_id, number, case_id, source_unit, target_unit, state, opened in chosen_requests:
                stub = AssistanceRequest(
                    pk=request_id, number=number, state=state, case=self._case(case_id), sent_at=opened,
                    created_at=opened, requesting_unit=self.units[source_unit.id],
                    requested_unit=self.units[target_unit.id],
                )  # fmt: skip
                found = KINDS["request_disputed"].describe("request_disputed", stub)
                rows.append(
                    (
                        "request_disputed",
                        found.target_type,
                        found.target_id,
                        found.title,
                        found.summary,
                        source_unit.id,
                    )
                )
        return rows


# --- loading ------------------------------------------------------------------------------------


def _secondary_indexes(cursor, table: str) -> list[tuple[str, str]]:
    """Return (name, definition) of the table's indexes that back no constraint (PK, unique, FK)."""
    cursor.execute(
        """
        SELECT i.relname, pg_get_indexdef(i.oid)
        FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        JOIN pg_class t ON t.oid = x.indrelid
        WHERE t.relname = %s AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)
        ORDER BY i.relname
        """,
        [table],
    )
    return list(cursor.fetchall())


def load(files: Iterable[TableFile]) -> dict[str, float]:
    """COPY every file into its table in one transaction; return seconds per step."""
    from django.db import connection, transaction

    timings: dict[str, float] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        # Superuser only: without it the foreign keys are checked row by row (slower, still right).
        try:
            with transaction.atomic():
                cursor.execute("SET LOCAL session_replication_role = replica")
        except Exception as error:
            print(f"  foreign-key triggers stay on ({error.__class__.__name__})", flush=True)
        dropped: list[tuple[str, str]] = []
        for table_file in files:
            for name, definition in _secondary_indexes(cursor, table_file.table):
                cursor.execute(f'DROP INDEX "{name}"')
                dropped.append((name, definition))
        for table_file in files:
            started = time.perf_counter()
            columns = ", ".join(f'"{column}"' for column in table_file.columns)
            statement = f'COPY "{table_file.table}" ({columns}) FROM STDIN'
            with cursor.cursor.copy(statement) as copy, table_file.path.open("rb") as handle:
                while block := handle.read(1 << 20):
                    copy.write(block)
            timings[f"COPY {table_file.table} ({table_file.rows:,} rows)"] = time.perf_counter() - started
            print(f"  loaded {table_file.table}: {table_file.rows:,} rows", flush=True)
        started = time.perf_counter()
        for _name, definition in dropped:
            cursor.execute(definition)
        timings[f"rebuild {len(dropped)} indexes"] = time.perf_counter() - started
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
        for table_file in files:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table_file.table}\"', 'id'), "
                f'COALESCE((SELECT max(id) FROM "{table_file.table}"), 1))'
            )
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for table_file in files:
            cursor.execute(f'ANALYZE "{table_file.table}"')
    timings["ANALYZE"] = time.perf_counter() - started
    return timings


def _finish_meetings(open_terms: dict[int, tuple[int, dt.datetime, int | None]]) -> None:
    """Leave each series' open duty term where the generated rotation left it.

    Seeding opened a first term (now, first in the order) before any meeting existed; the term
    open after the generated history is the member after the last regular meeting's host, since its
    close. One open term per series (a partial unique index), so it is updated after the load.
    """
    from meetings.models import DutyTerm

    for series_id, (member_id, started, meeting_id) in sorted(open_terms.items()):
        fields = {"member_id": member_id, "started_at": started, "handed_over_at_id": meeting_id}
        if not DutyTerm.objects.filter(series_id=series_id, ended_at__isnull=True).update(**fields):
            DutyTerm.objects.create(series_id=series_id, **fields)


def _save_counters(serials: dict[tuple[int, int], int], request_serials: dict | None = None) -> None:
    """Record the last serial per unit and year, so cases and requests made later continue the series."""
    from cases.assistance.models import RequestNumberCounter
    from cases.models import CaseNumberCounter

    for model, numbered in ((CaseNumberCounter, serials), (RequestNumberCounter, request_serials or {})):
        model.objects.bulk_create(
            [model(unit_id=unit_id, year=year, last=last) for (unit_id, year), last in numbered.items()],
            batch_size=5000,
        )


# --- the database ------------------------------------------------------------------------------


def prepare_schema() -> None:
    """Migrate, load the 623 units, seed the demo personas, give every other unit an investigator,
    and seed the joint-meeting series with the officers who take part in them."""
    from django.core.management import call_command

    call_command("migrate", "--noinput", verbosity=0)
    call_command("load_organisation", verbosity=0)
    call_command("seed_demo", "--force", verbosity=0)
    bench_officers()
    bench_meetings_setup()


def bench_officers() -> int:
    """Create an investigator (no password: no one signs in as it) in each unit that has none.

    Requests need a creating officer and an assignee in their units; the benchmarks log in as them.
    """
    from organisation.models import Department, Membership, Role, Unit, UnitLevel

    staffed = set(Membership.objects.filter(role=Role.INVESTIGATOR).values_list("unit_id", flat=True))
    units = [
        unit
        for unit in Unit.objects.filter(is_active=True, level__gte=UnitLevel.PREFECTURE).order_by("id")
        if unit.id not in staffed
    ]
    criminal = dict(Department.objects.filter(kind="criminal").values_list("unit_id", "id"))
    return _bench_accounts(
        (f"bench.{unit.code}", f"{unit.name[:20]}民警", unit.id, Role.INVESTIGATOR, criminal.get(unit.id))
        for unit in units
    )


def load_generated(files: dict) -> dict[str, float]:
    """Load what `generate` wrote, then bring the counters and duty terms in line; return the timings."""
    from django.db import connection

    serials = files.pop("_serials")
    request_serials = files.pop("_request_serials")
    duty_terms = files.pop("_duty_terms")
    if connection.in_atomic_block:
        # Seeding in the same transaction (a test) leaves deferred foreign-key checks pending, and
        # PostgreSQL refuses to rebuild the indexes of a table with trigger events pending.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    timings = load(list(files.values()))
    _save_counters(serials, request_serials)
    _finish_meetings(duty_terms)
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=300_000)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=None, help="assistance requests (default: cases / 5)")
    parser.add_argument(
        "--proceedings", type=int, default=None, help="jurisdiction proceedings (default: cases / 50)"
    )
    parser.add_argument("--meetings", type=int, default=None, help="joint meetings (default: cases / 500)")
    parser.add_argument("--seed", type=int, default=20261128)
    parser.add_argument("--recreate", action="store_true", help="drop and create the database first")
    parser.add_argument(
        "--no-results", action="store_true", help="print the timings but leave bench/RESULTS.md alone"
    )
    args = parser.parse_args(argv)
    if args.cases < 1 or args.persons < 0:
        parser.error("--cases must be at least 1 and --persons at least 0")

    import os

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        parser.error(
            f"DATABASE_URL must name a PostgreSQL database, e.g. postgresql://postgres@127.0.0.1:5432/{DEFAULT_DATABASE}"
        )
    started = time.perf_counter()
    if args.recreate:
        recreate_database(url)
    django_setup()
    from cases.models import Case

    prepare_schema()
    if Case.objects.exists():
        print(
            "The database already holds cases; run with --recreate for a repeatable data set.",
            file=sys.stderr,
        )
        return 2
    requests = args.requests if args.requests is not None else args.cases // 5
    proceedings = args.proceedings if args.proceedings is not None else args.cases // 50
    meetings = args.meetings if args.meetings is not None else args.cases // 500
    plan = Plan(
        cases=args.cases, persons=args.persons, seed=args.seed, requests=requests, proceedings=proceedings,
        meetings=meetings,
    )  # fmt: skip
    print(
        f"Generating {plan.cases:,} cases, {plan.persons:,} persons, {plan.requests:,} requests, "
        f"{plan.proceedings:,} proceedings and {plan.meetings:,} meetings (seed {plan.seed})…",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="lianban-bench-") as directory:
        generating = time.perf_counter()
        files = generate(plan, Path(directory))
        generated = time.perf_counter() - generating
        print(f"  generated in {generated:.0f} s", flush=True)
        timings = load_generated(files)
    total = time.perf_counter() - started
    print(f"  generation {generated:.1f} s")
    for step, seconds in timings.items():
        print(f"  {step}: {seconds:.1f} s")
    print(f"Done in {total:.0f} s; peak memory of the generator {peak_memory_mb():.0f} MiB.")
    if plan.meetings:
        username, meeting_id = bench_briefing_target()
        print(f"Live briefing: GET /api/v1/meetings/{meeting_id}/briefing/ as {username}.")
    if args.no_results:
        return 0
    write_results(plan, rows={name: table.rows for name, table in files.items()}, generated=generated,
                  timings=timings, total=total)  # fmt: skip
    return 0


def write_results(plan: Plan, *, rows: dict[str, int], generated: float, timings: dict, total: float) -> None:
    """Write the generator's section of bench/RESULTS.md: sizes, time per step, peak memory."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(" on ")[0]
    if plan.cases < 1_000_000:
        verdict = "not judged (the budget is for 1,000,000 cases)"
    else:
        verdict = "yes" if total < 600 and peak_memory_mb() < 4096 else "NO"
    lines = [
        "## Data set (`bench/generate.py`, `make bench-data`)",
        "",
        f"Generated {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {machine(version)}.",
        "",
        f"Plan: {plan.cases:,} cases, {plan.persons:,} persons, {plan.requests:,} assistance requests, "
        f"{plan.proceedings:,} jurisdiction proceedings, {plan.meetings:,} joint meetings, seed {plan.seed}. "
        "Budget (issue 8): under 10 minutes and under 4 GB for 1,000,000 cases.",
        "",
        "| Step | Seconds |",
        "|---|---:|",
        f"| generate rows (Python, one core) | {generated:.1f} |",
        *(f"| {step} | {seconds:.1f} |" for step, seconds in timings.items()),
        f"| **total, with migrate and seeding** | **{total:.1f}** |",
        "",
        f"Rows: {', '.join(f'{name} {count:,}' for name, count in rows.items())}. "
        f"Peak memory of the generator: {peak_memory_mb():.0f} MiB. "
        f"Within budget: {verdict}.",
    ]
    if plan.meetings:
        username, meeting_id = bench_briefing_target()
        lines += [
            "",
            f"Live briefing (`bench_briefing_target()`): `GET /api/v1/meetings/{meeting_id}/briefing/` as "
            f"`{username}`, the host's liaison officer of the next six-province meeting.",
        ]
    print(write_section("bench-data", lines))


if __name__ == "__main__":
    sys.exit(main())
