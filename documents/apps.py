from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("Documents")

    def ready(self):
        # Registers the outbox handler of topic "documents.render" and the Celery task.
        from core.steps import register_machine
        from documents import checks, tasks  # noqa: F401  (checks registers the signing checks)
        from documents.steps import DOCUMENT_MACHINE

        register_machine(DOCUMENT_MACHINE)
