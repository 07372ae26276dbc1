from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from registry.spreadsheets import format_for, resource_for


class SpreadsheetCommand(BaseCommand):
    """What registry_import and registry_export share: a model name, a file and its format, and
    the language they speak: the registry's own (Russian), as the checks of the rows do."""

    def add_arguments(self, parser):
        parser.add_argument("model", help="раздел: institution, branch, agreement, programme, source, …")
        parser.add_argument("path", type=Path, help="файл таблицы; формат — по расширению")

    def resource_and_format(self, model, path):
        translation.activate("ru")
        try:
            return resource_for(model)(), format_for(path.name)
        except (KeyError, ValueError) as error:
            raise CommandError(error.args[0]) from None
