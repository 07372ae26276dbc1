"""Admin search folds Russian in every section, lists and autocompletes alike, on any database."""

import pytest

from tests import factories


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["путин", "ПУТИН", "Путин", "путина"])
def test_citations_are_found_whatever_the_case(admin_client, article, query):
    response = admin_client.get("/admin/registry/citation/", {"q": query})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    "section, query, expected",
    [
        ("country", "казахстан", "KZ"),
        ("country", "КАЗАХСТАНА", "KZ"),
        ("country", "kz", "KZ"),
        ("region", "оренбургской", "Оренбургская область"),
        ("fieldofstudy", "энергетики", "0713"),
    ],
)
def test_reference_sections_fold_russian(admin_client, article, section, query, expected):
    response = admin_client.get(f"/admin/registry/{section}/", {"q": query})
    assert response.status_code == 200
    assert expected in [str(getattr(r, "code", None) or r.name) for r in response.context["cl"].result_list]


@pytest.mark.django_db
def test_country_autocomplete_folds_case(admin_client, article):
    response = admin_client.get(
        "/admin/autocomplete/",
        {"term": "казахстан", "app_label": "registry", "model_name": "institution", "field_name": "country"},
    )
    assert response.status_code == 200
    assert [item["text"] for item in response.json()["results"]] == ["Казахстан"]


@pytest.mark.django_db
def test_institution_autocomplete_puts_the_exact_acronym_first(admin_client, article):
    factories.institution(slug="mgu-like", name_ru="Университет имени МГУ-шников", acronyms="ММГУ")
    response = admin_client.get(
        "/admin/autocomplete/",
        {"term": "мгу", "app_label": "registry", "model_name": "branch", "field_name": "institution"},
    )
    texts = [item["text"] for item in response.json()["results"]]
    assert texts[0].startswith("Московский государственный университет")


@pytest.mark.django_db
def test_the_admin_list_puts_the_exact_acronym_first_unless_a_column_is_chosen(admin_client, article):
    factories.institution(slug="aaa", name_ru="Аааа филиал МГУ")
    ranked = admin_client.get("/admin/registry/institution/", {"q": "МГУ"})
    assert [r.slug for r in ranked.context["cl"].result_list][0] == "msu"
    by_name = admin_client.get("/admin/registry/institution/", {"q": "МГУ", "o": "1"})
    assert [r.slug for r in by_name.context["cl"].result_list][0] == "aaa"
    assert admin_client.get("/admin/registry/institution/", {"q": "!!!"}).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["gen-3-8449", "GEN-3-8449 "])
def test_a_record_searched_by_its_code_comes_before_those_whose_code_holds_it(admin_client, query):
    factories.institution(slug="gen-3-18449", name_ru="Академия 18449")
    factories.institution(slug="gen-3-8449", name_ru="Университет 8449")
    ranked = admin_client.get("/admin/registry/institution/", {"q": query})
    assert [r.slug for r in ranked.context["cl"].result_list] == ["gen-3-8449", "gen-3-18449"]
