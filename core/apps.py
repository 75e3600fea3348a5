from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Core")

    def ready(self):
        # Receivers for auth and admin audit, the holiday-calendar check (core.W001), the deadline
        # scan job and the notification.deliver outbox handler register themselves on import.
        from core import checks, deadline_rows, notifications, receivers  # noqa: F401
