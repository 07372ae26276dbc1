"""Exports that Excel opens safely: filtered like the changelist, native types, inert formulae."""

import io
import json

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from registry import models
from registry.spreadsheets import FORMATS, resource_for
from tests import factories
from tests.conftest import REGISTRY_MODEL_NAMES
from tests.spreadsheets import read_xlsx, registry_rows

FORMAT_INDEX = {cls.__name__: str(i) for i, cls in enumerate(FORMATS)}
DANGEROUS = ["=1+1", "+7 495", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


def export(client, model="institution", file_format="XLSX", query=""):
    """Post the admin's export form with every column ticked, as the page does by default."""
    resource = resource_for(model)
    columns = {f"{resource.__name__.lower()}_{name}": "on" for name in resource().get_export_order()}
    url = reverse(f"admin:registry_{model}_export") + query
    response = client.post(url, {"format": FORMAT_INDEX[file_format], "resource": "0", **columns})
    assert response.status_code == 200
    assert response.get("Content-Disposition", "").startswith("attachment"), response.content[:500]
    return response.content


@pytest.mark.django_db
class TestFormulae:
    @pytest.fixture
    def hostile(self, db):
        for n, text in enumerate(DANGEROUS):
            factories.institution(slug=f"hostile-{n}", name_ru=text, founded_year=1900 + n)

    def test_no_xlsx_cell_is_a_formula_and_numbers_stay_numbers(self, admin_client, hostile):
        rows = read_xlsx(export(admin_client))
        header = [cell.value for cell in rows[0]]
        name_col, year_col = header.index("Название по-русски"), header.index("Год основания")
        assert all(cell.data_type != "f" for row in rows for cell in row)
        names = sorted(row[name_col].value for row in rows[1:])
        # XML stores a carriage return as a line feed.
        assert names == sorted("'" + text.replace("\r", "\n") for text in DANGEROUS)
        assert {type(row[year_col].value) for row in rows[1:]} == {int}

    def test_csv_cells_are_neutralised_and_the_file_has_a_bom(self, admin_client, hostile):
        data = export(admin_client, file_format="CSV")
        assert data.startswith(b"\xef\xbb\xbf")
        text = data.decode("utf-8-sig")
        for dangerous in DANGEROUS:
            assert f",{dangerous}" not in text and f'"{dangerous}' not in text
        assert "'=1+1" in text

    def test_a_negative_number_is_not_quoted(self, admin_client):
        factories.indicator(slug="negative", value=-5)
        rows = read_xlsx(export(admin_client, model="indicator"))
        header = [cell.value for cell in rows[0]]
        assert rows[1][header.index("Значение")].value == -5


@pytest.mark.django_db
def test_xlsx_keeps_dates_native(admin_client, article):
    rows = read_xlsx(export(admin_client, model="source"))
    header = [cell.value for cell in rows[0]]
    assert rows[1][header.index("Дата публикации")].is_date


@pytest.mark.django_db
@pytest.mark.parametrize("file_format", ["XLSX", "ODS"])
@pytest.mark.parametrize(("model", "sheet"), [("institution", "Учреждения"), ("agreement", "Соглашения")])
def test_the_sheet_is_named_after_the_section(admin_client, article, file_format, model, sheet):
    from python_calamine import CalamineWorkbook

    data = export(admin_client, model=model, file_format=file_format)
    assert CalamineWorkbook.from_filelike(io.BytesIO(data)).sheet_names == [sheet]


@pytest.mark.django_db
def test_export_respects_the_changelist_filters_and_search(admin_client, article):
    kz = models.Country.objects.get(code="KZ").pk
    rows = read_xlsx(export(admin_client, query=f"?country__id__exact={kz}"))
    assert [row[0].value for row in rows[1:]] == ["atu"]
    rows = read_xlsx(export(admin_client, query="?q=мгу"))
    assert [row[0].value for row in rows[1:]] == ["msu"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "model",
    REGISTRY_MODEL_NAMES,
)
@pytest.mark.parametrize("file_format", ["XLSX", "CSV", "JSON", "ODS"])
def test_export_then_import_changes_nothing(admin_client, article, model, file_format):
    from tests.test_import_admin import import_file

    data = export(admin_client, model=model, file_format=file_format)
    before = json.dumps(registry_rows(), sort_keys=True, default=str)
    preview, _ = import_file(admin_client, model, f"round.{file_format.lower()}", data, file_format)
    totals = preview.context["result"].totals
    assert totals["new"] == totals["update"] == 0, preview.context["result"].sheet_errors
    assert json.dumps(registry_rows(), sort_keys=True, default=str) == before


@pytest.mark.django_db
def test_the_command_line_exports_and_imports(tmp_path, article):
    path = tmp_path / "institutions.xlsx"
    call_command("registry_export", "institution", str(path), stdout=io.StringIO())
    workbook = openpyxl.load_workbook(path)
    assert workbook.active.max_row == 7

    sheet = workbook.active
    sheet.cell(row=2, column=3).value = "Новое имя"
    sheet.append(["new-one", "Новый вуз", "Новый вуз"] + [None] * 4 + ["университет", "KZ"])
    workbook.save(path)
    # Required yes/no cells left blank are an error: nothing is imported.
    with pytest.raises(Exception, match="Ничего не импортировано"):
        call_command("registry_import", "institution", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert not models.Institution.objects.filter(slug="new-one").exists()

    header = [cell.value for cell in sheet[1]]
    last = sheet.max_row
    sheet.cell(row=last, column=header.index("Действует") + 1).value = "да"
    sheet.cell(row=last, column=header.index("Опубликовано") + 1).value = "нет"
    workbook.save(path)
    out = io.StringIO()
    call_command("registry_import", "institution", str(path), stdout=out)
    assert "новых 1, изменённых 1, без изменений 5" in out.getvalue()
    assert models.ImportRecord.objects.get().via == "command"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "args, message",
    [(["school", "a.xlsx"], "Нет раздела «school»"), (["institution", "a.doc"], "Неизвестный формат")],
)
def test_the_command_line_names_a_wrong_model_or_format(tmp_path, args, message):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=message):
        call_command("registry_export", args[0], str(tmp_path / args[1]))


@pytest.mark.django_db
def test_the_command_line_imports_only_as_a_user_who_may_import(tmp_path, viewer, editor):
    from django.core.management.base import CommandError

    path = tmp_path / "institutions.xlsx"
    call_command("registry_export", "institution", str(path), stdout=io.StringIO())
    with pytest.raises(CommandError, match="Пользователю charlie не разрешено импортировать"):
        call_command("registry_import", "institution", str(path), "--user", viewer.username)
    editor.is_active = False
    editor.save()
    with pytest.raises(CommandError, match="Пользователю bob не разрешено"):
        call_command("registry_import", "institution", str(path), "--user", editor.username)
    assert not models.ImportRecord.objects.exists()
    editor.is_active = True
    editor.save()
    call_command("registry_import", "institution", str(path), "--user", editor.username, stdout=io.StringIO())
    assert models.ImportRecord.objects.get().user == editor


@pytest.mark.django_db
@pytest.mark.parametrize("model", REGISTRY_MODEL_NAMES)
@pytest.mark.parametrize("query", ["?zzz=1", "?format=1", "?country__id__exact=abc"])
def test_an_unknown_filter_in_the_export_address_sends_back_to_the_list(admin_client, model, query):
    url = reverse(f"admin:registry_{model}_export") + query
    if admin_client.get(reverse(f"admin:registry_{model}_changelist") + query).status_code == 200:
        # A filter this section has, whose list reads a wrong value as no choice: so does the export.
        assert admin_client.get(url).status_code == 200
        return
    for response in (admin_client.get(url), admin_client.post(url, {"format": "0", "resource": "0"})):
        assert response.status_code == 302
        assert response["Location"] == reverse(f"admin:registry_{model}_changelist")
    messages = [str(m) for m in admin_client.get(response["Location"]).context["messages"]]
    assert "В адресе выгрузки неизвестный фильтр: выберите записи в списке и выгрузите снова." in messages
