"""Pages of the shared registers: search the expert pool and the liaison register, and keep them.

Every signed-in user reads both registers (DESIGN.md: shared directories); phones and e-mail
addresses are shown only to users with an operational membership (organisation.registers
.selectors.may_see_contacts), so an auditor sees names and units but not how to reach anyone. The edit
forms are for the unit head or liaison officer of the unit concerned or of a unit above it; the
services decide, and their ValidationError is put back on the form fields.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views import View

from core.exceptions import Conflict
from core.guards import RolesFirstMixin
from core.pages import apply_errors
from organisation.models import LiaisonRole, Unit, UnitLevel, User
from organisation.registers import selectors, services
from organisation.registers.forms import (
    ExpertForm,
    ExpertSearchForm,
    LiaisonEndForm,
    LiaisonForm,
    LiaisonSearchForm,
)
from organisation.registers.selectors import EDITOR_ROLES

PAGE_SIZE = 50


def _provinces():
    return list(Unit.objects.filter(level=UnitLevel.PROVINCE).order_by("code"))


def _require_some_editorship(user) -> list[Unit]:
    units = selectors.editor_units(user)
    if not units:
        raise PermissionDenied(_("Only unit heads and liaison officers keep the registers."))
    return units


def _unit_or_error(form: forms.Form, code: str) -> Unit | None:
    unit = Unit.objects.filter(code=(code or "").strip(), is_active=True).first()
    if unit is None:
        form.add_error("unit", _("No active unit has this division code."))
    return unit


def _user_or_error(form: forms.Form, username: str) -> User | None:
    user = User.objects.filter(username=(username or "").strip(), is_active=True).first()
    if user is None:
        form.add_error("user", _("No active account has this user name."))
    return user


def _page(rows, after):
    if after:
        rows = rows.filter(pk__gt=after)
    page = list(rows[: PAGE_SIZE + 1])
    return page[:PAGE_SIZE], (page[PAGE_SIZE - 1].pk if len(page) > PAGE_SIZE else None)


# --- experts --------------------------------------------------------------------------------------


class ExpertListView(LoginRequiredMixin, View):
    """Search the expert pool (专家人才库) by specialty, province, availability and name."""

    def get(self, request):
        specialties = list(selectors.specialty_list())
        form = ExpertSearchForm(request.GET or None, specialties=specialties, provinces=_provinces())
        experts, next_after = [], None
        if not request.GET or form.is_valid():
            filters = form.cleaned_data if request.GET else {}
            rows = selectors.expert_list(
                specialty=filters.get("specialty", ""),
                region=filters.get("region", ""),
                availability=filters.get("availability", ""),
                q=filters.get("q", ""),
            )
            experts, next_after = _page(rows, filters.get("after"))
        units = selectors.editor_units(request.user)
        for expert in experts:
            expert.may_edit = selectors.may_edit_unit(request.user, expert.unit, units=units)
        query = request.GET.copy()
        query.pop("after", None)
        return render(
            request,
            "organisation/registers/expert_list.html",
            {
                "form": form,
                "experts": experts,
                "next_after": next_after,
                "query": query.urlencode(),
                "show_contacts": selectors.may_see_contacts(request.user),
                "may_add": bool(units),
            },
        )


class ExpertEditView(LoginRequiredMixin, RolesFirstMixin, View):
    """List an expert or change a listing (the unit's head or liaison officer, or a superior's)."""

    # 403 before the form is read to one who may create none (issue 16).
    write_roles = EDITOR_ROLES

    def _context(self, request, form, expert):
        return {"form": form, "expert": expert}

    def _form(self, request, expert, data=None):
        initial = None
        if expert is not None:
            initial = {
                "user": expert.user.username if expert.user_id else "",
                "external_name": expert.external_name,
                "affiliation": expert.affiliation,
                "unit": expert.unit.code if expert.unit_id else "",
                "title": expert.title,
                "specialties": [s.code for s in expert.specialties.all()],
                "availability": expert.availability,
                "phone": expert.phone,
                "email": expert.email,
                "note": expert.note,
            }
        return ExpertForm(
            data, initial=initial, specialties=list(selectors.specialty_list()), editing=expert is not None
        )

    def _expert(self, request, pk):
        units = _require_some_editorship(request.user)
        expert = selectors.expert_get(pk) if pk is not None else None
        if expert is not None and not selectors.may_edit_unit(request.user, expert.unit, units=units):
            raise PermissionDenied(
                _("Only the head or the liaison officer of the unit, or of a unit above it, may do this.")
            )
        return expert

    def get(self, request, pk=None):
        expert = self._expert(request, pk)
        return render(
            request,
            "organisation/registers/expert_form.html",
            self._context(request, self._form(request, expert), expert),
        )

    def post(self, request, pk=None):
        expert = self._expert(request, pk)
        form = self._form(request, expert, request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            unit = _unit_or_error(form, data.pop("unit"))
            username = data.pop("user")
            user = _user_or_error(form, username) if (username and expert is None) else None
            if form.is_valid() and unit is not None:
                try:
                    saved = services.expert_upsert(
                        by=request.user,
                        expert=expert,
                        **({"user": user} if user is not None else {}),
                        unit=unit,
                        **data,
                    )
                except ValidationError as error:
                    apply_errors(form, error)
                else:
                    messages.success(
                        request, _("The expert pool was updated: %(name)s.") % {"name": saved.display_name}
                    )
                    return redirect("registers:experts")
        return render(
            request,
            "organisation/registers/expert_form.html",
            self._context(request, form, expert),
            status=400,
        )


class ExpertEndView(LoginRequiredMixin, View):
    """Take an expert off the pool (POST only)."""

    http_method_names = ["post", "options"]

    def post(self, request, pk):
        expert = selectors.expert_get(pk)
        try:
            services.expert_deactivate(
                by=request.user, expert=expert, reason=request.POST.get("reason", "")[:2000]
            )
        except Conflict:
            messages.info(request, _("The expert was already off the pool."))
        else:
            messages.success(
                request, _("%(name)s was taken off the expert pool.") % {"name": expert.display_name}
            )
        return redirect("registers:experts")


# --- liaison officers -----------------------------------------------------------------------------


class LiaisonListView(LoginRequiredMixin, View):
    """Search the liaison register (联络员制度) by province and unit; current assignments by default."""

    def get(self, request):
        form = LiaisonSearchForm(request.GET or None, provinces=_provinces())
        assignments, next_after = [], None
        if not request.GET or form.is_valid():
            filters = form.cleaned_data if request.GET else {}
            unit = None
            if code := (filters.get("unit") or "").strip():
                unit = _unit_or_error(form, code)
            if not form.errors:
                rows = selectors.liaison_list(
                    region=filters.get("region", ""),
                    unit=unit,
                    current=not filters.get("include_ended", False),
                )
                assignments, next_after = _page(rows, filters.get("after"))
        units = selectors.editor_units(request.user)
        for assignment in assignments:
            assignment.may_edit = selectors.may_edit_unit(request.user, assignment.unit, units=units)
        query = request.GET.copy()
        query.pop("after", None)
        return render(
            request,
            "organisation/registers/liaison_list.html",
            {
                "form": form,
                "assignments": assignments,
                "next_after": next_after,
                "query": query.urlencode(),
                "show_contacts": selectors.may_see_contacts(request.user),
                "may_add": bool(units),
            },
        )


class LiaisonEditView(LoginRequiredMixin, RolesFirstMixin, View):
    """Name a liaison officer or deputy, or change an assignment's contact details."""

    # 403 before the form is read to one who may create none (issue 16).
    write_roles = EDITOR_ROLES

    def _assignment(self, request, pk):
        units = _require_some_editorship(request.user)
        assignment = selectors.liaison_get(pk) if pk is not None else None
        if assignment is not None and not selectors.may_edit_unit(request.user, assignment.unit, units=units):
            raise PermissionDenied(
                _("Only the head or the liaison officer of the unit, or of a unit above it, may do this.")
            )
        return assignment

    def _form(self, assignment, data=None):
        initial = {"role": LiaisonRole.PRIMARY}
        if assignment is not None:
            initial = {
                "unit": assignment.unit.code,
                "user": assignment.user.username,
                "role": assignment.role,
                "phone": assignment.phone,
                "mobile": assignment.mobile,
                "email": assignment.email,
                "valid_from": assignment.valid_from,
            }
        return LiaisonForm(data, initial=initial, editing=assignment is not None)

    def _render(self, request, form, assignment, status=200):
        return render(
            request,
            "organisation/registers/liaison_form.html",
            {
                "form": form,
                "assignment": assignment,
                "end_form": LiaisonEndForm() if assignment and assignment.valid_to is None else None,
            },
            status=status,
        )

    def get(self, request, pk=None):
        assignment = self._assignment(request, pk)
        return self._render(request, self._form(assignment), assignment)

    def post(self, request, pk=None):
        assignment = self._assignment(request, pk)
        form = self._form(assignment, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if assignment is not None:
                    saved = services.liaison_update(
                        by=request.user,
                        assignment=assignment,
                        phone=data["phone"],
                        mobile=data["mobile"],
                        email=data["email"],
                    )
                else:
                    unit = _unit_or_error(form, data["unit"])
                    user = _user_or_error(form, data["user"])
                    saved = None
                    if unit is not None and user is not None:
                        saved = services.liaison_assign(
                            by=request.user,
                            unit=unit,
                            user=user,
                            role=data["role"],
                            phone=data["phone"],
                            mobile=data["mobile"],
                            email=data["email"],
                            valid_from=data["valid_from"],
                        )
            except ValidationError as error:
                apply_errors(form, error)
            except Conflict as conflict:
                form.add_error(None, str(conflict.message))
            else:
                if saved is not None:
                    messages.success(
                        request,
                        _("The liaison register was updated: %(unit)s · %(name)s.")
                        % {"unit": saved.unit.name, "name": saved.user.display_name},
                    )
                    return redirect("registers:liaisons")
        return self._render(request, form, assignment, status=400)


class LiaisonEndView(LoginRequiredMixin, View):
    """End a liaison assignment (POST only)."""

    http_method_names = ["post", "options"]

    def post(self, request, pk):
        assignment = selectors.liaison_get(pk)
        form = LiaisonEndForm(request.POST)
        if form.is_valid():
            try:
                services.liaison_end(
                    by=request.user,
                    assignment=assignment,
                    valid_to=form.cleaned_data["valid_to"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                apply_errors(form, error)
            except Conflict:
                messages.info(request, _("The assignment had already ended."))
                return redirect("registers:liaisons")
            else:
                messages.success(
                    request,
                    _("The assignment of %(name)s at %(unit)s was ended.")
                    % {"name": assignment.user.display_name, "unit": assignment.unit.name},
                )
                return redirect("registers:liaisons")
        if not selectors.may_edit_unit(request.user, assignment.unit):
            raise PermissionDenied
        return render(
            request,
            "organisation/registers/liaison_form.html",
            {"form": LiaisonEditView()._form(assignment), "assignment": assignment, "end_form": form},
            status=400,
        )
