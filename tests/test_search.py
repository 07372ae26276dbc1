"""Search folds Cyrillic case and ё/е on every database (SQLite's LIKE folds ASCII only)."""

import pytest

from registry import models
from registry.search import normalise_for_search
from tests import factories


def test_normalise_for_search_folds_case_yo_punctuation_and_word_forms():
    assert normalise_for_search("МГУ им. «Ломоносова»", "Ёлки") == normalise_for_search(
        "мгу им ломоносова елка"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["мгу", "МГУ", "Мгу", "Ломоносова", "moscow state", "MSU", "  мгу  "])
def test_it_finds_moscow_state_university(article, query):
    assert list(models.Institution.objects.search(query).values_list("slug", flat=True)) == ["msu"]


@pytest.mark.django_db
def test_ranepa_by_its_lowercase_russian_acronym(article):
    assert list(models.Institution.objects.search("ранхигс").values_list("slug", flat=True)) == ["ranepa"]


@pytest.mark.django_db
def test_yo_and_ye_match_each_other():
    factories.institution(name_ru="Учёный совет", slug="yo")
    assert models.Institution.objects.search("ученый").get().slug == "yo"
    assert models.Institution.objects.search("УЧЁНЫЙ").get().slug == "yo"


@pytest.mark.django_db
def test_a_branch_is_found_by_its_parents_acronym_after_a_rename(article):
    msu = models.Institution.objects.get(slug="msu")
    msu.acronyms = "МГУ; MSU; ЛомГУ"
    msu.save()
    assert models.Branch.objects.search("ломгу").get().slug == "msu-kazakhstan"


@pytest.mark.django_db
def test_bulk_create_fills_the_search_text():
    kz = factories.country()
    models.Institution.objects.bulk_create(
        [models.Institution(slug="bulk", name="Ёмкий", name_ru="Ёмкий", kind="university", country=kz)]
    )
    assert models.Institution.objects.search("емкий").get().slug == "bulk"


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["мгу", "Ломоносова", "ранхигс"])
def test_admin_search_folds_cyrillic(admin_client, article, query):
    response = admin_client.get("/admin/registry/institution/", {"q": query})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1


@pytest.mark.django_db
def test_the_trigram_index_serves_the_search_and_follows_every_write():
    from django.db import connection

    from registry.search import sqlite_trigram_tables

    if connection.vendor == "sqlite":
        assert "registry_institution" in sqlite_trigram_tables()
    record = factories.institution(slug="fts", name_ru="Трёхбуквенный поиск")
    assert models.Institution.objects.search("трехбуквен").get() == record
    record.name_ru = "Другое название"
    record.save()
    assert not models.Institution.objects.search("трехбуквен").exists()
    assert models.Institution.objects.search("другое назв").get() == record
    record.delete()
    assert not models.Institution.objects.search("другое").exists()


@pytest.mark.django_db
def test_records_bulk_created_from_a_generator_are_all_written_with_their_search_text():
    country = factories.country()
    models.Institution.objects.bulk_create(
        models.Institution(slug=f"g-{n}", name_ru=f"Горный институт {n}", country=country) for n in range(3)
    )
    assert models.Institution.objects.filter(slug__startswith="g-").count() == 3
    assert models.Institution.objects.search("горного").count() == 3
