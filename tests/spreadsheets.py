"""Real spreadsheet files, made the way staff make them."""

import csv
import io

import openpyxl

from benchmarks.generate import INSTITUTION_HEADERS, xlsx_bytes  # noqa: F401  (re-exported)


def csv_bytes(headers, rows, delimiter=";", encoding="cp1251"):
    """A CSV as Russian-locale Excel writes it: Windows-1251 and `;` unless told otherwise."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def read_xlsx(data):
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    return list(workbook.active.iter_rows())


def institution_row(slug="omgtu", **overrides):
    row = {
        "Код записи": slug,
        "Официальное название": "Омский государственный технический университет",
        "Название по-русски": "Омский государственный технический университет",
        "Название по-английски": "Omsk State Technical University",
        "Сокращения": "ОмГТУ",
        "Вид": "университет",
        "Страна": "RU",
        "Регион": "",
        "Город": "Омск",
        "Год основания": "1942",
        "Действует": "да",
        "Опубликовано": "нет",
        **overrides,
    }
    return [row[h] for h in INSTITUTION_HEADERS]
