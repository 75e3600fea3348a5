"""Whose head approves a request the law gives to an organ of a named level (MPS-2020 arts 238, 239, 243).

A property inquiry and a freeze need the head of a county-level or higher organ; freezing equity or
insurance rights, or deposits for a year in a major case, a city-level (设区的市一级) one; freezing
listed-company equity a provincial one. When the requesting unit's level is too low, the submission
routes the approval up to the head of its superior organ of the needed level, as a designation
request goes up (层报), and says why.
"""

from django.utils.translation import gettext_lazy as _

from cases.assistance_kinds import ApprovalRule, OrganLevel
from organisation.models import Unit, UnitLevel

LEVELS = {
    OrganLevel.COUNTY: UnitLevel.COUNTY,
    OrganLevel.CITY: UnitLevel.PREFECTURE,
    OrganLevel.PROVINCE: UnitLevel.PROVINCE,
}
LEVEL_LABELS = {
    OrganLevel.COUNTY: _("a county-level or higher organ"),
    OrganLevel.CITY: _("a city-level (设区的市一级) or higher organ"),
    OrganLevel.PROVINCE: _("a provincial or higher organ"),
}


def approving_organ(unit: Unit, rule: ApprovalRule | None) -> Unit:
    """Return the organ whose head approves: the unit itself if its level suffices, else its nearest
    superior that is of the needed level (the unit itself when it has none, a data error)."""
    if rule is None:
        return unit
    level = LEVELS[rule.level]
    if unit.level <= level:
        return unit
    return Unit.objects.ancestors_of(unit).filter(level__lte=level).order_by("-level").first() or unit


def routing_note(rule: ApprovalRule, organ: Unit) -> str:
    """Say which level the approval needs and where it went (the step's and the timeline's reason)."""
    return str(
        _("The approval needs the head of %(level)s (%(citation)s): it goes to the head of %(unit)s.")
        % {"level": LEVEL_LABELS[rule.level], "citation": rule.citation, "unit": organ.name}
    )
