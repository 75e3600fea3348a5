"""Hypothesis strategies for a world plan (built by tests.support.factories.world.build_world)."""

from __future__ import annotations

import csv
from pathlib import Path

from hypothesis import strategies as st

from cases.models import CaseState, HandlingCode, LocationRole, PartyRole, PersonRole
from organisation.models import Role
from tests.support.factories.world import CLUSTER, SIX

_DIVISIONS = Path(__file__).resolve().parents[2] / "organisation" / "data" / "divisions-southwest.csv"
with _DIVISIONS.open(encoding="utf-8") as rows:
    ALL_CODES = sorted({row["code"] for row in csv.DictReader(rows)} | {"000000"})

# Mostly units whose kinship matters (a branch, its city, its province, the ministry), sometimes any
# of the 623 units of the tree.
units = st.one_of(st.sampled_from(CLUSTER), st.sampled_from(CLUSTER), st.sampled_from(ALL_CODES))
roles = st.sampled_from(list(Role.values))
membership_status = st.sampled_from(["current", "current", "acting", "expired", "future"])
# 限制 is where the rule differs most (only the lead's ancestors see it): drawn as often as the others.
handling_codes = st.sampled_from(
    [HandlingCode.NORMAL, HandlingCode.INTERNAL, HandlingCode.RESTRICTED, HandlingCode.RESTRICTED]
)
# Mostly open cases, so that requests, proceedings and mergers can be made on them.
case_states = st.sampled_from(
    [
        CaseState.UNDER_INVESTIGATION,
        CaseState.UNDER_INVESTIGATION,
        CaseState.UNDER_INVESTIGATION,
        CaseState.REGISTERED,
        CaseState.JURISDICTION_PENDING,
        CaseState.CLOSED,
        CaseState.DRAFT,
    ]
)
cluster_units = st.sampled_from(CLUSTER)

users = st.lists(st.tuples(units, roles, membership_status), min_size=1, max_size=2)
cases = st.fixed_dictionaries(
    {
        "accepting": units,
        "handling_code": handling_codes,
        "state": case_states,
        "locations": st.lists(
            st.tuples(st.sampled_from(list(LocationRole.values)), units), min_size=1, max_size=2
        ),
        "persons": st.lists(st.sampled_from(list(PersonRole.values)), min_size=1, max_size=2),
        "parties": st.lists(
            st.tuples(units, st.sampled_from([PartyRole.ASSISTING, PartyRole.REQUESTED])), max_size=1
        ),
    }
)
index = st.integers(min_value=0, max_value=7)


@st.composite
def plans(draw) -> dict:
    return {
        "users": draw(st.lists(users, min_size=1, max_size=3)),
        "cases": draw(st.lists(cases, min_size=2, max_size=4)),
        "requests": draw(
            st.lists(
                st.fixed_dictionaries(
                    {"case": index, "to": units, "upto": st.sampled_from(["draft", "sent", "accepted"])}
                ),
                max_size=2,
            )
        ),
        "proceedings": draw(
            st.lists(
                st.fixed_dictionaries(
                    {"case": index, "extra": st.lists(cluster_units, min_size=1, max_size=2)}
                ),
                min_size=1,
                max_size=2,
            )
        ),
        "mergers": draw(st.lists(st.fixed_dictionaries({"into": index, "merged": index}), max_size=1)),
        "bulletins": draw(
            st.lists(
                st.fixed_dictionaries({"case": index, "targets": st.lists(units, min_size=1, max_size=2)}),
                max_size=1,
            )
        ),
        "grants": draw(
            st.lists(
                st.fixed_dictionaries(
                    {
                        "user": index,
                        "case": index,
                        "status": st.sampled_from(["active", "expired", "revoked", "requested"]),
                    }
                ),
                max_size=2,
            )
        ),
        "meeting": draw(st.one_of(st.none(), *[st.fixed_dictionaries({"host": st.sampled_from(SIX)})] * 2)),
        "recode": draw(st.lists(st.tuples(index, handling_codes), max_size=2)),
    }
