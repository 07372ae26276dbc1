"""Search text never moves another record's version: no false "someone else saved this"."""

import pytest
from django.core.management import call_command

from registry import models
from tests import factories
from tests.spreadsheets import INSTITUTION_HEADERS, institution_row, xlsx_bytes


@pytest.mark.django_db
def test_saving_an_institution_leaves_its_branches_version_alone():
    branch = factories.branch()
    before = models.Branch.objects.values_list("updated_at", flat=True).get(pk=branch.pk)
    institution = branch.institution
    institution.name_ru = "Переименованный университет"
    institution.save()
    assert models.Branch.objects.values_list("updated_at", flat=True).get(pk=branch.pk) == before
    assert models.Branch.objects.search("переименованного университета").get() == branch


@pytest.mark.django_db
def test_a_branch_opened_before_its_institution_was_saved_still_saves(admin_client):
    branch = factories.branch(name="Филиал в Астане")
    form_page = admin_client.get(f"/admin/registry/branch/{branch.pk}/change/")
    version = form_page.context["adminform"].form["loaded_version"].value()
    branch.institution.acronyms = "НУ"
    branch.institution.save()
    data = {
        "institution": branch.institution_id,
        "name": "Филиал в Астане (новое)",
        "name_en": "",
        "slug": branch.slug,
        "country": branch.country_id,
        "city": "",
        "status": branch.status,
        "notes": "",
        "is_published": "on",
        "loaded_version": version,
        "citations-TOTAL_FORMS": "0",
        "citations-INITIAL_FORMS": "0",
    }
    response = admin_client.post(f"/admin/registry/branch/{branch.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    branch.refresh_from_db()
    assert branch.name == "Филиал в Астане (новое)"


@pytest.mark.django_db
def test_bulk_update_refreshes_search_text_but_not_the_version():
    record = factories.institution(name_ru="Старое имя")
    before = record.updated_at
    record.name_ru = "Новое имя"
    models.Institution.objects.bulk_update([record], ["name_ru"])
    record.refresh_from_db()
    assert record.updated_at == before
    assert models.Institution.objects.search("новое имя").get() == record


@pytest.mark.django_db
def test_an_institution_renamed_by_import_makes_its_branches_findable_by_the_new_name(tmp_path, superuser):
    factories.country("RU", "Россия", "Russia")
    institution = factories.institution(
        slug="omgtu", name_ru="Омский государственный технический университет"
    )
    branch = factories.branch(institution=institution, name="Филиал в Павлодаре")
    before = models.Branch.objects.values_list("updated_at", flat=True).get(pk=branch.pk)
    path = tmp_path / "institutions.xlsx"
    path.write_bytes(
        xlsx_bytes(INSTITUTION_HEADERS, [institution_row("omgtu", **{"Сокращения": "ОмГТУ; Омский политех"})])
    )
    call_command("registry_import", "institution", str(path), "--user", superuser.username, stdout=None)
    assert models.Branch.objects.search("омский политех", through_drafts=True).get() == branch
    assert models.Branch.objects.values_list("updated_at", flat=True).get(pk=branch.pk) == before


@pytest.mark.django_db
def test_reindex_search_rewrites_stale_search_text_and_nothing_else(article):
    models.Institution.objects.update(search_text="")
    before = dict(models.Institution.objects.values_list("slug", "updated_at"))
    history = models.Institution.history.count()
    call_command("reindex_search", verbosity=0)
    assert models.Institution.objects.search("мгу").get().slug == "msu"
    assert dict(models.Institution.objects.values_list("slug", "updated_at")) == before
    assert models.Institution.history.count() == history
