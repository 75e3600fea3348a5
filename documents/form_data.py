"""What a form prints beyond its fields, read from the document's own workflow (issue 19, W2).

The form book's 存根 prints who approved the form and when (批准人, 批准时间), who handled the case
(办案人) and who filled it in (填发人); a 呈请报告书 prints the opinions its approval steps gave
(办案单位意见, 法制部门审核意见, 领导批示), each with the officer's name and the date; a decision
names every organ it is served on (主送) and copied to (抄送). All of that is known only when the
document is issued, so it is frozen into the snapshot then, under the key ``form``:

    documents.services.build_snapshot(...) = {..., "form": form_data.form_context(document, issued_by=by)}

(the hook W3 calls; until then the v2 templates fall back to the fields the linking app wrote). The
draft preview (documents.views.PreviewView) builds the same context for a document not issued yet.

Where each value comes from:

- the opinions: the document's timeline rows of its chain's steps (core.workflow.run_transition
  writes the step's `reason` as the row's note, with the actor's name and the time), the latest
  round only (a send_back starts the chain again); a document approved by its linking object
  (chain "external", the 呈请立案报告书) has its opinions in its fields instead
  (unit_opinion, review_opinion, leader_instruction), written by that object's own step;
- 批准人 and 批准时间: Document.approved_by and approved_at, or the linking app's fields
  (approver, approved_on) for an externally approved document;
- 办案人: the fields' officers (or contact_officers), else the officer who drafted it;
- 主送 and 抄送: the fields' served_on and copy_to when the linking app wrote them, else every
  recipient is 主送.
"""

from __future__ import annotations

from django.utils import timezone

from core.workflow import timeline_for
from documents import kinds

UNIT = "unit"
REVIEW = "review"
LEADER = "leader"

# The approval column of the 呈请报告书 as the form book prints it, top to bottom.
APPROVAL_ROWS = (
    (LEADER, "领导批示"),
    (REVIEW, "审核意见"),
    (UNIT, "办案单位意见"),
)
# Which step of the chain gives which opinion.
_STEP_ROW = {
    "submit_for_review": UNIT,
    "submit_for_approval": UNIT,
    "approve_review": REVIEW,
    "approve": LEADER,
}
# The fields an externally approved report carries its opinions in (cases.filing.report_data).
_FIELD_ROW = {UNIT: "unit_opinion", REVIEW: "review_opinion", LEADER: "leader_instruction"}

# 呈请××报告书: the title the form takes from the report's purpose.
REPORT_TITLES = {
    kinds.DESIGNATION_PURPOSE: "呈请指定管辖报告书",
    kinds.FILING_PURPOSE: "呈请立案报告书",
    "case_transfer": "呈请移送案件报告书",
}


def local_date_text(moment) -> str:
    """Write a date as the forms do (documents.services.local_date_text, not imported: services calls us)."""
    day = timezone.localtime(moment).date()
    return f"{day.year}年{day.month}月{day.day}日"


def officer_name(user) -> str:
    """Return the name an officer signs with (display name, else full name, else user name)."""
    if user is None:
        return ""
    name = getattr(user, "display_name", "")
    name = name() if callable(name) else name
    return str(name or user.get_full_name() or user.get_username())


def report_title(data: dict) -> str:
    """Return the 呈请××报告书 title of a report: from its purpose, else from a short subject.

    A subject written as a request ("关于…的请示", "提请…") is not a title: only a short one that
    names the matter ("指定管辖") makes "呈请指定管辖报告书"; otherwise the form's own title stands.
    """
    data = data or {}
    explicit = str(data.get("report_title") or "").strip()
    if explicit:
        return explicit
    if data.get("purpose") in REPORT_TITLES:
        return REPORT_TITLES[data["purpose"]]
    subject = str(data.get("subject") or "").strip()
    for prefix in ("呈请", "提请", "报请", "请求"):
        subject = subject.removeprefix(prefix)
    if (
        subject
        and len(subject) <= 10
        and not subject.startswith("关于")
        and not subject.endswith(("请示", "报告"))
    ):
        return f"呈请{subject}报告书"
    return kinds.REPORT_FOR_APPROVAL.title


def _current_round(document) -> list:
    """Return the timeline rows of the chain since the document last went back to its drafter."""
    rows = list(timeline_for(document).order_by("occurred_at", "id"))
    start = 0
    for index, row in enumerate(rows):
        if row.action == "send_back":
            start = index + 1
    return rows[start:]


def approvals(document) -> list[dict]:
    """Return the approval column: per APPROVAL_ROWS the opinion, the officer's name and the date, or ""."""
    found: dict[str, dict] = {}
    for row in _current_round(document):
        key = _STEP_ROW.get(row.action)
        if key is not None:
            found[key] = {
                "opinion": row.note.strip(),
                "name": row.actor_name,
                "date": local_date_text(row.occurred_at),
            }
    data = document.data or {}
    column = []
    for key, label in APPROVAL_ROWS:
        entry = found.get(key) or {
            "opinion": str(data.get(_FIELD_ROW[key]) or "").strip(),
            "name": "",
            "date": "",
        }
        column.append({"key": key, "label": label, **entry})
    return column


def _split_recipients(document) -> tuple[list[str], list[str]]:
    data = document.data or {}
    copy_to = [str(name) for name in data.get("copy_to") or [] if str(name).strip()]
    served = [str(name) for name in data.get("served_on") or [] if str(name).strip()]
    if not served:
        served = [r.name for r in document.recipients.all() if r.name not in copy_to]
    if not served and data.get("recipient"):
        served = [str(data["recipient"])]
    return served, copy_to


def form_context(document, *, issued_by=None) -> dict:
    """Return what the form prints from the workflow (see the module docstring), JSON-safe.

    `issued_by` is the officer who signs and issues it now (填发人); a draft's preview has none.
    """
    data = document.data or {}
    external = kinds.EXTERNAL in (document.approval_chain or [])
    if document.approved_by_id and not external:
        approver = officer_name(document.approved_by)
        approved_on = local_date_text(document.approved_at) if document.approved_at else ""
    else:
        approver = str(data.get("approver") or "")
        approved_on = str(data.get("approved_on") or "")
    reviewer = officer_name(document.reviewed_by) if document.reviewed_by_id else ""
    officers = str(data.get("officers") or data.get("contact_officers") or "") or officer_name(
        document.created_by
    )
    main_to, copy_to = _split_recipients(document)
    context = {
        "approver": approver,
        "approved_on": approved_on,
        "reviewer": reviewer,
        "reviewed_on": local_date_text(document.reviewed_at) if document.reviewed_at else "",
        "officers": officers,
        "issuer": officer_name(issued_by) if issued_by is not None else "",
        "main_to": main_to,
        "copy_to": copy_to,
    }
    if document.kind == kinds.REPORT_FOR_APPROVAL.code:
        context["report_title"] = report_title(data)
        context["approvals"] = approvals(document)
    return context
