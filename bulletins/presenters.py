"""What pages and the API both show of a bulletin: progress per recipient and region, and its files.

Reads only; the pages (bulletins.views) and the API (bulletins.apis) present the same rows.
"""

from django.http import FileResponse
from django.utils import timezone

from bulletins import selectors, services
from bulletins.models import BulletinAttachment, RecipientState
from bulletins.steps import RECIPIENT_MACHINE


def recipient_is_overdue(row, now) -> bool:
    return (row.state == RecipientState.PENDING and row.ack_due_at is not None and row.ack_due_at < now) or (
        row.state == RecipientState.ACKNOWLEDGED and row.result_due_at is not None and row.result_due_at < now
    )


def progress_data(bulletin, user) -> dict:
    now = timezone.now()
    rows = list(selectors.recipients_visible(bulletin, user))
    for row in rows:
        row.bulletin = bulletin
        row.is_overdue = recipient_is_overdue(row, now)
        row.available_transitions = RECIPIENT_MACHINE.available(row, user, api=True)
    regions = (
        selectors.progress_by_region(bulletin, now) if selectors.sees_all_recipients(bulletin, user) else []
    )
    return {
        "totals": selectors.progress_totals(regions) if regions else None,
        "regions": regions,
        "recipients": rows,
    }


def attachment_file_response(attachment: BulletinAttachment, user, *, channel: str) -> FileResponse:
    """Serve an attachment as a download with its stored type, and record the download."""
    services.bulletin_attachment_downloaded(attachment=attachment, by=user, channel=channel)
    extension = attachment.file.name.rsplit(".", 1)[-1]
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=f"bulletin-{attachment.bulletin_id}-attachment-{attachment.pk}.{extension}",
        content_type=attachment.content_type or "application/octet-stream",
    )
    # Never let a browser second-guess the type: the content was checked, its rendering was not.
    response["X-Content-Type-Options"] = "nosniff"
    return response
