"""Registry of periodic jobs shared by Celery beat and the demo ticker."""


def beat_schedule() -> dict:
    return {}
