from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases")

    def ready(self):
        from cases import inbox  # noqa: F401 - registers the cases inbox provider
        from organisation.signals import units_reorganised

        units_reorganised.connect(_refresh_party_paths, dispatch_uid="cases-refresh-party-paths")


def _refresh_party_paths(sender, codes, **kwargs):
    # Case parties keep a copy of their unit's path for indexed visibility look-ups.
    from cases.services import case_party_paths_refresh

    case_party_paths_refresh()
