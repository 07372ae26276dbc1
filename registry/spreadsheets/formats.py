"""The file formats staff use, read and written the way Russian-locale spreadsheets expect.

- CSV in Windows-1251 or UTF-8 (with or without BOM) and with `;`, `,` or tab, as Russian-locale
  Excel writes it (the library reads utf-8-sig and `,` only); written UTF-8 with a BOM so Excel
  shows Cyrillic.
- Every exported text cell that a spreadsheet would run as a formula is guarded (see `formulas`;
  the library strips a leading `=` only).
"""

import csv
import io
import json

import tablib
from django.utils.translation import gettext as _
from import_export.formats import base_formats

from .formulas import guarded_rows
from .readers import (
    FileRefused,
    Sheet,
    choose_sheet,
    dataset_from_sheet,
    dump_parsed,
    is_parsed,
    load_parsed,
    read_csv,
    read_workbook,
)

__all__ = [
    "CSV",
    "FORMATS",
    "FORMATS_BY_NAME",
    "IMPORT_FORMATS",
    "JSON",
    "ODS",
    "XLS",
    "XLSX",
    "dump_parsed",
    "format_for",
]


def as_dataset(rows):
    """Return an export's rows (a Dataset, or rows read as they are written) as a Dataset."""
    if isinstance(rows, tablib.Dataset):
        return rows
    return tablib.Dataset(*rows, headers=rows.headers, title=rows.title)


def guarded(dataset):
    return tablib.Dataset(*guarded_rows(dataset), headers=dataset.headers, title=dataset.title)


class SafeExportMixin:
    #: tells the admin to keep dates and numbers native in this format
    native_types = True

    def export_data(self, dataset, **kwargs):
        return super().export_data(guarded(dataset), **kwargs)


def xlsx_bytes(dataset):
    """Write the dataset (or an export's rows as they are read) with openpyxl's write-only mode,
    neutralising formulae on the way.

    tablib builds a full in-memory workbook first; streaming rows keeps a 100 000-row export
    fast and small.
    """
    import openpyxl
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title=(dataset.title or "Sheet1")[:31])
    sheet.append(list(dataset.headers or []))
    for row in guarded_rows(dataset):
        sheet.append(
            [ILLEGAL_CHARACTERS_RE.sub("\ufffd", cell) if isinstance(cell, str) else cell for cell in row]
        )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


class ImportFormat:
    """What our formats share on import: bytes in, a dataset with spreadsheet row numbers out.

    `wanted` scores a header row (see `choose_sheet`): with several sheets, the best match is read.
    """

    def is_binary(self):
        # Read and written as bytes: these classes decode and encode themselves.
        return True

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream, wanted=None, **kwargs):
        if is_parsed(in_stream):
            return load_parsed(in_stream)
        return self.read(bytes(in_stream), wanted)


class WorkbookFormat(ImportFormat):
    """XLSX, ODS and XLS, read by calamine behind the archive checks of `readers`."""

    def read(self, data, wanted):
        sheets = read_workbook(data, self.get_extension())
        sheet = choose_sheet(sheets, wanted)
        description = self.get_title().upper()
        if len(sheets) > 1 or sheet.name:
            description = _("%(format)s, лист «%(sheet)s»") % {"format": description, "sheet": sheet.name}
        return dataset_from_sheet(sheet, description, wanted)


class CSV(ImportFormat, base_formats.CSV):
    """CSV that detects its encoding and delimiter on import and is written UTF-8 with a BOM."""

    native_types = False

    def read(self, data, wanted):
        sheet, description = read_csv(data)
        return dataset_from_sheet(sheet, description, wanted)

    def export_data(self, dataset, **kwargs):
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(dataset.headers or [])
        writer.writerows(guarded_rows(dataset))
        return out.getvalue().encode("utf-8-sig")


class XLSX(WorkbookFormat, base_formats.XLSX):
    native_types = True

    def export_data(self, dataset, **kwargs):
        return xlsx_bytes(dataset)


class ODS(WorkbookFormat, SafeExportMixin, base_formats.ODS):
    pass


class XLS(WorkbookFormat, base_formats.Format):
    """Excel 97–2003, still common in Russian and Kazakh offices: read only (exports are XLSX).

    Not a tablib format: tablib would need xlrd, and calamine reads it.
    """

    def __init__(self, encoding=None):
        self.encoding = encoding

    def get_title(self):
        return "xls"

    def get_extension(self):
        return "xls"

    def get_content_type(self):
        return "application/vnd.ms-excel"

    def can_import(self):
        return True

    def can_export(self):
        return False


class JSON(ImportFormat, base_formats.JSON):
    native_types = False

    def read(self, data, wanted):
        try:
            records = json.loads(data.decode("utf-8-sig"))
        except ValueError as error:
            raise FileRefused(_("Это не JSON: %s.") % error) from None
        if not isinstance(records, list) or not all(isinstance(record, dict) for record in records):
            raise FileRefused(_("В JSON нужен список объектов, по одному на запись."))
        headers = list(dict.fromkeys(key for record in records for key in record))
        rows = [headers, *([record.get(key, "") for key in headers] for record in records)]
        return dataset_from_sheet(Sheet("", rows, guarded=False), "JSON")

    def export_data(self, dataset, **kwargs):
        # No formula guard: no spreadsheet runs JSON, and the guard would change the values.
        return super().export_data(as_dataset(dataset), **kwargs)


#: Formats offered for export (and the public downloads), and for import.
FORMATS = [XLSX, CSV, JSON, ODS]
FORMATS_BY_NAME = {"xlsx": XLSX, "csv": CSV, "json": JSON, "ods": ODS}
IMPORT_FORMATS = [*FORMATS, XLS]


def format_for(file_name):
    extension = file_name.rsplit(".", 1)[-1].lower()
    by_extension = {cls().get_extension(): cls for cls in IMPORT_FORMATS}
    if extension not in by_extension:
        raise ValueError(_("Неизвестный формат файла «%s»: нужен XLSX, CSV, JSON, ODS или XLS.") % file_name)
    return by_extension[extension]()
