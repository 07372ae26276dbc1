import time

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Delete uploads whose import preview was never confirmed (older than --hours, default 24)."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=float, default=24)

    def handle(self, hours, **options):
        folder = settings.IMPORT_UPLOAD_DIR / "django-import-export"
        cutoff = time.time() - hours * 3600
        removed = 0
        for path in folder.glob("*") if folder.is_dir() else []:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        self.stdout.write(f"Removed {removed} abandoned upload(s).")
