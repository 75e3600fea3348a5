"""The floors `make bench` measures each hot path against (mounted only with LIANBAN_BENCH_FLOORS=1).

Issue 8: beside each hot path, on the same gunicorn and process model, (a) the same rows fetched by
one hand-written SQL query and serialised with `json.dumps`, and (b) a bare Django view returning
constant JSON. A path's ratio to (a) is what the application adds over the database's own work.

The floors take what the endpoint would work out from the signed-in user (unit ids, subtree paths,
the period of a briefing) as query parameters, so they do no authentication and no permission
work: they are the least any implementation has to do. They answer raw SQL without signing in,
which is why `check --deploy` fails while they are mounted (core.checks.bench_floors_off).

The inbox floor fetches the rows the inbox showed by their keys, a lower floor than any query that
also has to find them (the inbox finds them by a dozen role-dependent conditions).
"""

from __future__ import annotations

import json
import re

from django.db import connection, transaction
from django.http import HttpResponse, JsonResponse
from django.urls import path

CONSTANT = {"status": "ok", "items": [], "count": 0}

# The visibility rule of cases.selectors._visibility_condition, by hand: a party unit of the user's;
# or, for a registered case, a unit above a party (normal/internal) or above the lead (restricted);
# or an unexpired personal access grant.
_CASE_VISIBLE = """
    (EXISTS (SELECT 1 FROM cases_caseparty p WHERE p.case_id = c.id AND p.unit_id = ANY(%(units)s::bigint[]))
     OR (c.state <> 'draft' AND (
           (c.handling_code <> 'restricted' AND EXISTS (
               SELECT 1 FROM cases_caseparty p
               WHERE p.case_id = c.id AND p.unit_path LIKE ANY(%(below)s::text[])))
        OR (c.handling_code = 'restricted' AND (
               EXISTS (SELECT 1 FROM cases_caseparty p
                       WHERE p.case_id = c.id AND p.role = 'lead' AND p.unit_path LIKE ANY(%(below)s::text[]))
            OR (c.lead_unit_id IS NULL AND EXISTS (
                   SELECT 1 FROM cases_caseparty p
                   WHERE p.case_id = c.id AND p.role = 'accepting'
                     AND p.unit_path LIKE ANY(%(below)s::text[])))))))
     OR EXISTS (SELECT 1 FROM cases_caseaccessgrant g
                WHERE g.case_id = c.id AND g.user_id = %(user)s AND g.revoked_at IS NULL
                  AND g.starts_at <= now() AND g.expires_at > now()))
"""

CASE_LIST = f"""
SELECT c.id, c.number, c.external_number, c.name, o.code, o.name, c.state, c.handling_code,
       c.source_reliability, c.information_accuracy, au.code, au.name, c.accepted_at, lu.code, lu.name,
       c.created_at, c.updated_at,
       (SELECT count(*) FROM cases_caseperson x WHERE x.case_id = c.id),
       (SELECT count(*) FROM cases_caseperson x WHERE x.case_id = c.id AND x.role = 'suspect'),
       (SELECT count(*) FROM cases_caseperson x WHERE x.case_id = c.id AND x.role = 'victim'),
       (SELECT count(*) FROM cases_caselocation x WHERE x.case_id = c.id),
       (SELECT json_agg(json_build_object(
                  'name', s.name, 'id_type', s.id_type, 'id_number', s.id_number,
                  'phones', (SELECT coalesce(json_agg(ph.number ORDER BY ph.id), '[]')
                             FROM cases_personphone ph WHERE ph.person_id = s.id)) ORDER BY s.id)
        FROM cases_caseperson s WHERE s.case_id = c.id AND s.role = 'suspect')
FROM cases_case c
JOIN organisation_unit au ON au.id = c.accepting_unit_id
LEFT JOIN organisation_unit lu ON lu.id = c.lead_unit_id
LEFT JOIN cases_offence o ON o.id = c.offence_id
WHERE {_CASE_VISIBLE}
  AND c.id < %(before)s
  AND (%(state)s = '' OR c.state = %(state)s)
  AND (%(handling_code)s = '' OR c.handling_code = %(handling_code)s)
ORDER BY c.id DESC
LIMIT %(limit)s
"""

CASE_DETAIL = f"""
SELECT c.id, c.number, c.external_number, c.name, c.summary, o.code, o.name, c.state, c.handling_code,
       c.source_reliability, c.information_accuracy, au.code, au.name, c.accepted_at, lu.code, lu.name,
       c.created_at, c.updated_at, c.suspended_reason, c.closed_reason, c.revoke_reason, u.full_name,
       (SELECT json_agg(json_build_object('role', p.role, 'unit', pu.code, 'name', pu.name) ORDER BY p.id)
        FROM cases_caseparty p JOIN organisation_unit pu ON pu.id = p.unit_id WHERE p.case_id = c.id),
       (SELECT json_agg(json_build_object(
                  'role', l.role, 'division_code', l.division_code, 'address', l.address,
                  'occurred', l.occurred, 'is_main', l.is_main, 'note', l.note, 'unit', lu2.name)
                  ORDER BY l.id)
        FROM cases_caselocation l LEFT JOIN organisation_unit lu2 ON lu2.id = l.division_unit_id
        WHERE l.case_id = c.id),
       (SELECT json_agg(json_build_object(
                  'role', s.role, 'name', s.name, 'gender', s.gender, 'birth_date', s.birth_date,
                  'id_type', s.id_type, 'id_number', s.id_number,
                  'household', s.household_address, 'habitual', s.habitual_address,
                  'phones', (SELECT coalesce(json_agg(ph.number ORDER BY ph.id), '[]')
                             FROM cases_personphone ph WHERE ph.person_id = s.id),
                  'accounts', (SELECT coalesce(json_agg(json_build_object(
                                      'bank', a.bank, 'number', a.account_number) ORDER BY a.id), '[]')
                               FROM cases_personbankaccount a WHERE a.person_id = s.id)) ORDER BY s.id)
        FROM cases_caseperson s WHERE s.case_id = c.id),
       (SELECT json_agg(json_build_object('at', t.occurred_at, 'action', t.action, 'to', t.to_state)
                        ORDER BY t.occurred_at)
        FROM core_timelineentry t WHERE t.target_type = 'cases.case' AND t.target_id = c.id::text)
FROM cases_case c
JOIN organisation_unit au ON au.id = c.accepting_unit_id
LEFT JOIN organisation_unit lu ON lu.id = c.lead_unit_id
LEFT JOIN cases_offence o ON o.id = c.offence_id
LEFT JOIN organisation_user u ON u.id = c.created_by_id
WHERE c.id = %(case)s AND {_CASE_VISIBLE}
"""

# The rows the inbox showed, by their keys: each item's object with its number, state and parties.
INBOX = """
SELECT 'assistance.assistancerequest', r.id, r.number, r.kind, r.state, a.name, b.name,
       (SELECT min(d.due_at) FROM core_deadline d
        WHERE d.target_type = 'assistance.assistancerequest' AND d.target_id = r.id::text
          AND d.state IN ('running', 'paused'))
FROM assistance_assistancerequest r
JOIN organisation_unit a ON a.id = r.requesting_unit_id
JOIN organisation_unit b ON b.id = r.requested_unit_id
WHERE r.id = ANY(%(requests)s::bigint[])
UNION ALL
SELECT 'jurisdiction.jurisdictionproceeding', j.id, c.number, c.name, j.state, '', '',
       (SELECT min(d.due_at) FROM core_deadline d
        WHERE d.target_type = 'jurisdiction.jurisdictionproceeding' AND d.target_id = j.id::text
          AND d.state IN ('running', 'paused'))
FROM jurisdiction_jurisdictionproceeding j JOIN cases_case c ON c.id = j.case_id
WHERE j.id = ANY(%(proceedings)s::bigint[])
UNION ALL
SELECT 'cases.case', c.id, c.number, c.name, c.state, u.name, '', NULL
FROM cases_case c JOIN organisation_unit u ON u.id = c.accepting_unit_id
WHERE c.id = ANY(%(cases)s::bigint[])
UNION ALL
SELECT 'meetings.jointmeeting', m.id, m.uid::text, m.title, m.state, '', '', m.start_at
FROM meetings_jointmeeting m
WHERE m.id = ANY(%(meetings)s::bigint[])
"""

# A transition's own writes: the state, the row's clock and its timeline entry, in one statement.
TRANSITION = """
WITH changed AS (
    UPDATE cases_case SET state = CASE state WHEN 'suspended' THEN 'under_investigation' ELSE 'suspended' END,
                          updated_at = now()
    WHERE id = %(case)s
    RETURNING id, number, state, updated_at
), entry AS (
    INSERT INTO core_timelineentry (target_type, target_id, occurred_at, actor_name, acting_unit_code,
                                    action, from_state, to_state, note, data)
    SELECT 'cases.case', id::text, now(), 'bench', '', 'bench', '', state, '', '{}' FROM changed
    RETURNING id
)
SELECT changed.*, (SELECT id FROM entry) FROM changed
"""

# A search by resident ID number: the persons named by it and, for each, the case and its unit.
SEARCH = """
SELECT s.id, s.name, s.role, s.id_number, c.id, c.number, c.name, c.state, c.handling_code,
       u.code, u.name, o.name
FROM cases_caseperson s
JOIN cases_case c ON c.id = s.case_id
JOIN organisation_unit u ON u.id = c.accepting_unit_id
LEFT JOIN cases_offence o ON o.id = c.offence_id
WHERE s.id_number = %(id_number)s AND c.state <> 'draft'
ORDER BY c.id DESC
LIMIT 50
"""

# The briefing a GET serves: the stored figures of the meeting (live ones are computed on the first
# view and again by the worker once old; meetings.briefing.briefing_get).
BRIEFING = """
SELECT b.period_start, b.period_end, b.computed_at, b.frozen_at, b.figures, b.document_id
FROM meetings_briefing b WHERE b.meeting_id = %(meeting)s
"""

# The briefing's figures (meetings.briefing.briefing_compute) in one statement: cases by offence and
# province, where suspects live, repeat suspects, request volumes, fulfilment and missed deadlines.
BRIEFING_COMPUTE = """
WITH scope_units AS (
    SELECT u.id, u.code, u.province_code FROM organisation_unit u
    WHERE u.path = ANY(%(paths)s::text[]) OR u.path LIKE ANY(%(below)s::text[])
), period_cases AS (
    SELECT c.id, c.offence_id, su.province_code
    FROM cases_case c JOIN scope_units su ON su.id = c.accepting_unit_id
    WHERE c.state <> 'draft' AND c.accepted_at >= %(start)s AND c.accepted_at < %(end)s
), recent_suspects AS (
    SELECT DISTINCT s.id_number FROM cases_caseperson s JOIN period_cases pc ON pc.id = s.case_id
    WHERE s.role = 'suspect' AND s.id_number <> ''
)
SELECT
  (SELECT json_agg(x) FROM (
      SELECT o.code, o.name, pc.province_code, count(*) AS n
      FROM period_cases pc LEFT JOIN cases_offence o ON o.id = pc.offence_id
      GROUP BY 1, 2, 3) x),
  (SELECT json_agg(x) FROM (
      SELECT pc.province_code, substr(coalesce(
                 CASE WHEN s.habitual_since <= %(habitual_before)s
                      THEN nullif(s.habitual_division_code, '') END,
                 nullif(s.household_division_code, '')), 1, 2) AS res, count(*) AS n
      FROM cases_caseperson s JOIN period_cases pc ON pc.id = s.case_id
      WHERE s.role = 'suspect' GROUP BY 1, 2) x),
  (SELECT json_agg(x) FROM (
      SELECT s.id_number, count(DISTINCT su.province_code) AS provinces, count(DISTINCT c.id) AS cases
      FROM recent_suspects r
      JOIN cases_caseperson s ON s.id_number = r.id_number AND s.role = 'suspect'
      JOIN cases_case c ON c.id = s.case_id AND c.state <> 'draft'
      JOIN scope_units su ON su.id = c.accepting_unit_id
      GROUP BY 1 HAVING count(DISTINCT su.province_code) >= 2
      ORDER BY 3 DESC, 2 DESC, 1 LIMIT 20) x),
  (SELECT json_agg(x) FROM (
      SELECT a.province_code AS "from", b.province_code AS "to", count(*) AS n
      FROM assistance_assistancerequest r
      JOIN organisation_unit a ON a.id = r.requesting_unit_id
      JOIN organisation_unit b ON b.id = r.requested_unit_id
      WHERE r.sent_at >= %(start)s AND r.sent_at < %(end)s
        AND (r.requesting_unit_id IN (SELECT id FROM scope_units)
             OR r.requested_unit_id IN (SELECT id FROM scope_units))
      GROUP BY 1, 2) x),
  (SELECT json_agg(x) FROM (
      SELECT b.code, b.name, count(*) AS n, avg(r.fulfilled_at - r.received_at) AS avg,
             max(r.fulfilled_at - r.received_at) AS longest
      FROM assistance_assistancerequest r JOIN organisation_unit b ON b.id = r.requested_unit_id
      WHERE r.fulfilled_at >= %(start)s AND r.fulfilled_at < %(end)s AND r.received_at IS NOT NULL
        AND r.requested_unit_id IN (SELECT id FROM scope_units)
      GROUP BY 1, 2) x),
  (SELECT json_agg(x) FROM (
      SELECT d.responsible_unit_code, count(*) AS n FROM core_deadline d
      WHERE d.target_type = 'assistance.assistancerequest' AND d.due_at >= %(start)s AND d.due_at < %(end)s
        AND d.responsible_unit_code IN (SELECT code FROM scope_units)
        AND ((d.state = 'met' AND d.met_at > d.due_at)
             OR (d.state IN ('running', 'paused') AND d.due_at < %(end)s))
      GROUP BY 1) x)
"""

# The document a download serves: its row and issuing unit (the floor does not render).
DOCUMENT = """
SELECT d.id, d.number, d.kind, d.title, d.state, d.render_state, d.sha256, d.file, u.code, u.name
FROM documents_document d JOIN organisation_unit u ON u.id = d.issuing_unit_id
WHERE d.id = %(document)s
"""

QUERIES = {
    "case_list": CASE_LIST,
    "case_detail": CASE_DETAIL,
    "inbox": INBOX,
    "transition": TRANSITION,
    "search": SEARCH,
    "briefing": BRIEFING,
    "briefing_compute": BRIEFING_COMPUTE,
    "document": DOCUMENT,
}
LIST_PARAMETERS = {"units", "below", "paths", "requests", "proceedings", "cases", "meetings"}


def _parameters(request) -> dict:
    values: dict = {}
    for key, raw in request.GET.lists():
        if key in LIST_PARAMETERS:
            values[key] = [item for item in raw[0].split(",") if item] if raw and raw[0] else []
            if key in {"units", "requests", "proceedings", "cases", "meetings"}:
                values[key] = [int(item) for item in values[key]]
        else:
            values[key] = raw[0]
    return values


def constant_floor(request):
    """Answer constant JSON: the cost of the server, the middleware and Django's routing alone."""
    return JsonResponse(CONSTANT)


_LIKE_ANY = re.compile(r"(\w+\.\w+) LIKE ANY\(%\(below\)s::text\[\]\)")


def _with_prefixes(sql: str, values: dict) -> str:
    """Spell `col LIKE ANY(%(below)s)` as `col LIKE %(below_0)s OR …`: PostgreSQL serves each such
    prefix match from a text_pattern_ops index, and an array match from none (a floor must not be
    slower than the application's own query)."""
    prefixes = values.pop("below", None)
    if prefixes is None:
        return sql
    for index, prefix in enumerate(prefixes):
        values[f"below_{index}"] = prefix

    def spelled(match) -> str:
        column = match.group(1)
        if not prefixes:
            return "FALSE"
        return "(" + " OR ".join(f"{column} LIKE %(below_{index})s" for index in range(len(prefixes))) + ")"

    return _LIKE_ANY.sub(spelled, sql)


def sql_floor(request, name: str):
    """Run the named hand-written query once with the given parameters and answer its rows as JSON."""
    values = _parameters(request)
    sql = _with_prefixes(QUERIES[name], values)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, values)
        rows = cursor.fetchall()
    return HttpResponse(json.dumps(rows, default=str, ensure_ascii=False), content_type="application/json")


urlpatterns = [
    path("constant/", constant_floor, name="bench-floor-constant"),
    path("sql/<str:name>/", sql_floor, name="bench-floor-sql"),
]
