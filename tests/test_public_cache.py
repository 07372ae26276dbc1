"""The overview and lists are cached for anonymous readers and forgotten when a record changes."""

import pytest
from django.core.cache import cache

from registry import models
from tests import factories


@pytest.fixture
def page_cache(settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 60
    settings.PUBLIC_TOTALS_CACHE_SECONDS = 60
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
def test_a_cached_list_is_served_without_queries_and_gives_each_reader_a_csrf_token(
    client, page_cache, django_assert_num_queries
):
    factories.institution(name_ru="Первый вуз")
    first = client.get("/institutions/")
    assert "Первый вуз" in first.content.decode()
    other = type(client)()
    with django_assert_num_queries(0):
        second = other.get("/institutions/")
    assert "Первый вуз" in second.content.decode()
    assert "\x00" not in second.content.decode()
    assert 'name="csrfmiddlewaretoken" value="' in second.content.decode()
    assert other.cookies["csrftoken"].value


@pytest.mark.django_db
@pytest.mark.parametrize("change", ["publish", "save", "delete", "bulk"])
def test_publishing_or_changing_a_record_invalidates_the_overview_and_lists(client, page_cache, change):
    record = factories.institution(name_ru="Старое название", is_published=change != "publish")
    client.get("/")
    client.get("/institutions/")
    if change == "publish":
        record.is_published = True
        record.name_ru = "Новое название"
        record.save()
    elif change == "save":
        record.name_ru = "Новое название"
        record.save()
    elif change == "delete":
        record.delete()
        factories.institution(name_ru="Новое название")
    else:
        record.name_ru = "Новое название"
        models.Institution.objects.bulk_update([record], ["name_ru"])
    assert "Новое название" in client.get("/institutions/").content.decode()


@pytest.mark.django_db
def test_staff_and_downloads_are_never_served_from_the_cache(admin_client, page_cache):
    factories.institution(name_ru="Первый вуз")
    admin_client.get("/institutions/")
    models.Institution.objects.update(name_ru="Тихо изменён")  # no signal: the cache keeps the old page
    assert "Тихо изменён" in admin_client.get("/institutions/").content.decode()
    assert "Тихо изменён" in admin_client.get("/institutions/", {"download": "csv"}).getvalue().decode()


@pytest.mark.django_db(transaction=True)
def test_a_page_cached_while_a_change_was_uncommitted_is_forgotten_at_commit(page_cache):
    from django.db import transaction

    from registry.cache import version

    with transaction.atomic():
        factories.institution(name_ru="Первый вуз")
        factories.institution(name_ru="Второй вуз")
        during = version()  # what a reader's page rendered now would be cached under
        callbacks = len(transaction.get_connection().run_on_commit)
    assert callbacks == 1  # one new version at commit, however many records were written
    assert version() != during


@pytest.mark.django_db
def test_the_overview_totals_are_counted_once_per_change_for_every_reader(admin_client, page_cache):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    factories.institution(name_ru="Первый вуз")
    factories.source()
    with CaptureQueriesContext(connection) as first:
        admin_client.get("/")  # staff see no cached page, but the totals are shared
        admin_client.get("/sources/")
        admin_client.get("/institutions/?country=RU")
    with CaptureQueriesContext(connection) as again:
        admin_client.get("/")
        admin_client.get("/sources/")
        admin_client.get("/institutions/?country=RU")
    counting = [q["sql"] for q in again.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counting == [] and len(again) < len(first)
    assert admin_client.get("/").context["counts"][0]["total"] == 1
    factories.institution(name_ru="Второй вуз")
    assert admin_client.get("/").context["counts"][0]["total"] == 2
    assert admin_client.get("/institutions/").context["paginator"].count == 2
