"""A renamed record keeps its former codes: old public links redirect, old spreadsheets import."""

import pytest

from registry import models
from registry.slugs import resolve_slug
from registry.spreadsheets import RESOURCES
from tests import factories


def rename(record, slug):
    record.slug = slug
    record.save()


@pytest.mark.django_db
def test_a_former_code_redirects_permanently_to_the_record(client):
    record = factories.institution(slug="atu")
    rename(record, "almaty-tech")
    response = client.get("/institutions/atu/")
    assert response.status_code == 301
    assert response["Location"] == "/institutions/almaty-tech/"
    assert client.get("/institutions/almaty-tech/").status_code == 200


@pytest.mark.django_db
def test_every_former_code_leads_to_the_current_one(client):
    agreement = factories.agreement(slug="first")
    rename(agreement, "second")
    rename(models.Agreement.objects.get(pk=agreement.pk), "third")
    assert client.get("/agreements/first/")["Location"] == "/agreements/third/"
    assert client.get("/agreements/second/")["Location"] == "/agreements/third/"
    assert resolve_slug(models.Agreement, "first") == "third"


@pytest.mark.django_db
def test_a_former_code_of_a_draft_stays_not_found(client):
    record = factories.branch(slug="old-branch", is_published=False)
    rename(record, "new-branch")
    assert client.get("/branches/old-branch/").status_code == 404


@pytest.mark.django_db
def test_a_code_given_to_another_record_is_that_records(client):
    first = factories.institution(slug="shared")
    rename(first, "first-new")
    factories.institution(slug="shared", name_ru="Второй")
    assert resolve_slug(models.Institution, "shared") == "shared"
    assert client.get("/institutions/shared/").status_code == 200


@pytest.mark.django_db
def test_a_spreadsheet_made_before_a_rename_still_imports():
    institution = factories.institution(slug="old-code")
    branch = factories.branch(institution=institution, slug="branch-a")
    models.Citation.objects.create(institution=institution, source=factories.source(), quote="Цитата.")
    branches = RESOURCES[models.Branch]().export()
    citations = RESOURCES[models.Citation]().export()
    rename(institution, "new-code")

    result = RESOURCES[models.Branch]().import_data(branches, raise_errors=True)
    assert not result.has_validation_errors()
    assert models.Branch.objects.get(pk=branch.pk).institution == institution
    result = RESOURCES[models.Citation]().import_data(citations, raise_errors=True)
    assert not result.has_validation_errors()
    assert models.Citation.objects.get().institution == institution


@pytest.mark.django_db
def test_a_file_made_before_a_rename_updates_the_renamed_record_under_its_new_code():
    institution = factories.institution(slug="formula-test", name_ru="Старое имя")
    exported = RESOURCES[models.Institution]().export(models.Institution.objects.all())
    institution.slug = "formula-renamed"
    institution.save()
    result = RESOURCES[models.Institution]().import_data(exported, raise_errors=True)
    assert result.totals["new"] == 0
    assert list(models.Institution.objects.values_list("slug", flat=True)) == ["formula-renamed"]


@pytest.mark.django_db
def test_the_api_and_the_reconciliation_view_follow_a_former_code(client):
    institution = factories.institution(slug="formula-test")
    institution.slug = "formula-renamed"
    institution.save()
    response = client.get("/api/v1/institutions/formula-test/?lang=en")
    assert response.status_code == 301
    assert response["Location"] == "/api/v1/institutions/formula-renamed/?lang=en"
    assert client.get(response["Location"]).json()["slug"] == "formula-renamed"
    assert client.get("/api/v1/institutions/never-was/").status_code == 404
    assert client.get("/reconcile/view/formula-test")["Location"] == institution.get_absolute_url()
