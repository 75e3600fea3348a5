from django.core.management.base import BaseCommand

from core import outbox


class Command(BaseCommand):
    help = "Hand pending outbox messages to Celery again (the periodic sweep, run once)."

    def handle(self, *args, **options):
        published = outbox.sweep()
        self.stdout.write(f"{published} outbox messages published")
