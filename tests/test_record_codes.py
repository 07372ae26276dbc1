"""A record's code is lower-case, in the admin and in imports alike: a code differing only in capital
letters would be a second record at a second address, so it is refused, naming the code to write."""

import pytest
from django.urls import reverse

from registry import models
from tests import factories
from tests.forms import form_data
from tests.spreadsheets import confirm, upload, xlsx_bytes

HEADERS = ["Код записи", "Название", "Вид", "Состояние", "Стороны"]


@pytest.mark.django_db
def test_the_admin_refuses_a_code_with_capitals_naming_the_lower_case_code(editor_client, article):
    url = reverse("admin:registry_institution_add")
    data = form_data(editor_client.get(url).content.decode())
    data.update(
        slug="OmGTU",
        name_ru="Омский государственный технический университет",
        kind="university",
        country=models.Country.objects.get(code="RU").pk,
    )
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["slug"] == [
        "«OmGTU»: код записи пишется строчными буквами: omgtu."
    ]
    assert not models.Institution.objects.filter(slug__iexact="omgtu").exists()


@pytest.mark.django_db
def test_an_import_refuses_a_code_that_differs_from_a_records_only_in_capitals(editor_client, article):
    factories.agreement(slug="bulk-0001")
    rows = [
        ["bulk-0002", "Тест bulk-0002", "меморандум", "неизвестно", "msu; atu"],
        ["BULK-0001", "Тест BULK-0001", "меморандум", "неизвестно", "msu; atu"],
    ]
    preview = upload(editor_client, "agreement", "codes.xlsx", xlsx_bytes(HEADERS, rows), "XLSX")
    assert "confirm_form" not in preview.context
    assert preview.context["result"].sheet_errors == [
        (3, "Код записи", "«BULK-0001»: код записи пишется строчными буквами: bulk-0001.")
    ]
    assert not models.Agreement.objects.filter(slug="BULK-0001").exists()


@pytest.mark.django_db
def test_lower_case_codes_with_digits_hyphens_and_underscores_import(editor_client, article):
    rows = [["msu_kz-2025", "Тест", "меморандум", "неизвестно", "msu; atu"]]
    preview = upload(editor_client, "agreement", "codes.xlsx", xlsx_bytes(HEADERS, rows), "XLSX")
    confirm(editor_client, "agreement", preview)
    assert models.Agreement.objects.filter(slug="msu_kz-2025").exists()
