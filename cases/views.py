"""Pages of cases: the list, intake, the case page with its facts, timeline and next steps.

Thin adapters over cases.selectors and cases.services, like the API. Every page needs a sign-in
and an operational role (auditors and system administrators are shown why they see nothing), and
reads cases only through `case_visible_to`: a case the user may not see is 404 on every page.
The case page shows identity numbers and phones in full and audits each showing, as the API does.

The fact forms post to their own pages, so they work without JavaScript (an error re-renders the
bound form there); with htmx the form on the case page swaps in place and a success reloads the page.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django_htmx.http import HttpResponseClientRefresh

from cases import dossiers, permissions, selectors, services
from cases.filters import CaseFilter
from cases.forms import CaseCreateForm, CaseFilterForm, LocationForm, PersonForm
from cases.models import Case, CaseState, PartyRole, PersonRole
from cases.panels import CaseAction, panels_for
from cases.steps import CASE_MACHINE
from core.exceptions import Conflict
from core.identity import mask_id_number, mask_phone
from core.ids import id_or_none
from core.pages import StepView, apply_errors, next_steps
from core.workflow import timeline_for
from organisation.models import Unit
from organisation.pages import CaseDataPageMixin
from organisation.standing import user_standing

PAGE_SIZE = 50

TIMELINE_LABELS = {
    **{step.name: step.label for step in CASE_MACHINE.steps},
    # Transitions that are no step of the case: the effects of a jurisdiction proceeding and of a
    # merger, and the closing of a question opened by the case's former step of its own.
    "open_jurisdiction_question": gettext_lazy("Put the jurisdiction in question"),
    "settle_jurisdiction": gettext_lazy("Settle the jurisdiction"),
    "merge_into": gettext_lazy("Merged into another case (并案侦查)"),
    "jurisdiction_question_dropped": gettext_lazy("Jurisdiction question closed without a proceeding"),
    "created": gettext_lazy("Draft opened"),
    "updated": gettext_lazy("Case details changed"),
    "location_added": gettext_lazy("Place added"),
    "location_updated": gettext_lazy("Place changed"),
    "location_removed": gettext_lazy("Place removed"),
    "person_added": gettext_lazy("Person added"),
    "person_updated": gettext_lazy("Person changed"),
    "person_removed": gettext_lazy("Person removed"),
    "related_match": gettext_lazy("Possible related case found"),
    "deadline_escalated": gettext_lazy("Deadline reminder or escalation"),
    "merger_proposed": gettext_lazy("Merged investigation proposed (并案侦查)"),
    "merged": gettext_lazy("Another case merged into this one"),
}
STATE_LABELS = dict(CaseState.choices)


def _creatable_units(user) -> list[Unit]:
    """Return the units in which the user may open a case (investigator or department head)."""
    standing = user_standing(user)
    unit_ids = [unit_id for unit_id in standing.unit_ids if standing.holds(unit_id, permissions.CREATORS)]
    return list(Unit.objects.filter(pk__in=unit_ids).order_by("code"))


# --- the list ------------------------------------------------------------------------------------


class CaseListView(CaseDataPageMixin, View):
    """The cases the user may see, newest first, filtered; persons masked; a page at a time."""

    explain_no_access = True

    def get(self, request):
        offences = list(selectors.offence_list())
        form = CaseFilterForm(request.GET or None, offences=offences)
        filters = {}
        if form.is_valid():
            filters = {key: value for key, value in form.cleaned_data.items() if value not in (None, "")}
        # The API's filter set too, so the page and its CSV export select the same rows.
        cases = CaseFilter(data=filters, queryset=selectors.case_list_visible_to(request.user)).qs
        before = id_or_none(request.GET.get("before", ""))
        if before is not None:
            cases = cases.filter(pk__lt=before)
        page = list(cases.order_by("-id")[: PAGE_SIZE + 1])
        has_more = len(page) > PAGE_SIZE
        # The page shows these cases: those only a grant opens are grant uses (issue 16).
        page = selectors.cases_shown(request.user, page[:PAGE_SIZE], path=request.path)
        for case in page:
            # Lists show identities masked only; the full numbers never reach the template.
            for person in case.suspects:
                person.masked_id = mask_id_number(person.id_number) if person.id_number else ""
                person.masked_phones = [mask_phone(phone.number) for phone in person.phones.all()]
        query = request.GET.copy()
        query.pop("before", None)
        return render(
            request,
            "cases/case_list.html",
            {
                "form": form,
                "cases": page,
                "filtered": bool(filters),
                "query": query.urlencode(),
                "older_than": page[-1].pk if has_more else None,
                "is_first_page": before is None,
                "may_create": bool(_creatable_units(request.user)),
                "export_url": reverse("api:case-export") + (f"?{query.urlencode()}" if query else ""),
            },
        )


# --- intake --------------------------------------------------------------------------------------


class CaseCreateView(CaseDataPageMixin, View):
    """Intake: open a draft case; its places and persons are added on the case page."""

    explain_no_access = True

    def _form(self, request, data=None):
        return CaseCreateForm(
            data, units=self.units, offences=selectors.offence_list(), charges=list(selectors.charge_list())
        )

    def dispatch(self, request, *args, **kwargs):
        self.units = _creatable_units(request.user) if request.user.is_authenticated else []
        return super().dispatch(request, *args, **kwargs)

    def _render(self, request, form, status=200):
        return render(request, "cases/case_new.html", {"form": form, "units": self.units}, status=status)

    def get(self, request):
        return self._render(request, self._form(request), status=200 if self.units else 403)

    def post(self, request):
        if not self.units:
            return self._render(request, self._form(request), status=403)
        form = self._form(request, request.POST)
        if form.is_valid():
            values = form.cleaned_data
            accepting_unit = next(unit for unit in self.units if unit.pk == values["accepting_unit"])
            try:
                case = services.case_create(
                    by=request.user,
                    accepting_unit=accepting_unit,
                    name=values["name"],
                    offence=values["offence"],
                    summary=values["summary"],
                    external_number=values["external_number"],
                    handling_code=values["handling_code"],
                    source_reliability=values["source_reliability"],
                    information_accuracy=values["information_accuracy"],
                    charges=values["charges"],
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(
                    request, _("Draft opened. Add the places and persons, then register the case.")
                )
                return redirect("cases:detail", pk=case.pk)
        return self._render(request, form, status=400)


# --- the case page -------------------------------------------------------------------------------


def _timeline(case: Case) -> list:
    entries = list(timeline_for(case))
    for entry in entries:
        entry.label = TIMELINE_LABELS.get(entry.action, entry.action)
        entry.from_label = STATE_LABELS.get(entry.from_state, entry.from_state)
        entry.to_label = STATE_LABELS.get(entry.to_state, entry.to_state)
    return entries


def _case_actions(case: Case, panels) -> list[CaseAction]:
    """Return the case's next actions that are no step: the apps' (assistance) and its own facts."""
    actions = [action for panel in panels for action in panel.actions]
    if case.can_edit:
        actions.append(
            CaseAction(
                gettext_lazy("Add a place"),
                reverse("cases:location-new", args=[case.pk]),
                gettext_lazy("Where the conduct, the result and the losses happened (MPS-2020 arts 16–18)."),
            )
        )
        actions.append(CaseAction(gettext_lazy("Add a person"), reverse("cases:person-new", args=[case.pk])))
    return actions


def case_page_context(request, case: Case, *, bound=None, bound_step: str = "", **extra) -> dict:
    """Gather the case page; what showing the case in full records is the API's (services.case_show)."""
    user = request.user
    services.case_show(case=case, by=user, path=request.path)
    groups = [
        {"role": role, "label": label, "persons": [p for p in case.person_list if p.role == role]}
        for role, label in PersonRole.choices
    ]
    offers = next_steps(
        CASE_MACHINE,
        case,
        user,
        url_for=lambda name: reverse("cases:transition", args=[case.pk, name]),
        bound=bound,
        bound_step=bound_step,
    )
    panels = panels_for(case, user)
    context = {
        "case": case,
        "can_edit": case.can_edit,
        # With no step of the case open to the user, the panel offers the case's other next actions
        # (ask another unit for assistance, add a place or a person) instead of "nothing to do".
        "actions": [] if any(offer.enabled for offer in offers) else _case_actions(case, panels),
        "assisting_parties": [party for party in case.party_list if party.role == PartyRole.ASSISTING],
        "person_groups": [group for group in groups if group["persons"]],
        "offers": offers,
        "timeline": _timeline(case),
        "related_cases": case.related,
        "panels": panels,
        "location_form": LocationForm(auto_id="id_location_%s"),
        "person_form": PersonForm(auto_id="id_person_%s"),
    }
    context.update(extra)
    return context


def _render_case(request, case: Case, *, status: int = 200, **extra):
    return render(request, "cases/case_detail.html", case_page_context(request, case, **extra), status=status)


class CaseDetailView(CaseDataPageMixin, View):
    explain_no_access = True

    def get(self, request, pk: int):
        return _render_case(request, selectors.case_get_visible(request.user, pk))


class CaseStepView(CaseDataPageMixin, StepView):
    """Take one step of the case; a stale form (someone moved the case on) answers 409 with the state."""

    machine = CASE_MACHINE

    def get_object(self, request, pk: int):
        return selectors.case_get_visible(request.user, pk)

    def render_object(self, request, instance, *, status, bound=None, bound_step=""):
        return _render_case(request, instance, status=status, bound=bound, bound_step=bound_step)

    def success_url(self, request, instance) -> str:
        return reverse("cases:detail", args=[instance.pk])

    def still_visible(self, request, instance) -> bool:
        # A step may take the case out of the user's sight.
        return selectors.case_visible_to(request.user).filter(pk=instance.pk).exists()

    def gone_url(self, request, instance) -> str:
        return reverse("cases:list")

    def refused_message(self) -> str:
        return _("You may not take this step on this case.")

    def conflict_message(self, instance) -> str:
        return _(
            "The case was changed by someone else and is now “%(state)s”. Check it and choose again."
        ) % {"state": instance.get_state_display()}


# --- facts ---------------------------------------------------------------------------------------


class FactFormView(CaseDataPageMixin, View):
    """Add a place or a person: the form's own page, or posted from the case page (htmx or not)."""

    form_class: type = LocationForm
    prefix = ""
    template_name = ""
    partial_name = ""
    success_message = ""
    anchor = ""

    def add(self, *, case: Case, by, data: dict):
        raise NotImplementedError

    def _case(self, request, pk: int) -> Case:
        case = selectors.case_get_visible(request.user, pk)
        if not (case.is_editable and permissions.may_edit(case, request.user)):
            raise PermissionDenied
        return case

    def _render(self, request, case: Case, form, status: int = 200):
        context = {"case": case, "form": form}
        template = self.partial_name if request.htmx else self.template_name
        # htmx swaps only 2xx answers: an invalid form comes back as 200 in place.
        return render(request, template, context, status=200 if request.htmx else status)

    def get(self, request, pk: int):
        case = self._case(request, pk)
        return self._render(request, case, self.form_class(auto_id=f"id_{self.prefix}_%s"))

    def post(self, request, pk: int):
        case = self._case(request, pk)
        form = self.form_class(request.POST, auto_id=f"id_{self.prefix}_%s")
        if form.is_valid():
            try:
                self.add(case=case, by=request.user, data=form.to_data())
            except ValidationError as error:
                apply_errors(form, error)
            except Conflict as conflict:
                form.add_error(None, str(conflict.message))
            else:
                messages.success(request, self.success_message)
                if request.htmx:
                    # A redirect to the same page with only a new #fragment would not reload it.
                    return HttpResponseClientRefresh()
                return HttpResponseRedirect(reverse("cases:detail", args=[case.pk]) + self.anchor)
        return self._render(request, case, form, status=400)


class LocationCreateView(FactFormView):
    form_class = LocationForm
    prefix = "location"
    template_name = "cases/location_form.html"
    partial_name = "cases/_location_form.html"
    success_message = gettext_lazy("Place added.")
    anchor = "#places"

    def add(self, *, case, by, data):
        return services.case_location_add(case=case, by=by, data=data)


class PersonCreateView(FactFormView):
    form_class = PersonForm
    prefix = "person"
    template_name = "cases/person_form.html"
    partial_name = "cases/_person_form.html"
    success_message = gettext_lazy("Person added.")
    anchor = "#persons"

    def add(self, *, case, by, data):
        return services.case_person_add(case=case, by=by, data=data)


class FactRemoveView(CaseDataPageMixin, View):
    """Remove a place or a person (POST), back to the case page."""

    http_method_names = ["post", "options"]
    kind = "location"

    def post(self, request, pk: int, **kwargs):
        case = selectors.case_get_visible(request.user, pk)
        related = case.locations if self.kind == "location" else case.persons
        item = related.filter(pk=kwargs[f"{self.kind}_id"]).first()
        if item is None:
            raise Http404
        try:
            if self.kind == "location":
                services.case_location_remove(location=item, by=request.user)
                messages.success(request, _("Place removed."))
            else:
                services.case_person_remove(person=item, by=request.user)
                messages.success(request, _("Person removed."))
        except PermissionDenied:
            messages.error(request, _("You may not edit this case."))
        except Conflict as conflict:
            messages.error(request, str(conflict.message))
        anchor = "#places" if self.kind == "location" else "#persons"
        return HttpResponseRedirect(reverse("cases:detail", args=[case.pk]) + anchor)


# --- the case dossier ----------------------------------------------------------------------------


class DossierCreateView(CaseDataPageMixin, View):
    """Queue the dossier; with htmx answer the panel's progress in place, else go back to the case."""

    def post(self, request, pk: int):
        case = selectors.case_get_visible(request.user, pk)
        dossier = dossiers.dossier_request(case=case, by=request.user, path=request.path)
        dossier.case = case
        if request.htmx:
            return render(
                request, "cases/dossier_progress.html", {"case": case, "dossier": dossier}, status=202
            )
        return HttpResponseRedirect(f"{reverse('cases:detail', args=[case.pk])}#dossier")


class DossierProgressView(CaseDataPageMixin, View):
    """The progress partial the panel polls; it stops polling itself once the dossier is finished."""

    def get(self, request, pk: int, dossier_id: int):
        dossier = dossiers.dossier_get_visible(request.user, pk, dossier_id, path=request.path)
        return render(request, "cases/dossier_progress.html", {"case": dossier.case, "dossier": dossier})


class DossierFileView(CaseDataPageMixin, View):
    """Download the finished dossier (audited); 404 for anyone but its requester seeing the case."""

    def get(self, request, pk: int, dossier_id: int):
        dossier = dossiers.dossier_get_visible(request.user, pk, dossier_id, path=request.path)
        dossiers.dossier_download(dossier=dossier, by=request.user, channel="web")
        return FileResponse(
            dossier.file.open("rb"),
            as_attachment=True,
            filename=f"dossier-{dossier.case_id}-{dossier.pk}.pdf",
            content_type="application/pdf",
        )
