from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

STANZA = """# Lianban application log (`manage.py logrotate_config`); install as /etc/logrotate.d/lianban.
# Kept {days} days (LOG_RETENTION_DAYS, at least six months); the processes reopen the file themselves.
{path} {{
    daily
    rotate {days}
    maxage {days}
    dateext
    compress
    delaycompress
    missingok
    notifempty
    create 0640
}}
"""


class Command(BaseCommand):
    help = "Print the logrotate(8) stanza for LOG_FILE that keeps LOG_RETENTION_DAYS days."

    def handle(self, *args, **options):
        if not settings.LOG_FILE:
            raise CommandError("Set LOG_FILE (e.g. /var/log/lianban/lianban.log) to log to a file first.")
        self.stdout.write(STANZA.format(path=settings.LOG_FILE, days=settings.LOG_RETENTION_DAYS), ending="")
