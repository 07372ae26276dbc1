"""Nothing doubtful is written silently: lost Kazakh letters, duplicated or blank headers and
spreadsheet error values are refused; UTF-16 text and the export's formula guard read back exactly."""

import io
import json
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command

from registry import models
from tests import factories
from tests.spreadsheets import (
    INSTITUTION_HEADERS,
    admin_export,
    confirm,
    csv_bytes,
    form_errors,
    institution_row,
    upload,
    xlsx_bytes,
)

FILES = Path(__file__).parent / "files"
KAZAKH_NAME = "Әл-Фараби атындағы Қазақ ұлттық университеті"


def with_kazakh_name(slug, name_kk=KAZAKH_NAME):
    return [*institution_row(slug), name_kk]


HEADERS_KK = [*INSTITUTION_HEADERS, "Название по-казахски"]


@pytest.mark.django_db
class TestEncodings:
    def test_a_cp1251_csv_with_lost_kazakh_letters_is_refused_naming_rows_and_columns(
        self, editor_client, article
    ):
        # What Excel writes when it saves Kazakh text as Windows-1251.
        lost = KAZAKH_NAME.encode("cp1251", errors="replace").decode("cp1251")
        assert lost == "?л-Фараби атында?ы ?аза? ?лтты? университеті"
        rows = [with_kazakh_name("omgtu", name_kk=""), with_kazakh_name("kaznu-test", name_kk=lost)]
        data = csv_bytes(HEADERS_KK, rows, encoding="cp1251")
        errors = form_errors(upload(editor_client, "institution", "kk.csv", data, "CSV"))
        assert "Windows-1251" in errors
        assert "в строке 3" in errors and "«Название по-казахски»" in errors
        assert "«CSV UTF-8» или XLSX" in errors
        assert not models.Institution.objects.filter(slug="kaznu-test").exists()

    def test_a_kazakh_letter_lost_at_the_end_of_a_word_is_refused_naming_every_row_and_column(
        self, editor_client, article
    ):
        lost = "Алматы технологиялық университеті".encode("cp1251", errors="replace").decode("cp1251")
        assert lost == "Алматы технологиялы? университеті"  # the only Kazakh letter, at a word's end
        rows = [
            with_kazakh_name("omgtu", name_kk=""),
            with_kazakh_name("atu-test", name_kk=lost),
            [*institution_row("atu-test-2", **{"Официальное название": lost}), ""],
        ]
        errors = form_errors(
            upload(editor_client, "institution", "kk.csv", csv_bytes(HEADERS_KK, rows), "CSV")
        )
        assert "в строках 3, 4, столбцы «Официальное название», «Название по-казахски»" in errors
        assert not models.Institution.objects.filter(slug__startswith="atu-test").exists()

    @pytest.mark.parametrize("text", ["Омск?", "Кто подписал? Неизвестно.", "Подписано? 2025 год"])
    def test_a_question_mark_that_ends_a_sentence_is_not_refused(self, editor_client, article, text):
        rows = [[*institution_row("omgtu")[:-1], "нет"]]
        rows[0][INSTITUTION_HEADERS.index("Город")] = text
        data = csv_bytes(INSTITUTION_HEADERS, rows, encoding="cp1251")
        assert upload(editor_client, "institution", "q.csv", data, "CSV").context["result"].totals["new"] == 1

    def test_a_utf16_tab_separated_file_as_excel_saves_unicode_text_imports(self, editor_client, article):
        data = csv_bytes(HEADERS_KK, [with_kazakh_name("kaznu-test")], delimiter="\t", encoding="utf-16")
        assert data.startswith(b"\xff\xfe")
        preview = upload(editor_client, "institution", "unicode.txt", data, "CSV")
        assert "UTF-16" in preview.content.decode()
        confirm(editor_client, "institution", preview)
        assert models.Institution.objects.get(slug="kaznu-test").name_kk == KAZAKH_NAME


@pytest.mark.django_db
class TestHeaders:
    def test_the_same_header_twice_is_refused(self, editor_client, article):
        headers = [*INSTITUTION_HEADERS, "Город"]
        data = xlsx_bytes(headers, [[*institution_row("omgtu"), "Томск"]])
        errors = form_errors(upload(editor_client, "institution", "twice.xlsx", data, "XLSX"))
        assert "Столбцы I («Город») и M («Город») означают одно и то же" in errors

    def test_a_russian_and_an_english_header_for_one_field_are_refused(self, editor_client, article):
        headers = [*INSTITUTION_HEADERS, "City"]
        data = csv_bytes(headers, [[*institution_row("omgtu"), "Томск"]])
        errors = form_errors(upload(editor_client, "institution", "both.csv", data, "CSV"))
        assert "(«Город») и M («City»)" in errors

    def test_a_blank_header_over_data_is_refused(self, editor_client, article):
        headers = [*INSTITUTION_HEADERS, ""]
        data = xlsx_bytes(headers, [[*institution_row("omgtu"), "что-то"]])
        errors = form_errors(upload(editor_client, "institution", "blank.xlsx", data, "XLSX"))
        assert "(строка 1) у столбцов M нет заголовка, но в них есть данные" in errors


@pytest.mark.django_db
class TestErrorValues:
    @pytest.mark.parametrize("shown", ["#N/A", "#ЗНАЧ!", "#REF!", "#DIV/0!"])
    def test_an_error_value_in_a_csv_is_a_row_error(self, editor_client, article, shown):
        row = institution_row("omgtu")
        row[INSTITUTION_HEADERS.index("Город")] = shown
        data = csv_bytes(INSTITUTION_HEADERS, [institution_row("samgtu"), row], encoding="utf-8")
        result = upload(editor_client, "institution", "e.csv", data, "CSV").context["result"]
        assert (
            3,
            "Город",
            f"В ячейке ошибка «{shown}», а не значение: исправьте формулу или впишите значение.",
        ) in (result.sheet_errors)

    @pytest.mark.parametrize("control", ["\x07", "\x0b", "\x1f", "\x7f"])
    def test_an_invisible_control_character_is_a_row_error(self, editor_client, article, control):
        row = institution_row("omgtu")
        row[INSTITUTION_HEADERS.index("Город")] = f"Алма{control}ты"
        data = csv_bytes(INSTITUTION_HEADERS, [institution_row("samgtu"), row], encoding="utf-8")
        result = upload(editor_client, "institution", "c.csv", data, "CSV").context["result"]
        code = f"U+{ord(control):04X}"
        says = f"В тексте невидимый управляющий символ {code} (после «Алма»): удалите его."
        assert result.sheet_errors == [(3, "Город", says)]
        assert not models.Institution.objects.filter(slug__in=["samgtu", "omgtu"]).exists()

    def test_an_error_cell_in_an_xlsx_is_a_row_error(self, editor_client, article):
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(INSTITUTION_HEADERS)
        sheet.append(institution_row("omgtu"))
        sheet.cell(row=2, column=INSTITUTION_HEADERS.index("Город") + 1).value = "#N/A"
        assert sheet.cell(row=2, column=INSTITUTION_HEADERS.index("Город") + 1).data_type == "e"
        out = io.BytesIO()
        workbook.save(out)
        result = upload(editor_client, "institution", "e.xlsx", out.getvalue(), "XLSX").context["result"]
        assert [(row, column) for row, column, _message in result.sheet_errors] == [(2, "Город")], (
            result.sheet_errors
        )
        assert not models.Institution.objects.filter(slug="omgtu").exists()

    @pytest.mark.parametrize(
        ("name", "file_format"), [("error_values.ods", "ODS"), ("error_values.xlsx", "XLSX")]
    )
    def test_error_values_in_a_libreoffice_file_are_row_errors(
        self, editor_client, article, name, file_format
    ):
        # =NA() in Примечания and =1/0 in Дата подписания. In an ODS, LibreOffice saves them as
        # empty text marked calcext:value-type="error", which calamine reads as an empty cell.
        # Row 5's title is a formula LibreOffice computed: a value like any other.
        data = (FILES / name).read_bytes()
        result = upload(editor_client, "agreement", name, data, file_format).context["result"]
        reason = "В ячейке ошибка «%s», а не значение: исправьте формулу или впишите значение."
        assert result.sheet_errors == [
            (3, "Примечания", reason % "#N/A"),
            (4, "Дата подписания", reason % "#DIV/0!"),
        ]


UNCOMPUTED = "В ячейке формула без вычисленного значения: откройте и сохраните файл в Excel или LibreOffice."
#: Formulas as a script writes them, with no value computed: openpyxl and odfpy write none.
FORMULAS = {"Название по-русски": '="Омский "&"университет"', "Город": "=NA()", "Год основания": "=1/0"}


def ods_bytes(headers, rows):
    """An ODS as a script writes it with odfpy: a formula cell carries its formula and no value."""
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    table = Table(name="Учреждения")
    for values in [headers, *rows]:
        row = TableRow()
        for value in values:
            if value.startswith("="):
                row.addElement(TableCell(formula="of:" + value))
            else:
                cell = TableCell(valuetype="string")
                cell.addElement(P(text=value))
                row.addElement(cell)
        table.addElement(row)
    document.spreadsheet.addElement(table)
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize(("file_format", "write"), [("XLSX", xlsx_bytes), ("ODS", ods_bytes)])
def test_a_formula_without_a_computed_value_is_a_row_error(editor_client, article, file_format, write):
    data = write(INSTITUTION_HEADERS, [institution_row("samgtu"), institution_row("omgtu", **FORMULAS)])
    result = upload(editor_client, "institution", "f", data, file_format).context["result"]
    assert sorted(result.sheet_errors) == [(3, column, UNCOMPUTED) for column in sorted(FORMULAS)]


TRICKY_TEXT = [
    "=1+1", "- примечание", "@SUM(1;2)", "'@SUM(1;2)", "''x", "'обычный апостроф", "+7 495",
    "#N/A", "'#ЗНАЧ!", "Err:502", "#хештег", "Ещё",
]  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("file_format", ["XLSX", "CSV", "JSON", "ODS"])
def test_the_formula_guard_comes_off_exactly_on_import(admin_client, article, file_format):
    for number, text in enumerate(TRICKY_TEXT):
        factories.institution(slug=f"tricky-{number}", notes=text, name_ru=f"Вуз {number}")
    factories.indicator(slug="negative", value=-3.75)
    before = dump()
    for model in ("institution", "indicator"):
        data = admin_export(admin_client, model, file_format)
        if file_format == "JSON":
            assert "'" + "=1+1" not in data.decode()
        preview = upload(admin_client, model, f"round.{file_format.lower()}", data, file_format)
        result = preview.context["result"]
        assert result.totals["new"] == result.totals["update"] == 0, result.sheet_errors
    assert dump() == before


def dump():
    out = io.StringIO()
    call_command("dumpdata", "registry.institution", "registry.indicator", natural_primary=True, stdout=out)
    return json.loads(out.getvalue())
