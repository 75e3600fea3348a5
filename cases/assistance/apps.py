from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistanceConfig(AppConfig):
    """Assistance requests (办案协作) between units, part of the cases layer."""

    name = "cases.assistance"
    label = "assistance"
    verbose_name = _("Assistance requests")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Registers the inbox providers, the case-page panel, the dossier source and the documents'
        # access resolver and external approval; the requests' read rule (cases.visibility); the
        # machines of a request and of a property measure (core.steps).
        from cases.assistance import (  # noqa: F401
            case_panel,
            documents,
            documents_bridge,
            dossier_source,
            inbox,
            read_rules,
        )

        documents_bridge.register()
        documents.register()

        from cases.assistance.steps import MEASURE_MACHINE, REQUEST_MACHINE
        from core.steps import register_machine

        register_machine(REQUEST_MACHINE)
        register_machine(MEASURE_MACHINE)
