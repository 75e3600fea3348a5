"""Pickers: units chosen by name, pinyin or division code, officers by name, never a typed code blind.

A picker is a text field. Typed into without script, the text is resolved on the server: a division
code (or a user name) passes through unchanged, so power users and the API keep typing codes; a name,
its pinyin (chengdu) or its initials (cdsgaj) resolves to the one unit or officer it names, and a text
that names several is refused with the candidates. With script (static/js/pickers.js) the field is a
WAI-ARIA combobox that asks the look-up endpoints (organisation.lookups) and submits the chosen
item's code or user name beside the text shown.

The cleaned value is what the services took before (a division code, a user name), so no service,
API input or audit payload changes. The pinyin of a name is computed when asked and kept per name
(names change rarely, a rename simply gets a new key), so no column or migration is needed.
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from django import forms
from django.core.exceptions import ValidationError
from django.template import loader
from django.urls import reverse_lazy
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from pypinyin import Style, lazy_pinyin

from organisation.models import Membership, Unit, UnitLevel, User

# How many items a look-up answers, and how many candidates an ambiguous text's error names.
LOOKUP_LIMIT = 20
CANDIDATES_NAMED = 8
QUERY_MAX_LENGTH = 64

_LETTERS = re.compile(r"[a-z]+")
_DIGITS = re.compile(r"\d+")


@lru_cache(maxsize=8192)
def search_key(name: str) -> tuple[str, str]:
    """Return (full pinyin, initials) of a name, lower-case ASCII without tones (吕 → lv).

    The whole name is read at once so that pypinyin's phrases choose heteronyms (重庆 → chongqing).
    """
    syllables = [
        word
        for segment in lazy_pinyin(unicodedata.normalize("NFKC", name or ""), style=Style.NORMAL)
        for word in _LETTERS.findall(segment.lower())
    ]
    return "".join(syllables), "".join(syllable[0] for syllable in syllables)


def normalise_query(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").strip().lower()[:QUERY_MAX_LENGTH]


def _rank(query: str, *, name: str, code: str = "") -> int | None:
    """Return how well `query` matches an item (0 best), or None when it does not match at all.

    Digits match the code (exact, then prefix); letters match the name's pinyin or initials (exact,
    prefix, then inside the full pinyin); anything else matches the name (exact, prefix, inside).
    """
    if not query:
        return None
    if code and _DIGITS.fullmatch(query):
        if code == query:
            return 0
        return 1 if code.startswith(query) else None
    lowered = name.lower()
    if lowered == query:
        return 0
    if lowered.startswith(query):
        return 1
    if query in lowered:
        return 2
    compact = query.replace(" ", "").replace("'", "")
    if compact and compact.isascii() and compact.isalpha():
        full, initials = search_key(name)
        if compact in (full, initials):
            return 0
        if full.startswith(compact) or initials.startswith(compact):
            return 1
        if len(compact) >= 3 and compact in full:
            return 3
    return None


# --- units ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitItem:
    code: str
    name: str
    level: int
    path: str
    group: str = ""


def unit_items(queryset=None) -> list[UnitItem]:
    """Return the active units of `queryset` (every active unit by default), each with its group.

    The group is the unit's province and city ("四川省公安厅 › 成都市公安局"), named from the same
    rows, so the whole directory is one query (a narrower queryset reads its missing heads in a second).
    """
    rows = list(
        (queryset if queryset is not None else Unit.objects.all())
        .filter(is_active=True)
        .order_by("code")
        .values_list("code", "name", "level", "path")
    )
    known = {code: (name, level) for code, name, level, _path in rows}
    missing = {code for *_rest, path in rows for code in path.split(".")[1:3] if code not in known}
    if missing:
        known.update(
            (code, (name, level))
            for code, name, level in Unit.objects.filter(code__in=missing).values_list(
                "code", "name", "level"
            )
        )
    items = []
    for code, name, level, path in rows:
        # The province and the city on the unit's path (itself when it is one): a county of Chongqing
        # lies straight under the province, a 派出所 under its county, which no group names.
        heads = [
            known[part][0]
            for part in path.split(".")[1:]
            if part in known and known[part][1] in (UnitLevel.PROVINCE, UnitLevel.PREFECTURE)
        ]
        items.append(UnitItem(code, name, level, path, " › ".join(heads) or name))
    return items


def match_units(query: str, items: list[UnitItem]) -> list[tuple[int, UnitItem]]:
    """Return the matching units with their rank, best first, then by level and code."""
    query = normalise_query(query)
    matched = [
        (rank, item) for item in items if (rank := _rank(query, name=item.name, code=item.code)) is not None
    ]
    return sorted(matched, key=lambda pair: (pair[0], pair[1].level, pair[1].code))


def grouped(matched: list, *, group_of) -> list:
    """Return the best items kept together by group: groups in the order of their best item."""
    order: dict[str, int] = {}
    for position, (_rank_value, item) in enumerate(matched):
        order.setdefault(group_of(item), position)
    return [item for _rank_value, item in sorted(matched, key=lambda pair: order[group_of(pair[1])])]


def unit_lookup(query: str, queryset=None, *, limit: int = LOOKUP_LIMIT) -> tuple[list[UnitItem], bool]:
    """Return up to `limit` units for the picker, grouped by province and city, and whether there are more."""
    matched = match_units(query, unit_items(queryset))
    return grouped(matched[:limit], group_of=lambda item: item.group), len(matched) > limit


def _candidates_error(text: str, names: list[str], total: int) -> ValidationError:
    shown = "、".join(names[:CANDIDATES_NAMED]) + ("……" if total > CANDIDATES_NAMED else "")
    return ValidationError(
        _("“%(text)s” matches %(count)d: %(names)s. Choose one from the list or type more of the name."),
        code="ambiguous",
        params={"text": text, "count": total, "names": shown},
    )


def resolve_unit_code(text: str, queryset=None) -> str:
    """Return the division code `text` names: a code as typed, or the one unit a name or pinyin names.

    A code passes through unchanged (the service decides whether it names a unit, or a division
    outside the system); a name that matches no unit, or several, is refused here with the candidates.
    """
    text = (text or "").strip()
    if not text or _DIGITS.fullmatch(text):
        return text
    matched = match_units(text, unit_items(queryset))
    best = [item for rank, item in matched if rank == 0]
    if len(best) == 1:
        return best[0].code
    candidates = best or [item for _rank_value, item in matched]
    if len(candidates) == 1:
        return candidates[0].code
    if not candidates:
        raise ValidationError(
            _("No unit matches “%(text)s”. Type its name, its pinyin or its division code."),
            code="no_match",
            params={"text": text},
        )
    raise _candidates_error(text, [item.name for item in candidates], len(candidates))


# --- officers ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OfficerItem:
    username: str
    name: str
    unit: str
    hint: str


def officer_items(units) -> list[OfficerItem]:
    """Return the officers with a current membership in `units` (ids or a queryset), one item each.

    Read in one query; an officer with several roles there is one item, its roles in the hint.
    """
    memberships = (
        Membership.objects.current()
        .filter(unit__in=units)
        .select_related("user", "unit", "department")
        .order_by("unit__code", "user__full_name", "user__username", "role")
    )
    found: dict[str, dict] = {}
    for membership in memberships:
        user = membership.user
        entry = found.setdefault(
            user.username, {"name": user.display_name, "unit": membership.unit.name, "roles": []}
        )
        role = membership.role_label
        if membership.department_id:
            role = f"{membership.department.name} {role}"
        if role not in entry["roles"]:
            entry["roles"].append(role)
    return [
        OfficerItem(username, entry["name"], entry["unit"], "、".join(entry["roles"]))
        for username, entry in found.items()
    ]


def match_officers(query: str, items: list[OfficerItem]) -> list[tuple[int, OfficerItem]]:
    query = normalise_query(query)
    matched = []
    for item in items:
        rank = 0 if query and query == item.username.lower() else _rank(query, name=item.name)
        if not query:
            rank = 1
        if rank is not None:
            matched.append((rank, item))
    return sorted(matched, key=lambda pair: (pair[0], pair[1].unit, pair[1].name, pair[1].username))


def officer_lookup(query: str, units, *, limit: int = LOOKUP_LIMIT) -> tuple[list[OfficerItem], bool]:
    """Return up to `limit` officers of `units` for the picker (all of them for an empty query)."""
    matched = match_officers(query, officer_items(units))
    return grouped(matched[:limit], group_of=lambda item: item.unit), len(matched) > limit


def resolve_username(text: str, units) -> str:
    """Return the user name `text` names among the officers of `units`.

    A user name of one of them, or a name, pinyin or initials naming one of them, gives theirs;
    several are refused with their names and roles. Anything else passes through unchanged, for the
    service to judge as the API always had it.
    """
    text = (text or "").strip()
    if not text:
        return text
    items = officer_items(units) if units is not None else []
    matched = match_officers(text, items)
    best = [item for rank, item in matched if rank == 0]
    candidates = best or [item for _rank_value, item in matched]
    if len(candidates) == 1:
        return candidates[0].username
    if candidates:
        names = [f"{item.name}（{item.hint}）" if item.hint else item.name for item in candidates]
        raise _candidates_error(text, names, len(candidates))
    # Nobody of the units: passed on as typed, for the service to say "no such officer".
    return text


# --- the fields and their widget ----------------------------------------------------------------


class PickerInput(forms.TextInput):
    """A text input that becomes a combobox with script; the chosen item's value rides beside the text.

    The text shown is the item's name; `<name>_picked` carries its code or user name once chosen
    (kept only while the text still shows that name, see pickers.js), so two officers of the same
    name stay apart. Without script the text alone is sent and resolved on the server.
    """

    template_name = "widgets/picker.html"
    kind = ""
    lookup_url = None

    def __init__(self, attrs=None, *, scope_unit: str = ""):
        defaults = {"autocomplete": "off", "spellcheck": "false", "autocapitalize": "off"}
        super().__init__({**defaults, **(attrs or {})})
        self.scope_unit = scope_unit

    def label_for(self, value: str) -> str:
        return ""

    def _render(self, template_name, context, renderer=None):
        # The project's engine, not the form renderer's: the template lives in templates/widgets/.
        return mark_safe(loader.render_to_string(template_name, context))  # noqa: S308

    def value_from_datadict(self, data, files, name):
        picked = data.get(f"{name}_picked")
        return picked if picked else data.get(name)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        raw = context["widget"]["value"] or ""
        label = self.label_for(raw) if raw else ""
        widget = context["widget"]
        widget.update(
            kind=self.kind,
            lookup_url=str(self.lookup_url),
            scope_unit=self.scope_unit,
            picked_value=raw if label else "",
            picked_label=label,
            shown=label or raw,
            listbox_id=f"{widget['attrs'].get('id') or name}_listbox",
            status_id=f"{widget['attrs'].get('id') or name}_status",
        )
        return context


class UnitPickerInput(PickerInput):
    kind = "unit"
    lookup_url = reverse_lazy("organisation:lookup-units")

    def label_for(self, value: str) -> str:
        return Unit.objects.filter(code=value).values_list("name", flat=True).first() or ""


class OfficerPickerInput(PickerInput):
    kind = "officer"
    lookup_url = reverse_lazy("organisation:lookup-officers")

    def label_for(self, value: str) -> str:
        user = (
            User.objects.filter(username=value)
            .only("full_name", "first_name", "last_name", "username")
            .first()
        )
        return user.display_name if user else ""


class _PickerFieldMixin:
    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        # The text typed is a name, longer than the code it cleans to: only the code is bounded.
        attrs.pop("maxlength", None)
        attrs.pop("minlength", None)
        return attrs


class UnitPickerField(_PickerFieldMixin, forms.CharField):
    """A unit by name, pinyin, initials or division code; cleaned to the division code.

    `units` narrows the units a name may resolve to (every active unit by default); a typed code is
    always passed on for the service to judge.
    """

    widget = UnitPickerInput

    def __init__(self, *, units=None, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def to_python(self, value):
        return resolve_unit_code(super().to_python(value), self.units)


class OfficerPickerField(_PickerFieldMixin, forms.CharField):
    """An officer by name, pinyin or user name among the officers of `units`; cleaned to the user name.

    The form sets `units` (ids or a queryset) to whose officers a name may resolve, and the widget's
    `scope_unit` to the unit whose officers the look-up lists.
    """

    widget = OfficerPickerInput

    def __init__(self, *, units=None, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def to_python(self, value):
        return resolve_username(super().to_python(value), self.units)

    def set_scope(self, units, *, unit_code: str = "") -> None:
        """Name the units whose officers a name resolves to and the picker lists."""
        self.units = units
        self.widget.scope_unit = unit_code


# --- several units: the multi-value picker ---------------------------------------------------------

# What separates the units of a text typed without script (or pasted): spaces, commas, 、 and semicolons.
_SEPARATORS = re.compile(r"[\s,，、;；]+")
# More units than any proceeding, decision or bulletin names: a longer list is refused, not resolved.
MULTI_LIMIT = 50


def split_units_text(text) -> list[str]:
    return [token for token in _SEPARATORS.split(unicodedata.normalize("NFKC", text or "")) if token]


def _tokens(value) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, (list, tuple)):
        return [token for item in value for token in split_units_text(str(item))]
    return split_units_text(str(value))


class MultiUnitPickerInput(forms.TextInput):
    """Several units: the chosen ones as chips (each a hidden `<name>_picked` code and a remove
    button), the text input for the next one. Without script the text alone is sent, the units
    separated by spaces, commas or 、, and each is resolved on the server as the single picker's.
    """

    template_name = "widgets/multi_picker.html"
    lookup_url = reverse_lazy("organisation:lookup-units")

    def __init__(self, attrs=None):
        defaults = {"autocomplete": "off", "spellcheck": "false", "autocapitalize": "off"}
        super().__init__({**defaults, **(attrs or {})})

    def _render(self, template_name, context, renderer=None):
        return mark_safe(loader.render_to_string(template_name, context))  # noqa: S308

    def value_from_datadict(self, data, files, name):
        picked = (
            data.getlist(f"{name}_picked") if hasattr(data, "getlist") else data.get(f"{name}_picked", [])
        )
        if isinstance(picked, str):
            picked = [picked]
        return [*picked, *split_units_text(data.get(name, ""))]

    def value_omitted_from_data(self, data, files, name):
        return name not in data and f"{name}_picked" not in data

    def format_value(self, value):
        return _tokens(value)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        tokens = list(dict.fromkeys(widget["value"] or []))
        # A code of a unit is shown as its chip; anything else (a name not yet resolved, a code of no
        # unit) stays in the text, as typed, for the officer to correct.
        names = dict(
            Unit.objects.filter(code__in=[t for t in tokens if _DIGITS.fullmatch(t)]).values_list(
                "code", "name"
            )
        )
        chips = [{"value": token, "label": names[token]} for token in tokens if token in names]
        rest = [token for token in tokens if token not in names]
        remove = str(_("Remove {label}"))
        for chip in chips:
            chip["remove"] = remove.replace("{label}", chip["label"])
        own_id = widget["attrs"].get("id") or name
        widget.update(
            lookup_url=str(self.lookup_url),
            chips=chips,
            shown=" ".join(rest),
            listbox_id=f"{own_id}_listbox",
            status_id=f"{own_id}_status",
            chips_id=f"{own_id}_chips",
        )
        return context


class MultiUnitPickerField(forms.Field):
    """Units by name, pinyin, initials or division code, several; cleaned to a list of distinct codes.

    Each unit typed is resolved as UnitPickerField resolves one; every one that names no unit, or
    several, is refused in the field's error with its candidates, so one message lists all of them.
    """

    widget = MultiUnitPickerInput
    default_error_messages = {
        "too_many": _("Name at most %(limit)d units."),
    }

    def __init__(self, *, units=None, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def to_python(self, value) -> list[str]:
        tokens = _tokens(value)
        if len(tokens) > MULTI_LIMIT:
            raise ValidationError(
                self.error_messages["too_many"], code="too_many", params={"limit": MULTI_LIMIT}
            )
        codes, errors = [], []
        for token in tokens:
            try:
                codes.append(resolve_unit_code(token, self.units))
            except ValidationError as error:
                errors.extend(error.error_list)
        if errors:
            raise ValidationError(errors)
        return list(dict.fromkeys(code for code in codes if code))

    def validate(self, value):
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")
