from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.db import InterfaceError, OperationalError, transaction
from django.utils.translation import gettext

from registry import permissions
from registry.management.spreadsheet_command import SpreadsheetCommand
from registry.middleware import is_database_locked
from registry.models import ImportRecord
from registry.spreadsheets import FileRefused, header_matcher


class Command(SpreadsheetCommand):
    help = (
        "Импорт таблицы (XLSX, CSV, JSON, ODS, XLS) в один раздел реестра с теми же проверками, что "
        "в админке: при любой ошибочной строке не импортируется ничего. Пример: "
        "manage.py registry_import institution institutions.xlsx --user admin"
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--dry-run", action="store_true", help="только проверить и сообщить, ничего не менять"
        )
        parser.add_argument(
            "--user",
            help="кто импортирует (записывается в журнал импорта и историю записей); без него — никто",
        )
        parser.add_argument(
            "--no-size-limit",
            action="store_true",
            help="принять файл больше IMPORT_MAX_UPLOAD_BYTES (пределы строк, столбцов и размера "
            "после распаковки действуют)",
        )

    def handle(self, model, path, dry_run, user, no_size_limit=False, **options):
        resource, file_format = self.resource_and_format(model, path)
        if not path.is_file():
            raise CommandError(gettext("Нет такого файла: %s") % path)
        account = None
        if user:
            account = get_user_model().objects.filter(username=user).first()
            if account is None:
                raise CommandError(gettext("Нет такого пользователя: %s") % user)
            model = resource._meta.model
            if not (account.is_active and permissions.may(account, "import", model)):
                # The journal and the records' history would name them as the import's author.
                message = gettext("Пользователю %(user)s не разрешено импортировать раздел «%(section)s».")
                raise CommandError(message % {"user": user, "section": model._meta.verbose_name_plural})
        size, limit = path.stat().st_size, settings.IMPORT_MAX_UPLOAD_BYTES
        if size > limit and not no_size_limit:
            message = gettext(
                "%(name)s: %(size)s байт, больше предела в %(limit)s (IMPORT_MAX_UPLOAD_BYTES). "
                "Чтобы всё же импортировать его, добавьте --no-size-limit."
            )
            raise CommandError(message % {"name": path.name, "size": size, "limit": limit})
        try:
            dataset = file_format.create_dataset(path.read_bytes(), wanted=header_matcher(resource))
        except FileRefused as error:
            raise CommandError(str(error)) from None
        except Exception as error:  # any parser failure: the file is not in that format
            message = gettext("Не удаётся прочитать %(name)s как %(format)s: %(error)s")
            details = {"name": path.name, "format": file_format.get_title(), "error": error}
            raise CommandError(message % details) from None

        try:
            with transaction.atomic():
                result = resource.import_data(
                    dataset,
                    dry_run=dry_run,
                    rollback_on_validation_errors=True,
                    file_name=path.name,
                    file_format=file_format.get_title(),
                    user=account,
                    via=ImportRecord.Via.COMMAND,
                )
        except (OperationalError, InterfaceError) as error:
            raise CommandError(connection_lost(error)) from None
        # The library reports a failure of the database as the import's error, not by raising.
        failures = [e.error for e in result.base_errors]
        failures += [e.error for _, errors in result.row_errors() for e in errors]
        lost = [error for error in failures if isinstance(error, (OperationalError, InterfaceError))]
        if lost:
            raise CommandError(connection_lost(lost[0]))
        if result.has_errors() or result.has_validation_errors():
            for row, column, message in result.sheet_errors:
                where = gettext("строка %(row)s, столбец %(column)s") % {"row": row or "-", "column": column}
                self.stderr.write(f"{where}: {message}")
            raise CommandError(gettext("Ничего не импортировано."))
        for column, text, record in result.read_as:
            read_as = {"column": column, "text": text, "record": record}
            self.stdout.write(gettext("%(column)s: «%(text)s» прочитано как %(record)s") % read_as)
        totals = result.totals
        if dry_run:
            done = gettext("Проверен %(name)s: новых %(new)s, изменённых %(update)s, без изменений %(skip)s.")
        else:
            done = gettext(
                "Импортирован %(name)s: новых %(new)s, изменённых %(update)s, без изменений %(skip)s."
            )
        self.stdout.write(done % {"name": path.name, **totals})


def connection_lost(error):
    """The transaction was rolled back by the database: say so, and that running again is safe."""
    if is_database_locked(error):
        message = gettext(
            "База данных оставалась занятой другой записью (например, импортом в админке) дольше "
            "SQLITE_BUSY_TIMEOUT (%(timeout)s с). Ничего не импортировано; запустите команду снова, "
            "когда та запись закончится."
        )
        return message % {"timeout": settings.DATABASES["default"]["OPTIONS"]["timeout"]}
    message = gettext(
        "Соединение с базой данных прервалось или дало сбой во время импорта (%(error)s). "
        "Ничего не импортировано; запустите команду снова."
    )
    return message % {"error": error}
