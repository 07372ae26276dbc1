"""The formula guard: one rule for writing it on export and taking it off on import.

A text cell that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or
carriage return), or read as an error value (`#N/A`, `Err:502`), is written with a leading
apostrophe. So is text that already starts with an apostrophe followed by one of those (or by
another apostrophe), so that taking the guard off on import gives back exactly what was exported.
Numbers are never guarded (`-3.75` stays a number), and JSON, which no spreadsheet runs, is
written as it is.
"""

import re

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
#: Error values as Excel and LibreOffice show them in English and Russian, and as they land in
#: CSV: an imported cell that reads so is refused (readers.clean_cell), unless guarded as text.
ERROR_VALUES = frozenset(
    [
        "#N/A",
        "#Н/Д",
        "#VALUE!",
        "#ЗНАЧ!",
        "#REF!",
        "#ССЫЛКА!",
        "#DIV/0!",
        "#ДЕЛ/0!",
        "#NAME?",
        "#ИМЯ?",
        "#NUM!",
        "#ЧИСЛО!",
        "#NULL!",
        "#ПУСТО!",
        "#SPILL!",
        "#CALC!",
        "#GETTING_DATA",
    ]  # fmt: skip
)
LIBREOFFICE_ERROR = re.compile(r"^Err:\d{3}$")
#: The first characters that may need a guard; anything else is left as it is at once.
GUARD_START = frozenset((*FORMULA_TRIGGERS, "'", "#", "E"))
#: After an apostrophe: a line feed too, since a carriage return is read back as one.
GUARDED_NEXT = frozenset((*FORMULA_TRIGGERS, "\n", "'"))
#: `-3.75` is a number to a spreadsheet; `+7 495` (with a space) is a broken formula.
PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?(?:[eE][+-]?\d+)?")


def is_error_value(text):
    """Return whether a spreadsheet shows this text as an error value, not as text."""
    return text in ERROR_VALUES or LIBREOFFICE_ERROR.match(text) is not None


def needs_guard(text):
    """Return whether an exported text cell gets the apostrophe (see the module docstring)."""
    first = text[:1]
    if first not in GUARD_START:
        return False
    if first == "'":
        return text[1:2] in GUARDED_NEXT or is_error_value(text[1:])
    if first in ("#", "E"):
        return is_error_value(text)
    return not PLAIN_NUMBER.fullmatch(text)


def guarded_row(row):
    """Return the row with the guard on every text cell that needs it.

    The first-character test is inlined: it runs for every cell of the 100 000-row export of
    `make bench` ("export XLSX"/"export CSV"), and nearly every cell fails it at once.
    """
    return [
        "'" + cell if cell.__class__ is str and cell[:1] in GUARD_START and needs_guard(cell) else cell
        for cell in row
    ]


def guarded_rows(rows):
    """Yield the rows with the guard on every text cell that needs it.

    Rows that say which columns may need it (`text_columns`, as an export's rows do: not numbers,
    dates, or labels that do not) have only those looked at, and are guarded in place. A speed-up
    for "admin export XLSX" and "admin export CSV" in `make bench`.
    """
    columns = getattr(rows, "text_columns", None)
    if columns is None:
        yield from map(guarded_row, rows)
        return
    for row in rows:
        for index in columns:
            cell = row[index]
            if cell.__class__ is str and cell[:1] in GUARD_START and needs_guard(cell):
                row[index] = "'" + cell
        yield row


def unguarded(text):
    """Return an imported text cell with the export's guard taken off, exactly."""
    if text[:1] == "'" and (text[1:2] in GUARDED_NEXT or is_error_value(text[1:])):
        return text[1:]
    return text
