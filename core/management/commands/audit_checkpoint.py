from django.core.management.base import BaseCommand, CommandError, no_translations

from core.audit_checkpoints import ChainNotExtended, CheckpointKeyMissing, store_dir, write_checkpoint


class Command(BaseCommand):
    help = (
        "MAC the audit chain head (last event id, its hash, the number of events) with AUDIT_CHECKPOINT_KEY "
        "and append it to the checkpoint store; the periodic job core.audit_checkpoint does the same."
    )

    @no_translations  # operators' logs and scripts read one language, like the other commands
    def handle(self, *args, **options):
        try:
            checkpoint = write_checkpoint()
        except (ChainNotExtended, CheckpointKeyMissing) as error:
            raise CommandError(f"No checkpoint written: {error}") from None
        if checkpoint is None:
            self.stdout.write("No checkpoint written: the chain is empty or its head is already checkpointed")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Checkpoint {checkpoint.seq}: event {checkpoint.event_id} ({checkpoint.event_hash[:16]}…), "
                f"{checkpoint.count} events, in {store_dir() / checkpoint.file}"
            )
        )
