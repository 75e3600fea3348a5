"""Pages of jurisdiction proceedings: the proceeding with every step, opening one, and the queues.

Thin adapters over jurisdiction.services and jurisdiction.selectors, like the API. A proceeding
the user may not see is 404 on every page and every form (its existence stays hidden); a step the
user may not take is 403; a step posted from a page that has gone stale (someone moved the
proceeding on) is 409 with the page as it is now; a refused input comes back on the form's fields
with everything typed kept (400). Each form posts to its own URL and works without JavaScript.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django_htmx.http import HttpResponseClientRedirect

from cases.models import PersonRole
from cases.selectors import case_get_visible
from cases.standing import user_standing
from core import deadline_rows
from core.api import Conflict
from core.guards import RolesFirstMixin
from core.ids import id_or_none
from core.pages import apply_errors
from core.workflow import timeline_for
from documents import kinds as document_kinds
from documents import services as document_services
from jurisdiction import forms, presentation, services
from jurisdiction import permissions as perms
from jurisdiction.models import (
    DesignationRequest,
    HandoverConfirmation,
    JurisdictionProceeding,
    ProceedingParty,
    ProceedingState,
    RouteStep,
)
from jurisdiction.permissions import MANAGERS
from jurisdiction.selectors import proceeding_get_visible, proceeding_visible_to, proceedings_read_record
from organisation.models import PATH_SEPARATOR, Unit
from organisation.selectors import user_may_read_case_data

S = ProceedingState
STATE_LABELS = dict(ProceedingState.choices)
QUEUE_PAGE_SIZE = 50
_GENDER_ZH = {"male": "男", "female": "女"}

# Transitions whose form is only a button (with the state the page showed).
BUTTON_TRANSITIONS = frozenset({"start_consultation", "file_designation", "designate", "start_handover"})
# Transitions whose form is a reason: (required, label).
REASON_TRANSITIONS = {
    "approve_agreement": (False, gettext_lazy("Review note")),
    "send_back_agreement": (True, gettext_lazy("Why the agreement goes back")),
    "forward": (False, gettext_lazy("Note")),
    "return_designation": (True, gettext_lazy("Why the request is returned")),
    "withdraw": (True, gettext_lazy("Why the proceeding is withdrawn")),
}
# Steps that end or set back the proceeding: their buttons are not the primary action.
CAUTIOUS = frozenset({"withdraw", "send_back_agreement", "return_designation"})
HELP = {
    "start_consultation": gettext_lazy(
        "Every party is asked to claim, decline or propose another unit before the deadline (协商, "
        "MPS-2020 art 22)."
    ),
    "agree": gettext_lazy(
        "The positions agree on %(unit)s; its legal department reviews the agreement next."
    ),
    "approve_agreement": gettext_lazy("The case gets its lead and assisting units (落实承办主体)."),
    "request_designation": gettext_lazy(
        "Drafts the 呈请报告书 in your unit's name; your legal department reviews it and your head "
        "approves it before it goes up level by level (MPS-2020 art 22)."
    ),
    "file_designation": gettext_lazy(
        "The approved 呈请报告书 is issued and the request goes to the next superior on the route (层报)."
    ),
    "forward": gettext_lazy("Passes the request to the next superior; the last one designates."),
    "take_up": gettext_lazy("A superior of every party may designate directly (MPS-2020 art 22)."),
    "designate": gettext_lazy(
        "Issues the approved 指定管辖决定书 to every party, copied to the procuratorate and court "
        "(MPS-2020 art 23); the handover follows."
    ),
    "prepare_transfer": gettext_lazy(
        "Drafts the 移送案件通知书; the case moves within 24 hours (MPS-2020 art 175)."
    ),
    "start_handover": gettext_lazy(
        "Issues the approved 移送案件通知书 and opens the handover list (MPS-2020 art 185)."
    ),
    "withdraw": gettext_lazy("The question is moot: the unit holding the case goes on with it."),
}


class CaseDataPageMixin(LoginRequiredMixin):
    """Sign-in required; users without an operational role (auditors, administrators) get 404."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not user_may_read_case_data(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


def detail_url(proceeding) -> str:
    return reverse("jurisdiction-proceeding-detail", args=[proceeding.pk])


# --- the proceeding page ---------------------------------------------------------------------------


def suspects_text(case) -> str:
    """Write the case's suspects as the request lists them (Chinese: the 呈请报告书 is a Chinese form).

    Identity numbers are left out: showing them is audited on the case page, and the officer adds
    them from there when the request needs them.
    """
    lines = []
    for person in case.persons.filter(role=PersonRole.SUSPECT).order_by("id"):
        parts = [person.name]
        if person.gender in _GENDER_ZH:
            parts.append(_GENDER_ZH[person.gender])
        if person.birth_date:
            day = person.birth_date
            parts.append(f"{day.year}年{day.month}月{day.day}日生")
        if person.household_address or person.household_division_code:
            parts.append(f"户籍地{person.household_address or person.household_division_code}")
        if person.habitual_address or person.habitual_division_code:
            parts.append(f"经常居住地{person.habitual_address or person.habitual_division_code}")
        lines.append("，".join(parts))
    return "\n".join(lines)


def _dispute_text(parties) -> str:
    claiming = [party.unit.name for party in parties if party.position == "claim"]
    silent = [party.unit.name for party in parties if not party.position]
    parts = []
    if len(claiming) > 1:
        parts.append(f"{'、'.join(claiming)}均主张管辖")
    if silent:
        parts.append(f"协商期限内{'、'.join(silent)}未表态")
    return "；".join(parts)


class ProceedingPage:
    """Everything the proceeding page shows one user, read once, and the forms of its steps."""

    def __init__(self, request, proceeding: JurisdictionProceeding):
        self.request = request
        self.user = request.user
        self.proceeding = proceeding
        self.parties = list(
            proceeding.parties.select_related("unit", "proposed_unit", "positioned_by").order_by("id")
        )
        self.units_by_id = {party.unit_id: party.unit for party in self.parties}
        self.documents = presentation.proceeding_documents(proceeding, self.user)
        self.deadlines = list(deadline_rows.deadlines_for(proceeding))
        self.complainant_deadline_open = any(
            row.rule_key == services.COMPLAINANT_RULE and row.state in ("running", "paused")
            for row in self.deadlines
        )
        route_ids = list(proceeding.route or [])
        self.route_units = Unit.objects.in_bulk(route_ids) if route_ids else {}
        self.units_by_id.update(self.route_units)
        self.actions = presentation.user_actions(
            proceeding,
            self.user,
            parties=self.parties,
            documents=self.documents,
            complainant_deadline_open=self.complainant_deadline_open,
        )
        lead_id, _dissent = services.consensus(self.parties)
        self.consensus_lead = self.units_by_id.get(lead_id)

    # --- forms ---------------------------------------------------------------------------------

    def form(self, name: str, data=None, *, unit=None, document=None, step: str = ""):
        """Build the form of one step, bound to `data` when it was posted."""
        proceeding = self.proceeding
        state = {"expected_state": proceeding.state}
        if name == "position":
            party = next((p for p in self.parties if unit is not None and p.unit_id == unit.pk), None)
            initial = {"unit": unit.code if unit else ""}
            if party is not None and party.position:
                initial.update(
                    position=party.position,
                    reasons=party.reasons,
                    proposed_unit=party.proposed_unit.code if party.proposed_unit_id else "",
                )
            return forms.PositionForm(data, parties=self.parties, unit=unit, initial=initial)
        if name == "document_step":
            return forms.DocumentStepForm(data, document=document, step=step)
        if name in BUTTON_TRANSITIONS:
            return forms.TransitionForm(data, action=name, initial=state)
        if name in REASON_TRANSITIONS:
            required, label = REASON_TRANSITIONS[name]
            return forms.ReasonForm(data, action=name, required=required, label=label, initial=state)
        if name == "agree":
            return forms.AgreeForm(data, parties=self.parties, lead=self.consensus_lead, initial=state)
        if name == "request_designation":
            case = proceeding.case
            initial = {
                **state,
                "suspects": suspects_text(case),
                "charge": case.offence.name if case.offence_id else "",
                "facts": case.summary,
                "dispute": _dispute_text(self.parties),
            }
            return forms.RequestDesignationForm(data, parties=self.parties, initial=initial)
        if name == "take_up":
            superiors = Unit.objects.filter(pk__in=perms.superior_units_of(proceeding, self.user)).order_by(
                "-level"
            )
            return forms.TakeUpForm(data, superiors=list(superiors), initial=state)
        if name == "prepare_transfer":
            return forms.PrepareTransferForm(data, initial=state)
        if name == "decision_draft":
            decision = presentation.latest_of_kind(
                self.documents, document_kinds.JURISDICTION_DESIGNATION_DECISION.code
            )
            initial = {}
            if decision is not None:
                initial = {
                    "lead_unit": decision.data.get("designated_unit_code", ""),
                    "reason": decision.data.get("reason", ""),
                }
            else:
                request = self.designation_request
                if request is not None and request.proposed_unit_id:
                    initial = {"lead_unit": request.proposed_unit.code}
            return forms.DecisionDraftForm(data, parties=self.parties, initial=initial)
        if name == "handover_add":
            return forms.HandoverItemForm(data)
        if name == "handover_confirm":
            return forms.HandoverConfirmForm(data, initial={"digest": services.handover_digest(proceeding)})
        if name == "complainants_notified":
            return forms.ComplainantsNotifiedForm(data)
        raise Http404

    @property
    def designation_request(self) -> DesignationRequest | None:
        if not hasattr(self, "_designation_request"):
            self._designation_request = (
                self.proceeding.designation_requests.select_related(
                    "filing_unit", "proposed_unit", "report_document", "created_by"
                )
                .order_by("-id")
                .first()
            )
            request = self._designation_request
            if request is not None:
                # Its 呈请报告书 is named only to whom the page lists it (a draft stays in its unit).
                listed = {document.pk for document in self.documents}
                request.listed_report = (
                    request.report_document if request.report_document_id in listed else None
                )
        return self._designation_request

    # --- the page --------------------------------------------------------------------------------

    def _transition_entries(self, bound: dict) -> list[dict]:
        entries = []
        # The first step that is not a setback opens by itself, unless a position is still owed.
        first = not self.actions.positions_pending
        for name in self.actions.transitions:
            help_text = HELP.get(name, "")
            if name == "agree" and self.consensus_lead is not None:
                help_text = help_text % {"unit": self.consensus_lead.name}
            entries.append(
                {
                    "name": name,
                    "label": presentation.ACTION_LABELS.get(name, name),
                    "help": help_text,
                    "cautious": name in CAUTIOUS,
                    "form": bound.get(name) or self.form(name),
                    "url": reverse("jurisdiction-proceeding-action", args=[self.proceeding.pk, name]),
                    "open": name in bound or (first and name not in CAUTIOUS),
                }
            )
            first = first and name in CAUTIOUS
        return entries

    def _documents(self, bound: dict) -> list[dict]:
        rows = []
        for document in self.documents:
            steps = []
            for step in self.actions.document_steps.get(document.pk, []):
                key = f"document:{document.pk}:{step}"
                steps.append(
                    {
                        "name": step,
                        "label": presentation.DOCUMENT_STEP_LABELS.get(step, step),
                        "form": bound.get(key) or self.form("document_step", document=document, step=step),
                        "url": reverse(
                            "jurisdiction-document-step", args=[self.proceeding.pk, document.pk, step]
                        ),
                    }
                )
            waiting = presentation.DOCUMENT_WAITING.get(document.state)
            rows.append(
                {
                    "document": document,
                    "label": document.spec.label,
                    "steps": steps,
                    "waiting": waiting % {"unit": document.issuing_unit.name} if waiting else "",
                }
            )
        return rows

    def _route(self) -> list[dict]:
        proceeding = self.proceeding
        current = proceeding.current_route_unit_id
        stations = []
        for index, unit_id in enumerate(proceeding.route or []):
            unit = self.route_units.get(unit_id)
            if proceeding.state in (S.FORWARDING, S.AT_SUPERIOR):
                status = (
                    "current" if unit_id == current else ("done" if index < proceeding.route_position else "")
                )
            else:
                status = "done" if proceeding.state in (S.DESIGNATED, S.HANDOVER, S.SETTLED) else ""
            stations.append(
                {
                    "unit": unit,
                    "status": status,
                    "is_superior": unit_id == proceeding.superior_unit_id,
                }
            )
        return stations

    def _timeline(self) -> list:
        entries = list(timeline_for(self.proceeding).order_by("occurred_at", "id"))
        for entry in entries:
            entry.label = presentation.TIMELINE_LABELS.get(entry.action, entry.action)
            entry.from_label = STATE_LABELS.get(entry.from_state, entry.from_state)
            entry.to_label = STATE_LABELS.get(entry.to_state, entry.to_state)
        return entries

    def context(self, bound: dict | None = None) -> dict:
        bound = bound or {}
        proceeding = self.proceeding
        actions = self.actions
        party_codes = {party.unit.code for party in self.parties}
        positions = [
            {
                "unit": party.unit,
                "form": bound.get(f"position:{party.unit.code}") or self.form("position", unit=party.unit),
                "url": reverse("jurisdiction-proceeding-action", args=[proceeding.pk, "position"]),
                "current": presentation.position_label(party) if party.position else "",
                "open": not party.position or f"position:{party.unit.code}" in bound,
            }
            for party in actions.position_units
        ]
        handover = None
        if proceeding.state in (S.HANDOVER, S.SETTLED) and proceeding.needs_handover:
            confirmations = {
                confirmation.side: confirmation
                for confirmation in HandoverConfirmation.objects.filter(proceeding=proceeding).select_related(
                    "by", "unit"
                )
            }
            handover = {
                "items": list(proceeding.handover_items.select_related("added_by").order_by("id")),
                "sender": confirmations.get("sender"),
                "receiver": confirmations.get("receiver"),
                "add_form": bound.get("handover_add") or self.form("handover_add")
                if actions.may_edit_handover
                else None,
                "confirm_form": bound.get("handover_confirm") or self.form("handover_confirm")
                if actions.handover_side
                else None,
                "side_label": presentation.SIDE_LABELS.get(actions.handover_side or "", ""),
                "signed": actions.handover_side in confirmations if actions.handover_side else False,
            }
        now = timezone.now()
        deadlines = [
            {
                "row": row,
                "label": deadline_rows.label_text(row),
                "due": deadline_rows.due_text(row),
                "remaining": deadline_rows.remaining_text(row),
                "overdue": row.state == "running" and row.due_at <= now,
            }
            for row in self.deadlines
        ]
        return {
            "proceeding": proceeding,
            "case": proceeding.case,
            "parties": [
                {
                    "party": party,
                    "bases": presentation.bases_display(party.bases),
                    "position": presentation.position_label(party),
                }
                for party in self.parties
            ],
            "analysis": presentation.analysis_display(proceeding.analysis, party_codes=party_codes),
            "waiting_for": presentation.waiting_for(
                proceeding, parties=self.parties, documents=self.documents, units=self.units_by_id
            ),
            "notes": actions.notes,
            "transitions": self._transition_entries(bound),
            "positions": positions,
            "decision_form": (bound.get("decision_draft") or self.form("decision_draft"))
            if actions.may_draft_decision
            else None,
            "complainants_form": (bound.get("complainants_notified") or self.form("complainants_notified"))
            if actions.may_notify_complainants
            else None,
            "has_actions": bool(actions.names or actions.position_units),
            "documents": self._documents(bound),
            "designation_request": self.designation_request,
            "route": self._route(),
            "route_steps": list(
                RouteStep.objects.filter(proceeding=proceeding).select_related("unit", "by").order_by("id")
            ),
            "assisting_units": list(proceeding.assisting_units.order_by("code"))
            if proceeding.state in (S.AGREED, S.SETTLED)
            else [],
            "handover": handover,
            "deadlines": deadlines,
            "timeline": self._timeline(),
            "candidate_units": [
                candidate
                for candidate in (proceeding.analysis or {}).get("candidates", [])
                if candidate["unit"]["code"] != proceeding.holding_unit.code
            ],
        }


def _render_page(request, proceeding, *, status: int = 200, bound: dict | None = None):
    # A proceeding whose case only an access grant opens to the user: every showing is audited.
    proceedings_read_record(request.user, [proceeding], path=request.path)
    page = ProceedingPage(request, proceeding)
    return render(request, "jurisdiction/proceeding_detail.html", page.context(bound), status=status)


class ProceedingDetailView(CaseDataPageMixin, View):
    def get(self, request, pk: int):
        return _render_page(request, proceeding_get_visible(request.user, pk))


def _conflict(request, proceeding, error: Conflict | None = None):
    """Answer 409 with the page as it is now, and say so."""
    proceeding = proceeding_get_visible(request.user, proceeding.pk)
    detail = str(error.detail) if error is not None else ""
    if not detail or detail == str(Conflict().detail):
        # The generic "changed by someone else": say what it is now instead.
        detail = _("The proceeding was changed by someone else.")
    messages.error(
        request,
        _("%(detail)s It is now “%(state)s”: check it and choose again.")
        % {"detail": detail, "state": proceeding.get_state_display()},
    )
    return _render_page(request, proceeding, status=409)


def _denied(request, proceeding):
    messages.error(request, _("You may not take this step on this proceeding."))
    return _render_page(request, proceeding, status=403)


def _party_unit(page: ProceedingPage, code: str | None):
    return next((party.unit for party in page.parties if party.unit.code == (code or "")), None)


class ProceedingActionView(CaseDataPageMixin, View):
    """Take one step from its form on the proceeding page."""

    http_method_names = ["post", "options"]

    def post(self, request, pk: int, name: str):
        proceeding = proceeding_get_visible(request.user, pk)
        if name not in ACTIONS:
            raise Http404
        page = ProceedingPage(request, proceeding)
        unit = None
        if name == "position":
            unit = _party_unit(page, request.POST.get("unit"))
            if unit is None:
                return _denied(request, proceeding)
        form = page.form(name, request.POST, unit=unit)
        key = f"position:{unit.code}" if unit is not None else name
        if not form.is_valid():
            if "expected_state" in form.errors:
                return _conflict(request, proceeding)
            return _render_page(request, proceeding, status=400, bound={key: form})
        values = form.cleaned_data
        expected = values.get("expected_state")
        if expected and expected != proceeding.state:
            return _conflict(request, proceeding)
        try:
            message = ACTIONS[name](page, values)
        except ValidationError as error:
            apply_errors(form, error)
            return _render_page(request, proceeding, status=400, bound={key: form})
        except Conflict as error:
            return _conflict(request, proceeding, error)
        except PermissionDenied:
            return _denied(request, proceeding)
        messages.success(request, message)
        return redirect(detail_url(proceeding))


def _transition(name: str, fields=None):
    def perform(page: ProceedingPage, values: dict) -> str:
        services.proceeding_transition(
            proceeding_id=page.proceeding.pk,
            name=name,
            by=page.user,
            reason=values.get("reason", ""),
            fields=fields(page, values) if fields else None,
            expected_state=values.get("expected_state"),
        )
        return _("Done: %(action)s.") % {"action": presentation.ACTION_LABELS.get(name, name)}

    return perform


def _agree_fields(page, values):
    return {
        "lead_unit": values.get("lead_unit") or None,
        "assisting_units": values.get("assisting_units", []),
    }


def _designation_fields(page, values):
    return {
        key: values.get(key, "")
        for key in ("suspects", "charge", "facts", "dispute", "reasons", "proposed_unit")
    }


def _position(page: ProceedingPage, values: dict) -> str:
    unit = _party_unit(page, values["unit"])
    proposed = _party_unit(page, values.get("proposed_unit"))
    services.position_record(
        proceeding_id=page.proceeding.pk,
        unit=unit,
        by=page.user,
        position=values["position"],
        reasons=values["reasons"],
        proposed_unit=proposed,
    )
    return _("The position of %(unit)s is recorded.") % {"unit": unit.name}


def _decision_draft(page: ProceedingPage, values: dict) -> str:
    services.designation_decision_draft(
        proceeding_id=page.proceeding.pk,
        by=page.user,
        lead_unit=_party_unit(page, values["lead_unit"]),
        reason=values["reason"],
    )
    return _(
        "The 指定管辖决定书 is drafted: submit it for legal review, then the head approves and signs it."
    )


def _handover_add(page: ProceedingPage, values: dict) -> str:
    services.handover_item_add(proceeding_id=page.proceeding.pk, by=page.user, **values)
    return _("Added to the handover list; both sides sign the changed list again.")


def _handover_confirm(page: ProceedingPage, values: dict) -> str:
    proceeding = services.handover_confirm(
        proceeding_id=page.proceeding.pk, by=page.user, digest=values["digest"]
    )
    if proceeding.state == S.SETTLED:
        return _("Both sides signed the handover list: the proceeding is settled.")
    return _("Signed. The other side signs the same list next.")


def _complainants(page: ProceedingPage, values: dict) -> str:
    services.complainants_notified(proceeding_id=page.proceeding.pk, by=page.user, note=values["note"])
    return _("Recorded that the complainants were told.")


ACTIONS = {
    "start_consultation": _transition("start_consultation"),
    "position": _position,
    "agree": _transition("agree", _agree_fields),
    "approve_agreement": _transition("approve_agreement"),
    "send_back_agreement": _transition("send_back_agreement"),
    "request_designation": _transition("request_designation", _designation_fields),
    "file_designation": _transition("file_designation"),
    "forward": _transition("forward"),
    "return_designation": _transition("return_designation"),
    "take_up": _transition("take_up", lambda page, values: {"superior_unit": values["superior_unit"]}),
    "decision_draft": _decision_draft,
    "designate": _transition("designate"),
    "prepare_transfer": _transition(
        "prepare_transfer", lambda page, values: {"lead_unit": values["lead_unit"]}
    ),
    "start_handover": _transition("start_handover"),
    "handover_add": _handover_add,
    "handover_confirm": _handover_confirm,
    "complainants_notified": _complainants,
    "withdraw": _transition("withdraw"),
}


class HandoverItemRemoveView(CaseDataPageMixin, View):
    """Strike a line off the handover list (the sending side); both signatures are cleared."""

    http_method_names = ["post", "options"]

    def post(self, request, pk: int, item_id: int):
        proceeding = proceeding_get_visible(request.user, pk)
        try:
            services.handover_item_remove(proceeding_id=proceeding.pk, item_id=item_id, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return _render_page(request, proceeding, status=400)
        except Conflict as error:
            return _conflict(request, proceeding, error)
        except PermissionDenied:
            return _denied(request, proceeding)
        messages.success(request, _("Struck off the handover list; both sides sign the changed list again."))
        return redirect(detail_url(proceeding))


class DocumentStepView(CaseDataPageMixin, View):
    """Take a step of the approval chain of one of the proceeding's documents (审核, 审批, send back)."""

    http_method_names = ["post", "options"]

    def post(self, request, pk: int, document_id: int, step: str):
        proceeding = proceeding_get_visible(request.user, pk)
        if step not in document_services.TRANSITIONS:
            raise Http404
        page = ProceedingPage(request, proceeding)
        document = next((doc for doc in page.documents if doc.pk == document_id), None)
        if document is None:
            raise Http404
        form = page.form("document_step", request.POST, document=document, step=step)
        key = f"document:{document.pk}:{step}"
        if not form.is_valid():
            return _render_page(request, proceeding, status=400, bound={key: form})
        values = form.cleaned_data
        if values["expected_state"] != document.state:
            return _document_conflict(request, proceeding, document)
        try:
            document_services.document_transition(
                document_id=document.pk,
                name=step,
                by=request.user,
                reason=values.get("reason", ""),
                expected_state=values["expected_state"],
            )
        except ValidationError as error:
            apply_errors(form, error)
            return _render_page(request, proceeding, status=400, bound={key: form})
        except Conflict:
            return _document_conflict(request, proceeding, document)
        except PermissionDenied:
            return _denied(request, proceeding)
        messages.success(
            request,
            _("%(document)s: %(step)s.")
            % {"document": document.title, "step": presentation.DOCUMENT_STEP_LABELS.get(step, step)},
        )
        return redirect(detail_url(proceeding))


def _document_conflict(request, proceeding, document):
    document.refresh_from_db()
    messages.error(
        request,
        _("%(document)s was changed by someone else and is now “%(state)s”: check it and choose again.")
        % {"document": document.title, "state": document.get_state_display()},
    )
    return _render_page(request, proceeding, status=409)


# --- opening a proceeding from the case page -------------------------------------------------------


class ProceedingOpenView(CaseDataPageMixin, RolesFirstMixin, View):
    """Open a consultation or a transfer on a case: the panel's form, or this page without JavaScript."""

    # 403 before the form is read to one who may create none (issue 16).
    write_roles = MANAGERS

    def _render(self, request, case, form, status=200):
        template = "jurisdiction/_open_form.html" if request.htmx else "jurisdiction/proceeding_open.html"
        # htmx swaps only 2xx answers: an invalid form comes back in place as 200.
        return render(
            request,
            template,
            {"case": case, "form": form, "open_url": reverse("jurisdiction-proceeding-open", args=[case.pk])},
            status=200 if request.htmx else status,
        )

    def get(self, request, case_id: int):
        case = case_get_visible(request.user, case_id)
        if not presentation.may_open(case, request.user):
            raise PermissionDenied
        return self._render(request, case, forms.OpenForm())

    def post(self, request, case_id: int):
        case = case_get_visible(request.user, case_id)
        form = forms.OpenForm(request.POST)
        if not form.is_valid():
            return self._render(request, case, form, status=400)
        values = form.cleaned_data
        units = {unit.code: unit for unit in Unit.objects.filter(code__in=values["extra_units"])}
        missing = [code for code in values["extra_units"] if code not in units]
        if missing:
            form.add_error(
                "extra_units", _("No unit has the division code %(codes)s.") % {"codes": "、".join(missing)}
            )
            return self._render(request, case, form, status=400)
        try:
            proceeding = services.proceeding_open(
                case=case,
                by=request.user,
                kind=values["kind"],
                reason=values["reason"],
                extra_units=[units[code] for code in values["extra_units"]],
            )
        except ValidationError as error:
            apply_errors(form, error)
            return self._render(request, case, form, status=400)
        except Conflict as error:
            form.add_error(None, str(error.detail))
            return self._render(request, case, form, status=409)
        except PermissionDenied:
            form.add_error(
                None, _("Only the heads and legal officers of the unit handling the case may open this.")
            )
            return self._render(request, case, form, status=403)
        messages.success(
            request,
            _("The proceeding is open: %(kind)s.") % {"kind": proceeding.get_kind_display()},
        )
        if request.htmx:
            return HttpResponseClientRedirect(detail_url(proceeding))
        return redirect(detail_url(proceeding))


# --- the queues ------------------------------------------------------------------------------------


def _under_any(field: str, paths: list[str]) -> Q:
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(**{f"{field}__path": path}) | Q(
            **{f"{field}__path__startswith": path + PATH_SEPARATOR}
        )
    return condition


def _parties_prefetch():
    return Prefetch(
        "parties",
        queryset=ProceedingParty.objects.select_related("unit", "proposed_unit").order_by("id"),
        to_attr="party_list",
    )


def _page(request, queryset):
    """Keyset paging oldest first: the queues are worked from the front."""
    after = id_or_none(request.GET.get("after", ""))
    if after is not None:
        queryset = queryset.filter(pk__gt=after)
    rows = list(queryset.order_by("id")[: QUEUE_PAGE_SIZE + 1])
    return rows[:QUEUE_PAGE_SIZE], (rows[QUEUE_PAGE_SIZE - 1].pk if len(rows) > QUEUE_PAGE_SIZE else None)


def review_queue(user):
    """Agreements in legal review whose proposed lead is in the subtree of a unit where the user is legal."""
    standing = user_standing(user)
    paths = [
        standing.path_by_unit[unit_id]
        for unit_id in standing.unit_ids
        if standing.holds(unit_id, perms.LEGAL)
    ]
    if not paths:
        return JurisdictionProceeding.objects.none()
    return (
        proceeding_visible_to(user)
        .filter(state=S.AGREED)
        .filter(_under_any("lead_unit", paths))
        .select_related("case", "lead_unit", "holding_unit")
        .prefetch_related(_parties_prefetch(), "assisting_units")
    )


class ReviewQueueView(CaseDataPageMixin, View):
    """The legal department's queue (法制审核): agreements across its subtree, with basis and factors."""

    def get(self, request):
        rows, next_after = _page(request, review_queue(request.user))
        proceedings_read_record(request.user, rows, path=request.path)
        standing = user_standing(request.user)
        items = []
        for proceeding in rows:
            lead_party = next(
                (p for p in proceeding.party_list if p.unit_id == proceeding.lead_unit_id), None
            )
            items.append(
                {
                    "proceeding": proceeding,
                    "lead_bases": presentation.bases_display(lead_party.bases if lead_party else []),
                    "factors": presentation.factors_for_unit(proceeding.analysis, proceeding.lead_unit.code),
                    "positions": [
                        {"unit": party.unit, "position": presentation.position_label(party)}
                        for party in proceeding.party_list
                    ],
                    "assisting": list(proceeding.assisting_units.all()),
                    "yours": standing.holds(proceeding.lead_unit_id, perms.LEGAL),
                }
            )
        return render(
            request,
            "jurisdiction/review_queue.html",
            {"items": items, "next_after": next_after, "is_first_page": not request.GET.get("after")},
        )


def designation_queue(user):
    """Requests going up or at the superior where the user works in the unit holding them or designating."""
    standing = user_standing(user)
    if not standing.unit_ids:
        return JurisdictionProceeding.objects.none()
    # The designating superior stands at or above the unit holding the request: narrow by it in SQL.
    codes = {code for path in standing.paths for code in path.split(PATH_SEPARATOR)}
    return (
        proceeding_visible_to(user)
        .filter(state__in=[S.FORWARDING, S.AT_SUPERIOR], superior_unit__code__in=codes)
        .select_related("case", "superior_unit", "holding_unit")
        .prefetch_related(
            _parties_prefetch(),
            Prefetch(
                "designation_requests",
                queryset=DesignationRequest.objects.select_related("filing_unit", "proposed_unit").order_by(
                    "-id"
                ),
                to_attr="request_list",
            ),
        )
    )


class DesignationQueueView(CaseDataPageMixin, View):
    """The superior's queue: requests to designate waiting at the user's unit, or coming up to it."""

    def get(self, request):
        standing = user_standing(request.user)
        mine = set(standing.unit_ids)
        rows, next_after = _page(request, designation_queue(request.user))
        rows = [p for p in rows if p.current_route_unit_id in mine or p.superior_unit_id in mine]
        proceedings_read_record(request.user, rows, path=request.path)
        route_ids = {unit_id for proceeding in rows for unit_id in proceeding.route or []}
        units = Unit.objects.in_bulk(route_ids) if route_ids else {}
        items = []
        for proceeding in rows:
            current = proceeding.current_route_unit_id
            analysis = presentation.analysis_display(proceeding.analysis)
            items.append(
                {
                    "proceeding": proceeding,
                    "request": proceeding.request_list[0] if proceeding.request_list else None,
                    "route": [
                        {"unit": units.get(unit_id), "current": unit_id == current}
                        for unit_id in proceeding.route or []
                    ],
                    "parties": [
                        {
                            "unit": party.unit,
                            "bases": presentation.bases_display(party.bases),
                            "position": presentation.position_label(party),
                        }
                        for party in proceeding.party_list
                    ],
                    "analysis": analysis,
                    "at_your_unit": current in mine,
                }
            )
        return render(
            request,
            "jurisdiction/designation_queue.html",
            {"items": items, "next_after": next_after, "is_first_page": not request.GET.get("after")},
        )
