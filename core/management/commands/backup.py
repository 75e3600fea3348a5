from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the database and the media files into a new folder (make backup)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--to",
            default=None,
            help="folder that receives the backup folder (default: $LIANBAN_VAR_DIR/backups)",
        )

    def handle(self, *args, to, **options):
        try:
            folder = backup_create(to=Path(to) if to else Path(settings.VAR_DIR) / "backups")
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"Backup written to {folder}"))
