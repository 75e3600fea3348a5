"""Admin of core: the audit trail and the outbox read-only for superusers; the holiday overrides.

Nobody adds, changes or deletes audit events (append-only; the database refuses anyway) or outbox
rows (they change only through the relay and the consumer). Holiday overrides are configuration
that staff with the model permissions edit; every change is audited through the admin log.
Deadlines and notifications are not here: they name cases, and administrators read no case data.
"""

from django.contrib import admin

from core.models import AuditEvent, HolidayOverride, OutboxMessage


class ReadOnlySuperuserAdmin(admin.ModelAdmin):
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlySuperuserAdmin):
    list_display = [
        "id",
        "occurred_at",
        "action",
        "actor_username",
        "acting_unit_code",
        "target_type",
        "target_id",
        "client_address",
    ]
    list_filter = ["action"]
    search_fields = ["actor_username", "target_id", "request_id", "=acting_unit_code"]
    # The table grows without bound: counting it on every page would be the slowest query.
    show_full_result_count = False
    list_per_page = 100


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlySuperuserAdmin):
    list_display = [
        "id",
        "topic",
        "idempotency_key",
        "state",
        "created_at",
        "dispatch_count",
        "delivery_count",
        "attempts",
    ]
    list_filter = ["state", "topic"]
    search_fields = ["idempotency_key"]
    show_full_result_count = False


@admin.register(HolidayOverride)
class HolidayOverrideAdmin(admin.ModelAdmin):
    list_display = ["date", "name", "is_rest_day", "note"]
    list_filter = ["is_rest_day"]
    search_fields = ["name", "note"]
    date_hierarchy = "date"
    ordering = ["-date"]
