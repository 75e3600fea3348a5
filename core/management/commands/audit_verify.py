from django.core.management.base import BaseCommand, CommandError, no_translations
from django.utils import timezone

from core.audit_checkpoints import verify


class Command(BaseCommand):
    help = (
        "Recompute the audit hash chain, check it against every keyed checkpoint, and name the first "
        "broken event, any truncation and any rewriting."
    )

    @no_translations  # operators' logs and scripts read one language, like the other commands
    def handle(self, *args, **options):
        result = verify(full=True)
        if not result.ok:
            lines = []
            if result.broken is not None:
                event = result.broken
                lines.append(
                    f"Audit chain broken at event {event.pk} ({event.action}, "
                    f"{timezone.localtime(event.occurred_at).isoformat()}): {result.broken_reason}; "
                    f"{result.verified_before_break} events before it verified"
                )
            lines.extend(problem for problem in result.problems if problem != result.broken_message)
            raise CommandError("\n".join(lines))
        if result.checkpoints:
            last = result.checkpoints[-1]
            against = (
                f" against {len(result.checkpoints)} checkpoint{'s' if len(result.checkpoints) > 1 else ''} "
                f"(last: checkpoint {last.seq}, "
                f"event {last.event_id}, {last.written_at})"
            )
        else:
            against = "; no checkpoint yet"
        self.stdout.write(self.style.SUCCESS(f"OK: {result.events} audit events verified{against}"))
