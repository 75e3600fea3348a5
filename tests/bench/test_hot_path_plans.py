"""Every query of every hot path of `make bench` can be served by an index (issue 8 item 2).

On a small generated data set each hot path of bench/http_bench.py is requested once through the
whole stack; every SELECT it ran is explained with sequential scans priced out of reach
(`enable_seqscan = off`), so a plan that still reads a large table from end to end has no index
to use. At this size PostgreSQL would rightly prefer sequential scans, hence the setting: the test
asks whether an index exists for the query, and the benchmark at 1,000,000 cases whether it is used.
"""

import json
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import generate
import http_bench

pytestmark = [pytest.mark.django_db(transaction=False), pytest.mark.postgres]

# Tables that grow with the cases; the organisation's units, roles and offences are small by nature.
LARGE_TABLES = {
    "cases_case",
    "cases_caseparty",
    "cases_caseperson",
    "cases_caselocation",
    "cases_personphone",
    "cases_personbankaccount",
    "cases_caseaccessgrant",
    "assistance_assistancerequest",
    "core_deadline",
    "core_timelineentry",
    "core_auditevent",
    "jurisdiction_jurisdictionproceeding",
    "jurisdiction_proceedingparty",
    "documents_document",
    "meetings_jointmeeting",
    "meetings_meetingparticipant",
}


def _sequential_scans(sql: str, params) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
        cursor.execute("SET LOCAL enable_seqscan = on")
    plan = json.loads(plan) if isinstance(plan, str) else plan
    found = set()

    def walk(node):
        if node["Node Type"] == "Seq Scan" and node.get("Relation Name") in LARGE_TABLES:
            found.add(node["Relation Name"])
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return found


@pytest.fixture
def data_set(tmp_path, settings):
    settings.SEARCH_RATE_PER_MINUTE = 10**6
    call_command("seed_demo", "--force", verbosity=0)
    generate.bench_officers()
    generate.bench_meetings_setup()
    plan = generate.Plan(cases=400, persons=1200, seed=5, requests=300, proceedings=40, meetings=40)
    generate.load_generated(generate.generate(plan, tmp_path / "load"))


def test_every_query_of_every_hot_path_has_an_index_to_use(data_set, django_capture_on_commit_callbacks):
    # The render path's document is issued and rendered on commit (the outbox), as in the benchmark.
    with django_capture_on_commit_callbacks(execute=True):
        paths, _dossier = http_bench.plan_paths()
    expected = {"case_list", "case_list_deep", "case_detail", "inbox_county", "inbox_legal", "transition"}
    assert expected | {"search", "briefing", "render"} <= {path.name for path in paths}
    unindexed = {}
    for path in paths:
        client = Client(HTTP_AUTHORIZATION=f"Token {path.token}")
        url, body = path.alternate[0] if path.alternate else (path.url, path.body)
        with CaptureQueriesContext(connection) as captured:
            if path.method == "GET":
                response = client.get(url, secure=True)
            else:
                response = client.post(
                    url, json.dumps(body or {}), content_type="application/json", secure=True
                )
        assert response.status_code == 200, (path.name, response.content[:300])
        selects = [
            query["sql"] for query in captured.captured_queries if query["sql"].lstrip().startswith("SELECT")
        ]
        assert selects, path.name
        for sql in selects:
            # The captured SQL has its parameters inlined by the backend; explain it as it ran.
            scans = _sequential_scans(sql, None)
            if scans:
                unindexed.setdefault(path.name, []).append((sorted(scans), sql[:300]))
    assert not unindexed, json.dumps(unindexed, ensure_ascii=False, indent=1)


def test_the_check_names_a_query_no_index_serves():
    # No index covers a person's note: the plan must still read the table through, and be named.
    assert _sequential_scans("SELECT id FROM cases_caseperson WHERE note = 'x'", None) == {"cases_caseperson"}
    assert _sequential_scans("SELECT id FROM cases_caseperson WHERE id_number = 'x'", None) == set()
