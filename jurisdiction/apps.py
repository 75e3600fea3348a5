from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _in_question(case) -> bool:
    """Tell whether a jurisdiction proceeding is open on the case (its jurisdiction is not settled)."""
    from jurisdiction.selectors import proceeding_active_for_case

    return proceeding_active_for_case(case) is not None


class JurisdictionConfig(AppConfig):
    name = "jurisdiction"
    verbose_name = _("Jurisdiction")

    def ready(self):
        # The document kinds and resolver, the case-settlement authority, the case panel and inbox, and
        # the read rules of the models that show case data (cases.visibility).
        from cases import permissions as case_permissions
        from jurisdiction import (  # noqa: F401
            authority,
            documents,
            inbox,
            panel,
            visibility,
        )
        from jurisdiction.merger import panel as merger_panel  # noqa: F401
        from jurisdiction.merger import selectors as merger_selectors

        documents.register()
        case_permissions.register_settlement_authority(authority.may_settle_case)
        case_permissions.register_merge_authority(merger_selectors.merger_authority)
        # A case is transferred for prosecution only once its jurisdiction is settled (cases.steps).
        case_permissions.register_jurisdiction_question(_in_question)

        from core.steps import register_machine
        from jurisdiction.merger.steps import MERGER_MACHINE
        from jurisdiction.steps import PROCEEDING_MACHINE

        register_machine(PROCEEDING_MACHINE)
        register_machine(MERGER_MACHINE)
