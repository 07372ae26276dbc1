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


def many_institutions(count, city, country, start=0, **fields):
    fields = {"city": city, "country": country, "is_published": True, **fields}
    models.Institution.objects.bulk_create(
        models.Institution(slug=f"{country.code}-{n}", name_ru=f"Институт {n}", **fields)
        for n in range(start, start + count)
    )


@pytest.mark.django_db
def test_a_map_of_many_records_counts_them_per_place_and_links_to_their_lists(client, settings):
    settings.LANGUAGE_CODE = "ru"
    kz = factories.country()
    many_institutions(200, "Алматы", kz)
    many_institutions(150, "Астана", kz, start=200)
    many_institutions(5, "Нигдеград", kz, start=350)
    many_institutions(40, "Алматы", kz, start=1000, is_published=False)  # drafts count nowhere
    oblast = factories.region(
        "Оренбургская область", "RU", models.Region.Kind.OBLAST, name_en="Orenburg Oblast"
    )
    for _ in range(3):
        agreement = factories.agreement(parties=0)
        models.AgreementParty.objects.create(agreement=agreement, description="вузы").regions.add(oblast)

    response = client.get(reverse("registry:map"))

    assert response.status_code == 200
    the_map = response.context["map"]
    assert the_map.marks == []
    groups = {(g.kind, g.place): g for g in the_map.groups}
    assert groups["institution", "Алматы"].count == 200 and groups["institution", "Астана"].count == 150
    assert groups["institution", "Алматы"].label == "200 учреждений"
    assert groups["agreement", "Оренбургская область"].count == 3
    assert the_map.unplaced_counts == {"institution": "5 учреждений"}
    almaty = groups["institution", "Алматы"].url
    assert almaty in links_on_the_map(response)
    # The link opens the list of exactly those records.
    assert client.get(almaty).context["paginator"].count == 200
    region_list = client.get(groups["agreement", "Оренбургская область"].url)
    assert region_list.context["paginator"].count == 3
    listed = response.content.decode()[response.content.decode().index('id="as-list"') :]
    assert "Алматы — 200 учреждений" in listed


@pytest.mark.django_db
def test_the_map_of_many_records_keeps_its_filters_in_the_links_and_its_query_count(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    kz, ru = factories.country(), factories.country("RU", "Россия", "Russia")
    many_institutions(320, "Алматы", kz)
    many_institutions(10, "Москва", ru, start=400)
    response = client.get(reverse("registry:map"), {"country": "RU", "show": "institution", "q": "институт"})
    # Ten records: marks one by one, then past the limit the same filters count per place.
    assert len(response.context["map"].marks) == 10
    many_institutions(400, "Москва", ru, start=5000)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("registry:map"), {"country": "RU"})
    many_institutions(900, "Москва", ru, start=9000)
    with CaptureQueriesContext(connection) as large:
        response = client.get(reverse("registry:map"), {"country": "RU"})
    assert len(large) == len(small)
    (moscow,) = [g for g in response.context["map"].groups if g.kind == "institution"]
    assert moscow.count == 1310 and "country=RU" in moscow.url and "city=" in moscow.url
    assert client.get(moscow.url).context["paginator"].count == 1310


@pytest.mark.django_db
def test_the_counts_per_place_are_made_once_per_change_for_every_reader(client, settings):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.PUBLIC_TOTALS_CACHE_SECONDS = 60
    cache.clear()
    many_institutions(320, "Алматы", factories.country())
    client.get(reverse("registry:map"))
    with CaptureQueriesContext(connection) as again:
        response = type(client)().get(reverse("registry:map"))
    assert not [q["sql"] for q in again.captured_queries if "GROUP BY" in q["sql"]]
    assert response.context["map"].groups[0].count == 320
    factories.institution(city="Алматы", country=factories.country())
    assert client.get(reverse("registry:map")).context["map"].groups[0].count == 321
    cache.clear()
