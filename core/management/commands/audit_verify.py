from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.audit import verify_chain


class Command(BaseCommand):
    help = "Recompute the audit hash chain and name the first broken event."

    def handle(self, *args, **options):
        report = verify_chain()
        if not report.ok:
            event = report.broken
            raise CommandError(
                f"Audit chain broken at event {event.pk} ({event.action}, "
                f"{timezone.localtime(event.occurred_at).isoformat()}): {report.reason}; "
                f"{report.count} events before it verified"
            )
        self.stdout.write(self.style.SUCCESS(f"OK: {report.count} audit events verified"))
