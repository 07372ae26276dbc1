import json
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

#: The reference data and the TASS article the registry starts from, in loading order.
ARTICLE_FIXTURES = ["fixtures/reference.json", "fixtures/tass-2025-11-12.json"]


def fixture_models(path):
    """Return the models a fixture file holds records of."""
    with open(path, encoding="utf-8") as handle:
        labels = {item["model"] for item in json.load(handle)}
    return [apps.get_model(label) for label in sorted(labels)]


class Command(BaseCommand):
    help = (
        "Load the reference data and the TASS article into an empty registry. A file whose "
        "sections already hold records is skipped, so staff edits and deletions are never undone; "
        "`make reset` empties the registry to start over."
    )

    def add_arguments(self, parser):
        parser.add_argument("fixtures", nargs="*", default=ARTICLE_FIXTURES, help="fixture files to load")

    def handle(self, *args, fixtures, **options):
        for fixture in fixtures:
            path = Path(fixture)
            if not path.is_absolute():
                path = Path(settings.BASE_DIR) / path
            occupied = [model for model in fixture_models(path) if model.objects.exists()]
            if occupied:
                names = ", ".join(str(model._meta.verbose_name_plural) for model in occupied)
                self.stdout.write(
                    f"{fixture}: not loaded, the registry already has records ({names}); "
                    "staff edits are kept. Run `make reset` to start over from the article."
                )
                continue
            call_command("loaddata", str(path), verbosity=0)
            self.stdout.write(self.style.SUCCESS(f"{fixture}: loaded into the empty registry."))
