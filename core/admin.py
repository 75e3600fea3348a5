"""Admin of core: the audit trail and the outbox as metadata for superusers; the holiday overrides.

Nobody adds, changes or deletes audit events (append-only; the database refuses anyway) or outbox
rows (they change only through the relay and the consumer). Holiday overrides are configuration
that staff with the model permissions edit; every change is audited through the admin log.
Deadlines and notifications are not here: they name cases, and administrators read no case data.

Payloads are not shown (issue 16 leak 6): an audit event's payload holds search queries, ID
numbers and stated purposes, an outbox message's case numbers and names, a failed delivery's error
text whatever the consumer had in hand. The administrator sees what happened, when, by whom and to
which object; the content is for the auditor (/audit/). METADATA_ONLY names every field an admin
page may show of these models, and tests/core/test_admin.py holds every registered admin to it.
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

    def lookup_allowed(self, lookup, value, request=None):
        # Django allows a filter on any local field from the query string; on the payload that
        # would be an oracle (?payload__icontains=<an ID number>) for the content not shown.
        if lookup.split("__")[0] not in METADATA_ONLY.get(self.model, ()):
            return False
        return super().lookup_allowed(lookup, value, request)


# The fields of each model an admin page may show: what happened, when, who, to which object.
METADATA_ONLY = {
    AuditEvent: (
        "id",
        "occurred_at",
        "action",
        "actor_id",
        "actor_username",
        "acting_unit_code",
        "target_type",
        "target_id",
        "request_id",
        "client_address",
        "prev_hash",
        "hash",
    ),
    OutboxMessage: (
        "id",
        "topic",
        "idempotency_key",
        "state",
        "created_at",
        "dispatched_at",
        "dispatch_count",
        "delivered_at",
        "delivery_count",
        "attempts",
    ),
}


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
    fields = [name for name in METADATA_ONLY[AuditEvent] if name != "id"]
    list_filter = ["action"]
    search_fields = ["actor_username", "=target_id", "=request_id", "=acting_unit_code"]
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
    fields = [name for name in METADATA_ONLY[OutboxMessage] if name != "id"]
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
