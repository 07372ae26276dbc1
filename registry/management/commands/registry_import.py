from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.db import InterfaceError, OperationalError, transaction

from registry.management.spreadsheet_command import SpreadsheetCommand
from registry.middleware import is_database_locked
from registry.models import ImportRecord
from registry.spreadsheets import FileRefused, header_matcher


class Command(SpreadsheetCommand):
    help = (
        "Import a spreadsheet (XLSX, CSV, JSON, ODS, XLS) into one registry model with the same checks as "
        "the admin: any bad row rolls back the whole file. Example: "
        "manage.py registry_import institution institutions.xlsx --user admin"
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--dry-run", action="store_true", help="check and report, change nothing")
        parser.add_argument("--user", help="username recorded in the import journal")
        parser.add_argument(
            "--no-size-limit",
            action="store_true",
            help="accept a file larger than IMPORT_MAX_UPLOAD_BYTES (the row, column and "
            "uncompressed-size limits still apply)",
        )

    def handle(self, model, path, dry_run, user, no_size_limit=False, **options):
        resource, file_format = self.resource_and_format(model, path)
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        account = None
        if user:
            account = get_user_model().objects.filter(username=user).first()
            if account is None:
                raise CommandError(f"No such user: {user}")
        size, limit = path.stat().st_size, settings.IMPORT_MAX_UPLOAD_BYTES
        if size > limit and not no_size_limit:
            raise CommandError(
                f"{path.name} is {size} bytes; the limit is {limit} (IMPORT_MAX_UPLOAD_BYTES). "
                "Pass --no-size-limit to import it anyway."
            )
        try:
            dataset = file_format.create_dataset(path.read_bytes(), wanted=header_matcher(resource))
        except FileRefused as error:
            raise CommandError(str(error)) from None
        except Exception as error:  # any parser failure: the file is not in that format
            raise CommandError(f"Cannot read {path.name} as {file_format.get_title()}: {error}") from None

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
                self.stderr.write(f"row {row or '-'}, column {column}: {message}")
            raise CommandError("Nothing was imported.")
        for column, text, record in result.read_as:
            self.stdout.write(f"{column}: «{text}» read as {record}")
        totals = result.totals
        self.stdout.write(
            f"{'Checked' if dry_run else 'Imported'} {path.name}: {totals['new']} new, "
            f"{totals['update']} updated, {totals['skip']} unchanged."
        )


def connection_lost(error):
    """The transaction was rolled back by the database: say so, and that running again is safe."""
    if is_database_locked(error):
        return (
            "The database stayed locked by another write (an import in the admin, say) for "
            f"SQLITE_BUSY_TIMEOUT ({settings.DATABASES['default']['OPTIONS']['timeout']} s). "
            "Nothing was imported; run the command again when that write has finished."
        )
    return (
        f"The connection to the database was lost or failed during the import ({error}). "
        "Nothing was imported; run the command again."
    )
