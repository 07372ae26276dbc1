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

    Row numbers are as the spreadsheet shows them: the header is row 1, the first data row 2.
    """
    headers = {name: force_str(field.column_name) for name, field in resource.fields.items()}
    headers.update({field.attribute: force_str(field.column_name) for field in resource.fields.values()})
    errors = []
    for invalid in result.invalid_rows:
        for attribute, messages in invalid.error_dict.items():
            column = headers.get(attribute, "—")
            for message in messages:
                errors.append((invalid.number + 1, column, force_str(message)))
    for number, row_errors in result.row_errors():
        for error in row_errors:
            errors.append((number + 1, "—", force_str(error.error)))
    for error in result.base_errors:
        errors.append((None, "—", force_str(error.error)))
    return errors
