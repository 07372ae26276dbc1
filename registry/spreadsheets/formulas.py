"""The formula guard: one rule for writing it on export and taking it off on import.

A text cell that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or
carriage return) is written with a leading apostrophe. So is text that already starts with an
apostrophe followed by one of those (or by another apostrophe), so that taking the guard off on
import gives back exactly what was exported. Numbers are never guarded (`-3.75` stays a number),
and JSON, which no spreadsheet runs, is written as it is.
"""

import re

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
#: The first characters that may need a guard; anything else is left as it is at once.
GUARD_START = frozenset((*FORMULA_TRIGGERS, "'"))
#: After an apostrophe: a line feed too, since a carriage return is read back as one.
GUARDED_NEXT = frozenset((*FORMULA_TRIGGERS, "\n", "'"))
#: `-3.75` is a number to a spreadsheet; `+7 495` (with a space) is a broken formula.
PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?(?:[eE][+-]?\d+)?")


def needs_guard(text):
    """Return whether an exported text cell gets the apostrophe (see the module docstring)."""
    if text[:1] not in GUARD_START:
        return False
    if text[0] == "'":
        return text[1:2] in GUARDED_NEXT
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
    if text[:1] == "'" and text[1:2] in GUARDED_NEXT:
        return text[1:]
    return text
