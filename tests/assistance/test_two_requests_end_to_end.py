"""Issue 3 "Done when", the request half: Wuhou asks Kunming and Guiyang; Qinghai sees none of it."""

from django.core.files.uploadedfile import SimpleUploadedFile

from cases.assistance_kinds import DocumentType
from tests.support.api import token_client
from tests.support.factories.assistance import PDF, attach_all, case_in
from tests.support.personas import Cast

BASE = "/api/v1/assistance-requests/"


def _post(client, url, data=None, **kwargs):
    response = client.post(url, data or {}, **({"format": "json"} | kwargs))
    assert response.status_code in (200, 201), (url, response.content)
    return response.json()


def test_wuhou_asks_kunming_for_evidence_and_guiyang_for_an_identity_check(db, qinghai_investigator):
    kunming = Cast(requested="530100")
    guiyang = Cast(requested="520100")
    investigator = kunming.investigator
    guiyang._people.update(kunming._people)  # the same Wuhou people ask both
    case = case_in("510107", created_by=investigator)
    wuhou = token_client(investigator)

    evidence = _post(
        wuhou,
        BASE,
        {
            "case": case.pk,
            "requested_unit": "530100",
            "kind": "evidence_collection",
            "matters": "调取受害人银行流水",
        },
    )
    from cases.assistance.models import AssistanceRequest

    attach_all(investigator, AssistanceRequest.objects.get(pk=evidence["id"]))
    _post(wuhou, f"{BASE}{evidence['id']}/transitions/submit/")
    _post(token_client(kunming.department_head), f"{BASE}{evidence['id']}/transitions/approve/")
    _post(wuhou, f"{BASE}{evidence['id']}/transitions/send/")

    intake = token_client(kunming.intake)
    _post(intake, f"{BASE}{evidence['id']}/transitions/receive/")
    returned = _post(
        intake,
        f"{BASE}{evidence['id']}/transitions/return_request/",
        {
            "reason": "立案决定书未签章",
            "defects": [{"document_type": "case_filing_decision", "defect": "unsigned"}],
        },
    )
    assert returned["state"] == "returned"
    assert returned["returns"][0]["defect"] == "unsigned"

    _post(
        wuhou,
        f"{BASE}{evidence['id']}/documents/",
        {
            "document_type": DocumentType.CASE_FILING_DECISION.value,
            "number": "武公（刑）立字〔2026〕15号",
            "issued_on": "2026-04-15",
            "file": SimpleUploadedFile("signed.pdf", PDF, content_type="application/pdf"),
        },
        format="multipart",
    )
    _post(wuhou, f"{BASE}{evidence['id']}/transitions/resubmit/")
    _post(intake, f"{BASE}{evidence['id']}/transitions/receive/")
    _post(intake, f"{BASE}{evidence['id']}/transitions/accept/")
    _post(intake, f"{BASE}{evidence['id']}/transitions/route/", {"department": "criminal"})
    _post(
        token_client(kunming.requested_head),
        f"{BASE}{evidence['id']}/transitions/assign/",
        {"assignee": kunming.officer.username},
    )
    officer = token_client(kunming.officer)
    _post(officer, f"{BASE}{evidence['id']}/transitions/start/")
    _post(officer, f"{BASE}{evidence['id']}/transitions/fulfil/", {"results": "已调取流水三份"})
    closed = _post(wuhou, f"{BASE}{evidence['id']}/transitions/close/")
    assert closed["state"] == "closed"
    actions = [entry["action"] for entry in closed["timeline"]]
    assert actions.index("return_request") < actions.index("resubmit") < actions.index("accept")

    check = _post(
        wuhou,
        BASE,
        {"case": case.pk, "requested_unit": "520100", "kind": "identity_check", "matters": "核查嫌疑人身份"},
    )
    attach_all(investigator, AssistanceRequest.objects.get(pk=check["id"]))
    _post(wuhou, f"{BASE}{check['id']}/transitions/submit/")
    _post(token_client(kunming.department_head), f"{BASE}{check['id']}/transitions/approve/")
    _post(wuhou, f"{BASE}{check['id']}/transitions/send/")
    received = _post(token_client(guiyang.intake), f"{BASE}{check['id']}/transitions/receive/")
    deadline = next(row for row in received["deadlines"] if row["rule_key"] == "identity_check")
    assert deadline["period"] == "7 days" and deadline["remaining"] and deadline["remaining_seconds"] > 0

    qinghai = token_client(qinghai_investigator)
    assert qinghai.get(BASE).json()["results"] == []
    for pk in (evidence["id"], check["id"]):
        assert qinghai.get(f"{BASE}{pk}/").status_code == 404
