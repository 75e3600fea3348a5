"""Celery tasks: thin adapters over core.outbox and core.periodic."""

from celery import shared_task

from core import outbox, periodic


@shared_task(name="core.tasks.deliver_outbox_message", ignore_result=True)
def deliver_outbox_message(message_id: int) -> str:
    return outbox.deliver(message_id)


@shared_task(name="core.tasks.run_periodic", ignore_result=True)
def run_periodic(name: str) -> None:
    periodic.run(name)
