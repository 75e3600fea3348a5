"""Admin for accounts, units, departments and memberships (staff only; nothing about case data).

Separation of duties (等级保护 level 3): the administrator manages accounts but grants no role
alone. A role is *proposed* here (membership proposals) and put in force by a second person, a unit
head of the unit or a security officer, on the proposals page or through the API; memberships
themselves are read-only here except for ending them. Every refusal is audited by the one service
path (organisation.services.membership_check).
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from core import audit
from organisation.models import (
    Department,
    Membership,
    MembershipProposal,
    PasswordResetRequest,
    Unit,
    UnitLevel,
    User,
)
from organisation.services import (
    MembershipRefused,
    PasswordChangeRefused,
    membership_check,
    membership_end,
    membership_propose,
    password_change_check,
    password_reset_request,
)


class MembershipInline(admin.TabularInline):
    """The user's memberships, read-only: roles are granted through proposals and a second person."""

    model = Membership
    fk_name = "user"  # Membership also points at User through acting_for
    extra = 0
    fields = ("unit", "department", "role", "valid_from", "valid_to", "is_acting", "acting_for")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class UserChangeForm(BaseUserAdmin.form):
    """Refuse (and audit) making an account that holds a role an administrator."""

    def clean(self):
        cleaned = super().clean()
        user = self.instance
        if user.pk is None or not (cleaned.get("is_staff") or cleaned.get("is_superuser")):
            return cleaned
        held = Membership.objects.filter(user_id=user.pk).not_ended().values_list("role", "unit__code")
        if held:
            role, unit_code = held[0]
            audit.record(
                action="organisation.membership_refused",
                actor=self.request_user,
                acting_unit_code=unit_code,
                target=user,
                payload={
                    "channel": "admin",
                    "username": user.username,
                    "unit": unit_code,
                    "role": role,
                    "reason": "administrator flag on an account that holds a role",
                },
            )
            raise ValidationError(
                _("An account that holds a role cannot be made an administrator; end its roles first.")
            )
        return cleaned


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("full_name", "police_number", "phone", "email")}),
        (
            _("Permissions"),
            {
                "fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions"),
                "description": _(
                    "Staff and superuser status manage accounts only; they never open case data."
                ),
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "full_name", "password1", "password2")}),
    )
    list_display = ("username", "full_name", "police_number", "is_active", "is_staff", "last_login")
    list_filter = ("is_active", "is_staff", "is_superuser")
    search_fields = ("username", "full_name", "police_number", "email")
    ordering = ("username",)
    inlines = (MembershipInline,)
    form = UserChangeForm

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.request_user = request.user
        return form

    def user_change_password(self, request, id, form_url=""):
        # Separation of duties: the password of an account that holds a role is reset only through
        # an approved request (PasswordResetRequestAdmin), never set here; refused and audited.
        user = self.get_object(request, unquote(id))
        if user is not None:
            try:
                password_change_check(by=request.user, user=user, channel="admin")
            except PasswordChangeRefused as exc:
                raise PermissionDenied(exc.messages[0]) from None
        return super().user_change_password(request, id, form_url)


class ProvinceFilter(admin.SimpleListFilter):
    title = _("province")
    parameter_name = "province"

    def lookups(self, request, model_admin):
        return Unit.objects.filter(level=UnitLevel.PROVINCE).values_list("code", "name")

    def queryset(self, request, queryset):
        return queryset.filter(province_code=self.value()) if self.value() else queryset


class DepartmentInline(admin.TabularInline):
    model = Department
    extra = 0
    fields = ("kind", "name", "code_prefix", "is_active")
    show_change_link = True


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "code_prefix", "is_remote", "is_active")
    list_filter = ("level", ProvinceFilter, "is_remote", "is_active", "name_overridden")
    search_fields = ("name", "code", "division_name")
    list_select_related = ("parent",)
    readonly_fields = ("code", "division_name", "level", "parent", "path", "province_code", "is_active")
    fields = (
        "code",
        "name",
        "name_overridden",
        "division_name",
        "level",
        "parent",
        "path",
        "province_code",
        "code_prefix",
        "is_remote",
        "intake_department",
        "is_active",
    )
    inlines = (DepartmentInline,)

    def has_add_permission(self, request):
        # The tree comes from organisation/data/units.csv (load_organisation); a unit added here
        # would be deactivated by the next reload.
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # units are deactivated, never deleted: cases and documents point at them

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "intake_department":
            unit_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            kwargs["queryset"] = Department.objects.filter(unit_id=unit_id, is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        # A name edited here must survive the next reload of the organisation data.
        if change and "name" in form.changed_data:
            obj.name_overridden = True
        super().save_model(request, obj, form, change)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("__str__", "kind", "code_prefix", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "unit__name", "unit__code")
    list_select_related = ("unit",)
    autocomplete_fields = ("unit",)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Memberships, read-only but for ending one: taking a role away needs no second person."""

    list_display = ("user", "unit", "department", "role", "valid_from", "valid_to", "is_acting")
    list_filter = ("role", "is_acting")
    search_fields = ("user__username", "user__full_name", "unit__name", "unit__code")
    list_select_related = ("user", "unit", "department__unit")
    date_hierarchy = "valid_from"
    fields = ("user", "unit", "department", "role", "valid_from", "valid_to", "is_acting", "acting_for")
    readonly_fields = ("user", "unit", "department", "role", "valid_from", "is_acting", "acting_for")

    def has_add_permission(self, request):
        return False  # a role is proposed (membership proposals) and approved by a second person

    def has_delete_permission(self, request, obj=None):
        return False  # ended, never deleted: the audit trail and timelines name it

    def save_model(self, request, obj, form, change):
        if change and "valid_to" in form.changed_data:
            if obj.valid_to is None:
                raise ValidationError(_("A role is extended by a new proposal."))
            membership_end(by=request.user, membership=obj, last_day=obj.valid_to)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        class EndOnlyForm(form):
            def clean_valid_to(self):
                last_day = self.cleaned_data.get("valid_to")
                current = self.instance.valid_to
                if last_day is None and current is not None:
                    raise ValidationError(
                        _("A role is extended by a new proposal, not by removing its end date.")
                    )
                if last_day is not None and current is not None and last_day > current:
                    raise ValidationError(
                        _("A role is extended by a new proposal, not by moving its end date later.")
                    )
                return last_day

        return EndOnlyForm


class MembershipProposalForm(forms.ModelForm):
    request_user = None

    class Meta:
        model = MembershipProposal
        fields = (
            "user",
            "unit",
            "department",
            "role",
            "valid_from",
            "valid_to",
            "is_acting",
            "acting_for",
            "reason",
        )

    def clean(self):
        cleaned = super().clean()
        user, role = cleaned.get("user"), cleaned.get("role")
        if user is not None and role:
            try:
                membership_check(
                    by=self.request_user, user=user, role=role, unit=cleaned.get("unit"), channel="admin"
                )
            except MembershipRefused as exc:
                raise ValidationError(exc.messages) from None
        department, unit = cleaned.get("department"), cleaned.get("unit")
        if department is not None and unit is not None and department.unit_id != unit.pk:
            self.add_error("department", _("The department is not one of the unit's."))
        if cleaned.get("is_acting") and not cleaned.get("valid_to"):
            self.add_error("valid_to", _("An acting membership needs an end date."))
        return cleaned


@admin.register(MembershipProposal)
class MembershipProposalAdmin(admin.ModelAdmin):
    """Propose a role; a unit head of the unit or a security officer approves it, never the proposer."""

    form = MembershipProposalForm
    list_display = ("user", "unit", "role", "valid_from", "valid_to", "state", "proposed_by", "decided_by")
    list_filter = ("state", "role")
    search_fields = ("user__username", "user__full_name", "unit__name", "unit__code")
    list_select_related = ("user", "unit", "proposed_by", "decided_by")
    autocomplete_fields = ("user", "unit", "department", "acting_for")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return (
            *MembershipProposalForm.Meta.fields,
            "state",
            "proposed_by",
            "decided_by",
            "decided_at",
            "decision_note",
            "membership",
        )

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj) or MembershipProposalForm.Meta.fields

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.request_user = request.user
        return form

    def save_model(self, request, obj, form, change):
        if change:
            return
        data = form.cleaned_data
        proposal = membership_propose(
            by=request.user,
            user=data["user"],
            unit=data["unit"],
            role=data["role"],
            reason=data["reason"],
            department=data.get("department"),
            valid_from=data.get("valid_from"),
            valid_to=data.get("valid_to"),
            is_acting=data.get("is_acting", False),
            acting_for=data.get("acting_for"),
        )
        obj.pk, obj.state, obj.proposed_by, obj.proposed_at = (
            proposal.pk,
            proposal.state,
            proposal.proposed_by,
            proposal.proposed_at,
        )


class PasswordResetRequestForm(forms.ModelForm):
    request_user = None

    class Meta:
        model = PasswordResetRequest
        fields = ("user", "reason")


@admin.register(PasswordResetRequest)
class PasswordResetRequestAdmin(admin.ModelAdmin):
    """Request a reset of a role holder's password; a security officer or the unit head approves it.

    The temporary password is shown to the approver only, never here.
    """

    form = PasswordResetRequestForm
    list_display = ("user", "state", "requested_by", "requested_at", "decided_by", "decided_at")
    list_filter = ("state",)
    search_fields = ("user__username", "user__full_name")
    list_select_related = ("user", "requested_by", "decided_by")
    autocomplete_fields = ("user",)
    _decided = ("state", "requested_by", "requested_at", "decided_by", "decided_at", "decision_note")

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("user", "reason", *self._decided)

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj) or PasswordResetRequestForm.Meta.fields

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        class RequestForm(form):
            def clean(self):
                cleaned = super().clean()
                user = cleaned.get("user")
                if user is not None and not self.errors:
                    try:
                        self._reset = password_reset_request(
                            by=request.user, user=user, reason=cleaned.get("reason") or ""
                        )
                    except ValidationError as exc:
                        raise ValidationError(exc.messages) from None
                return cleaned

        return RequestForm

    def save_model(self, request, obj, form, change):
        if change:
            return
        reset = form._reset  # created, checked and audited by the service in clean()
        obj.pk, obj.state, obj.requested_by, obj.requested_at = (
            reset.pk,
            reset.state,
            reset.requested_by,
            reset.requested_at,
        )
