"""Hostile or accidental files answer at once with a clear message and import nothing."""

import io
import re
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from registry import models
from registry.spreadsheets.readers import FileRefused, inspect_archive
from tests.spreadsheets import (
    INSTITUTION_HEADERS,
    csv_bytes,
    form_errors,
    institution_row,
    replace_member,
    upload,
    xlsx_bytes,
)

SHEET = "xl/worksheets/sheet1.xml"
FILES = Path(__file__).parent / "files"


def sheet_xml(data):
    return zipfile.ZipFile(io.BytesIO(data)).read(SHEET)


def two_institutions():
    return xlsx_bytes(INSTITUTION_HEADERS, [institution_row("omgtu"), institution_row("samgtu")])


def whole_sheet_declared(data):
    """Excel writes this dimension when whole rows are formatted."""
    xml = re.sub(rb"<dimension [^>]*>", b'<dimension ref="A1:XFD1048576"/>', sheet_xml(data))
    if b"<dimension" not in xml:
        xml = xml.replace(b"<sheetData", b'<dimension ref="A1:XFD1048576"/><sheetData', 1)
    return replace_member(data, SHEET, xml)


def zip_bomb(path, size=1024**3):
    """Write an XLSX whose worksheet inflates to `size` bytes, streaming: never held in memory."""
    source = zipfile.ZipFile(io.BytesIO(two_institutions()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != SHEET:
                target.writestr(info.filename, source.read(info.filename))
        with target.open(SHEET, "w", force_zip64=True) as sheet:
            xml = sheet_xml(two_institutions())
            head, tail = xml.split(b"</sheetData>")
            sheet.write(head)
            padding = b" " * (1024 * 1024)
            for _ in range(size // len(padding)):
                sheet.write(padding)
            sheet.write(b"</sheetData>" + tail)
    return path.read_bytes()


def long_csv(rows=870_000):
    """A 9 MB CSV of 870 000 short rows, under the upload limit."""
    lines = [";".join(INSTITUTION_HEADERS[:2])] + [f"s{i};n" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.django_db
class TestHostileFilesInTheAdmin:
    def test_a_declared_whole_sheet_dimension_is_ignored(self, editor_client, article):
        response = upload(
            editor_client, "institution", "d.xlsx", whole_sheet_declared(two_institutions()), "XLSX"
        )
        assert response.context["result"].totals["new"] == 2

    def test_a_value_in_column_xfd_is_refused_before_parsing(self, editor_client, article):
        data = two_institutions()
        xml = sheet_xml(data).replace(b"</row>", b'<c r="XFD1" t="inlineStr"><is><t>x</t></is></c></row>', 1)
        response = upload(editor_client, "institution", "wide.xlsx", replace_member(data, SHEET, xml), "XLSX")
        assert "В файле 16\xa0384 столбцов, а можно не больше 100" in form_errors(response)

    def test_formatted_empty_cells_to_the_last_row_are_ignored(self, editor_client, article):
        data = two_institutions()
        xml = sheet_xml(data).replace(
            b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" s="0"/></row></sheetData>'
        )
        response = upload(editor_client, "institution", "f.xlsx", replace_member(data, SHEET, xml), "XLSX")
        assert response.context["result"].totals["new"] == 2

    @pytest.mark.parametrize("cell", ["A1048576", "XFD1048576"])
    def test_a_value_in_the_last_row_is_refused_before_parsing_naming_it(self, editor_client, article, cell):
        data = two_institutions()
        xml = sheet_xml(data).replace(
            b"</sheetData>", f'<row r="1048576"><c r="{cell}"><v>1</v></c></row></sheetData>'.encode()
        )
        response = upload(editor_client, "institution", "tall.xlsx", replace_member(data, SHEET, xml), "XLSX")
        says = f"В файле больше 50\xa0000 строк данных: значения доходят до ячейки {cell}. Если там ничего"
        assert says in form_errors(response)

    def test_an_xlsx_that_inflates_to_a_gigabyte_is_refused(self, editor_client, article, tmp_path):
        data = zip_bomb(tmp_path / "bomb.xlsx")
        assert len(data) < 10 * 1024 * 1024
        response = upload(editor_client, "institution", "bomb.xlsx", data, "XLSX")
        assert "Файл после распаковки занял бы 1,0\xa0ГБ, а можно не больше 200,0\xa0МБ" in form_errors(
            response
        )
        assert not models.Institution.objects.filter(slug="samgtu").exists()

    def test_a_highly_compressed_member_is_refused_even_under_the_size_limit(
        self, editor_client, article, tmp_path
    ):
        data = zip_bomb(tmp_path / "small-bomb.xlsx", size=150 * 1024 * 1024)
        response = upload(editor_client, "institution", "bomb.xlsx", data, "XLSX")
        assert "Файл сжат подозрительно сильно" in form_errors(response)

    def test_a_csv_of_870_000_rows_is_refused(self, editor_client, article):
        data = long_csv()
        assert len(data) < 10 * 1024 * 1024
        response = upload(editor_client, "institution", "long.csv", data, "CSV")
        assert "В файле больше 50\xa0000 строк данных" in form_errors(response)
        assert models.ImportRecord.objects.count() == 0

    def test_a_value_in_the_last_row_of_an_ods_is_refused_before_parsing(self):
        data = (FILES / "error_values.ods").read_bytes()  # LibreOffice's: rows repeated to the last
        empty = b'<table:table-cell table:number-columns-repeated="16384"/>'
        value = b'<table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell>'
        last_row = b"</table:table-row></table:table>"
        xml = zipfile.ZipFile(io.BytesIO(data)).read("content.xml")
        assert xml.count(empty + last_row) == 1
        xml = xml.replace(empty + last_row, value + last_row)
        with pytest.raises(FileRefused, match="значения доходят до ячейки A1048576"):
            inspect_archive(replace_member(data, "content.xml", xml), "ods")

    def test_the_limits_are_settings(self, editor_client, article, settings):
        settings.IMPORT_MAX_ROWS = 1
        response = upload(editor_client, "institution", "two.xlsx", two_institutions(), "XLSX")
        assert "В файле больше 1 строки данных" in form_errors(response)


@pytest.mark.django_db
class TestHostileFilesOnTheCommandLine:
    def test_a_csv_of_870_000_rows_is_refused(self, article, tmp_path):
        path = tmp_path / "long.csv"
        path.write_bytes(long_csv())
        with pytest.raises(CommandError, match="В файле больше 50\xa0000 строк данных"):
            call_command("registry_import", "institution", str(path))

    def test_a_zip_bomb_is_refused(self, article, tmp_path):
        path = tmp_path / "bomb.xlsx"
        zip_bomb(path)
        with pytest.raises(CommandError, match="Файл после распаковки занял бы"):
            call_command("registry_import", "institution", str(path))

    def test_the_upload_size_limit_applies_unless_lifted(self, article, tmp_path, settings):
        path = tmp_path / "two.csv"
        path.write_bytes(
            csv_bytes(INSTITUTION_HEADERS, [institution_row("omgtu"), institution_row("samgtu")])
        )
        settings.IMPORT_MAX_UPLOAD_BYTES = 100
        with pytest.raises(CommandError, match="--no-size-limit"):
            call_command("registry_import", "institution", str(path))
        assert not models.Institution.objects.filter(slug="samgtu").exists()
        call_command("registry_import", "institution", str(path), no_size_limit=True)
        assert models.Institution.objects.filter(slug="samgtu").exists()
