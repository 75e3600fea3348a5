from django.core.management.base import BaseCommand, CommandError

from core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Replace the database and the media files with a backup, then verify the audit chain "
        "(make restore BACKUP=folder). Stop the web and Celery processes first."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", help="a folder written by `manage.py backup`")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args, folder, yes, **options):
        if not yes and input(f"Replace the database and media with {folder}? Type yes: ").strip() != "yes":
            raise CommandError("Restore cancelled; nothing was changed.")
        try:
            report = backup_restore(folder=folder)
        except BackupError as error:
            raise CommandError(str(error)) from None
        if not report.chain.ok:
            event = report.chain.broken
            raise CommandError(
                f"Restored {report.folder}, but the audit chain is broken at event {event.pk}: "
                f"{report.chain.reason}"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {report.folder} ({report.engine}, {report.media_files} media files); "
                f"audit chain OK: {report.chain.count} events verified"
            )
        )
