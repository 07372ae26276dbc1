"""Files LibreOffice wrote (tests/files/) import exactly: every cell where it was, every line and
space kept, the sheet whose headers match read and named."""

from pathlib import Path

import pytest

from registry import models
from tests.spreadsheets import confirm, upload

FILES = Path(__file__).parent / "files"


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "file_format"), [("clerks.ods", "ODS"), ("clerks.xls", "XLS")])
def test_a_libreoffice_file_imports_exactly(editor_client, article, name, file_format):
    preview = upload(editor_client, "institution", name, (FILES / name).read_bytes(), file_format)
    assert preview.context["result"].totals["new"] == 2
    assert "лист «Учреждения»" in preview.content.decode()
    assert confirm(editor_client, "institution", preview).status_code == 302

    kaznu = models.Institution.objects.get(slug="kaznu-test")
    assert kaznu.name == "Казахский национальный  университет"
    assert (kaznu.name_en, kaznu.acronyms) == ("", "")
    assert kaznu.name_kk == "Әл-Фараби атындағы Қазақ ұлттық университеті"
    assert (kaznu.kind, kaznu.country.code, kaznu.city, kaznu.founded_year) == (
        "university",
        "KZ",
        "Алматы",
        1934,
    )
    assert kaznu.notes == "Первая строка\nВторая строка"

    abai = models.Institution.objects.get(slug="abai-test")
    assert abai.name == "Университет имени Абая"
    assert abai.name_en == "Abai University"
    assert abai.founded_year is None
    assert abai.notes == "Два  пробела и жирное слово"


@pytest.mark.django_db
def test_the_command_line_reads_an_xls(article):
    from django.core.management import call_command

    call_command("registry_import", "institution", str(FILES / "clerks.xls"))
    assert models.Institution.objects.get(slug="kaznu-test").name_kk.startswith("Әл-Фараби")
