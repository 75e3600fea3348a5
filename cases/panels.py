"""Sections that apps built on cases add to the case page, registered in their AppConfig.ready().

The case page stays ignorant of what lies above it (assistance requests now, jurisdiction
proceedings later): each provider returns a template and its context for a case and a user, or
None when it has nothing to show that user.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from core.registry import Registry


@dataclass(frozen=True)
class CaseAction:
    """A next action on the case that is no transition (ask another unit for assistance, say).

    The case page's "next steps" panel offers it when no step of the case is open to the user, so
    that the panel never says there is nothing to do while there is (issue 20).
    """

    label: object
    url: str
    help: object = ""


@dataclass(frozen=True)
class CasePanel:
    template: str
    context: dict = field(default_factory=dict)
    order: int = 100
    actions: tuple[CaseAction, ...] = ()


PanelProvider = Callable[[object, object], CasePanel | None]
_providers: Registry[str, PanelProvider] = Registry("case page panels")


def register(name: str) -> Callable[[PanelProvider], PanelProvider]:
    """Return a decorator that registers a case-page panel provider under `name`."""
    return _providers.entry(name)


def panels_for(case, user) -> list[CasePanel]:
    """Collect the panels every registered provider has for this case and user, in their order."""
    panels = [panel for provider in _providers.values() if (panel := provider(case, user)) is not None]
    return sorted(panels, key=lambda panel: panel.order)
