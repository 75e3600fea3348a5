"""Generate a realistic synthetic data set in PostgreSQL for the benchmarks (not a test).

Run: make bench-data  (BENCH_CASES, BENCH_PERSONS, BENCH_SEED, BENCH_DATABASE_URL override the sizes)
  or DEBUG=true DATABASE_URL=postgresql://postgres@127.0.0.1:5432/lianban_bench \
     .venv/bin/python bench/generate.py --cases 300000 --persons 1000000 --seed 20261128 --recreate

The data set spreads cases over the 623 units of the six regions: registered cases in every state
after registration, handling codes 普通/内部/限制 in realistic shares, the accepting and lead units as
parties, one to three crime locations, and persons (suspects, victims, witnesses) with valid resident
ID numbers (GB 11643-1999 check character), names with their pinyin, phone numbers and bank
accounts; some suspects, phones and accounts recur across cases and provinces, as they do.

Repeatable: the same seed and sizes give the same rows (ids included) on an empty database, whose
schema `--recreate` builds from scratch (migrate, the organisation, the demo personas).

Fast: each table is written as COPY text to a temporary file while the rows are generated, then
loaded with one COPY; the loaded tables' secondary indexes are dropped before and rebuilt after,
and foreign-key triggers are off during the load (the generator writes consistent rows), so a
million cases load in minutes on two cores.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import random
import sys
import tempfile
import time
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
            unit.id, accepted, lead.id if lead else None, rng.choices(codes, code_weights)[0],
            rng.choice("ABC") if graded else "", rng.randrange(1, 4) if graded else None, state, None,
            accepted, accepted, "", "", "", None,
        )  # fmt: skip
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
    request_serials = Requests(plan, rng, directory, accepting, units).generate(cases, files, counters)
    Proceedings(rng, directory, accepting, units).generate(proceeding_cases, files, counters)
    for table in files.values():
        table.close()
    files["_serials"] = serials  # type: ignore[assignment]
    files["_request_serials"] = request_serials  # type: ignore[assignment]
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
            False, "", state, requester_officer, created, times["other_at"],
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
        if sent:
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
            "clarification_requested": "paused", "returned": "cancelled", "acknowledged": "cancelled",
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
                "analysis", "rules_version", "legal_review_note", "settled_at", "withdrawn_reason",
                "created_at", "updated_at",
            ),
            directory,
        )  # fmt: skip
        self.party_file = TableFile(
            ProceedingParty._meta.db_table,
            ("id", "proceeding_id", "unit_id", "unit_path", "bases", "position", "proposed_unit_id",
             "reasons", "positioned_by_id", "positioned_at"),
            directory,
        )  # fmt: skip

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
                opened + dt.timedelta(days=20) if state == "settled" else None,
                "双方已协商一致，撤回申请。" if state == "withdrawn" else "", opened,
                opened + dt.timedelta(days=20) if over else opened,
            )  # fmt: skip
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
    """Migrate, load the 623 units, seed the demo personas and give every other unit an investigator."""
    from django.core.management import call_command

    call_command("migrate", "--noinput", verbosity=0)
    call_command("load_organisation", verbosity=0)
    call_command("seed_demo", "--force", verbosity=0)
    bench_officers()


def bench_officers() -> int:
    """Create an investigator (no password: no one signs in as it) in each unit that has none.

    Requests need a creating officer and an assignee in their units; the benchmarks log in as them.
    """
    from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX

    from organisation.models import Department, Membership, Role, Unit, UnitLevel, User

    staffed = set(Membership.objects.filter(role=Role.INVESTIGATOR).values_list("unit_id", flat=True))
    units = [
        unit
        for unit in Unit.objects.filter(is_active=True, level__gte=UnitLevel.PREFECTURE).order_by("id")
        if unit.id not in staffed
    ]
    users = User.objects.bulk_create(
        [
            User(
                username=f"bench.{unit.code}",
                full_name=f"{unit.name[:20]}民警",
                password=UNUSABLE_PASSWORD_PREFIX,
            )
            for unit in units
        ]
    )
    criminal = dict(Department.objects.filter(kind="criminal").values_list("unit_id", "id"))
    Membership.objects.bulk_create(
        [
            Membership(
                user=user, unit=unit, role=Role.INVESTIGATOR, department_id=criminal.get(unit.id),
                valid_from=dt.date(FIRST_YEAR - 1, 1, 1),
            )
            for user, unit in zip(users, units, strict=True)
        ]
    )  # fmt: skip
    return len(users)


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
    parser.add_argument("--seed", type=int, default=20261128)
    parser.add_argument("--recreate", action="store_true", help="drop and create the database first")
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
    plan = Plan(
        cases=args.cases, persons=args.persons, seed=args.seed, requests=requests, proceedings=proceedings
    )
    print(
        f"Generating {plan.cases:,} cases, {plan.persons:,} persons and {plan.requests:,} requests "
        f"(seed {plan.seed})…",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="lianban-bench-") as directory:
        generating = time.perf_counter()
        files = generate(plan, Path(directory))
        serials = files.pop("_serials")
        request_serials = files.pop("_request_serials")
        generated = time.perf_counter() - generating
        print(f"  generated in {generated:.0f} s", flush=True)
        timings = load(list(files.values()))
    _save_counters(serials, request_serials)
    total = time.perf_counter() - started
    print(f"  generation {generated:.1f} s")
    for step, seconds in timings.items():
        print(f"  {step}: {seconds:.1f} s")
    print(f"Done in {total:.0f} s; peak memory of the generator {peak_memory_mb():.0f} MiB.")
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
        f"{plan.proceedings:,} jurisdiction proceedings, seed {plan.seed}. "
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
    print(write_section("bench-data", lines))


if __name__ == "__main__":
    sys.exit(main())
