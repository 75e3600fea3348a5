"""Pages of jurisdiction proceedings: the proceeding with every step, opening one, and the queues.

Thin adapters over jurisdiction.services and jurisdiction.selectors, like the API. A proceeding
the user may not see is 404 on every page and every form (its existence stays hidden); a step the
user may not take is 403; a step posted from a page that has gone stale (someone moved the
proceeding on) is 409 with the page as it is now; a refused input comes back on the form's fields
with everything typed kept (400). The steps of the proceeding and of its documents are their
machines' (jurisdiction.steps, documents.steps): one view each (core.pages.StepView) at
`…/transitions/<name>/`; positions, the decision, the handover list and the complainants each have
their own address. Each form works without JavaScript.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django_htmx.http import HttpResponseClientRedirect

from cases.selectors import case_get_visible
from core import deadline_rows
from core.exceptions import Conflict
from core.guards import RolesFirstMixin
from core.ids import id_or_none
from core.pages import StepView, apply_errors, next_steps, permanent_redirect, step_form
from core.workflow import timeline_for
from documents import kinds as document_kinds
from jurisdiction import forms, presenters, selectors, services
from jurisdiction import permissions as perms
from jurisdiction.models import (
    DesignationRequest,
    HandoverConfirmation,
    HandoverItem,
    JurisdictionProceeding,
    ProceedingState,
    RouteStep,
)
from jurisdiction.permissions import MANAGERS
from jurisdiction.selectors import proceeding_get_visible, proceedings_read_record
from jurisdiction.steps import PROCEEDING_MACHINE
from organisation.models import Unit
from organisation.pages import CaseDataPageMixin
from organisation.standing import user_standing

S = ProceedingState
STATE_LABELS = dict(ProceedingState.choices)
QUEUE_PAGE_SIZE = 50


def detail_url(proceeding) -> str:
    return reverse("jurisdiction:proceeding-detail", args=[proceeding.pk])


def step_url(proceeding, name: str) -> str:
    return reverse("jurisdiction:proceeding-transition", args=[proceeding.pk, name])


def document_step_url(proceeding, document, name: str) -> str:
    return reverse("jurisdiction:document-transition", args=[proceeding.pk, document.pk, name])


# The page's forms that are no step of the machine, each at its own address.
ACTION_URL_NAMES = {
    "position": "jurisdiction:proceeding-position",
    "decision_draft": "jurisdiction:proceeding-decision",
    "handover_add": "jurisdiction:handover-add",
    "handover_confirm": "jurisdiction:handover-confirm",
    "complainants_notified": "jurisdiction:complainants-notified",
    "family_notified": "jurisdiction:family-notified",
}


def action_url(proceeding, name: str) -> str:
    return reverse(ACTION_URL_NAMES[name], args=[proceeding.pk])


# --- the proceeding page ---------------------------------------------------------------------------


class ProceedingPage:
    """Everything the proceeding page shows one user, read once, and the forms of what they may do."""

    def __init__(self, request, proceeding: JurisdictionProceeding):
        self.request = request
        self.user = request.user
        self.proceeding = proceeding
        self.parties = selectors.parties_of(proceeding)
        self.units_by_id = {party.unit_id: party.unit for party in self.parties}
        self.documents = presenters.proceeding_documents(proceeding, self.user)
        self.deadlines = list(deadline_rows.deadlines_for(proceeding))
        self.complainant_deadline_open = any(
            row.rule_key == services.COMPLAINANT_RULE and row.state in ("running", "paused")
            for row in self.deadlines
        )
        route_ids = list(proceeding.route or [])
        self.route_units = Unit.objects.in_bulk(route_ids) if route_ids else {}
        self.units_by_id.update(self.route_units)
        self.actions = presenters.user_actions(
            proceeding,
            self.user,
            parties=self.parties,
            documents=self.documents,
            complainant_deadline_open=self.complainant_deadline_open,
        )

    # --- the forms that are no step --------------------------------------------------------------

    def form(self, name: str, data=None, *, unit=None):
        """Build the form of one of the page's other actions, bound to `data` when it was posted."""
        proceeding = self.proceeding
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
        if name == "decision_draft":
            decision = presenters.latest_of_kind(
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
            designable = (
                services.designable_units(proceeding.superior_unit).order_by("level", "code")
                if proceeding.superior_unit_id
                else ()
            )
            return forms.DecisionDraftForm(data, parties=self.parties, designable=designable, initial=initial)
        if name == "handover_add":
            return forms.HandoverItemForm(data)
        if name == "handover_confirm":
            return forms.HandoverConfirmForm(data, initial={"digest": services.handover_digest(proceeding)})
        if name == "complainants_notified":
            return forms.ComplainantsNotifiedForm(data)
        if name == "family_notified":
            return forms.FamilyNotifiedForm(data)
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

    def _offers(self, bound) -> list:
        """Return the machine's next steps for this user: primary first, a blocked one with its reasons."""
        proceeding = self.proceeding
        step_bound = bound.get("step")
        offers = next_steps(
            PROCEEDING_MACHINE,
            proceeding,
            self.user,
            url_for=lambda name: step_url(proceeding, name),
            bound=step_bound[1] if step_bound else None,
            bound_step=step_bound[0] if step_bound else "",
        )
        for offer in offers:
            if offer.name == "take_up" and offer.form is not None and not offer.form.is_bound:
                # The page offers the reader's own superiors of every party (the service checks it).
                mine = set(perms.superior_units_of(proceeding, self.user))
                superiors = [unit for unit in presenters.common_superiors(proceeding) if unit.pk in mine]
                offer.form.fields["superior_unit"].widget.choices = [(u.code, u.name) for u in superiors]
        return offers

    def _documents(self, bound) -> list[dict]:
        machine = presenters.document_machine()
        document_bound = bound.get("document")
        rows = []
        for document in self.documents:
            offers = []
            if document.state not in presenters.DOCUMENT_FINAL_STATES:
                offers = [
                    offer
                    for offer in machine.offers(document, self.user)
                    if offer.name in presenters.DOCUMENT_CHAIN_STEPS
                ]
            for offer in offers:
                if document_bound and document_bound[0] == document.pk and document_bound[1] == offer.name:
                    offer.form = document_bound[2]
                else:
                    offer.form = step_form(offer.step, document)
                    offer.form.auto_id = f"id_document_{document.pk}_{offer.name}_%s"
                offer.url = document_step_url(self.proceeding, document, offer.name)
            waiting = presenters.DOCUMENT_WAITING.get(document.state)
            rows.append(
                {
                    "document": document,
                    "label": document.spec.label,
                    "offers": offers,
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
            entry.label = presenters.TIMELINE_LABELS.get(entry.action, entry.action)
            entry.from_label = STATE_LABELS.get(entry.from_state, entry.from_state)
            entry.to_label = STATE_LABELS.get(entry.to_state, entry.to_state)
        return entries

    def context(self, bound: dict | None = None) -> dict:
        """Gather the page; `bound` holds a refused form to show with its errors in place of a blank one.

        Its keys: "step" (name, form) of the machine, "document" (id, name, form) of a document's
        chain, "position:<code>" and the other actions' names.
        """
        bound = bound or {}
        proceeding = self.proceeding
        actions = self.actions
        # MPS-2020 art 184: a suspect in custody handed over has the family told, by either side.
        may_notify_family = services.family_notice_owed(proceeding) and (
            perms.handover_side(proceeding, self.user) is not None
        )
        party_codes = {party.unit.code for party in self.parties}
        positions = [
            {
                "unit": party.unit,
                "form": bound.get(f"position:{party.unit.code}") or self.form("position", unit=party.unit),
                "url": action_url(proceeding, "position"),
                "current": presenters.position_label(party) if party.position else "",
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
                "add_url": action_url(proceeding, "handover_add"),
                "confirm_form": bound.get("handover_confirm") or self.form("handover_confirm")
                if actions.handover_side
                else None,
                "confirm_url": action_url(proceeding, "handover_confirm"),
                "side_label": presenters.SIDE_LABELS.get(actions.handover_side or "", ""),
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
        offers = self._offers(bound)
        return {
            "proceeding": proceeding,
            "case": proceeding.case,
            "parties": [
                {
                    "party": party,
                    "bases": presenters.bases_display(party.bases),
                    "position": presenters.position_label(party),
                }
                for party in self.parties
            ],
            "analysis": presenters.analysis_display(proceeding.analysis, party_codes=party_codes),
            "waiting_for": presenters.waiting_for(
                proceeding, parties=self.parties, documents=self.documents, units=self.units_by_id
            ),
            "offers": offers,
            "positions": positions,
            "decision_form": (bound.get("decision_draft") or self.form("decision_draft"))
            if actions.may_draft_decision
            else None,
            "decision_url": action_url(proceeding, "decision_draft"),
            # Once drafted, the decision's next step is its submission for legal review (in the
            # documents): rewriting the draft folds away and is no longer the primary step.
            "decision_drafted": presenters.latest_of_kind(
                self.documents, document_kinds.JURISDICTION_DESIGNATION_DECISION.code
            )
            is not None,
            "complainants_form": (bound.get("complainants_notified") or self.form("complainants_notified"))
            if actions.may_notify_complainants
            else None,
            "complainants_url": action_url(proceeding, "complainants_notified"),
            "family_form": (bound.get("family_notified") or self.form("family_notified"))
            if may_notify_family
            else None,
            "family_url": action_url(proceeding, "family_notified"),
            "has_actions": bool(offers or actions.labels or actions.position_units or may_notify_family),
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
        }


def _render_page(request, proceeding, *, status: int = 200, bound: dict | None = None):
    # A proceeding whose case only an access grant opens to the user: every showing is audited.
    proceedings_read_record(request.user, [proceeding], path=request.path)
    page = ProceedingPage(request, proceeding)
    return render(request, "jurisdiction/proceeding_detail.html", page.context(bound), status=status)


class ProceedingDetailView(CaseDataPageMixin, View):
    def get(self, request, pk: int):
        return _render_page(request, proceeding_get_visible(request.user, pk))


def _conflict_text(proceeding, error: Conflict | None = None) -> str:
    """Say that the proceeding moved on, and what it is now."""
    detail = str(error.message) if error is not None and error.code != Conflict.code else ""
    if not detail or detail == str(Conflict.default_message):
        # The generic "changed by someone else": say what it is now instead.
        detail = _("The proceeding was changed by someone else.")
    return _("%(detail)s It is now “%(state)s”: check it and choose again.") % {
        "detail": detail,
        "state": proceeding.get_state_display(),
    }


def _conflict(request, proceeding, error: Conflict | None = None):
    """Answer 409 with the page as it is now, and say so."""
    proceeding = proceeding_get_visible(request.user, proceeding.pk)
    detail = str(error.message) if error is not None else ""
    messages.error(request, _conflict_text(proceeding, Conflict(detail) if detail else None))
    return _render_page(request, proceeding, status=409)


def _denied(request, proceeding):
    messages.error(request, _("You may not take this step on this proceeding."))
    return _render_page(request, proceeding, status=403)


# --- the steps of the machine ----------------------------------------------------------------------


class ProceedingStepView(CaseDataPageMixin, StepView):
    """Take one step of the proceeding from its page (jurisdiction.steps)."""

    machine = PROCEEDING_MACHINE

    def get_object(self, request, pk: int):
        return proceeding_get_visible(request.user, pk)

    def render_object(self, request, instance, *, status: int, bound=None, bound_step: str = ""):
        return _render_page(
            request, instance, status=status, bound={"step": (bound_step, bound)} if bound else None
        )

    def success_url(self, request, instance) -> str:
        return detail_url(instance)

    def refused_message(self) -> str:
        return _("You may not take this step on this proceeding.")

    def conflict_message(self, instance) -> str:
        return _conflict_text(instance)


class DocumentStepView(CaseDataPageMixin, StepView):
    """Take a step of the approval chain of one of the proceeding's documents (审核, 审批, send back).

    The document must be one the page lists to the user; issuing it is the proceeding's own step.
    """

    def dispatch(self, request, *args, **kwargs):
        self.machine = presenters.document_machine()
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, name: str, **kwargs):
        if name not in presenters.DOCUMENT_CHAIN_STEPS:
            # Still 404 for a proceeding or document out of sight, before anything else.
            self.get_object(request, **kwargs)
            raise Http404(name)
        return super().post(request, name, **kwargs)

    def get_object(self, request, pk: int, document_id: int):
        self.proceeding = proceeding_get_visible(request.user, pk)
        document = next(
            (
                document
                for document in presenters.proceeding_documents(self.proceeding, request.user)
                if document.pk == document_id
            ),
            None,
        )
        if document is None:
            raise Http404
        return document

    def render_object(self, request, instance, *, status: int, bound=None, bound_step: str = ""):
        return _render_page(
            request,
            self.proceeding,
            status=status,
            bound={"document": (instance.pk, bound_step, bound)} if bound else None,
        )

    def success_url(self, request, instance) -> str:
        return detail_url(self.proceeding)

    def refused_message(self) -> str:
        return _("You may not take this step on this proceeding.")

    def conflict_message(self, instance) -> str:
        text = _(
            "%(document)s was changed by someone else and is now “%(state)s”: check it and choose again."
        )
        return text % {"document": instance.title, "state": instance.get_state_display()}


class ActionMovedView(View):
    """The former address of every form of the page (`…/actions/<name>/`): 308 to where it lives now."""

    def dispatch(self, request, pk: int, name: str):
        if name in ACTION_URL_NAMES:
            url = reverse(ACTION_URL_NAMES[name], args=[pk])
        elif PROCEEDING_MACHINE.step(name) is not None:
            url = reverse("jurisdiction:proceeding-transition", args=[pk, name])
        else:
            raise Http404(name)
        return permanent_redirect(url)


# --- the page's other forms ------------------------------------------------------------------------


class ProceedingFormView(CaseDataPageMixin, View):
    """One of the page's forms that is no step: read it, hand it to its service, answer as a step does."""

    http_method_names = ["post", "options"]
    name = ""

    def perform(self, page: ProceedingPage, values: dict) -> str:
        raise NotImplementedError

    def bound_key(self, page: ProceedingPage, form) -> str:
        return self.name

    def build_form(self, page: ProceedingPage, request):
        return page.form(self.name, request.POST)

    def post(self, request, pk: int):
        proceeding = proceeding_get_visible(request.user, pk)
        page = ProceedingPage(request, proceeding)
        form = self.build_form(page, request)
        if form is None:
            return _denied(request, proceeding)
        key = self.bound_key(page, form)
        if not form.is_valid():
            return _render_page(request, proceeding, status=400, bound={key: form})
        try:
            message = self.perform(page, form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
            return _render_page(request, proceeding, status=400, bound={key: form})
        except Conflict as error:
            return _conflict(request, proceeding, error)
        except PermissionDenied:
            return _denied(request, proceeding)
        messages.success(request, message)
        return redirect(detail_url(proceeding))


def _party_unit(page: ProceedingPage, code: str | None):
    return next((party.unit for party in page.parties if party.unit.code == (code or "")), None)


class PositionView(ProceedingFormView):
    """State a party's position in the consultation (协商): claim, decline, or propose another unit."""

    name = "position"

    def build_form(self, page, request):
        unit = _party_unit(page, request.POST.get("unit"))
        return page.form("position", request.POST, unit=unit) if unit is not None else None

    def bound_key(self, page, form) -> str:
        return f"position:{form.data.get('unit', '')}"

    def perform(self, page, values) -> str:
        unit = _party_unit(page, values["unit"])
        services.position_record(
            proceeding=page.proceeding,
            unit=unit,
            by=page.user,
            position=values["position"],
            reasons=values["reasons"],
            proposed_unit=_party_unit(page, values.get("proposed_unit")),
        )
        return _("The position of %(unit)s is recorded.") % {"unit": unit.name}


class DecisionDraftView(ProceedingFormView):
    """Draft (or rewrite while drafted) the 指定管辖决定书 at the designating superior (MPS-2020 art 23)."""

    name = "decision_draft"

    def perform(self, page, values) -> str:
        services.designation_decision_draft(
            proceeding=page.proceeding,
            by=page.user,
            lead_unit=Unit.objects.filter(code=values["lead_unit"]).first(),
            reason=values["reason"],
        )
        return _(
            "The 指定管辖决定书 is drafted: submit it for legal review, then the head approves and signs it."
        )


class HandoverAddView(ProceedingFormView):
    """Add a line to the handover list (移交清单); both signatures are cleared."""

    name = "handover_add"

    def perform(self, page, values) -> str:
        services.handover_item_add(proceeding=page.proceeding, by=page.user, **values)
        return _("Added to the handover list; both sides sign the changed list again.")


class HandoverConfirmView(ProceedingFormView):
    """Sign the handover list as shown; once both sides signed the same list, the proceeding settles."""

    name = "handover_confirm"

    def perform(self, page, values) -> str:
        proceeding = services.handover_confirm(
            proceeding=page.proceeding, by=page.user, digest=values["digest"]
        )
        if proceeding.state == S.SETTLED:
            return _("Both sides signed the handover list: the proceeding is settled.")
        return _("Signed. The other side signs the same list next.")


class ComplainantsNotifiedView(ProceedingFormView):
    """Record that the complainants were told of the transfer in writing (MPS-2020 art 184)."""

    name = "complainants_notified"

    def perform(self, page, values) -> str:
        services.complainants_notified(proceeding=page.proceeding, by=page.user, note=values["note"])
        return _("Recorded that the complainants were told.")


class FamilyNotifiedView(ProceedingFormView):
    """Record that the family of a suspect in custody was told of the transfer (MPS-2020 art 184)."""

    name = "family_notified"

    def perform(self, page, values) -> str:
        services.family_notified(proceeding=page.proceeding, by=page.user, note=values["note"])
        return _("Recorded that the family was told.")


class HandoverItemRemoveView(CaseDataPageMixin, View):
    """Strike a line off the handover list (the sending side); both signatures are cleared."""

    http_method_names = ["post", "options"]

    def post(self, request, pk: int, item_id: int):
        proceeding = proceeding_get_visible(request.user, pk)
        item = HandoverItem.objects.filter(proceeding=proceeding, pk=item_id).first()
        if item is None:
            # A stale page (the line already struck off): said on the page, as the service says it.
            messages.error(request, _("No such line on the list."))
            return _render_page(request, proceeding, status=400)
        try:
            services.handover_item_remove(item=item, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return _render_page(request, proceeding, status=400)
        except Conflict as error:
            return _conflict(request, proceeding, error)
        except PermissionDenied:
            return _denied(request, proceeding)
        messages.success(request, _("Struck off the handover list; both sides sign the changed list again."))
        return redirect(detail_url(proceeding))


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
            {"case": case, "form": form, "open_url": reverse("jurisdiction:proceeding-open", args=[case.pk])},
            status=200 if request.htmx else status,
        )

    def get(self, request, case_id: int):
        case = case_get_visible(request.user, case_id)
        if not presenters.may_open(case, request.user):
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
            form.add_error(None, str(error.message))
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


def _page(request, queryset):
    """Keyset paging oldest first: the queues are worked from the front."""
    after = id_or_none(request.GET.get("after", ""))
    if after is not None:
        queryset = queryset.filter(pk__gt=after)
    rows = list(queryset.order_by("id")[: QUEUE_PAGE_SIZE + 1])
    return rows[:QUEUE_PAGE_SIZE], (rows[QUEUE_PAGE_SIZE - 1].pk if len(rows) > QUEUE_PAGE_SIZE else None)


class ReviewQueueView(CaseDataPageMixin, View):
    """The legal department's queue (法制审核): agreements across its subtree, with basis and factors."""

    def get(self, request):
        rows, next_after = _page(request, selectors.review_queue(request.user))
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
                    "lead_bases": presenters.bases_display(lead_party.bases if lead_party else []),
                    "factors": presenters.factors_for_unit(proceeding.analysis, proceeding.lead_unit.code),
                    "positions": [
                        {"unit": party.unit, "position": presenters.position_label(party)}
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


class DesignationQueueView(CaseDataPageMixin, View):
    """The superior's queue: requests to designate waiting at the user's unit, or coming up to it."""

    def get(self, request):
        standing = user_standing(request.user)
        mine = set(standing.unit_ids)
        rows, next_after = _page(request, selectors.designation_queue(request.user))
        rows = [p for p in rows if p.current_route_unit_id in mine or p.superior_unit_id in mine]
        proceedings_read_record(request.user, rows, path=request.path)
        route_ids = {unit_id for proceeding in rows for unit_id in proceeding.route or []}
        units = Unit.objects.in_bulk(route_ids) if route_ids else {}
        items = []
        for proceeding in rows:
            current = proceeding.current_route_unit_id
            analysis = presenters.analysis_display(proceeding.analysis)
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
                            "bases": presenters.bases_display(party.bases),
                            "position": presenters.position_label(party),
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
