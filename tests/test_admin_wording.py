"""The admin reads as Russian written by a person, and fills in what it can for the clerk."""

import zoneinfo
from urllib.parse import quote

import pytest
from django.urls import reverse
from django.utils import timezone

from registry import models
from registry.resources import resource_for
from tests import factories


def institution_form(**fields):
    return {
        "kind": "university",
        "country": factories.country().pk,
        "is_active": "on",
        "branches-TOTAL_FORMS": "0",
        "branches-INITIAL_FORMS": "0",
        "citations-TOTAL_FORMS": "0",
        "citations-INITIAL_FORMS": "0",
        **fields,
    }


@pytest.mark.django_db
class TestRecordCode:
    def test_an_empty_code_is_made_from_the_russian_name(self, admin_client):
        data = institution_form(slug="", name_ru="Омский государственный технический университет")
        response = admin_client.post(reverse("admin:registry_institution_add"), data)
        assert response.status_code == 302, response.context["errors"]
        assert models.Institution.objects.get().slug == "omskii-gosudarstvennyi-tekhnicheskii-universitet"

    def test_an_english_name_is_preferred_and_a_taken_code_gets_a_number(self, admin_client):
        factories.institution(slug="omsk-state-technical-university")
        data = institution_form(name_ru="ОмГТУ", name_en="Omsk State Technical University")
        response = admin_client.post(reverse("admin:registry_institution_add"), data)
        assert response.status_code == 302, response.context["errors"]
        assert models.Institution.objects.filter(slug="omsk-state-technical-university-2").exists()

    def test_a_code_typed_by_the_clerk_is_kept(self, admin_client):
        data = institution_form(slug="omgtu", name_ru="Омский государственный технический университет")
        assert admin_client.post(reverse("admin:registry_institution_add"), data).status_code == 302
        assert models.Institution.objects.get().slug == "omgtu"

    def test_the_official_name_is_not_a_required_copy_of_the_russian_one(self, admin_client):
        data = institution_form(slug="x", name_ru="Казахский национальный университет")
        assert admin_client.post(reverse("admin:registry_institution_add"), data).status_code == 302
        assert models.Institution.objects.get().name == ""


@pytest.mark.django_db
class TestExportPage:
    def test_columns_are_offered_by_their_headers(self, admin_client):
        page = admin_client.get(reverse("admin:registry_institution_export")).content.decode()
        assert "Код записи" in page
        for english in ("Slug (", "Name Ru", "Ror Id", "Is Published"):
            assert english not in page

    @pytest.mark.parametrize("page", ["export", "import"])
    def test_xlsx_is_the_preselected_format(self, admin_client, page):
        response = admin_client.get(reverse(f"admin:registry_institution_{page}"))
        assert response.context["form"]["format"].value() == "0"
        assert 'value="0" selected' in response.content.decode()

    def test_the_file_is_named_after_the_section_and_the_local_date(self, admin_client, settings):
        settings.TIME_ZONE = "Asia/Kamchatka"  # UTC+12: a different date from UTC half the day
        factories.institution()
        resource = resource_for("institution")
        columns = {f"{resource.__name__.lower()}_{name}": "on" for name in resource().get_export_order()}
        url = reverse("admin:registry_institution_export")
        response = admin_client.post(url, {"format": "0", "resource": "0", **columns})
        today = timezone.localdate(timezone=zoneinfo.ZoneInfo("Asia/Kamchatka"))
        expected = quote(f"Учреждения-{today:%Y-%m-%d}.xlsx")
        assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{expected}"
