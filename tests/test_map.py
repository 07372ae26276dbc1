"""The map: Russia and Kazakhstan as server-drawn SVG, marks that link to records, a list beside it."""

import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from registry import maps, models
from tests import factories

SVG = "{http://www.w3.org/2000/svg}"


def svg_of(response):
    html = response.content.decode()
    return ET.fromstring(html[html.index("<svg") : html.index("</svg>") + len("</svg>")])


def links_on_the_map(response):
    return [a.get("href") for a in svg_of(response).iter(f"{SVG}a")]


@pytest.fixture
def moscow_university(db):
    return factories.institution(
        slug="msu-test",
        name_ru="Ломоносовский университет",
        city="Москва",
        country=factories.country("RU", "Россия", "Russia"),
    )


def test_cities_are_found_by_their_russian_or_english_name():
    moscow = maps.city_location("Москва", "RU")
    assert moscow == maps.city_location("Moscow", "RU")
    assert 55 < moscow[0] < 56 and 37 < moscow[1] < 38
    assert maps.city_location("Алматы", "KZ") is not None
    assert maps.city_location("Нигдеград", "KZ") is None
    assert maps.city_location("", "KZ") is None


def test_regions_are_placed_at_their_centre_and_macro_regions_are_not(db):
    orenburg = factories.region(
        "Оренбургская область", "RU", models.Region.Kind.OBLAST, name_en="Orenburg Oblast"
    )
    volga = factories.region("Поволжье", "RU", models.Region.Kind.MACRO_REGION, name_en="Volga region")
    assert maps.region_location(orenburg) == maps.city_location("Оренбург", "RU")
    assert maps.region_location(volga) is None


def test_the_outlines_come_from_the_package_data_not_the_network():
    codes = [code for code, path in maps.country_paths()]
    assert codes == ["KZ", "RU"]
    # Moscow lies west of Almaty and north of it on the drawing.
    moscow, almaty = maps.to_svg(55.75, 37.62), maps.to_svg(43.25, 76.95)
    assert moscow[0] < almaty[0] and moscow[1] < almaty[1]


@pytest.mark.django_db
def test_every_published_branch_with_a_known_city_is_on_the_map(client, moscow_university):
    branch = factories.branch(slug="in-astana", institution=moscow_university, city="Астана")
    silent = factories.branch(slug="city-unknown", institution=moscow_university, city="")
    draft = factories.branch(slug="draft", institution=moscow_university, city="Алматы", is_published=False)

    response = client.get(reverse("registry:map"))

    links = links_on_the_map(response)
    assert branch.get_absolute_url() in links
    assert moscow_university.get_absolute_url() in links
    assert draft.get_absolute_url() not in links
    lines = list(svg_of(response).iter(f"{SVG}line"))
    assert len(lines) == 1, "one line from the parent in Moscow to the branch in Astana"
    unplaced = response.context["map"].unplaced
    assert [record for kind, record, reason in unplaced] == [silent]
    assert "Не нанесены на карту" in response.content.decode()


@pytest.mark.django_db
def test_agreement_regions_are_marked_and_link_to_the_agreement(client):
    agreement = factories.agreement(parties=0, slug="orenburg")
    party = models.AgreementParty.objects.create(agreement=agreement, description="вузы области")
    party.regions.add(
        factories.region("Оренбургская область", "RU", models.Region.Kind.OBLAST, name_en="Orenburg Oblast")
    )

    response = client.get(reverse("registry:map"))

    assert agreement.get_absolute_url() in links_on_the_map(response)
    assert response.context["map"].marks[0].place == "Оренбургская область"


@pytest.mark.django_db
def test_the_map_follows_the_filters(client, moscow_university):
    almaty = factories.institution(slug="almaty-test", city="Алматы")
    factories.branch(slug="in-astana", institution=moscow_university, city="Астана")

    only_kz = client.get(reverse("registry:map"), {"country": "KZ", "show": "institution"})
    assert links_on_the_map(only_kz) == [almaty.get_absolute_url()]

    academy = factories.institution(slug="academy", city="Астана", kind=models.Institution.Kind.ACADEMY)
    by_kind = client.get(reverse("registry:map"), {"kind": "academy", "show": ["institution", "branch"]})
    assert academy.get_absolute_url() in links_on_the_map(by_kind)
    assert almaty.get_absolute_url() not in links_on_the_map(by_kind)


@pytest.mark.django_db
def test_the_text_alternative_lists_what_the_map_shows(client, moscow_university):
    response = client.get(reverse("registry:map"))
    html = response.content.decode()
    assert 'aria-labelledby="map-caption"' in html
    listed = html[html.index('id="as-list"') :]
    assert moscow_university.get_absolute_url() in listed and "Москва" in listed


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query, label",
    [
        ({"country": "XX"}, "Страна"),
        ({"show": "bogus"}, "Показать"),
        ({"field": "9999"}, "Направление подготовки"),
        ({"founded": "abc"}, "Год основания"),
    ],
)
def test_a_bad_filter_is_a_400_with_the_forms_message_and_no_marks(client, moscow_university, query, label):
    response = client.get(reverse("registry:map"), query)
    assert response.status_code == 400
    assert response.context["map"].marks == [] and response.context["map"].unplaced == []
    assert f'<p class="error">{label}: ' in response.content.decode()
