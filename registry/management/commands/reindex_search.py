from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from registry.models import Searchable

BATCH = 2000


class Command(BaseCommand):
    help = (
        "Rewrite the search text of every record with the current rules of registry/search.py. "
        "Run after migrating to a version whose search rules changed; changes nothing else "
        "(versions and history stay as they are)."
    )

    def handle(self, **options):
        for model in apps.get_app_config("registry").get_models():
            if not issubclass(model, Searchable):
                continue
            changed = 0
            with transaction.atomic():
                batch = []
                for record in model._base_manager.order_by("pk").iterator(chunk_size=BATCH):
                    before = record.search_text
                    record.refresh_search_text()
                    if record.search_text != before:
                        batch.append(record)
                    if len(batch) >= BATCH:
                        changed += self._write(model, batch)
                if batch:
                    changed += self._write(model, batch)
            if options["verbosity"]:
                self.stdout.write(f"{model._meta.label}: {changed} record(s) reindexed.")

    def _write(self, model, batch):
        # A plain UPDATE of one column: no save(), no signal, no history, no new version.
        model._base_manager.bulk_update(batch, ["search_text"], batch_size=BATCH)
        written = len(batch)
        batch.clear()
        return written
