from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from registry.models import PendingImport


class Command(BaseCommand):
    help = "Delete import previews that were never confirmed (older than --hours, default 24)."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=float, default=24)

    def handle(self, hours, **options):
        cutoff = timezone.now() - timedelta(hours=hours)
        removed, _by_model = PendingImport.objects.filter(created_at__lt=cutoff).delete()
        self.stdout.write(f"Removed {removed} abandoned upload(s).")
