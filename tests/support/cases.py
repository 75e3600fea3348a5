"""Cases in tests: one a search finds by its suspect, grants run out, dossiers built."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from cases import dossiers
from cases.models import CaseDossier, CaseState, HandlingCode
from core.identity import make_id_number
from tests.support.factories.cases import CaseFactory, CasePersonFactory

# The identifiers of the suspect of `chengdu_case`, which a search finds.
SUSPECT_ID = make_id_number("510104", dt.date(1985, 11, 2), 31)
PHONE = "13987654321"
ACCOUNT = "6222020200112233445"


def chengdu_case(handling_code=HandlingCode.NORMAL, state=CaseState.UNDER_INVESTIGATION, **person):
    """A Wuhou (Chengdu) case with one suspect carrying the test identifiers."""
    case = CaseFactory(state=state, handling_code=handling_code, name="成都电诈案")
    CasePersonFactory(
        case=case,
        name=person.get("name", "张三丰"),
        id_number=person.get("id_number", SUSPECT_ID),
        phones=[PHONE],
        bank_accounts=[("工商银行", ACCOUNT)],
    )
    return case


def expire(grants) -> None:
    """Move grants of 7 days into the past, as if their 7 days had run out a second ago."""
    now = timezone.now()
    grants.update(starts_at=now - dt.timedelta(days=7, seconds=1), expires_at=now - dt.timedelta(seconds=1))


def build_dossier(django_capture_on_commit_callbacks, case, user) -> CaseDossier:
    """Request a case's dossier and let the outbox and (eager) Celery build it."""
    # The outbox relays after commit, and its handler hands the build to Celery (eager) after its own.
    with django_capture_on_commit_callbacks(execute=True):
        dossier = dossiers.dossier_request(case=case, by=user)
    dossier.refresh_from_db()
    return dossier
