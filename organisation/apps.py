from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationConfig(AppConfig):
    name = "organisation"
    verbose_name = _("Organisation")

    def ready(self):
        from django.contrib.auth.signals import user_login_failed

        from core.audit_trail import register_auditor_scope
        from core.guards import register_roles_reader
        from organisation import escalation, inbox  # noqa: F401 (inbox registers its provider)
        from organisation.security import count_failed_login
        from organisation.selectors import auditor_event_scope, roles_held_today

        user_login_failed.connect(count_failed_login, dispatch_uid="organisation-count-failed-login")
        # Tells core's deadline scan who hears of a deadline at each escalation level.
        escalation.register()
        # Tells core's audit trail who audits which events.
        register_auditor_scope(auditor_event_scope)
        # Tells core's permission-first checks which roles a user holds today.
        register_roles_reader(roles_held_today)

        from core.steps import register_machine
        from organisation.steps import MEMBERSHIP_PROPOSAL_MACHINE, PASSWORD_RESET_MACHINE

        register_machine(MEMBERSHIP_PROPOSAL_MACHINE)
        register_machine(PASSWORD_RESET_MACHINE)
