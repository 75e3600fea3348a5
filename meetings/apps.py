from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Meetings")

    def ready(self):
        # Outbox handlers, periodic jobs, inbox kinds, deadline describers, document kinds and the
        # jurisdiction authority a published resolution carries.
        from meetings import (  # noqa: F401
            action_items,
            documents,
            inbox,
            invitations,
            reminders,
            resolutions,
            signals,
        )

        documents.register()
        resolutions.register()
