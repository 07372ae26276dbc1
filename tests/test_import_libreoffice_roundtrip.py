"""Export → LibreOffice re-save → import changes nothing, for every model and every way a clerk
saves (XLSX, ODS, CSV UTF-8, CSV Windows-1251); a Windows-1251 file that lost Kazakh letters is
refused instead. The files are under tests/files/roundtrip/ (see its README)."""

from pathlib import Path

import pytest

from registry.spreadsheets.readers import KAZAKH_LETTERS
from tests.conftest import REGISTRY_MODEL_NAMES
from tests.spreadsheets import form_errors, registry_rows, upload

FILES = Path(__file__).parent / "files" / "roundtrip"
VARIANTS = [
    ("xlsx", "xlsx", "XLSX"),
    ("ods", "ods", "ODS"),
    ("csv-utf8", "csv", "CSV"),
    ("csv-cp1251", "csv", "CSV"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("model", REGISTRY_MODEL_NAMES)
@pytest.mark.parametrize(("folder", "extension", "file_format"), VARIANTS)
def test_a_libreoffice_resave_of_an_export_imports_with_no_changes(
    admin_client, article, model, folder, extension, file_format
):
    data = (FILES / folder / f"{model}.{extension}").read_bytes()
    before = registry_rows()
    response = upload(admin_client, model, f"{model}.{extension}", data, file_format)
    utf8 = (FILES / "csv-utf8" / f"{model}.csv").read_text(encoding="utf-8")
    if folder == "csv-cp1251" and any(letter in utf8 for letter in KAZAKH_LETTERS):
        assert "в которой нет казахских букв" in form_errors(response)
    else:
        result = response.context["result"]
        assert result.totals["new"] == result.totals["update"] == 0, result.sheet_errors
    assert registry_rows() == before
