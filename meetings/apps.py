from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Meetings")

    def ready(self):
        # Outbox handlers (invitations, the briefing's recomputation), periodic jobs, inbox kinds,
        # deadline describers, document kinds and the jurisdiction authority a resolution carries.
        from meetings import (  # noqa: F401
            action_items,
            briefing,
            case_rules,
            documents,
            inbox,
            invitations,
            reminders,
            resolutions,
            signals,
        )

        documents.register()
        resolutions.register()
        case_rules.register()
        # Directives on a series' behalf come from its duty unit (bulletins cannot import meetings).
        from bulletins import authority as bulletin_authority
        from meetings.selectors import series_bulletin_issuer

        bulletin_authority.register_series_issuer(series_bulletin_issuer)

        from core.steps import register_machine
        from meetings.steps import ACTION_ITEM_MACHINE, MEETING_MACHINE, MINUTES_MACHINE, NORMATIVE_MACHINE

        for machine in (MEETING_MACHINE, MINUTES_MACHINE, ACTION_ITEM_MACHINE, NORMATIVE_MACHINE):
            register_machine(machine)
