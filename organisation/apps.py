from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationConfig(AppConfig):
    name = "organisation"
    verbose_name = _("Organisation")

    def ready(self):
        from django.contrib.auth.signals import user_login_failed

        from organisation import escalation
        from organisation.security import count_failed_login

        user_login_failed.connect(count_failed_login, dispatch_uid="organisation-count-failed-login")
        # Tells core's deadline scan who hears of a deadline at each escalation level.
        escalation.register()
