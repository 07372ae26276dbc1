"""A search of very many words answers like a search of its first words, never with a 500."""

import pytest
from django.urls import reverse

from registry import models
from tests import factories


@pytest.mark.django_db
def test_a_search_of_a_thousand_words_is_cut_to_its_first_words(admin_client, client):
    factories.institution(slug="omgtu", name_ru="Омский государственный технический университет")
    query = "омский технический " + " ".join(f"слово{n}" for n in range(1000))

    found = models.Institution.objects.search("омский технический " + "омский " * 1000)
    assert [record.slug for record in found] == ["omgtu"]
    assert client.get(reverse("registry:institution_list"), {"q": query}).status_code == 200
    response = admin_client.get(reverse("admin:registry_institution_changelist"), {"q": query})
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    ["/institutions/", "/branches/", "/agreements/", "/programmes/", "/map/", "/api/v1/institutions/"],
)
@pytest.mark.parametrize("parameter", ["field", "country", "region", "city", "q", "ordering"])
def test_a_nul_byte_in_any_filter_is_never_a_500(client, article, url, parameter):
    response = client.get(url, {parameter: "0\x00"})
    assert response.status_code in (200, 400), (url, parameter, response.status_code)
    if parameter == "field" and url != "/map/":
        assert response.status_code == 400
        assert "ноль-байт" in response.content.decode(), response.content.decode()[:300]
