"""Pages of bulletins: the list, a new bulletin with its target picker, the detail with progress and
attachments."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from bulletins import forms, selectors, services
from bulletins import permissions as perms
from bulletins.models import BulletinState
from bulletins.permissions import DRAFTERS
from bulletins.presenters import attachment_file_response, progress_data
from bulletins.steps import BULLETIN_MACHINE, RECIPIENT_MACHINE
from core.exceptions import Conflict
from core.guards import RolesFirstMixin
from core.pages import StepView, apply_errors, next_steps
from core.workflow import timeline_for
from organisation.models import Unit
from organisation.pages import CaseDataPageMixin
from organisation.standing import user_standing


class BulletinListView(CaseDataPageMixin, View):
    def get(self, request):
        bulletins = list(selectors.bulletin_list_visible_to(request.user)[:200])
        return render(
            request, "bulletins/bulletin_list.html", {"bulletins": bulletins, "current": "bulletins:list"}
        )


TIMELINE_LABELS = {
    # The event, not a state: 已起草 is a document's state, and the row goes on "→ 草稿" (docs/glossary.md).
    "create": gettext_lazy("Created"),
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
        return render(request, "bulletins/bulletin_new.html", {"form": form, "current": "bulletins:new"})

    def post(self, request):
        units = _drafting_units(request.user)
        form = forms.BulletinForm(request.POST, units=units)
        if form.is_valid():
            values = form.cleaned_data
            unit = next(unit for unit in units if unit.code == values["issuing_unit"])
            try:
                bulletin = services.bulletin_create(
                    by=request.user,
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
                return redirect("bulletins:detail", pk=bulletin.pk)
        return render(
            request, "bulletins/bulletin_new.html", {"form": form, "current": "bulletins:new"}, status=400
        )


def may_change_attachments(bulletin, user) -> bool:
    """Offer the upload form and the remove buttons as the services would allow them."""
    return bulletin.state == BulletinState.DRAFT and perms.may_edit(bulletin, user)


def _render_detail(request, bulletin, status=200, attachment_form=None, bound=None, bound_step=""):
    progress = progress_data(bulletin, request.user)
    for row in progress["recipients"]:
        row.offers = next_steps(
            RECIPIENT_MACHINE,
            row,
            request.user,
            url_for=lambda name, row=row: reverse(
                "bulletins:recipient-transition", args=[bulletin.pk, row.unit.code, name]
            ),
        )
    context = {
        "bulletin": bulletin,
        "progress": progress,
        "offers": next_steps(
            BULLETIN_MACHINE,
            bulletin,
            request.user,
            url_for=lambda name: reverse("bulletins:transition", args=[bulletin.pk, name]),
            bound=bound,
            bound_step=bound_step,
        ),
        "attachments": list(selectors.attachments_of(bulletin)),
        "may_attach": may_change_attachments(bulletin, request.user),
        "attachment_form": attachment_form or forms.AttachmentForm(),
        "timeline": _labelled(timeline_for(bulletin).order_by("occurred_at", "id")),
        "current": "bulletins:detail",
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
    return redirect(reverse("bulletins:detail", args=[bulletin.pk]))


class BulletinStepView(CaseDataPageMixin, StepView):
    """Issue, close or withdraw a bulletin from its page."""

    machine = BULLETIN_MACHINE

    def get_object(self, request, pk: int):
        return selectors.bulletin_get_visible(request.user, pk)

    def render_object(self, request, instance, *, status, bound=None, bound_step=""):
        return _render_detail(request, instance, status=status, bound=bound, bound_step=bound_step)

    def success_url(self, request, instance) -> str:
        return reverse("bulletins:detail", args=[instance.pk])

    def refused_message(self) -> str:
        return _("You may not take this step on this bulletin.")


class RecipientStepView(CaseDataPageMixin, StepView):
    """Acknowledge a bulletin for your unit, or report its result, from the bulletin's page."""

    machine = RECIPIENT_MACHINE

    def get_object(self, request, pk: int, code: str):
        return selectors.recipient_get_visible(
            request.user, selectors.bulletin_get_visible(request.user, pk), code
        )

    def render_object(self, request, instance, *, status, bound=None, bound_step=""):
        return _render_detail(
            request, selectors.bulletin_get_visible(request.user, instance.bulletin_id), status=status
        )

    def success_url(self, request, instance) -> str:
        return reverse("bulletins:detail", args=[instance.bulletin_id])

    def refused_message(self) -> str:
        return _("You may not take this step on this bulletin.")


class AttachmentAddView(CaseDataPageMixin, View):
    http_method_names = ["post", "options"]

    def post(self, request, pk: int):
        bulletin = selectors.bulletin_get_visible(request.user, pk)
        form = forms.AttachmentForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.bulletin_attachment_add(bulletin=bulletin, by=request.user, **form.cleaned_data)
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
                return redirect(reverse("bulletins:detail", args=[bulletin.pk]) + "#attachments")
        return _render_detail(request, bulletin, status=400, attachment_form=form)


class AttachmentRemoveView(CaseDataPageMixin, View):
    http_method_names = ["post", "options"]

    def post(self, request, pk: int, attachment_id: int):
        bulletin, attachment = selectors.attachment_get_visible(request.user, pk, attachment_id)
        return _run(
            request,
            bulletin,
            lambda: services.bulletin_attachment_remove(attachment=attachment, by=request.user),
        )


class AttachmentDownloadView(CaseDataPageMixin, View):
    def get(self, request, pk: int, attachment_id: int):
        _bulletin, attachment = selectors.attachment_get_visible(request.user, pk, attachment_id)
        return attachment_file_response(attachment, request.user, channel="web")
