"""The read-only API: only published records, the public pages' filters, 400s that name the parameter,
conditional GET, CORS, throttling, and a constant number of queries per page."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from registry import models
from tests import factories

SECRET = "Тайн"
ENDPOINTS = ["institutions", "branches", "agreements", "programmes", "indicators", "sources"]
REFERENCE_ENDPOINTS = ["countries", "regions", "fields"]


@pytest.fixture(autouse=True)
def fresh_throttle():
    """The throttle counts requests in the cache: each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def published(db):
    return factories.drafts_inside_published_records()


def assert_no_draft(text):
    assert SECRET not in text and "tainy" not in text.lower()


@pytest.mark.django_db
class TestRecords:
    @pytest.mark.parametrize("endpoint", ENDPOINTS + REFERENCE_ENDPOINTS)
    def test_every_list_answers_json_pages(self, client, published, endpoint):
        response = client.get(f"/api/v1/{endpoint}/")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        assert set(response.json()) == {"count", "next", "previous", "results"}

    @pytest.mark.parametrize("endpoint", ENDPOINTS)
    def test_lists_hold_no_draft_and_nothing_from_one(self, client, published, endpoint):
        assert_no_draft(client.get(f"/api/v1/{endpoint}/").content.decode())

    @pytest.mark.parametrize("kind", ["institution", "agreement", "programme", "source"])
    def test_details_hold_no_draft_from_inside(self, client, published, kind):
        response = client.get(f"/api/v1/{kind}s/{published[kind].slug}/")
        assert response.status_code == 200
        assert_no_draft(response.content.decode())

    @pytest.mark.parametrize(
        "path",
        [
            "/api/v1/institutions/tainy-uni/",
            "/api/v1/branches/tainy-branch/",
            "/api/v1/branches/tainy-orphan/",
            "/api/v1/programmes/tainy-model/",
            "/api/v1/indicators/tainy-indicator/",
            "/api/v1/sources/tainy-source/",
        ],
    )
    def test_a_draft_is_not_found(self, client, published, path):
        response = client.get(path)
        assert response.status_code == 404
        assert response.json() == {"detail": response.json()["detail"]}

    def test_a_record_has_english_keys_typed_values_timestamps_and_how_to_cite(self, client, published):
        record = client.get("/api/v1/institutions/open-parent/").json()
        assert record["slug"] == "open-parent"
        assert record["url"] == "http://testserver/institutions/open-parent/"
        assert record["is_active"] is True
        assert record["country"] == {"code": "RU", "name": "Россия"}
        assert [c["quote"] for c in record["citations"]] == ["Открытая цитата"]
        assert record["created_at"] and record["updated_at"]
        assert "http://testserver/institutions/open-parent/" in record["how_to_cite"]
        assert "CC BY 4.0" in record["how_to_cite"]

    def test_reference_data_is_found_by_code(self, client, published):
        assert client.get("/api/v1/countries/RU/").json()["name_en"] == "Russia"
        assert client.get("/api/v1/fields/0788/").json()["code"] == "0788"
        region = factories.region()
        assert client.get(f"/api/v1/regions/{region.pk}/").json()["name_ru"] == "Алматы"


@pytest.mark.django_db
class TestParameters:
    def test_the_public_pages_filters_narrow_the_list(self, client, published):
        factories.institution(slug="kz-one", country=factories.country("KZ"))
        slugs = [r["slug"] for r in client.get("/api/v1/institutions/", {"country": "KZ"}).json()["results"]]
        assert slugs == ["kz-one"]

    def test_search_finds_by_russian_words(self, client, published):
        results = client.get("/api/v1/institutions/", {"q": "открытый"}).json()["results"]
        assert [r["slug"] for r in results] == ["open-parent"]

    def test_ordering_uses_the_public_pages_names(self, client, db):
        for year in (2001, 1999, 2000):
            factories.institution(founded_year=year)
        results = client.get("/api/v1/institutions/", {"ordering": "-founded"}).json()["results"]
        assert [r["founded_year"] for r in results] == [2001, 2000, 1999]

    def test_updated_since_keeps_what_changed_from_then_on(self, client, db):
        old = factories.institution()
        models.Institution.objects.filter(pk=old.pk).update(
            updated_at=timezone.make_aware(datetime.datetime(2020, 1, 1))
        )
        new = factories.institution()
        for since in ("2024-01-01T00:00:00+03:00", "2024-01-01", "2024-01-01T00:00:00Z"):
            results = client.get("/api/v1/institutions/", {"updated_since": since}).json()["results"]
            assert [r["slug"] for r in results] == [new.slug]

    def test_updated_since_accepts_a_zone_whose_plus_came_unencoded(self, client, db):
        old = factories.institution()
        models.Institution.objects.filter(pk=old.pk).update(
            updated_at=timezone.make_aware(datetime.datetime(2020, 1, 1))
        )
        new = factories.institution()
        response = client.get("/api/v1/institutions/?updated_since=2024-01-01T00:00:00+03:00")
        assert response.status_code == 200
        assert [r["slug"] for r in response.json()["results"]] == [new.slug]

    @pytest.mark.parametrize("path", ["/api/v1/institutions/", "/api/v1/agreements/", "/api/v1/branches/"])
    def test_a_country_code_is_read_in_any_case(self, client, published, path):
        upper = client.get(path, {"country": "KZ"})
        lower = client.get(path, {"country": "kz"})
        assert lower.status_code == upper.status_code == 200
        assert lower.json()["results"] == upper.json()["results"]

    def test_page_size_is_settable(self, client, db):
        for _ in range(3):
            factories.institution()
        page = client.get("/api/v1/institutions/", {"page_size": 2}).json()
        assert page["count"] == 3 and len(page["results"]) == 2 and "page=2" in page["next"]

    @pytest.mark.parametrize(
        "parameter, value",
        [
            ("page_size", "501"),
            ("page_size", "0"),
            ("page_size", "ten"),
            ("page", "first"),
            ("updated_since", "yesterday"),
            ("updated_since", "2025-13-45"),
            ("ordering", "secret_notes"),
            ("founded", "3000"),
            ("country", "XX"),
            ("kind", "castle"),
        ],
    )
    def test_a_bad_parameter_is_a_400_that_names_it(self, client, published, parameter, value):
        response = client.get("/api/v1/institutions/", {parameter: value})
        assert response.status_code == 400
        assert list(response.json()) == [parameter]
        assert response.json()[parameter][0]

    @pytest.mark.parametrize(
        "headers, not_found, bad_page",
        [
            ({}, "Страница не найдена.", "Номер страницы"),
            ({"HTTP_ACCEPT_LANGUAGE": "en"}, "Not found.", "page number"),
            ({"HTTP_ACCEPT_LANGUAGE": "ru-RU,ru;q=0.9"}, "Страница не найдена.", "Номер страницы"),
        ],
    )
    def test_errors_follow_the_language_asked_for(self, client, db, headers, not_found, bad_page):
        assert client.get("/api/v1/institutions/nope/", **headers).json() == {"detail": not_found}
        assert bad_page in client.get("/api/v1/institutions/", {"page": "first"}, **headers).json()["page"][0]

    @pytest.mark.parametrize("kind", ENDPOINTS + REFERENCE_ENDPOINTS)
    def test_a_nul_in_a_code_is_not_found(self, client, published, kind):
        response = client.get(f"/api/v1/{kind}/%00/")
        assert response.status_code == 404
        assert "detail" in response.json()

    @pytest.mark.parametrize("path", ["/api/", "/api/v1/unknown/", "/api/v1/institutions/a/b/", "/api/v2/"])
    def test_an_unknown_address_is_the_apis_own_404(self, client, db, path):
        for method in (client.get, client.post, client.options):
            response = method(path, HTTP_ACCEPT_LANGUAGE="en")
            assert response.status_code == 404
            assert response.json() == {"detail": "Not found."}

    def test_yes_or_no_is_read_in_its_usual_spellings_and_anything_else_is_a_400(self, client, published):
        every = client.get("/api/v1/institutions/").json()["count"]
        for value in ("true", "True", "1", "false", "False", "0"):
            assert client.get("/api/v1/institutions/", {"is_active": value}).status_code == 200
        assert client.get("/api/v1/institutions/", {"is_active": ""}).json()["count"] == every
        response = client.get("/api/v1/institutions/", {"is_active": "zzz"})
        assert response.status_code == 400 and "is_active" in response.json()

    def test_a_long_search_is_no_error(self, client, published):
        assert client.get("/api/v1/sources/", {"q": "слово " * 1000}).status_code == 200


@pytest.mark.django_db
class TestConditionalGet:
    def test_an_unchanged_list_is_a_304_by_etag(self, client, published):
        first = client.get("/api/v1/institutions/")
        assert first["ETag"] and first["Last-Modified"]
        again = client.get("/api/v1/institutions/", HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304 and not again.content

    def test_an_unchanged_record_is_a_304_by_date(self, client, published):
        first = client.get("/api/v1/institutions/open-parent/")
        again = client.get("/api/v1/institutions/open-parent/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
        assert again.status_code == 304

    def test_any_change_makes_the_etag_stale(self, client, published):
        first = client.get("/api/v1/agreements/")
        published["institution"].save()
        again = client.get("/api/v1/agreements/", HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 200 and again["ETag"] != first["ETag"]

    def test_other_parameters_are_another_etag(self, client, published):
        assert client.get("/api/v1/sources/")["ETag"] != client.get("/api/v1/sources/?page_size=1")["ETag"]


@pytest.mark.django_db
class TestClients:
    def test_any_site_may_read_the_api(self, client, published):
        response = client.get("/api/v1/institutions/", HTTP_ORIGIN="https://example.org")
        assert response["Access-Control-Allow-Origin"] == "*"

    def test_a_preflight_allows_only_reading(self, client, db):
        response = client.options(
            "/api/v1/institutions/",
            HTTP_ORIGIN="https://example.org",
            HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        )
        assert response.status_code == 200
        assert response["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"

    def test_the_root_lists_every_endpoint(self, client, db):
        assert set(client.get("/api/v1/").json()) == set(ENDPOINTS + REFERENCE_ENDPOINTS)

    def test_no_other_site_may_read_the_pages(self, client, published):
        response = client.get("/institutions/", HTTP_ORIGIN="https://example.org")
        assert "Access-Control-Allow-Origin" not in response

    def test_a_client_gets_no_new_allowance_by_writing_forwarded_for(self, client, published, settings):
        settings.API_ANON_RATE = "2/minute"
        settings.PROXY_COUNT = 1
        statuses = [
            client.get("/api/v1/sources/", HTTP_X_FORWARDED_FOR=f"10.66.0.{n}, 203.0.113.7").status_code
            for n in range(3)
        ]
        assert statuses == [200, 200, 429]  # one client behind the proxy, whatever it wrote
        assert client.get("/api/v1/sources/", HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 200

    @pytest.mark.parametrize(
        ("lang", "says"),
        [
            ("ru", r"Слишком много запросов с вашего адреса\. Повторите через \d+ секунд[уы]?\.$"),
            ("en", r"Too many requests from your address\. Try again in \d+ seconds?\.$"),
            ("kk", r"Сіздің мекенжайыңыздан сұраулар тым көп\. \d+ секундтан кейін қайталаңыз\.$"),
        ],
    )
    def test_too_many_requests_is_a_clear_429_in_one_language(self, client, published, settings, lang, says):
        settings.API_ANON_RATE = "2/minute"
        path = f"/api/v1/sources/?lang={lang}"
        assert [client.get(path).status_code for _ in range(2)] == [200, 200]
        response = client.get(path)
        assert response.status_code == 429
        assert re.match(says, response.json()["detail"])
        assert int(response["Retry-After"]) > 0


def queries_for(client, path, page_size):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, {"page_size": page_size})
    assert response.status_code == 200
    assert len(response.json()["results"]) == page_size
    return len(queries)


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_queries_per_page_do_not_grow_with_the_page_size(client, endpoint):
    source = factories.source()
    field = factories.field_of_study()
    for _ in range(200):
        record = {
            "institutions": factories.institution,
            "branches": factories.branch,
            "agreements": lambda: factories.agreement(parties=1),
            "programmes": factories.programme,
            "indicators": factories.indicator,
            "sources": factories.source,
        }[endpoint]()
        if endpoint != "sources":
            models.Citation.objects.create(source=source, quote="Цитата", **{record._meta.model_name: record})
        if endpoint in ("branches", "agreements", "programmes"):
            record.fields.add(field)
    assert queries_for(client, f"/api/v1/{endpoint}/", 5) == queries_for(client, f"/api/v1/{endpoint}/", 200)
