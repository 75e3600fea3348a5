"""Every GET a persona can make, enumerated from the URLconf and filled with the world's ids.

The patterns are walked from `config.urls` (API and pages); each `<int:…>` argument is typed by the
literal path segment before it (`cases/<pk>` is a case, `agenda/<item_id>` an agenda item). A new
pattern whose id has no type here fails `test_every_id_pattern_is_typed`, so the property test
keeps covering every path that takes an id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

# Segment before an int argument -> model label of the object it names.
SEGMENT_MODELS = {
    "cases": "cases.Case",
    "open": "cases.Case",  # jurisdiction/open/<case_id>/
    "locations": "cases.CaseLocation",
    "persons": "cases.CasePerson",
    "dossiers": "cases.CaseDossier",
    "access-requests": "cases.CaseAccessRequest",
    "assistance-requests": "assistance.AssistanceRequest",
    "property-measures": "assistance.PropertyMeasure",
    "jurisdiction-proceedings": "jurisdiction.JurisdictionProceeding",
    "jurisdiction": "jurisdiction.JurisdictionProceeding",
    "handover-items": "jurisdiction.HandoverItem",
    "handover": "jurisdiction.HandoverItem",
    "merger-proposals": "jurisdiction.MergerProposal",
    "mergers": "jurisdiction.MergerProposal",
    "documents": "documents.Document",
    "recipients": "documents.DocumentRecipient",
    "bulletins": "bulletins.Bulletin",
    "attachments": "bulletins.BulletinAttachment",
    "meeting-series": "meetings.MeetingSeries",
    "series": "meetings.MeetingSeries",
    "meetings": "meetings.JointMeeting",
    "participants": "meetings.MeetingParticipant",
    "agenda": "meetings.AgendaItem",
    "resolutions": "meetings.Resolution",
    "action-items": "meetings.ActionItem",
    "notifications": "core.Notification",
    "experts": "organisation.ExpertProfile",
    "liaisons": "organisation.LiaisonAssignment",
    "membership-proposals": "organisation.MembershipProposal",
    "password-resets": "organisation.PasswordResetRequest",
}
# A segment whose model depends on where it is: an assistance request's documents are its scans.
CONTEXT_MODELS = {("assistance-requests", "documents"): "assistance.RequestDocument"}
# How a child row names its parent when the foreign key is not direct.
PARENT_LOOKUPS = {("meetings.JointMeeting", "meetings.Resolution"): "minutes__meeting_id"}

# Never requested: they change the session or the language, or are not JSON/HTML about data.
SKIPPED = re.compile(
    r"^(admin/|i18n/|login/$|logout/$|api/v1/auth/|api/schema/|api/docs/|api/\^|bench-floors/)"
)
# Placeholder for an action or transition name: a GET there must answer without data either way.
NAME_FILLER = "view"
# Lists that can be filtered by case (`?case=`); `exhaustive` filters every list of the API.
CASE_FILTERED = re.compile(
    r"^api/v1/(cases|assistance-requests|jurisdiction-proceedings|merger-proposals|documents|bulletins"
    r"|meetings|action-items|access-requests|notifications|inbox)/$"
)
# A GET on a transition or an action names one by a placeholder; `exhaustive` includes them.
ACTION = re.compile(r"/(transitions|actions)/<str:\w+>/|/<str:action>/|/<str:step>/|/<str:name>/$")
# Rows of one model requested per pattern: enough for every kind of row the plan makes.
PER_MODEL = 3


@dataclass(frozen=True)
class Pattern:
    route: str
    name: str
    ints: tuple[tuple[str, str], ...]  # (argument, model label)
    strs: tuple[str, ...]


def _walk(resolver, prefix=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.name or ""


ARGUMENT = re.compile(r"<(?:(\w+):)?(\w+)>")


def patterns() -> tuple[list[Pattern], list[str]]:
    """Return the patterns to request and the id arguments no model is known for."""
    found, untyped = [], []
    for route, name in _walk(get_resolver()):
        if SKIPPED.match(route):
            continue
        ints, strs, typed = [], [], True
        segments = [s for s in route.split("/") if s]
        for position, segment in enumerate(segments):
            match = ARGUMENT.fullmatch(segment)
            if not match:
                continue
            converter, argument = match.groups()
            if converter != "int":
                strs.append(argument)
                continue
            before = segments[position - 1] if position else ""
            context = next((s for s in segments[:position] if s in {k[0] for k in CONTEXT_MODELS}), "")
            label = CONTEXT_MODELS.get((context, before)) or SEGMENT_MODELS.get(before)
            if label is None:
                untyped.append(f"{route} <{argument}>")
                typed = False
                continue
            ints.append((argument, label))
        if typed:
            found.append(Pattern(route=route, name=name, ints=tuple(ints), strs=tuple(strs)))
    return found, untyped


def _parent_lookup(parent: str, child: str) -> str:
    if (parent, child) in PARENT_LOOKUPS:
        return PARENT_LOOKUPS[(parent, child)]
    parent_model, child_model = apps.get_model(parent), apps.get_model(child)
    for model_field in child_model._meta.fields:
        if model_field.is_relation and model_field.related_model is parent_model:
            return model_field.attname
    return ""  # linked some other way (a document of a proceeding): every pairing is tried


def id_tuples(ints: tuple[tuple[str, str], ...]) -> list[tuple[int, ...]]:
    """Return the id combinations for a pattern: each child row with its own parent."""
    if not ints:
        return [()]
    if len(ints) == 1:
        model = apps.get_model(ints[0][1])
        return [
            (pk,) for pk in model._default_manager.order_by("-pk").values_list("pk", flat=True)[:PER_MODEL]
        ]
    (_, parent), (_, child) = ints[0], ints[-1]
    lookup = _parent_lookup(parent, child)
    if not lookup:
        parents = apps.get_model(parent)._default_manager.order_by("-pk").values_list("pk", flat=True)[:3]
        children = apps.get_model(child)._default_manager.order_by("-pk").values_list("pk", flat=True)[:3]
        return [(parent_id, child_id) for parent_id in parents for child_id in children]
    rows = apps.get_model(child)._default_manager.order_by("-pk").values_list(lookup, "pk")[:PER_MODEL]
    return [(parent_id, child_id) for parent_id, child_id in rows if parent_id is not None]


def _fill(route: str, values: dict[str, object]) -> str:
    return "/" + ARGUMENT.sub(lambda m: str(values[m.group(2)]), route)


def requests(world_unit_codes: list[str], *, exhaustive: bool = False) -> list[tuple[str, str]]:
    """Return (pattern route, URL) for every GET of the world: lists, filters and every id path.

    Without `exhaustive` (the CI budget), GETs on transitions and actions are left out and only
    the lists about case data are filtered by case.
    """
    from bulletins.models import BulletinRecipient
    from cases.models import Case

    found, _ = patterns()
    case_ids = list(Case.objects.order_by("pk").values_list("pk", flat=True))
    urls: list[tuple[str, str]] = []
    for pattern in found:
        if not exhaustive and ACTION.search(pattern.route):
            continue
        int_names = [argument for argument, _ in pattern.ints]
        for ids in id_tuples(pattern.ints):
            values = dict(zip(int_names, ids, strict=True))
            if "code" in pattern.strs:
                if "recipients" in pattern.route:
                    codes = BulletinRecipient.objects.filter(bulletin_id=values.get("pk")).values_list(
                        "unit__code", flat=True
                    )[:PER_MODEL]
                else:
                    codes = world_unit_codes
            else:
                codes = [None]
            for code in codes:
                filled = {**values, **dict.fromkeys(pattern.strs, NAME_FILLER)}
                if code is not None:
                    filled["code"] = code
                urls.append((pattern.route, _fill(pattern.route, filled)))
        # A list of the API filtered by each case (`?case=`): the filter must not open a case.
        filtered = (
            CASE_FILTERED.match(pattern.route) if not exhaustive else pattern.route.startswith("api/v1/")
        )
        if not pattern.ints and not pattern.strs and filtered and pattern.route.endswith("/"):
            urls.extend((pattern.route, f"/{pattern.route}?case={pk}") for pk in case_ids)
    return urls


def admin_requests() -> list[tuple[str, str]]:
    """Return the admin's change lists and change forms of every registered model (issue 16 item 6).

    The system administrator may see no case (`case_visible_to` is empty for it), so nothing of a case
    may appear on these pages either: audit payloads and outbox messages included.
    """
    from django.contrib import admin
    from django.urls import reverse

    urls = []
    for model in admin.site._registry:
        label = f"{model._meta.app_label}_{model._meta.model_name}"
        route = f"admin/{model._meta.app_label}/{model._meta.model_name}/"
        urls.append((route, reverse(f"admin:{label}_changelist")))
        for pk in model._default_manager.order_by("-pk").values_list("pk", flat=True)[:PER_MODEL]:
            urls.append((f"{route}<id>/change/", reverse(f"admin:{label}_change", args=[pk])))
    return urls
