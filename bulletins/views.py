"""Pages of bulletins: the list, a new bulletin with its target picker, the detail with progress and
attachments."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from bulletins import apis, forms, selectors, services
from bulletins import permissions as perms
from bulletins.models import BULLETIN_API_TRANSITIONS, RECIPIENT_API_TRANSITIONS, BulletinState
from bulletins.permissions import DRAFTERS
from cases.forms import apply_errors
from cases.standing import user_standing
from core.api import Conflict
from core.guards import RolesFirstMixin
from core.workflow import available_transitions, timeline_for
from organisation.models import Unit
from organisation.selectors import user_may_read_case_data


class CaseDataPageMixin(LoginRequiredMixin):
    """Sign-in required; users without an operational role (auditors, administrators) get 404."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not user_may_read_case_data(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class BulletinListView(CaseDataPageMixin, View):
    def get(self, request):
        bulletins = list(selectors.bulletin_list_visible_to(request.user)[:200])
        return render(
            request, "bulletins/bulletin_list.html", {"bulletins": bulletins, "current": "bulletin-list"}
        )


TIMELINE_LABELS = {
    "create": gettext_lazy("Drafted"),
    "issue": gettext_lazy("Issued"),
    "close": gettext_lazy("Closed"),
    "withdraw": gettext_lazy("Withdrawn"),
    "case_opened": gettext_lazy("Case opened for it"),
    "case_linked": gettext_lazy("Case linked to it"),
    "attachment_add": gettext_lazy("Attachment added"),
    "attachment_remove": gettext_lazy("Attachment removed"),
}


def _labelled(entries) -> list:
    """Return the timeline rows with the reader's label of each action."""
    entries = list(entries)
    for entry in entries:
        entry.label = str(TIMELINE_LABELS.get(entry.action, entry.action))
    return entries


def _drafting_units(user):
    standing = user_standing(user)
    ids = [unit_id for unit_id in standing.unit_ids if standing.holds(unit_id, perms.DRAFTERS)]
    return list(Unit.objects.filter(pk__in=ids).order_by("code"))


class BulletinCreateView(CaseDataPageMixin, RolesFirstMixin, View):
    # 403 before the form is read to one who may create none (issue 16).
    write_roles = DRAFTERS

    def get(self, request):
        form = forms.BulletinForm(units=_drafting_units(request.user))
        return render(request, "bulletins/bulletin_new.html", {"form": form, "current": "bulletin-new"})

    def post(self, request):
        units = _drafting_units(request.user)
        form = forms.BulletinForm(request.POST, units=units)
        if form.is_valid():
            values = form.cleaned_data
            unit = next(unit for unit in units if unit.code == values["issuing_unit"])
            try:
                bulletin = services.bulletin_create(
                    user=request.user,
                    issuing_unit=unit,
                    data={
                        "kind": values["kind"],
                        "title": values["title"],
                        "body": values["body"],
                        "target_spec": form.target_spec(unit),
                        "handling_code": values["handling_code"],
                        "source_reliability": values["source_reliability"],
                        "information_accuracy": values["information_accuracy"],
                        "urgency": values["urgency"],
                        "ack_within_hours": values["ack_within_hours"],
                        "result_within_days": values["result_within_days"],
                    },
                )
            except (ValidationError, PermissionDenied) as error:
                if isinstance(error, PermissionDenied):
                    error = ValidationError(str(error) or _("You may not draft this bulletin."))
                errors = error.message_dict if hasattr(error, "error_dict") else None
                if errors and "targets" in errors:
                    form.add_error("preset", errors.pop("targets"))
                    error = ValidationError(errors) if errors else None
                if error is not None:
                    apply_errors(form, error)
            else:
                return redirect("bulletin-detail", pk=bulletin.pk)
        return render(
            request, "bulletins/bulletin_new.html", {"form": form, "current": "bulletin-new"}, status=400
        )


def may_change_attachments(bulletin, user) -> bool:
    """Offer the upload form and the remove buttons as the services would allow them."""
    return bulletin.state == BulletinState.DRAFT and perms.may_edit(bulletin, user)


def _render_detail(request, bulletin, status=200, attachment_form=None):
    progress = apis.progress_data(bulletin, request.user)
    transitions = [
        name for name in available_transitions(bulletin, request.user) if name in BULLETIN_API_TRANSITIONS
    ]
    context = {
        "bulletin": bulletin,
        "progress": progress,
        "transitions": transitions,
        "transition_form": forms.TransitionForm(),
        "report_form": forms.ReportForm(),
        "attachments": list(selectors.attachments_of(bulletin)),
        "may_attach": may_change_attachments(bulletin, request.user),
        "attachment_form": attachment_form or forms.AttachmentForm(),
        "timeline": _labelled(timeline_for(bulletin).order_by("occurred_at", "id")),
        "current": "bulletin-detail",
    }
    return render(request, "bulletins/bulletin_detail.html", context, status=status)


class BulletinDetailView(CaseDataPageMixin, View):
    def get(self, request, pk: int):
        return _render_detail(request, selectors.bulletin_get_visible(request.user, pk))


def _run(request, bulletin, action):
    try:
        action()
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return _render_detail(request, selectors.bulletin_get_visible(request.user, bulletin.pk), status=400)
    except Conflict:
        messages.error(request, _("The bulletin was changed by someone else; here it is as it stands."))
        return _render_detail(request, selectors.bulletin_get_visible(request.user, bulletin.pk), status=409)
    except PermissionDenied:
        messages.error(request, _("You may not take this step on this bulletin."))
        return _render_detail(request, bulletin, status=403)
    return redirect(reverse("bulletin-detail", args=[bulletin.pk]))


class BulletinActionView(CaseDataPageMixin, View):
    http_method_names = ["post", "options"]

    def post(self, request, pk: int, name: str):
        bulletin = selectors.bulletin_get_visible(request.user, pk)
        if name not in BULLETIN_API_TRANSITIONS:
            raise Http404
        reason = request.POST.get("reason", "")
        return _run(
            request,
            bulletin,
            lambda: services.bulletin_transition(
                bulletin_id=bulletin.pk, name=name, by=request.user, reason=reason
            ),
        )


class RecipientActionView(CaseDataPageMixin, View):
    http_method_names = ["post", "options"]

    def post(self, request, pk: int, code: str, name: str):
        bulletin = selectors.bulletin_get_visible(request.user, pk)
        row = apis.recipient_get_visible(request.user, bulletin, code)
        if name not in RECIPIENT_API_TRANSITIONS:
            raise Http404
        result = request.POST.get("result", "")
        return _run(
            request,
            bulletin,
            lambda: services.recipient_transition(
                recipient_id=row.pk, name=name, by=request.user, result=result
            ),
        )


class AttachmentAddView(CaseDataPageMixin, View):
    http_method_names = ["post", "options"]

    def post(self, request, pk: int):
        bulletin = selectors.bulletin_get_visible(request.user, pk)
        form = forms.AttachmentForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.bulletin_attachment_add(bulletin=bulletin, user=request.user, **form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            except Conflict as error:
                messages.error(request, str(error.detail))
                return _render_detail(request, selectors.bulletin_get_visible(request.user, pk), status=409)
            except PermissionDenied:
                messages.error(request, _("You may not take this step on this bulletin."))
                return _render_detail(request, bulletin, status=403)
            else:
                messages.success(request, _("Attachment added."))
                return redirect(reverse("bulletin-detail", args=[bulletin.pk]) + "#attachments")
        return _render_detail(request, bulletin, status=400, attachment_form=form)


class AttachmentRemoveView(CaseDataPageMixin, View):
    http_method_names = ["post", "options"]

    def post(self, request, pk: int, aid: int):
        bulletin, attachment = selectors.attachment_get_visible(request.user, pk, aid)
        return _run(
            request,
            bulletin,
            lambda: services.bulletin_attachment_remove(attachment=attachment, user=request.user),
        )


class AttachmentDownloadView(CaseDataPageMixin, View):
    def get(self, request, pk: int, aid: int):
        _bulletin, attachment = selectors.attachment_get_visible(request.user, pk, aid)
        return apis.attachment_file_response(attachment, request.user, channel="web")
