"""Reads of bulletins: who sees a bulletin, its attachments, its recipients and the progress per unit
and region."""

from __future__ import annotations

from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, Subquery, When
from django.http import Http404
from django.utils import timezone

from bulletins.models import Bulletin, BulletinAttachment, BulletinRecipient, BulletinState, RecipientState
from cases.models import HandlingCode
from cases.selectors import case_visible_to
from organisation.models import Unit
from organisation.paths import at_or_below, covered_by_any, strictly_below
from organisation.standing import user_standing


def bulletin_visible_to(user) -> QuerySet[Bulletin]:
    """Return the bulletins the user may see.

    The issuing unit and its ancestors, the recipient units and their ancestors; a 限制 bulletin
    only the issuing unit and the recipient units themselves; a draft only the issuing unit.
    """
    standing = user_standing(user)
    if not standing.unit_ids:
        return Bulletin.objects.none()
    units = standing.unit_ids
    recipients = BulletinRecipient.objects.filter(bulletin=OuterRef("pk"))
    own = Q(issuing_unit_id__in=units) | Exists(recipients.filter(unit_id__in=units))
    above = strictly_below(standing.paths, "issuing_unit_path") | Exists(
        recipients.filter(strictly_below(standing.paths, "unit_path"))
    )
    restricted = Q(handling_code=HandlingCode.RESTRICTED)
    draft = Q(state=BulletinState.DRAFT)
    return Bulletin.objects.filter(
        (draft & Q(issuing_unit_id__in=units)) | (~draft & (own | (~restricted & above)))
    )


def shown_case_id(user, field: str):
    """Return the case id in `field` when the user may see that case now, else NULL (issue 16).

    A bulletin or a recipient row is read by units that need not see the case it links: the id is
    shown under the case's own rule (cases.selectors.case_visible_to), in the same query.
    """
    return Case(
        When(Exists(case_visible_to(user).filter(pk=OuterRef(field))), then=F(field)),
        default=None,
    )


def bulletin_get_visible(user, pk) -> Bulletin:
    """Return the bulletin if the user sees it (404 otherwise); `linked_case_shown` under the case's rule."""
    bulletin = (
        bulletin_visible_to(user)
        .select_related("issuing_unit", "created_by", "issued_by", "supplement_of")
        .annotate(linked_case_shown=shown_case_id(user, "linked_case_id"))
        .filter(pk=pk)
        .first()
    )
    if bulletin is None:
        raise Http404
    return bulletin


def attachments_of(bulletin: Bulletin) -> QuerySet[BulletinAttachment]:
    """Return a bulletin's attachments with their uploaders (one query however many there are).

    Whoever sees the bulletin sees all of its attachments: the caller has already passed
    bulletin_get_visible.
    """
    return BulletinAttachment.objects.filter(bulletin=bulletin).select_related("uploaded_by")


def attachment_get_visible(user, bulletin_pk, attachment_pk) -> tuple[Bulletin, BulletinAttachment]:
    """Return the bulletin and its attachment when the user sees the bulletin; otherwise 404."""
    bulletin = bulletin_get_visible(user, bulletin_pk)
    attachment = attachments_of(bulletin).filter(pk=attachment_pk).first()
    if attachment is None:
        raise Http404
    attachment.bulletin = bulletin
    return bulletin, attachment


def sees_all_recipients(bulletin: Bulletin, user) -> bool:
    """The issuing unit and its ancestors follow every recipient; a recipient sees its own subtree."""
    standing = user_standing(user)
    return covered_by_any(bulletin.issuing_unit_path, standing.paths)


def recipients_visible(bulletin: Bulletin, user) -> QuerySet[BulletinRecipient]:
    """Return the recipient rows of a bulletin the user may follow, in tree order.

    `opened_case_shown` is the case a recipient opened, when the user may see it now.
    """
    rows = BulletinRecipient.objects.filter(bulletin=bulletin)
    if not sees_all_recipients(bulletin, user):
        standing = user_standing(user)
        if not standing.unit_ids:
            return rows.none()
        rows = rows.filter(Q(unit_id__in=standing.unit_ids) | strictly_below(standing.paths, "unit_path"))
    return (
        rows.select_related("unit", "acknowledged_by", "result_by")
        .annotate(opened_case_shown=shown_case_id(user, "opened_case_id"))
        .order_by("unit_path")
    )


def overdue_condition(now) -> Q:
    """A recipient late to acknowledge, or (a directive) late to report its result."""
    return Q(state=RecipientState.PENDING, ack_due_at__lt=now) | Q(
        state=RecipientState.ACKNOWLEDGED, result_due_at__lt=now
    )


def progress_by_region(bulletin: Bulletin, now=None) -> list[dict]:
    """Return per province: pending, acknowledged, reported, overdue and total — one aggregate query."""
    now = now or timezone.now()
    province_name = Subquery(Unit.objects.filter(code=OuterRef("province_code")).values("name")[:1])
    rows = (
        BulletinRecipient.objects.filter(bulletin=bulletin)
        .values("province_code")
        .annotate(
            total=Count("id"),
            pending=Count("id", filter=Q(state=RecipientState.PENDING)),
            acknowledged=Count("id", filter=Q(state=RecipientState.ACKNOWLEDGED)),
            reported=Count("id", filter=Q(state=RecipientState.REPORTED)),
            overdue=Count("id", filter=overdue_condition(now)),
            province_name=province_name,
        )
        .order_by("province_code")
    )
    return list(rows)


def progress_totals(regions: list[dict]) -> dict:
    """Sum the regions (no query)."""
    keys = ("total", "pending", "acknowledged", "reported", "overdue")
    return {key: sum(row[key] for row in regions) for key in keys}


def bulletin_list_visible_to(user) -> QuerySet[Bulletin]:
    """Return the visible bulletins with their progress counts, for lists (one query for any page size)."""
    now = timezone.now()
    return (
        bulletin_visible_to(user)
        .select_related("issuing_unit")
        .annotate(
            acknowledged_count=Count(
                "recipients",
                filter=Q(recipients__state__in=[RecipientState.ACKNOWLEDGED, RecipientState.REPORTED]),
            ),
            reported_count=Count("recipients", filter=Q(recipients__state=RecipientState.REPORTED)),
            overdue_count=Count(
                "recipients",
                filter=Q(recipients__state=RecipientState.PENDING, recipients__ack_due_at__lt=now)
                | Q(recipients__state=RecipientState.ACKNOWLEDGED, recipients__result_due_at__lt=now),
            ),
        )
        .order_by("-id")
    )


def recipient_rows_visible_to(user) -> QuerySet[BulletinRecipient]:
    """Return the recipient rows the user may follow, of every bulletin it sees (the read rule).

    The issuing side (the issuing unit and its ancestors) follows every row; a recipient its own
    subtree's rows (as recipients_visible, for one bulletin).
    """
    standing = user_standing(user)
    if not standing.unit_ids:
        return BulletinRecipient.objects.none()
    following = at_or_below(standing.paths, "bulletin__issuing_unit_path") | at_or_below(standing.paths)
    return BulletinRecipient.objects.filter(bulletin__in=bulletin_visible_to(user).values("pk")).filter(
        following
    )


def recipient_get_visible(user, bulletin, code) -> BulletinRecipient:
    row = recipients_visible(bulletin, user).filter(unit__code=code).first()
    if row is None:
        raise Http404
    row.bulletin = bulletin
    return row
