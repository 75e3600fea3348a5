from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BulletinsConfig(AppConfig):
    name = "bulletins"
    verbose_name = _("Bulletins and directives")

    def ready(self):
        # The inbox kinds and the deadline scan's view of a recipient (describer, liaison officers).
        from bulletins import case_rules, inbox, services  # noqa: F401

        case_rules.register()

        from bulletins.steps import BULLETIN_MACHINE, RECIPIENT_MACHINE
        from core.steps import register_machine

        register_machine(BULLETIN_MACHINE)
        register_machine(RECIPIENT_MACHINE)
