"""Jurisdiction proceedings: the officers who act in them, their documents, cases with a shared suspect."""

from __future__ import annotations

import datetime as dt

from cases.models import Case, CaseState, HandlingCode
from cases.related import case_related_detect
from core.identity import make_id_number
from documents import services as document_services
from documents.models import Document
from tests.support.factories.cases import CaseFactory, CasePersonFactory, unit
from tests.support.personas import Cast, Office
from tests.support.units import WUHOU, WUHUA

REASONS = "同一犯罪嫌疑人在成都、昆明两地实施电信网络诈骗"


def office(code: str, prefix: str, cast: Cast | None = None) -> Office:
    """Return the unit's head, legal officer and investigator (outside any department), made now."""
    cast = cast if cast is not None else Cast()
    return cast.office(code, prefix, departments={"investigator": None}).staff(
        "head", "legal", "investigator"
    )


def walk_document(document: Document, offices_of_unit: Office) -> Document:
    """Take a drafted document through its chain up to approved (legal review, then the head)."""
    step = document_services.document_transition
    chain = document.approval_chain
    if "legal_review" in chain:
        step(document=document, name="submit_for_review", by=offices_of_unit.head)
        step(document=document, name="approve_review", by=offices_of_unit.legal)
    else:
        step(document=document, name="submit_for_approval", by=offices_of_unit.head)
    step(document=document, name="approve", by=offices_of_unit.head)
    document.refresh_from_db()
    return document


def hand_over_notice(proceeding, offices_of_unit: Office):
    """Walk the 移送案件通知书 of the unit giving the case up through its chain and issue it.

    MPS-2020 art 184: whenever the case changes hands its head approves the notice; issuing it
    (start_handover) opens the handover list.
    """
    from jurisdiction import services

    notice = Document.objects.filter(
        kind="case_transfer_notice",
        link_target_type="jurisdiction.proceeding",
        link_target_id=str(proceeding.pk),
    ).latest("id")
    walk_document(notice, offices_of_unit)
    return services.proceeding_transition(
        proceeding=proceeding, name="start_handover", by=offices_of_unit.head
    )


def related_pair(
    offices, *, kunming_code: str = HandlingCode.NORMAL, sequence: int = 415
) -> tuple[Case, Case]:
    """Return a Chengdu and a Kunming case sharing a suspect, with the related-case notices found."""
    chengdu = CaseFactory(
        name="4·15 电信网络诈骗案",
        accepting_unit=unit(WUHOU),
        state=CaseState.UNDER_INVESTIGATION,
        created_by=offices[WUHOU].investigator,
    )
    kunming = CaseFactory(
        name="5·02 电信网络诈骗案",
        accepting_unit=unit(WUHUA),
        state=CaseState.UNDER_INVESTIGATION,
        handling_code=kunming_code,
        created_by=offices[WUHUA].investigator,
    )
    shared = make_id_number("520102", dt.date(1990, 3, 7), sequence)
    CasePersonFactory(case=kunming, name="吉某某", id_number=shared)
    CasePersonFactory(case=chengdu, name="吉某某", id_number=shared)
    assert case_related_detect(case=chengdu, by=offices[WUHOU].investigator)
    return chengdu, kunming
