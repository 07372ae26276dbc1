"""What an import tells the clerk: messages and a table of row – column – reason."""

from django.db import IntegrityError
from django.utils.encoding import force_str
from django.utils.translation import gettext
from import_export import results


def unknown_headers_message(resource, unknown):
    expected = ", ".join(force_str(f.column_name) for f in resource.get_import_fields())
    return gettext("Неизвестные столбцы: %(unknown)s. Ожидаются: %(expected)s.") % {
        "unknown": ", ".join(f"«{h}»" for h in unknown),
        "expected": expected,
    }


def sheet_row(resource, number):
    """Return the spreadsheet's number of the dataset's row `number` (counted from 1 by the
    library), as the spreadsheet shows it after any title and empty rows: the reader kept each
    data row's number (`dataset.row_numbers`)."""
    numbers = getattr(resource, "_row_numbers", None) or []
    return numbers[number - 1] if 0 < number <= len(numbers) else number + 1


def sheet_errors(resource, result):
    """Return (spreadsheet row, column header, message) for every invalid row, rows numbered
    as the spreadsheet shows them (`sheet_row`)."""
    headers = {name: force_str(field.column_name) for name, field in resource.fields.items()}
    headers.update({field.attribute: force_str(field.column_name) for field in resource.fields.values()})
    errors = []
    for invalid in result.invalid_rows:
        for attribute, messages in invalid.error_dict.items():
            column = headers.get(attribute, "—")
            for message in messages:
                errors.append((sheet_row(resource, invalid.number), column, force_str(message)))
    for number, row_errors in result.row_errors():
        for error in row_errors:
            errors.append((sheet_row(resource, number), "—", force_str(error.error)))
    for error in result.base_errors:
        errors.append((None, "—", force_str(error.error)))
    return errors


class ImportFailure(results.Error):
    """A row's or a batch's failure as the clerk reads it.

    A unique key already taken when the row is written means that another import or another
    member of staff created the same record after this file was checked (two imports of the same
    new records at once): said in words, not as the database's `duplicate key value violates…`.
    """

    def __init__(self, error, row=None, number=None):
        if isinstance(error, IntegrityError):
            error = ValueError(
                gettext(
                    "Пока шёл импорт, такую же запись создал другой сотрудник или другой импорт. "
                    "Ничего не импортировано: загрузите файл снова, и предпросмотр покажет, что "
                    "изменилось."
                )
                if is_unique_violation(error)
                else gettext("База данных отклонила запись: %s. Ничего не импортировано.") % error
            )
        super().__init__(error, row, number)


def is_unique_violation(error):
    cause = error.__cause__
    return getattr(cause, "sqlstate", None) == "23505" or "UNIQUE constraint failed" in str(error)
