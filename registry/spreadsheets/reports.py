"""What an import tells the clerk: messages and a table of row – column – reason."""

from django.utils.encoding import force_str
from django.utils.translation import gettext


def unknown_headers_message(resource, unknown):
    expected = ", ".join(force_str(f.column_name) for f in resource.get_import_fields())
    return gettext("Неизвестные столбцы: %(unknown)s. Ожидаются: %(expected)s.") % {
        "unknown": ", ".join(f"«{h}»" for h in unknown),
        "expected": expected,
    }


def sheet_errors(resource, result):
    """Return (spreadsheet row, column header, message) for every invalid row.

    Row numbers are as the spreadsheet shows them, after any title and empty rows: the reader
    kept each data row's number (`dataset.row_numbers`), which the library counts from 1.
    """
    numbers = getattr(resource, "_row_numbers", None) or []

    def sheet_row(number):
        return numbers[number - 1] if 0 < number <= len(numbers) else number + 1

    headers = {name: force_str(field.column_name) for name, field in resource.fields.items()}
    headers.update({field.attribute: force_str(field.column_name) for field in resource.fields.values()})
    errors = []
    for invalid in result.invalid_rows:
        for attribute, messages in invalid.error_dict.items():
            column = headers.get(attribute, "—")
            for message in messages:
                errors.append((sheet_row(invalid.number), column, force_str(message)))
    for number, row_errors in result.row_errors():
        for error in row_errors:
            errors.append((sheet_row(number), "—", force_str(error.error)))
    for error in result.base_errors:
        errors.append((None, "—", force_str(error.error)))
    return errors
