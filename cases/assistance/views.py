"""Pages of assistance requests: lists (incoming, outgoing), the form, the detail with its actions.

Thin adapters over selectors and services, like the API. A request the user may not see is 404;
auditors and system administrators see no request at all.
"""

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views import View

from cases.assistance import documents_bridge, selectors, services
from cases.assistance import permissions as perms
from cases.assistance.models import (
    DOCUMENT_TYPE_CHOICES,
    KIND_CHOICES,
    PERIOD_RULES,
    RESULT_DOCUMENT_TYPE,
    URGENCY_CHOICES,
    CustodyEventKind,
    Defect,
    PropertyMeasureKind,
    RequestState,
)
from cases.assistance.permissions import REQUESTER_ROLES
from cases.assistance_kinds import KINDS, AssistanceKind, required_documents
from cases.models import CasePerson
from cases.selectors import case_visible_to
from core import audit, deadline_rows
from core.api import Conflict
from core.grading import InformationAccuracy, SourceReliability
from core.guards import RolesFirstMixin
from core.moments import MomentField
from documents.apis import file_response
from documents.models import Document
from documents.selectors import documents_readable_by
from organisation import registers
from organisation.models import Department, Unit
from organisation.selectors import user_may_read_case_data

PAGE_SIZE = 50
TRANSITION_LABELS = {
    "submit": _("Submit for approval"),
    "approve": _("Approve"),
    "reject": _("Send back to the drafter"),
    "send": _("Send"),
    "receive": _("Confirm receipt"),
    "request_clarification": _("Ask the requester a question"),
    "answer": _("Answer the question"),
    "accept": _("Accept"),
    "acknowledge": _("Acknowledge the notice"),
    "return_request": _("Return for defective formalities"),
    "resubmit": _("Resubmit"),
    "route": _("Route to a department"),
    "assign": _("Assign an officer"),
    "start": _("Start work"),
    "fulfil": _("Record as fulfilled"),
    "close": _("Confirm and close"),
    "dispute": _("Dispute"),
    "refer": _("Refer to the common superior"),
    "decide_proceed": _("Decide: proceed"),
    "decide_withdraw": _("Decide: withdraw"),
    "withdraw": _("Withdraw"),
}
TIMELINE_LABELS = {
    "create": _("Drafted"),
    "upload_document": _("Document attached"),
    "replace_document": _("Document replaced"),
    "forward_lead": _("Lead forwarded (art 349)"),
    "custody_capture": _("Capture reported"),
    "custody_collection": _("Collected by the requester"),
    "custody_interrogation": _("Interrogated on the requester's behalf"),
    "property_measure": _("Property measure recorded"),
    "property_unrelated": _("Property found unrelated"),
    "property_released": _("Property released"),
    "property_renewed": _("Freeze renewed (art 240)"),
    "update": _("Request edited"),
    "deadline_escalated": _("Deadline reminder or escalation"),
}


class CaseDataPageMixin(LoginRequiredMixin):
    """Sign-in required; users without an operational role (auditors, administrators) get 404."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not user_may_read_case_data(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class FilterForm(forms.Form):
    direction = forms.ChoiceField(
        label=_("Direction"),
        required=False,
        choices=[("", _("All")), ("incoming", _("Incoming")), ("outgoing", _("Outgoing"))],
    )
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("All")), *RequestState.choices]
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All")), *KIND_CHOICES])
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)


class RequestListView(CaseDataPageMixin, View):
    def get(self, request):
        form = FilterForm(request.GET or None)
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


class FirstResponseFields(forms.Form):
    """The first-response exception to the dispute guard (公通字〔2020〕6号 no. 3), on both request forms."""

    first_response_urgent = forms.BooleanField(
        label=_("First-response emergency (先期处置)"),
        required=False,
        help_text=_(
            "While the case's jurisdiction is disputed, a unit other than the lead may request a coercive "
            "measure only as a first-response emergency, with the reason."
        ),
    )
    first_response_reason = forms.CharField(
        label=_("Why the measure cannot wait"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RequestForm(FirstResponseFields):
    case = forms.ModelChoiceField(label=_("Case"), queryset=None)
    requested_unit = forms.CharField(
        label=_("Requested unit (division code)"),
        max_length=6,
        help_text=_("For example 530100 for Kunming."),
    )
    kind = forms.ChoiceField(label=_("Kind of assistance"), choices=KIND_CHOICES)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=URGENCY_CHOICES, initial="normal")
    matters = forms.CharField(label=_("Matters requested"), widget=forms.Textarea(attrs={"rows": 4}))
    legal_basis = forms.CharField(
        label=_("Legal basis"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    field_order = ["case", "requested_unit", "kind", "urgency", "matters", "legal_basis"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = case_visible_to(user).exclude(state="draft").order_by("-id")

    def clean_requested_unit(self):
        unit = Unit.objects.filter(code=self.cleaned_data["requested_unit"].strip()).first()
        if unit is None:
            raise ValidationError(_("No unit has this division code."))
        return unit


def _kind_documents(kind: str):
    try:
        return required_documents(AssistanceKind(kind))
    except ValueError:
        return ()


class RequestCreateView(CaseDataPageMixin, RolesFirstMixin, View):
    # 403 before the form is read to one who may create none (issue 16).
    write_roles = REQUESTER_ROLES

    def get(self, request):
        form = RequestForm(user=request.user, initial={"case": request.GET.get("case")})
        kind = request.GET.get("kind") or AssistanceKind.EVIDENCE_COLLECTION
        return self._render(request, form, kind)

    def post(self, request):
        form = RequestForm(request.POST, user=request.user)
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
                )
            except PermissionDenied:
                form.add_error(None, _("You may not request assistance on this case for your unit."))
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("Draft %(number)s created.") % {"number": created.number})
                return redirect("assistance-request-detail", pk=created.pk)
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


def _add_errors(form, error: ValidationError):
    if hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages)


def _with_state_label(entry):
    entry.to_label = STATE_LABELS.get(entry.to_state, entry.to_state)
    return entry


STATE_LABELS = dict(RequestState.choices)
# A request in these states still has a guarded step ahead (submit, send or resubmit).
_BEFORE_SENDING = (
    RequestState.DRAFT,
    RequestState.AWAITING_APPROVAL,
    RequestState.APPROVED,
    RequestState.RETURNED,
)


class RequestDetailView(CaseDataPageMixin, View):
    def get(self, request, pk):
        target = selectors.request_get_visible(request.user, pk, path=request.path)
        deadlines = [
            {
                "row": row,
                "label": deadline_rows.label_text(row),
                "due": deadline_rows.due_text(row),
                "remaining": deadline_rows.remaining_text(row),
                "overdue": row.state == "running" and row.due_at <= dt.datetime.now(dt.UTC),
            }
            for row in selectors.request_deadlines(target)
        ]
        transitions = selectors.request_available_transitions(target, request.user)
        documents = selectors.request_documents_status(target)
        all_documents = list(target.documents.all())
        documents_bridge.generated_annotate([row["document"] for row in documents] + all_documents)
        context = {
            "req": target,
            "requested_liaisons": registers.liaisons_of(target.requested_unit),
            "transitions": [(name, TRANSITION_LABELS.get(name, name)) for name in transitions],
            "documents": documents,
            "all_documents": all_documents,
            # The requester follows the generated forms from draft to issue: the officers who take
            # their steps, by the documents' one rule (issue 16 leak 9).
            "generated_drafts": list(
                documents_readable_by(request.user, documents_bridge.linked_documents(target)).exclude(
                    state__in=("issued", "voided")
                )
            )
            if perms.may_act_as_requester(target, request.user)
            else [],
            "returns": list(target.returns.all()),
            "deadlines": deadlines,
            "timeline": [
                (
                    _with_state_label(entry),
                    TIMELINE_LABELS.get(entry.action) or TRANSITION_LABELS.get(entry.action, entry.action),
                )
                for entry in selectors.request_timeline(target)
            ],
            "custody_events": list(target.custody_events.all()),
            "property_measures": list(target.property_measures.all()),
            "may_follow_up": target.state in ("accepted", "routed", "assigned", "in_progress", "fulfilled")
            and perms.may_record_follow_up(target, request.user),
            "may_forward": target.state == "in_progress" and perms.is_assignee(target, request.user),
            "custody_kinds": CustodyEventKind.choices,
            "property_kinds": PropertyMeasureKind.choices,
            "defects": Defect.choices,
            "document_types": [
                (value, label)
                for value, label in DOCUMENT_TYPE_CHOICES
                if value in {t.value for t in KINDS[AssistanceKind(target.kind)].documents}
            ],
            "departments": Department.objects.filter(unit=target.requested_unit, is_active=True)
            if "route" in transitions
            else [],
            "may_upload": target.state
            in ("draft", "awaiting_approval", "approved", "returned", "clarification_requested")
            and perms.may_edit_documents(target, request.user),
            "may_edit": target.state in services.EDITABLE_STATES
            and perms.may_act_as_requester(target, request.user),
            "may_renew": target.state
            in ("accepted", "routed", "assigned", "in_progress", "fulfilled", "closed")
            and perms.may_record_follow_up(target, request.user),
            "renewal_kinds": [(kind.value, kind.label) for kind in PERIOD_RULES],
            "result_documents": [
                doc for doc in target.documents.all() if doc.document_type == RESULT_DOCUMENT_TYPE
            ],
            "may_upload_results": target.state == "in_progress" and perms.is_assignee(target, request.user),
            "result_type": RESULT_DOCUMENT_TYPE,
            # Say before the button is pressed that submitting or sending will be refused.
            "dispute_guard_message": services.DISPUTE_GUARD_MESSAGE
            if target.state in _BEFORE_SENDING
            and not target.first_response_urgent
            and services.guard_applies(
                case=target.case, requesting_unit=target.requesting_unit, kind=target.kind
            )
            else "",
        }
        return render(request, "assistance/request_detail.html", context)


class RequestTransitionView(CaseDataPageMixin, View):
    """Take a transition from a button's form; errors come back as messages on the detail page."""

    def post(self, request, pk, name):
        target = selectors.request_get_visible(request.user, pk, path=request.path)
        fields = {}
        if name == "return_request":
            fields["defects"] = [
                {
                    "document_type": request.POST.get("document_type", ""),
                    "defect": request.POST.get("defect", ""),
                    "explanation": request.POST.get("explanation", ""),
                }
            ]
        for key in ("department", "assignee", "results"):
            if request.POST.get(key):
                fields[key] = request.POST[key]
        try:
            services.request_transition(
                by=request.user,
                request_id=target.pk,
                name=name,
                reason=request.POST.get("reason", ""),
                expected_state=request.POST.get("expected_state") or None,
                fields=fields,
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        except Conflict:
            messages.error(request, _("The request was changed by someone else; here it is as it is now."))
        except PermissionDenied:
            messages.error(request, _("You may not do this."))
        else:
            messages.success(request, _("Done."))
        return redirect("assistance-request-detail", pk=target.pk)


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
        messages.error(request, str(error.detail))
    else:
        messages.success(request, success)


class CustodyForm(forms.Form):
    kind = forms.ChoiceField(label=_("Event"), choices=CustodyEventKind.choices)
    occurred_at = MomentField(
        label=_("Time"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    person_name = forms.CharField(label=_("Person"), max_length=64, required=False)
    officers = forms.CharField(
        label=_("Officers (one name per line; at least two to collect)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RequestCustodyView(CaseDataPageMixin, View):
    def post(self, request, pk):
        target = selectors.request_get_visible(request.user, pk, path=request.path)
        form = CustodyForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for message in errors:
                    messages.error(request, message)
        else:
            data = form.cleaned_data
            _report(
                request,
                lambda: services.custody_event_record(
                    by=request.user,
                    request=target,
                    kind=data["kind"],
                    occurred_at=data["occurred_at"],
                    place=data["place"],
                    person_name=data["person_name"],
                    officers=data["officers"].splitlines(),
                ),
                _("Recorded."),
            )
        return redirect("assistance-request-detail", pk=target.pk)


class PropertyForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=PropertyMeasureKind.choices)
    target = forms.CharField(label=_("Account or object"), max_length=200)
    institution = forms.CharField(label=_("Bank or holder"), max_length=128, required=False)
    amount = forms.DecimalField(label=_("Amount"), max_digits=16, decimal_places=2, required=False)
    starts_on = forms.DateField(label=_("Starts on"), widget=forms.DateInput(attrs={"type": "date"}))


class RequestPropertyView(CaseDataPageMixin, View):
    def post(self, request, pk):
        target = selectors.request_get_visible(request.user, pk, path=request.path)
        form = PropertyForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for message in errors:
                    messages.error(request, message)
        else:
            _report(
                request,
                lambda: services.property_measure_record(
                    by=request.user, request=target, **form.cleaned_data
                ),
                _("Recorded."),
            )
        return redirect("assistance-request-detail", pk=target.pk)


class PropertyActionView(CaseDataPageMixin, View):
    def post(self, request, pk, measure_id, action):
        target = selectors.request_get_visible(request.user, pk, path=request.path)
        measure = get_object_or_404(target.property_measures.all(), pk=measure_id)
        if action == "unrelated":
            _report(
                request,
                lambda: services.property_measure_found_unrelated(
                    by=request.user, measure=measure, reason=request.POST.get("reason", "")
                ),
                _("Recorded: release it within 3 days."),
            )
        elif action == "release":
            _report(
                request,
                lambda: services.property_measure_release(by=request.user, measure=measure),
                _("Recorded."),
            )
        else:
            raise Http404
        return redirect("assistance-request-detail", pk=target.pk)


class RenewForm(forms.Form):
    starts_on = forms.DateField(
        label=_("Renewed period starts on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty to run on from the current expiry."),
    )
    kind = forms.ChoiceField(
        label=_("Period"),
        required=False,
        choices=[("", _("As before")), *[(k.value, k.label) for k in PERIOD_RULES]],
    )


class PropertyRenewView(CaseDataPageMixin, View):
    """Renew a freeze before expiry (续冻, art 240) from the row's form on the detail page."""

    def post(self, request, pk, measure_id):
        target = selectors.request_get_visible(request.user, pk, path=request.path)
        measure = get_object_or_404(target.property_measures.all(), pk=measure_id)
        form = RenewForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for message in errors:
                    messages.error(request, message)
        else:
            data = form.cleaned_data
            _report(
                request,
                lambda: services.property_measure_renew(
                    by=request.user, measure=measure, starts_on=data["starts_on"], kind=data["kind"] or None
                ),
                _("Renewed; the new period has its own expiry and reminder."),
            )
        return redirect("assistance-request-detail", pk=target.pk)


class RequestEditForm(FirstResponseFields):
    kind = forms.ChoiceField(label=_("Kind of assistance"), choices=KIND_CHOICES)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=URGENCY_CHOICES)
    requested_unit = forms.CharField(label=_("Requested unit (division code)"), max_length=6)
    subjects = forms.ModelMultipleChoiceField(
        label=_("Persons concerned"),
        queryset=CasePerson.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    matters = forms.CharField(label=_("Matters requested"), widget=forms.Textarea(attrs={"rows": 4}))
    legal_basis = forms.CharField(
        label=_("Legal basis"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    field_order = ["kind", "urgency", "requested_unit", "subjects", "matters", "legal_basis"]

    def __init__(self, *args, target, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subjects"].queryset = CasePerson.objects.filter(case_id=target.case_id).order_by("pk")
        if target.state == RequestState.RETURNED:
            # Resubmission skips the approver: what is asked, of whom and on what grounds stays as approved.
            for name in ("kind", "requested_unit"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _("A returned request keeps its kind and requested unit.")
            for name in ("first_response_urgent", "first_response_reason"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _(
                    "A returned request keeps its first-response flag and reason."
                )

    def clean_requested_unit(self):
        unit = Unit.objects.filter(code=self.cleaned_data["requested_unit"].strip()).first()
        if unit is None:
            raise ValidationError(_("No unit has this division code."))
        return unit


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
        form = RequestEditForm(
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
            },
        )
        return self._render(request, target, form)

    def post(self, request, pk):
        target = self._target(request, pk)
        if target.state not in services.EDITABLE_STATES:
            return self._render(request, target, None, status=409)
        form = RequestEditForm(
            request.POST,
            target=target,
            # What a disabled field submits, whatever the browser sends.
            initial={
                "kind": target.kind,
                "requested_unit": target.requested_unit.code,
                "first_response_urgent": target.first_response_urgent,
                "first_response_reason": target.first_response_reason,
            },
        )
        if form.is_valid():
            try:
                services.request_update(by=request.user, request=target, **form.cleaned_data)
            except ValidationError as error:
                _add_errors(form, error)
            except Conflict:
                target.refresh_from_db()
                return self._render(request, target, None, status=409)
            else:
                messages.success(request, _("Saved."))
                return redirect("assistance-request-detail", pk=target.pk)
        return self._render(request, target, form, status=400)


class LeadForwardView(CaseDataPageMixin, View):
    def post(self, request, pk):
        target = selectors.request_get_visible(request.user, pk, path=request.path)
        to_unit = Unit.objects.filter(code=request.POST.get("to_unit", "").strip()).first()
        kind = request.POST.get("kind") or AssistanceKind.WORK_IN_AREA_NOTICE
        if to_unit is None:
            messages.error(request, _("No unit has this division code."))
        elif kind not in dict(KIND_CHOICES):
            messages.error(request, _("Not a known kind of assistance."))
        else:
            _report(
                request,
                lambda: services.request_forward_lead(
                    by=request.user,
                    request=target,
                    to_unit=to_unit,
                    matters=request.POST.get("matters", ""),
                    kind=kind,
                ),
                _("The lead was drafted as a new request to %(unit)s.") % {"unit": to_unit.name},
            )
        return redirect("assistance-request-detail", pk=target.pk)


class UploadForm(forms.Form):
    document_type = forms.ChoiceField(label=_("Document"), choices=DOCUMENT_TYPE_CHOICES)
    number = forms.CharField(label=_("Document number"), max_length=64)
    issued_on = forms.DateField(label=_("Date of issue"), widget=forms.DateInput(attrs={"type": "date"}))
    file = forms.FileField(label=_("Scan (PDF, JPEG, PNG, TIFF)"))
    # The 4×4 evaluation of what the attachment says (DOMAIN.md §4 [S]); optional.
    source_reliability = forms.ChoiceField(
        label=_("Source reliability"), required=False, choices=[("", "—"), *SourceReliability.choices]
    )
    information_accuracy = forms.TypedChoiceField(
        label=_("Information accuracy"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—"), *InformationAccuracy.choices],
    )


class RequestDocumentUploadView(CaseDataPageMixin, View):
    def post(self, request, pk):
        target = selectors.request_get_visible(request.user, pk, path=request.path)
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            for field_errors in form.errors.values():
                for message in field_errors:
                    messages.error(request, message)
            return redirect("assistance-request-detail", pk=target.pk)
        try:
            services.request_document_upload(by=request.user, request=target, **form.cleaned_data)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        except PermissionDenied:
            messages.error(request, _("You may not do this."))
        except Conflict as error:
            messages.error(request, str(error.detail))
        else:
            messages.success(request, _("Document attached."))
        return redirect("assistance-request-detail", pk=target.pk)


class RequestDocumentDownloadView(CaseDataPageMixin, View):
    def get(self, request, pk, document_id):
        target = selectors.request_get_visible(request.user, pk, path=request.path)
        document = get_object_or_404(target.documents.all(), pk=document_id)
        if document.generated_document_id:
            try:
                generated = documents_bridge.generated_download(
                    request_document=document, user=request.user, channel="web"
                )
            except Document.DoesNotExist:
                raise Http404 from None
            return file_response(generated)
        if not document.file:
            raise Http404
        audit.record(
            action="assistance.requestdocument.download",
            actor=request.user,
            target=target,
            payload={"document": document.pk, "document_type": document.document_type},
        )
        return FileResponse(
            document.file.open("rb"),
            as_attachment=True,
            filename=document.file.name.rsplit("/", 1)[-1],
            content_type=document.content_type or "application/octet-stream",
        )
