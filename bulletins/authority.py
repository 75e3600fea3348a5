"""Who may send a directive (指令) where (issue 7 item 3).

A request to look out (协查通报) or an alert (预警) may go from any unit to any set of units. A
directive is an order, so it goes only into the issuing unit's own subtree — unless the issuing
unit is 公安部, or the issuer acts for a joint-meeting series whose duty (轮值) unit is the issuing
unit, within the series' member subtrees; the bulletin then records on whose behalf it went.

bulletins sits below meetings, so meetings registers the series check here
(`register_series_issuer`) in its AppConfig.ready().
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from core.registry import Registry
from organisation.models import PATH_SEPARATOR, Unit
from organisation.paths import covered_by_any


@dataclass(frozen=True)
class SeriesIssuer:
    """What a registered series check answers: the label to record and the subtrees it covers."""

    label: str
    member_paths: tuple[str, ...]


SeriesIssuerCheck = Callable[[object, Unit, int], "SeriesIssuer | None"]
_series_issuers: Registry[str, SeriesIssuerCheck] = Registry("bulletin series issuers")


def register_series_issuer(func: SeriesIssuerCheck) -> SeriesIssuerCheck:
    """Register `func(user, unit, series_id) -> SeriesIssuer | None` (meetings does, in ready())."""
    return _series_issuers.add_function(func)


def unregister_series_issuer(func: SeriesIssuerCheck) -> None:
    """Drop a registered check (tests register their own)."""
    _series_issuers.remove_function(func)


def series_issuer(user, unit: Unit, series_id: int) -> SeriesIssuer | None:
    """Return the first registered answer that lets `unit` act for the series, or None."""
    for check in _series_issuers.values():
        answer = check(user, unit, series_id)
        if answer is not None:
            return answer
    return None


def directive_scope(*, user, issuing_unit: Unit, target_paths: Iterable[str], series_id: int | None) -> str:
    """Check that a directive may reach every target; return the "on behalf of" label ("" if none).

    PermissionDenied (403) when the issuer names a series it may not act for; ValidationError naming
    `targets` (400) when a target lies outside what the issuer may order.
    """
    paths = list(target_paths)
    label = ""
    if series_id is not None:
        answer = series_issuer(user, issuing_unit, series_id)
        if answer is None:
            raise PermissionDenied(
                _("Your unit is not the duty unit of that joint-meeting series and cannot act on its behalf.")
            )
        outside = [path for path in paths if not covered_by_any(path, answer.member_paths)]
        if outside:
            raise ValidationError(
                {"targets": [_("A directive on the series' behalf goes only to its member units and below.")]}
            )
        return answer.label
    if issuing_unit.is_ministry:
        return label
    outside = [path for path in paths if not path.startswith(issuing_unit.path + PATH_SEPARATOR)]
    if outside:
        raise ValidationError(
            {
                "targets": [
                    _(
                        "A directive goes only to units below the issuing unit. Send a request to look out "
                        "(协查通报) instead, or issue it on behalf of a joint-meeting series."
                    )
                ]
            }
        )
    return label
