"""Pages of assistance requests: lists (incoming, outgoing), the form, the detail with its next steps.

Thin adapters over selectors, presenters and services, like the API. A request the user may not see
is 404; auditors and system administrators see no request at all. The steps of a request and of a
property measure are the machines' (cases.assistance.steps), taken through core.pages.StepView.
"""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from cases.assistance import documents_bridge, forms, overreach, presenters, selectors, services
from cases.assistance import permissions as perms
from cases.assistance.models import (
    DOCUMENT_TYPE_CHOICES,
    DOCUMENTS_EDITABLE,
    PERIOD_RULES,
    RESULT_DOCUMENT_TYPE,
    CustodyEventKind,
    PropertyMeasure,
    PropertyMeasureKind,
    PropertyMeasureState,
    RequestState,
)
from cases.assistance.permissions import REQUESTER_ROLES
from cases.assistance.steps import MEASURE_MACHINE, REQUEST_MACHINE
from cases.assistance_kinds import KINDS, AssistanceKind, required_documents
from core import deadline_rows
from core.exceptions import Conflict
from core.guards import RolesFirstMixin
from core.pages import StepView, apply_errors, next_steps
from core.steps import check_transition
from documents.selectors import documents_readable_by
from organisation.pages import CaseDataPageMixin
from organisation.registers.selectors import liaisons_of

PAGE_SIZE = 50
_FIRST_KINDS = ("capture", "collection", "interrogation")
# What the timeline says of the rows that are no step (a step's row reads as the step's label).
TIMELINE_LABELS = {
    # The event, not a state: 已起草 is a document's state, and the row goes on "→ 草稿" (docs/glossary.md).
    "create": gettext_lazy("Created"),
    "upload_document": gettext_lazy("Document attached"),
    "replace_document": gettext_lazy("Document replaced"),
    "forward_lead": gettext_lazy("Lead forwarded (art 349)"),
    "overreach": gettext_lazy("Act beyond the request recorded (art 355)"),
    "custody_capture": gettext_lazy("Capture reported"),
    "custody_collection": gettext_lazy("Collected by the requester"),
    "custody_interrogation": gettext_lazy("Interrogated on the requester's behalf"),
    # The other custody events read as their kind's label (models.CustodyEventKind).
    **{f"custody_{value}": label for value, label in CustodyEventKind.choices if value not in _FIRST_KINDS},
    "property_measure": gettext_lazy("Property measure recorded"),
    "property_unrelated": gettext_lazy("Property found unrelated"),
    "property_released": gettext_lazy("Property released"),
    "property_release_approved": gettext_lazy(
        "Lifting the freeze or releasing the property approved (arts 233, 241)"
    ),
    "property_release_refused": gettext_lazy("Release refused (arts 233, 241)"),
    "property_renewal_proposed": gettext_lazy("Renewal of a freeze asked for (art 240)"),
    "property_renewal_refused": gettext_lazy("Renewal of a freeze refused (art 240)"),
    "property_renewed": gettext_lazy("Freeze renewed (art 240)"),
    "update": gettext_lazy("Request edited"),
    "deadline_escalated": gettext_lazy("Deadline reminder or escalation"),
}
STATE_LABELS = dict(RequestState.choices)
# A request in these states still has a guarded step ahead (submit, send or resubmit).
_BEFORE_SENDING = (
    RequestState.DRAFT,
    RequestState.AWAITING_APPROVAL,
    RequestState.APPROVED,
    RequestState.RETURNED,
)


class RequestListView(CaseDataPageMixin, View):
    def get(self, request):
        form = forms.FilterForm(request.GET or None)
        filters = form.cleaned_data if form.is_valid() else {}
        requests = selectors.request_list_visible_to(
            request.user,
            state=filters.get("state") or None,
            kind=filters.get("kind") or None,
            direction=filters.get("direction") or None,
            overdue=True if filters.get("overdue") else None,
        ).order_by("-id")[:PAGE_SIZE]
        return render(
            request,
            "assistance/request_list.html",
            {
                "form": form,
                "requests": selectors.requests_shown(request.user, requests, path=request.path),
                "page_size": PAGE_SIZE,
            },
        )


def _kind_documents(kind: str):
    try:
        return required_documents(AssistanceKind(kind))
    except ValueError:
        return ()


class RequestCreateView(CaseDataPageMixin, RolesFirstMixin, View):
    # 403 before the form is read to one who may create none (issue 16).
    write_roles = REQUESTER_ROLES

    def get(self, request):
        form = forms.RequestForm(user=request.user, initial={"case": request.GET.get("case")})
        kind = request.GET.get("kind") or AssistanceKind.EVIDENCE_COLLECTION
        return self._render(request, form, kind)

    def post(self, request):
        form = forms.RequestForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                created = services.request_create(
                    by=request.user,
                    case=data["case"],
                    requested_unit=data["requested_unit"],
                    kind=data["kind"],
                    urgency=data["urgency"],
                    matters=data["matters"],
                    legal_basis=data["legal_basis"],
                    first_response_urgent=data["first_response_urgent"],
                    first_response_reason=data["first_response_reason"],
                    freeze_scope=data["freeze_scope"],
                )
            except PermissionDenied:
                form.add_error(None, _("You may not request assistance on this case for your unit."))
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Draft %(number)s created.") % {"number": created.number})
                return redirect("assistance:detail", pk=created.pk)
        return self._render(request, form, request.POST.get("kind", ""), status=400)

    def _render(self, request, form, kind, status=200):
        return render(
            request,
            "assistance/request_form.html",
            {"form": form, "documents": _kind_documents(kind), "kind_spec": KINDS.get(kind)},
            status=status,
        )


class KindDocumentsView(CaseDataPageMixin, View):
    """The htmx fragment listing the documents the chosen kind needs."""

    def get(self, request):
        kind = request.GET.get("kind", "")
        return render(
            request,
            "assistance/_kind_documents.html",
            {"documents": _kind_documents(kind), "kind_spec": KINDS.get(kind)},
        )


def _timeline_label(action: str) -> str:
    step = REQUEST_MACHINE.step(action)
    return str(TIMELINE_LABELS.get(action) or (step.label if step else action))


def _deadline_rows(target) -> list[dict]:
    now = dt.datetime.now(dt.UTC)
    return [
        {
            "row": row,
            "label": deadline_rows.label_text(row),
            "due": deadline_rows.due_text(row),
            "remaining": deadline_rows.remaining_text(row),
            "overdue": row.state == "running" and row.due_at <= now,
        }
        for row in target.deadlines
    ]


def _measure_offers(target, user, *, bound=None, bound_step="", bound_measure=None) -> None:
    """Put on each property measure its next steps, whether this user may renew it, and what it waits for."""
    renewable = target.state in services.RENEWAL_STATES
    # The head who approves the request's measures renews at once (services.property_measure_renew).
    approver = perms.may_approve_release(target, user)
    organ = target.approval_unit or target.requesting_unit
    for measure in target.all_property_measures:
        measure.awaiting = (
            _("Awaiting the approval of the head of %(organ)s.") % {"organ": organ.name}
            if measure.state in (PropertyMeasureState.RENEWAL_PROPOSED, PropertyMeasureState.RELEASE_PROPOSED)
            else ""
        )
        measure.renews_at_once = approver
        measure.offers = next_steps(
            MEASURE_MACHINE,
            measure,
            user,
            url_for=lambda name, measure=measure: reverse(
                "assistance:property-transition", args=[target.pk, measure.pk, name]
            ),
            bound=bound if measure.pk == bound_measure else None,
            bound_step=bound_step,
        )
        measure.may_renew = (
            renewable
            and measure.expires_on is not None
            and not measure.lapsed
            and check_transition(measure, "propose_renewal", user).available
        )


def render_detail(request, target, *, status=200, bound=None, bound_step="", bound_measure=None):
    """Render a request's page: its next steps first, then the request, documents, clocks, follow-up."""
    user = request.user
    presenters.request_detail(target, user)
    _measure_offers(target, user, bound=bound, bound_step=bound_step, bound_measure=bound_measure)
    is_requester = perms.may_act_as_requester(target, user)
    follow_up = perms.may_record_follow_up(target, user)
    working = target.state == RequestState.IN_PROGRESS and perms.is_assignee(target, user)
    required_types = {t.value for t in KINDS[AssistanceKind(target.kind)].documents}
    checklist = documents_bridge.checklist(target)
    attached = {row["document"] for row in checklist if row["document"] is not None}
    documents_bridge.generated_annotate(list(attached))
    context = {
        "req": target,
        "offers": next_steps(
            REQUEST_MACHINE,
            target,
            user,
            url_for=lambda name: reverse("assistance:transition", args=[target.pk, name]),
            bound=None if bound_measure else bound,
            bound_step=bound_step,
        ),
        "requested_liaisons": liaisons_of(target.requested_unit),
        "documents": checklist,
        "all_documents": target.all_documents,
        # The requester follows the generated forms from draft to issue: the officers who take
        # their steps, by the documents' one rule (issue 16 leak 9). A draft the checklist shows in
        # its row is not listed again: one state per document (issue 20).
        "generated_drafts": list(
            documents_readable_by(user, documents_bridge.linked_documents(target))
            .exclude(state__in=("issued", "voided"))
            .exclude(pk__in=[row["draft"].pk for row in checklist if row["draft"] is not None])
        )
        if is_requester
        else [],
        "returns": target.all_returns,
        "deadlines": _deadline_rows(target),
        "timeline": [
            (entry, _timeline_label(entry.action), STATE_LABELS.get(entry.to_state, entry.to_state))
            for entry in target.timeline
        ],
        "custody_events": target.all_custody_events,
        "property_measures": target.all_property_measures,
        "may_follow_up": target.state in services.FOLLOW_UP_STATES and follow_up,
        "may_forward": working,
        # The third unit is picked by name, pinyin or code (organisation.pickers), never typed as a code.
        "lead_form": forms.LeadForm(auto_id="lead_%s"),
        "may_record_overreach": overreach.may_record_overreach(target, user),
        "custody_form": forms.CustodyForm(
            kinds=services.custody_event_kinds(target.kind), auto_id="custody_%s"
        ),
        "property_kinds": PropertyMeasureKind.choices,
        # Any required document may be uploaded again (a paper original, a sound copy for a returned
        # one); the checklist's rows upload the missing ones in place.
        "replaceable": [(value, label) for value, label in DOCUMENT_TYPE_CHOICES if value in required_types],
        "may_upload": target.state in DOCUMENTS_EDITABLE and perms.may_edit_documents(target, user),
        "may_edit": target.state in services.EDITABLE_STATES and is_requester,
        "renewal_kinds": [(kind.value, kind.label) for kind in PERIOD_RULES],
        "result_documents": [
            doc for doc in target.all_documents if doc.document_type == RESULT_DOCUMENT_TYPE
        ],
        "may_upload_results": working,
        "result_type": RESULT_DOCUMENT_TYPE,
        # Say before the button is pressed that submitting or sending will be refused.
        "dispute_guard_message": services.DISPUTE_GUARD_MESSAGE
        if target.state in _BEFORE_SENDING
        and not target.first_response_urgent
        and services.guard_applies(case=target.case, requesting_unit=target.requesting_unit, kind=target.kind)
        else "",
    }
    return render(request, "assistance/request_detail.html", context, status=status)


class RequestDetailView(CaseDataPageMixin, View):
    def get(self, request, pk):
        return render_detail(request, selectors.request_get_visible(request.user, pk, path=request.path))


class RequestStepView(CaseDataPageMixin, StepView):
    """Take a step of a request from its page (the machine's form; errors in place)."""

    machine = REQUEST_MACHINE

    def get_object(self, request, pk):
        return selectors.request_get_visible(request.user, pk, path=request.path)

    def render_object(self, request, instance, *, status, bound=None, bound_step=""):
        fresh = selectors.request_get_visible(request.user, instance.pk, path=request.path)
        return render_detail(request, fresh, status=status, bound=bound, bound_step=bound_step)

    def success_url(self, request, instance) -> str:
        return reverse("assistance:detail", args=[instance.pk])

    def still_visible(self, request, instance) -> bool:
        return selectors.request_visible_to(request.user).filter(pk=instance.pk).exists()

    def gone_url(self, request, instance) -> str:
        return reverse("assistance:list")

    def refused_message(self) -> str:
        return _("You may not take this step on this request.")


class MeasureStepView(CaseDataPageMixin, StepView):
    """Find a measure's property unrelated, or record its release, from the request's page."""

    machine = MEASURE_MACHINE

    def get_object(self, request, pk, measure_id):
        target = selectors.request_get_visible(request.user, pk, path=request.path)
        return get_object_or_404(PropertyMeasure.objects.filter(request=target), pk=measure_id)

    def render_object(self, request, instance, *, status, bound=None, bound_step=""):
        target = selectors.request_get_visible(request.user, instance.request_id, path=request.path)
        return render_detail(
            request, target, status=status, bound=bound, bound_step=bound_step, bound_measure=instance.pk
        )

    def success_url(self, request, instance) -> str:
        return reverse("assistance:detail", args=[instance.request_id])

    def refused_message(self) -> str:
        return _("You may not take this step on this request.")


def _report(request, call, success) -> None:
    """Run a service call from a page form and say how it went as a message."""
    try:
        call()
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    except PermissionDenied:
        messages.error(request, _("You may not do this."))
    except Conflict as error:
        messages.error(request, str(error.message))
    else:
        if success:
            messages.success(request, success)


def _form_errors(request, form) -> None:
    for errors in form.errors.values():
        for message in errors:
            messages.error(request, message)


class RequestCustodyView(CaseDataPageMixin, View):
    def post(self, request, pk):
        target = selectors.request_get_visible(request.user, pk, path=request.path)
        form = forms.CustodyForm(request.POST, kinds=services.custody_event_kinds(target.kind))
        if not form.is_valid():
            _form_errors(request, form)
        else:
            _report(
                request,
                lambda: services.custody_event_record(by=request.user, request=target, **form.cleaned_data),
                _("Recorded."),
            )
        return redirect("assistance:detail", pk=target.pk)


class RequestPropertyView(CaseDataPageMixin, View):
    def post(self, request, pk):
        target = selectors.request_get_visible(request.user, pk, path=request.path)
        form = forms.PropertyForm(request.POST)
        if not form.is_valid():
            _form_errors(request, form)
        else:
            _report(
                request,
                lambda: services.property_measure_record(
                    by=request.user, request=target, **form.cleaned_data
                ),
                _("Recorded."),
            )
        return redirect("assistance:detail", pk=target.pk)


class PropertyRenewView(CaseDataPageMixin, View):
    """Ask to renew a freeze before expiry (续冻, art 240) from the row's form on the detail page."""

    def post(self, request, pk, measure_id):
        target = selectors.request_get_visible(request.user, pk, path=request.path)
        measure = get_object_or_404(target.property_measures.all(), pk=measure_id)
        form = forms.RenewForm(request.POST)
        if not form.is_valid():
            _form_errors(request, form)
            return redirect("assistance:detail", pk=target.pk)
        renewed = []

        def ask():
            result = services.property_measure_renew(by=request.user, measure=measure, **form.cleaned_data)
            renewed.append(result.pk != measure.pk)

        _report(request, ask, None)
        if renewed:
            messages.success(
                request,
                _("Renewed; the new period has its own expiry and reminder.")
                if renewed[0]
                else _("Renewal asked for; it waits for the approval of the head who approved the freeze."),
            )
        return redirect("assistance:detail", pk=target.pk)


class RequestEditView(CaseDataPageMixin, View):
    """The requester corrects a draft or a returned request (other states: 409; others: 403)."""

    def _target(self, request, pk):
        target = selectors.request_get_visible(request.user, pk, path=request.path)
        if not perms.may_act_as_requester(target, request.user):
            raise PermissionDenied
        return target

    def _render(self, request, target, form, status=200):
        return render(
            request,
            "assistance/request_edit.html",
            {"req": target, "form": form, "editable": target.state in services.EDITABLE_STATES},
            status=status,
        )

    def get(self, request, pk):
        target = self._target(request, pk)
        if target.state not in services.EDITABLE_STATES:
            return self._render(request, target, None, status=409)
        form = forms.RequestEditForm(
            target=target,
            initial={
                "kind": target.kind,
                "urgency": target.urgency,
                "requested_unit": target.requested_unit.code,
                "subjects": list(target.subjects.all()),
                "matters": target.matters,
                "legal_basis": target.legal_basis,
                "first_response_urgent": target.first_response_urgent,
                "first_response_reason": target.first_response_reason,
                "freeze_scope": target.freeze_scope,
            },
        )
        return self._render(request, target, form)

    def post(self, request, pk):
        target = self._target(request, pk)
        if target.state not in services.EDITABLE_STATES:
            return self._render(request, target, None, status=409)
        form = forms.RequestEditForm(
            request.POST,
            target=target,
            # What a disabled field submits, whatever the browser sends.
            initial={
                "kind": target.kind,
                "requested_unit": target.requested_unit.code,
                "first_response_urgent": target.first_response_urgent,
                "first_response_reason": target.first_response_reason,
                "freeze_scope": target.freeze_scope,
            },
        )
        if form.is_valid():
            try:
                services.request_update(by=request.user, request=target, **form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            except Conflict:
                target.refresh_from_db()
                return self._render(request, target, None, status=409)
            else:
                messages.success(request, _("Saved."))
                return redirect("assistance:detail", pk=target.pk)
        return self._render(request, target, form, status=400)


class LeadForwardView(CaseDataPageMixin, View):
    def post(self, request, pk):
        target = selectors.request_get_visible(request.user, pk, path=request.path)
        form = forms.LeadForm(request.POST)
        if not form.is_valid():
            _form_errors(request, form)
        else:
            data = form.cleaned_data
            _report(
                request,
                lambda: services.request_forward_lead(by=request.user, request=target, **data),
                _("The lead was drafted as a new request to %(unit)s.") % {"unit": data["to_unit"].name},
            )
        return redirect("assistance:detail", pk=target.pk)


class OverreachView(CaseDataPageMixin, View):
    """Record from the request's page an act of the cooperating unit beyond the request (MPS-2020 art 355)."""

    def post(self, request, pk):
        target = selectors.request_get_visible(request.user, pk, path=request.path)
        form = forms.OverreachForm(request.POST)
        if not form.is_valid():
            _form_errors(request, form)
        else:
            _report(
                request,
                lambda: overreach.overreach_record(request=target, by=request.user, **form.cleaned_data),
                _("Recorded: the act beyond the request is on the request's record (art 355)."),
            )
        return redirect("assistance:detail", pk=target.pk)


class RequestDocumentUploadView(CaseDataPageMixin, View):
    def post(self, request, pk):
        target = selectors.request_get_visible(request.user, pk, path=request.path)
        form = forms.UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            _form_errors(request, form)
        else:
            _report(
                request,
                lambda: services.request_document_upload(
                    by=request.user, request=target, **form.cleaned_data
                ),
                _("Document attached."),
            )
        return redirect("assistance:detail", pk=target.pk)


class RequestDocumentDownloadView(CaseDataPageMixin, View):
    def get(self, request, pk, document_id):
        target = selectors.request_get_visible(request.user, pk, path=request.path)
        document = get_object_or_404(target.documents.all(), pk=document_id)
        response = presenters.document_file_response(target, document, request.user, channel="web")
        if response is None:
            raise Http404
        return response
