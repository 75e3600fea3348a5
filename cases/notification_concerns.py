"""Which notifications concern a case, and whether a user may read them (core.notifications, issue 16).

Core knows no case: this module tells it. A notification about a case is read only while the user
may see the case (`case_visible_to`); one about any other object that shows case data only while
the user may see that object under its read rule in `cases.visibility` (which joins through the
case's own rule, handling code included). The pages of the cases app name their object by link.
"""

from django.apps import apps

from core import notifications

CASE = "cases.case"


def _case_ids(user, ids: list[str]):
    from cases.selectors import case_visible_to

    return (
        case_visible_to(user)
        .filter(pk__in=[int(pk) for pk in ids if pk.isdigit()])
        .values_list("pk", flat=True)
    )


def _by_case_data_rule(about_type: str):
    """Return the visible-ids check of a model with a case-data rule, or None for any other type."""
    from cases.visibility import case_data_rules

    try:
        model = apps.get_model(about_type)
    except (LookupError, ValueError):
        return None
    rule = case_data_rules().get(model)
    if rule is None:
        return None

    def visible_ids(user, ids: list[str]):
        wanted = [int(pk) for pk in ids if pk.isdigit()]
        return rule.visible_to(user).filter(pk__in=wanted).values_list("pk", flat=True)

    return visible_ids


def register() -> None:
    notifications.register_concern_type(CASE, _case_ids)
    notifications.register_concern_fallback(_by_case_data_rule)
    notifications.register_concern_url("cases:detail", CASE)
    notifications.register_concern_url("assistance:detail", "assistance.assistancerequest")
    notifications.register_concern_url("access:detail", "cases.caseaccessrequest")
