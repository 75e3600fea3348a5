"""Inbox kinds of bulletins (registered in AppConfig.ready): one query per kind, whatever the numbers.

- my unit's bulletins to acknowledge (its intake officers, head and liaison officers);
- my unit's directive results to report;
- for the issuer's heads: bulletins of the unit with overdue recipients.
"""

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bulletins import permissions as perms
from bulletins.models import BulletinKind, BulletinRecipient, BulletinState, RecipientState
from bulletins.selectors import bulletin_visible_to, overdue_condition
from bulletins.services import bulletin_url
from core import inbox
from organisation.standing import user_standing

LIMIT = 200
KINDS = {
    "acknowledge": _("Bulletins and directives for your unit to acknowledge"),
    "report": _("Directives waiting for your unit's result"),
    "overdue": _("Your bulletins with overdue recipients"),
}


def _item(key, bulletin, title, *, due_at=None, state_label="") -> inbox.InboxItem:
    return inbox.InboxItem(
        kind=f"bulletins.{key}",
        kind_label=str(KINDS[key]),
        title=title,
        url=bulletin_url(bulletin.pk),
        state=bulletin.state,
        state_label=state_label or str(bulletin.get_state_display()),
        due_at=due_at,
        object_type="bulletins.bulletin",
        object_id=str(bulletin.pk),
    )


@inbox.register("bulletins")
def bulletin_items(user) -> list[inbox.InboxItem]:
    standing = user_standing(user)
    responders = [unit_id for unit_id in standing.unit_ids if standing.holds(unit_id, perms.RESPONDERS)]
    issuers = [unit_id for unit_id in standing.unit_ids if standing.holds(unit_id, perms.BULLETIN_ISSUERS)]
    items: list[inbox.InboxItem] = []
    if responders:
        waiting = (
            BulletinRecipient.objects.filter(unit_id__in=responders, bulletin__state=BulletinState.ISSUED)
            .filter(
                Q(state=RecipientState.PENDING)
                | Q(state=RecipientState.ACKNOWLEDGED, bulletin__kind=BulletinKind.DIRECTIVE)
            )
            .select_related("bulletin", "unit")
            .order_by("id")[:LIMIT]
        )
        for row in waiting:
            key = "acknowledge" if row.state == RecipientState.PENDING else "report"
            due = row.ack_due_at if key == "acknowledge" else row.result_due_at
            title = f"{row.bulletin.get_kind_display()} · {row.bulletin.title} · {row.unit.name}"
            items.append(
                _item(key, row.bulletin, title, due_at=due, state_label=str(row.get_state_display()))
            )
    if issuers:
        late = (
            bulletin_visible_to(user)
            .filter(issuing_unit_id__in=issuers, state=BulletinState.ISSUED)
            .annotate(
                late=Count(
                    "recipients",
                    filter=Q(
                        recipients__state=RecipientState.PENDING, recipients__ack_due_at__lt=timezone.now()
                    )
                    | Q(
                        recipients__state=RecipientState.ACKNOWLEDGED,
                        recipients__result_due_at__lt=timezone.now(),
                    ),
                )
            )
            .filter(late__gt=0)
            .order_by("id")[:LIMIT]
        )
        for bulletin in late:
            items.append(_item("overdue", bulletin, f"{bulletin.title} · {bulletin.late}"))
    return items


__all__ = ["bulletin_items", "overdue_condition"]
