"""The documents of a case's assistance requests go into its dossier (cases.dossiers registry).

Imported from AssistanceConfig.ready(), so cases never imports cases.assistance at module level.
"""

from cases import dossiers

REQUEST_LINK = "assistance.request"


def request_documents(case) -> tuple[str, list[int]]:
    """Name the link type and the ids of the case's assistance requests."""
    from cases.assistance.models import AssistanceRequest

    return REQUEST_LINK, list(AssistanceRequest.objects.filter(case=case).values_list("pk", flat=True))


dossiers.register_source(REQUEST_LINK, request_documents)
