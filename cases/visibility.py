"""The one read rule of every object type that shows case data (issue 16).

DESIGN.md "Visibility and security": what an object shows of a case is what the viewer may see of
that case, no more. Each model that points at a case (or keeps text taken from one) declares here
how a user's rows of it are chosen, composed from `case_visible_to`, so the handling code of the
case always applies. Lists, details, filters, pages, the inbox, notifications, exports and PDFs
read a model through its rule; `tests/core/test_case_data_rules.py` fails when a model with a
foreign key to a case has none.

A rule names the case fields it *shows* (the row is visible only while each of those cases is)
and those it only *mentions* under the discovery rules (`case_discovery_summary`: what search may
say of a case the viewer cannot open). The default `visible_to` keeps a row when every shown case
is visible; a model whose audience differs (a proceeding's designating superior, the owning unit of
a requested case) passes its own, which must still join through `case_visible_to` for what it
shows.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Model, Q, QuerySet

from core.registry import DuplicateRegistration, Registry

VisibleTo = Callable[[object], QuerySet]


@dataclass(frozen=True)
class CaseDataRule:
    """How a user's rows of one model that shows case data are chosen."""

    model: type[Model]
    visible_to: VisibleTo
    shows: tuple[str, ...]
    mentions: tuple[str, ...] = ()
    # Fields holding text copied from a case when the row was written; they are shown only while the
    # rule's `visible_to` keeps the row, or replaced at read time by what discovery allows.
    stored_text: tuple[str, ...] = ()


_rules: Registry[type[Model], CaseDataRule] = Registry("case-data read rules")


def shown_cases_condition(user, shows: tuple[str, ...], *, model: type[Model] | None = None) -> Q:
    """Return the condition that every case reached through `shows` is one the user may see.

    A nullable case field that is empty shows no case and passes. Given the model, a field that
    cannot be null gets no "or null" branch: on PostgreSQL that branch turns the indexed semi-join
    into a scan of every case.
    """
    from cases.selectors import case_visible_to

    visible = case_visible_to(user).values("pk")
    condition = Q()
    for field in shows:
        shown = Q(**{f"{field}__in": visible})
        if model is None or model._meta.get_field(field).null:
            shown = Q(**{f"{field}__isnull": True}) | shown
        condition &= shown
    return condition


def case_data_rule(
    model: type[Model],
    *,
    shows: tuple[str, ...],
    mentions: tuple[str, ...] = (),
    stored_text: tuple[str, ...] = (),
    visible_to: VisibleTo | None = None,
) -> CaseDataRule:
    """Declare the read rule of a model that shows case data; a second declaration is an error."""
    # Stricter than the registry's policy: a model's read rule is declared in one place, so even a
    # second declaration that says the same is an error.
    if model in _rules:
        raise DuplicateRegistration(f"{model._meta.label} already has a case-data rule")

    def shown_visible_to(user) -> QuerySet:
        return model._default_manager.filter(shown_cases_condition(user, shows, model=model))

    rule = CaseDataRule(
        model=model,
        visible_to=visible_to or shown_visible_to,
        shows=shows,
        mentions=mentions,
        stored_text=stored_text,
    )
    return _rules.add(model, rule)


def case_data_rules() -> dict[type[Model], CaseDataRule]:
    """Return every declared rule by model (filled by the apps' `ready()`)."""
    return _rules.as_dict()


def rows_visible_to(user, model: type[Model]) -> QuerySet:
    """Return the user's rows of a model that shows case data, through its declared rule."""
    return _rules[model].visible_to(user)
