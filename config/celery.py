"""The Celery application; configuration comes from Django settings (CELERY_*)."""

import os

from celery import Celery
from celery.signals import beat_init, worker_init

from config.env import refuse_to_serve_if_incomplete

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("lianban")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _schedule_periodic_jobs(sender, **kwargs):
    # Beat runs exactly the jobs the demo ticker runs: both read core.periodic's registry.
    from core.periodic import beat_schedule

    sender.conf.beat_schedule = beat_schedule()


@worker_init.connect
@beat_init.connect
def _refuse_incomplete_settings(**kwargs):
    refuse_to_serve_if_incomplete()
