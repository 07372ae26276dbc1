"""The file formats staff use, read and written the way Russian-locale spreadsheets expect.

- CSV in Windows-1251 or UTF-8 (with or without BOM) and with `;`, `,` or tab, as Russian-locale
  Excel writes it (the library reads utf-8-sig and `,` only); written UTF-8 with a BOM so Excel
  shows Cyrillic.
- Every exported cell that a spreadsheet would run as a formula is neutralised (the library strips
  a leading `=` only).
"""

import csv
import io

import tablib
from django.utils.translation import gettext as _
from import_export.formats import base_formats

from .readers import decode_text, delimiter_name, dump_parsed, is_parsed, load_parsed, sniff_delimiter

__all__ = ["CSV", "FORMATS", "FORMATS_BY_NAME", "JSON", "ODS", "XLSX", "dump_parsed", "format_for"]

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_TRIGGER_SET = frozenset(FORMULA_TRIGGERS)


def neutralised_row(row):
    """Return the row so that no spreadsheet runs a cell: text that starts like a formula gets a
    leading quote. Numbers, dates and booleans stay native, so a negative number stays a number.
    """
    # The test is inlined: it runs for every cell of a 100 000-row export.
    return ["'" + cell if cell.__class__ is str and cell[:1] in _TRIGGER_SET else cell for cell in row]


def neutralised(dataset):
    safe = tablib.Dataset(headers=dataset.headers)
    for row in dataset:
        safe.append(neutralised_row(row))
    return safe


class SafeExportMixin:
    #: tells the admin to keep dates and numbers native in this format
    native_types = True

    def export_data(self, dataset, **kwargs):
        return super().export_data(neutralised(dataset), **kwargs)


def xlsx_bytes(dataset):
    """Write the dataset with openpyxl's write-only mode, neutralising formulae on the way.

    tablib builds a full in-memory workbook first; streaming rows keeps a 100 000-row export
    fast and small.
    """
    import openpyxl
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title=(dataset.title or "Sheet1")[:31])
    sheet.append(list(dataset.headers or []))
    for row in dataset:
        sheet.append(
            [
                ILLEGAL_CHARACTERS_RE.sub("\ufffd", cell) if isinstance(cell, str) else cell
                for cell in neutralised_row(row)
            ]
        )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


class CSV(base_formats.CSV):
    """CSV that detects its encoding and delimiter on import and is written UTF-8 with a BOM."""

    native_types = False

    def is_binary(self):
        # Read and written as bytes: this class decodes and encodes itself.
        return True

    def get_read_mode(self):
        return "rb"

    def first_rows(self, data, count):
        head = data[:65536]
        if len(data) > len(head) and b"\n" in head:
            # Cut at a line end: never inside a multi-byte UTF-8 letter.
            head = head[: head.rindex(b"\n")]
        text, _encoding = decode_text(head)
        lines = text.splitlines()[: count + 1]
        return [row for row in csv.reader(lines, delimiter=sniff_delimiter(text)) if row][:count]

    def create_dataset(self, in_stream, **kwargs):
        if is_parsed(in_stream):
            return load_parsed(in_stream)
        text, encoding = decode_text(in_stream)
        delimiter = sniff_delimiter(text)
        dataset = tablib.Dataset()
        dataset.load(text, format="csv", delimiter=delimiter)
        dataset.detected = _("CSV, кодировка %(encoding)s, разделитель — %(delimiter)s") % {
            "encoding": encoding,
            "delimiter": delimiter_name(delimiter),
        }
        return dataset

    def export_data(self, dataset, **kwargs):
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(dataset.headers or [])
        writer.writerows(map(neutralised_row, dataset))
        return out.getvalue().encode("utf-8-sig")


class XLSX(base_formats.XLSX):
    native_types = True

    def export_data(self, dataset, **kwargs):
        return xlsx_bytes(dataset)

    def first_rows(self, data, count):
        import openpyxl

        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            rows = workbook.active.iter_rows(values_only=True)
            found = []
            for row in rows:
                if any(cell not in (None, "") for cell in row) or not found:
                    found.append(row)
                if len(found) == count:
                    break
            return found
        finally:
            workbook.close()

    def create_dataset(self, in_stream, **kwargs):
        if is_parsed(in_stream):
            return load_parsed(in_stream)
        # Empty rows Excel leaves after the data are dropped by the library
        # (IMPORT_EXPORT_IMPORT_IGNORE_BLANK_LINES in settings).
        dataset = super().create_dataset(in_stream)
        dataset.detected = "XLSX"
        return dataset


class ODS(SafeExportMixin, base_formats.ODS):
    def create_dataset(self, in_stream, **kwargs):
        if is_parsed(in_stream):
            return load_parsed(in_stream)
        return super().create_dataset(in_stream, **kwargs)

    def is_binary(self):
        return True

    def get_read_mode(self):
        return "rb"


class JSON(base_formats.JSON):
    native_types = False

    def is_binary(self):
        return True

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        if is_parsed(in_stream):
            return load_parsed(in_stream)
        if isinstance(in_stream, bytes):
            in_stream = in_stream.decode("utf-8-sig")
        dataset = super().create_dataset(in_stream, **kwargs)
        dataset.detected = "JSON"
        return dataset

    def export_data(self, dataset, **kwargs):
        # JSON carries no formulae, but its cells often end up pasted into a spreadsheet.
        return super().export_data(neutralised(dataset), **kwargs)


FORMATS = [XLSX, CSV, JSON, ODS]
FORMATS_BY_NAME = {"xlsx": XLSX, "csv": CSV, "json": JSON, "ods": ODS}


def format_for(file_name):
    extension = file_name.rsplit(".", 1)[-1].lower()
    if extension not in FORMATS_BY_NAME:
        raise ValueError(_("Неизвестный формат файла «%s»: нужен XLSX, CSV, JSON или ODS.") % file_name)
    return FORMATS_BY_NAME[extension]()
