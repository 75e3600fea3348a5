"""The register of a series' normative documents (规范性文件登记), adopted by resolution.

A normative document enters the register when the 纪要 that adopted it is issued, citing that
纪要's number; the register is searched by title and text by anyone working within or above a
member's area (the norms apply there).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import audit
from meetings.models import MeetingSeries, NormativeDocument, NormativeStatus
from meetings.selectors import normative_visible_to


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
        },
    )
    return entry


def normative_search(user, *, series=None, q="", status=None) -> QuerySet[NormativeDocument]:
    """Return the normative documents the user sees, newest first, whose title or text contains `q`."""
    entries = normative_visible_to(user)
    if series is not None and series != "":
        series_id = series.pk if isinstance(series, MeetingSeries) else series
        try:
            entries = entries.filter(series_id=int(series_id))
        except (TypeError, ValueError):
            raise ValidationError({"series": [_("No such series.")]}) from None
    if status:
        if status not in NormativeStatus.values:
            raise ValidationError({"status": [_("Choose in force or repealed.")]})
        entries = entries.filter(status=status)
    text = (q or "").strip()
    if text:
        entries = entries.filter(Q(title__icontains=text) | Q(text__icontains=text))
    return entries.select_related("series").order_by("-adopted_on", "-id")
