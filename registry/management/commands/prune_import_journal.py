import logging
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from registry.models import ImportRecord

logger = logging.getLogger("registry.journal")


class Command(BaseCommand):
    help = (
        "Remove import-journal entries older than --older-than DAYS. The journal is the audit trail "
        "of imports and nobody can delete it in the admin; this is the one way to prune it. Without "
        "--delete it only says what it would remove. Example: "
        "manage.py prune_import_journal --older-than 1095 --delete"
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, required=True, metavar="DAYS")
        parser.add_argument("--delete", action="store_true", help="really delete (default: dry run)")

    def handle(self, older_than, delete, **options):
        if older_than < 1:
            raise CommandError("--older-than must be at least 1 day.")
        cutoff = timezone.now() - timedelta(days=older_than)
        old = ImportRecord.objects.filter(created_at__lt=cutoff)
        if not delete:
            self.stdout.write(
                f"Would delete {old.count()} import-journal entries from before {cutoff:%Y-%m-%d}; "
                "run again with --delete to delete them."
            )
            return
        deleted, _ = old.delete()
        logger.info("pruned import-journal entries=%d older_than_days=%d", deleted, older_than)
        self.stdout.write(f"Deleted {deleted} import-journal entries from before {cutoff:%Y-%m-%d}.")
