from django.utils.translation import gettext

from registry.management.spreadsheet_command import SpreadsheetCommand


class Command(SpreadsheetCommand):
    help = (
        "Выгрузка одного раздела реестра, черновики тоже, в XLSX, CSV, JSON или ODS со столбцами "
        "админки. Пример: manage.py registry_export institution institutions.xlsx"
    )

    def handle(self, model, path, **options):
        resource, file_format = self.resource_and_format(model, path)
        rows = resource.export(force_native_type=file_format.native_types, streamed=True)
        path.write_bytes(_as_bytes(file_format.export_data(rows)))
        done = gettext("Выгружено строк: %(count)s, в %(path)s.")
        self.stdout.write(done % {"count": len(rows), "path": path})


def _as_bytes(data):
    return data if isinstance(data, bytes) else data.encode("utf-8")
