from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from registry.resources import resource_for
from registry.spreadsheets import format_for


class Command(BaseCommand):
    help = (
        "Export one registry model, drafts included, to XLSX, CSV, JSON or ODS with the admin's "
        "columns. Example: manage.py registry_export institution institutions.xlsx"
    )

    def add_arguments(self, parser):
        parser.add_argument("model", help="institution, branch, agreement, programme, source, ...")
        parser.add_argument("path", type=Path)

    def handle(self, model, path, **options):
        translation.activate("ru")
        try:
            resource = resource_for(model)()
            file_format = format_for(path.name)
        except (KeyError, ValueError) as error:
            raise CommandError(str(error)) from None
        dataset = resource.export(force_native_type=file_format.native_types)
        path.write_bytes(_as_bytes(file_format.export_data(dataset)))
        self.stdout.write(f"Exported {len(dataset)} rows to {path}.")


def _as_bytes(data):
    return data if isinstance(data, bytes) else data.encode("utf-8")
