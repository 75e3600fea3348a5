from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases")

    def ready(self):
        # The cases inbox provider; the dossier outbox handler, Celery task and case panel; access
        # requests' inbox kind, document resolver and grant-expiry job; the read rules of the models
        # that show case data (cases.visibility).
        from cases import dossiers, inbox, notification_concerns, read_rules  # noqa: F401
        from cases.access import inbox as access_inbox  # noqa: F401
        from cases.access import services as access_services  # noqa: F401

        # Notifications about a case (or an object showing one) are read under the case's rule.
        notification_concerns.register()
        # The 立案决定书 kind, and the filing step as the approval of the documents linked to a case.
        from cases import documents as case_documents

        case_documents.register()
        from organisation.signals import units_reorganised

        units_reorganised.connect(_refresh_party_paths, dispatch_uid="cases-refresh-party-paths")

        from cases.access.steps import ACCESS_REQUEST_MACHINE
        from cases.steps import CASE_MACHINE
        from core.steps import register_machine

        register_machine(CASE_MACHINE)
        register_machine(ACCESS_REQUEST_MACHINE)


def _refresh_party_paths(sender, codes, **kwargs):
    # Case parties keep a copy of their unit's path for indexed visibility look-ups.
    from cases.services import case_party_paths_refresh

    case_party_paths_refresh()
