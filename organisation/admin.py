"""Admin for accounts, units, departments and memberships (staff only; nothing about case data)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from organisation.models import Department, Membership, Unit, UnitLevel, User


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"  # Membership also points at User through acting_for
    extra = 0
    fields = ("unit", "department", "role", "valid_from", "valid_to", "is_acting", "acting_for")
    autocomplete_fields = ("unit", "department", "acting_for")


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
    list_display = ("user", "unit", "department", "role", "valid_from", "valid_to", "is_acting")
    list_filter = ("role", "is_acting")
    search_fields = ("user__username", "user__full_name", "unit__name", "unit__code")
    list_select_related = ("user", "unit", "department__unit")
    autocomplete_fields = ("user", "unit", "department", "acting_for")
    date_hierarchy = "valid_from"
