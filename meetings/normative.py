"""The register of a series' normative documents (规范性文件登记), adopted by resolution.

A normative document enters the register when the 纪要 that adopted it is issued, citing that
纪要's number, and the documents of the same series the adopting resolution repeals (废止) are
marked repealed by it at the same moment, each through the entry's `repeal` transition. The register
is searched (meetings.selectors.normative_search) by anyone working within or above a member's area.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core import audit
from core.workflow import run_transition, timeline_add
from meetings.models import NormativeDocument


@transaction.atomic
def normative_adopt(*, resolution, by, document) -> NormativeDocument:
    """Register the normative document a resolution adopted; idempotent per resolution."""
    existing = NormativeDocument.objects.filter(resolution=resolution).first()
    if existing is not None:
        return existing
    minutes = resolution.minutes
    meeting = minutes.meeting
    adopted_at = minutes.published_at or timezone.now()
    entry = NormativeDocument.objects.create(
        series_id=meeting.series_id,
        resolution=resolution,
        title=resolution.normative_title.strip(),
        text=resolution.normative_text.strip(),
        adopted_on=timezone.localdate(adopted_at),
        minutes_number=document.number,
        minutes_document=document,
    )
    repealed = _repeal(entry, resolution=resolution, by=by, acting_unit_code=meeting.host_unit.code)
    audit.record(
        action="meetings.normativedocument.adopt",
        actor=by,
        acting_unit_code=meeting.host_unit.code,
        target=entry,
        payload={
            "series": meeting.series_id,
            "title": entry.title,
            "minutes_number": entry.minutes_number,
            "resolution": resolution.pk,
            "number": resolution.number,
            "repeals": [old.pk for old in repealed],
        },
    )
    timeline_add(
        instance=entry,
        actor=by,
        acting_unit_code=meeting.host_unit.code,
        action="adopt",
        to_state=entry.status,
        note=entry.minutes_number,
    )
    return entry


def _repeal(entry: NormativeDocument, *, resolution, by, acting_unit_code: str) -> list[NormativeDocument]:
    """Mark the entries the adopting resolution repeals (废止) as repealed by `entry`, each audited.

    The entries are locked and checked again: another 纪要 issued meanwhile may have repealed one,
    and then this adoption fails as a whole (the caller's savepoint), rather than repeal it twice.
    """
    from meetings.resolutions import NO_SUCH_NORMATIVE, repealable

    ids = list(resolution.repeals.values_list("pk", flat=True))
    if not ids:
        return []
    olds = list(NormativeDocument.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    if len(olds) != len(ids) or not repealable(olds, entry.series_id):
        raise ValidationError({"repeals": [NO_SUCH_NORMATIVE]})
    for old in olds:
        normative_transition(
            entry=old,
            name="repeal",
            by=by,
            acting_unit_code=acting_unit_code,
            repealed_by=entry,
            audit_payload={
                "series": old.series_id,
                "title": old.title,
                "repealed_by": entry.pk,
                "minutes_number": entry.minutes_number,
                "resolution": resolution.pk,
                "number": resolution.number,
            },
            note=entry.minutes_number,
        )
    return olds


@transaction.atomic
def normative_transition(
    *,
    entry: NormativeDocument,
    name: str,
    by,
    acting_unit_code: str = "",
    expected_state: str | None = None,
    repealed_by: NormativeDocument | None = None,
    audit_payload: dict | None = None,
    note: str = "",
) -> NormativeDocument:
    """Take step `name` of a register entry through the single service path (repeal: by `repealed_by`).

    core.workflow.run_transition locks the entry again by its pk. Conflict (409) when the entry is
    no longer in force, PermissionDenied (403) when the user may not repeal it.
    """
    arguments = {"repealed_by": repealed_by} if name == "repeal" else {}
    result = run_transition(
        model=NormativeDocument,
        pk=entry.pk,
        name=name,
        by=by,
        acting_unit_code=acting_unit_code,
        expected_state=expected_state,
        arguments=arguments,
        note=note,
        audit_payload=audit_payload,
    )
    return result.instance
