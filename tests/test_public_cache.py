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
        admin_client.get("/institutions/?ordering=-name&country=RU&page=1")  # the same total
    counting = [q["sql"] for q in again.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counting == [] and len(again) < len(first)
    assert admin_client.get("/").context["counts"][0]["total"] == 1
    factories.institution(name_ru="Второй вуз")
    assert admin_client.get("/").context["counts"][0]["total"] == 2
    assert admin_client.get("/institutions/").context["paginator"].count == 2


@pytest.mark.django_db
@pytest.mark.parametrize("file_format", ["csv", "json", "xlsx"])
def test_a_download_asked_for_again_is_served_from_the_cache_until_a_record_changes(
    client, page_cache, django_assert_num_queries, file_format
):
    record = factories.institution(name_ru="Первый вуз")
    first = client.get("/institutions/", {"download": file_format})
    first_bytes = first.getvalue()
    with django_assert_num_queries(0):
        again = type(client)().get("/institutions/", {"download": file_format})
        again_bytes = again.getvalue()
    assert again_bytes == first_bytes
    assert again["Content-Type"] == first["Content-Type"]
    assert again["Content-Disposition"] == first["Content-Disposition"]
    record.name_ru = "Новое название"
    record.save()
    changed = client.get("/institutions/", {"download": "csv"}).getvalue().decode("utf-8-sig")
    assert "Новое название" in changed and "Первый вуз" not in changed


@pytest.mark.django_db
def test_a_download_is_kept_per_filter_and_language_and_never_for_staff(client, admin_client, page_cache):
    factories.institution(name_ru="Первый вуз", name_en="First university", kind="college")
    factories.institution(name_ru="Второй вуз", kind="university")
    assert "Второй вуз" not in client.get("/institutions/?kind=college&download=csv").getvalue().decode()
    assert "Второй вуз" in client.get("/institutions/?download=csv").getvalue().decode()
    client.cookies["django_language"] = "en"
    english = client.get("/institutions/?kind=college&download=csv").getvalue().decode()
    assert "First university" in english and "колледж" not in english
    admin_client.get("/institutions/?download=csv").getvalue()
    models.Institution.objects.update(name_ru="Тихо изменён")  # no signal: readers' copy stays
    assert "Тихо изменён" in admin_client.get("/institutions/?download=csv").getvalue().decode()


@pytest.mark.django_db(transaction=True)  # closing a response ends its request, as a server does
def test_a_download_larger_than_the_limit_is_not_kept_one_left_unread_is(
    client, page_cache, settings, tmp_path
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.PUBLIC_DOWNLOAD_CACHE_DIR = tmp_path
    factories.institution(name_ru="Первый вуз")
    settings.PUBLIC_DOWNLOAD_CACHE_BYTES = 100
    for file_format in ("csv", "xlsx"):
        client.get("/institutions/", {"download": file_format}).getvalue()
        with CaptureQueriesContext(connection) as queries:
            client.get("/institutions/", {"download": file_format}).getvalue()
        assert len(queries) > 0, file_format
    assert list(settings.PUBLIC_DOWNLOAD_CACHE_DIR.iterdir()) == []  # sent, then gone
    settings.PUBLIC_DOWNLOAD_CACHE_BYTES = 4 * 2**20
    unread = client.get("/institutions/", {"download": "json"})
    next(iter(unread.streaming_content))
    unread.close()  # the reader goes away after the first bytes: the file was written, and kept
    with CaptureQueriesContext(connection) as queries:
        assert "Первый вуз" in client.get("/institutions/", {"download": "json"}).getvalue().decode()
    assert len(queries) == 0


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["/institutions/first/", "/map/", "/indicators/", "/sources/tass/"])
def test_records_pages_and_the_map_are_cached_too_and_forgotten_on_a_change(
    client, page_cache, django_assert_num_queries, page
):
    record = factories.institution(slug="first", name_ru="Первый вуз", city="Алматы")
    source = factories.source(slug="tass")
    models.Citation.objects.create(source=source, quote="цитата", institution=record)
    assert client.get(page).status_code == 200
    with django_assert_num_queries(0):
        assert type(client)().get(page).status_code == 200
    record.name_ru = "Новое название"
    record.save()
    assert "Новое название" in client.get(page).content.decode() or page == "/indicators/"


@pytest.mark.django_db
def test_a_page_is_kept_per_host_and_scheme_as_its_address_to_cite_is_absolute(client, page_cache):
    factories.institution(slug="first")
    seen = {}
    for host, secure in [("127.0.0.1", False), ("localhost", False), ("localhost", True)]:
        html = client.get("/institutions/first/", HTTP_HOST=host, secure=secure).content.decode()
        seen[host, secure] = f"{'https' if secure else 'http'}://{host}/institutions/first/" in html
    assert seen == {("127.0.0.1", False): True, ("localhost", False): True, ("localhost", True): True}


@pytest.mark.django_db
def test_a_lists_filter_form_is_made_once_for_all_its_pages_and_anew_after_a_change(
    client, page_cache, settings
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    region = factories.region(name="Алматы")
    for n in range(30):  # two pages
        factories.institution(name_ru=f"Вуз {n:02}", region=region)

    def choices_read(url):
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url)
        assert page.status_code == 200
        return page.content.decode(), [q["sql"] for q in queries if 'FROM "registry_region"' in q["sql"]]

    first, read = choices_read("/institutions/?kind=university")
    assert read and ">Алматы<" in first
    second, read = choices_read("/institutions/?kind=university&page=2")
    assert not read and ">Алматы<" in second and "Вуз 29" in second
    assert 'value="university" selected' in second  # the form as the reader filled it
    _, read = choices_read("/institutions/?kind=college")
    assert read  # other filters: another form
    region.name = "Алма-Ата"
    region.save()
    changed, read = choices_read("/institutions/?kind=university&page=2")
    assert read and ">Алма-Ата<" in changed
    client.cookies["django_language"] = "en"
    english, _ = choices_read("/institutions/?kind=university&page=2")
    assert "Filters" in english and "Фильтры" not in english


@pytest.mark.django_db
def test_a_download_being_prepared_for_the_cache_is_not_prepared_again_meanwhile(
    client, page_cache, settings, rf, django_assert_num_queries, monkeypatch, tmp_path
):
    from django.utils import translation

    from registry import cache, downloads

    settings.PUBLIC_DOWNLOAD_CACHE_DIR = tmp_path
    settings.PUBLIC_DOWNLOADS_AT_ONCE = 5  # slots to spare: only the claim on the same file refuses
    factories.institution(name_ru="Первый вуз")
    with translation.override("ru"):
        key = cache.download_key(rf.get("/institutions/", {"download": "csv"}))
    elsewhere = downloads.take_slot(key)  # another worker is writing this file for the cache
    again = client.get("/institutions/", {"download": "csv"})
    assert again.status_code == 503 and again["Retry-After"] == "60"
    other = client.get("/institutions/", {"download": "json"})  # another file: prepared
    assert other.status_code == 200 and "Первый вуз" in other.getvalue().decode()
    elsewhere.release()  # written and kept by the other worker, or failed: the claim is given back
    first = client.get("/institutions/", {"download": "csv"})
    assert first.status_code == 200
    written = first.getvalue()
    assert "Первый вуз" in written.decode()
    with django_assert_num_queries(0):  # prepared once, kept, and the claim given back
        kept = type(client)().get("/institutions/", {"download": "csv"})
    assert kept.getvalue() == written

    def broken(*args):
        raise OSError("disk full")

    monkeypatch.setitem(downloads.WRITERS, "xlsx", broken)
    with pytest.raises(OSError):
        client.get("/institutions/", {"download": "xlsx"})
    monkeypatch.undo()  # a download that failed gives its claim back and leaves no file behind
    assert client.get("/institutions/", {"download": "xlsx"}).getvalue().startswith(b"PK")
    assert list(tmp_path.glob(".*")) == []


@pytest.mark.django_db
def test_a_kept_download_is_a_file_sent_as_one_and_pruned_with_its_entry(
    client, page_cache, settings, tmp_path
):
    import os
    import time

    from django.http import FileResponse

    settings.PUBLIC_DOWNLOAD_CACHE_DIR = tmp_path / "kept"
    factories.institution(name_ru="Первый вуз")
    first = client.get("/institutions/", {"download": "csv"}).getvalue()
    (kept_file,) = list((tmp_path / "kept").iterdir())
    assert kept_file.read_bytes() == first
    again = client.get("/institutions/", {"download": "csv"})
    assert isinstance(again, FileResponse)  # gunicorn sends it with sendfile()
    assert again.getvalue() == first
    old = time.time() - settings.PUBLIC_PAGE_CACHE_SECONDS - 1
    os.utime(kept_file, (old, old))
    client.get("/institutions/", {"download": "json"}).getvalue()  # keeping another prunes it
    assert not kept_file.exists()
    assert client.get("/institutions/", {"download": "csv"}).getvalue() == first  # made again


@pytest.mark.django_db
def test_a_download_that_cannot_be_kept_is_still_sent_whole(client, page_cache, settings, tmp_path):
    (tmp_path / "not-a-directory").write_text("")
    settings.PUBLIC_DOWNLOAD_CACHE_DIR = tmp_path / "not-a-directory"
    factories.institution(name_ru="Первый вуз")
    for _ in range(2):
        assert "Первый вуз" in client.get("/institutions/", {"download": "csv"}).getvalue().decode()


@pytest.mark.django_db
@pytest.mark.parametrize("invalid", ["ordering=zzz", "ordering=name&ordering=zzz", "founded=abc"])
def test_an_invalid_request_never_gives_its_empty_total_to_the_valid_one(client, page_cache, invalid):
    for n in range(3):
        factories.institution(name_ru=f"Вуз {n}", kind="college")
    refused = client.get(f"/institutions/?kind=college&{invalid}")
    assert refused.status_code == 400 and refused.context["paginator"].count == 0
    for address in ("/institutions/?kind=college", "/institutions/?kind=college&ordering=-name"):
        page = type(client)().get(address)
        assert page.context["paginator"].count == 3, address
        assert "Вуз 2" in page.content.decode()


@pytest.mark.django_db
def test_a_page_made_for_readers_reads_the_datas_version_once_for_all_its_parts(
    client, page_cache, monkeypatch, django_assert_num_queries
):
    from registry import cache as page_cache_module

    class Counting:
        def __init__(self, real):
            self.real, self.read = real, []

        def get(self, key, *args, **kwargs):
            self.read.append(key)
            return self.real.get(key, *args, **kwargs)

        def __getattr__(self, name):
            return getattr(self.real, name)

    for n in range(30):
        factories.institution(name_ru=f"Вуз {n:02}", kind="university")
    counting = Counting(cache)
    monkeypatch.setattr(page_cache_module, "cache", counting)
    first = client.get("/institutions/?kind=university&page=2")  # page, total, filter form: made
    assert first.status_code == 200 and "Вуз 29" in first.content.decode()
    assert counting.read.count(page_cache_module.VERSION_KEY) == 1
    with django_assert_num_queries(0):  # kept whole
        assert "Вуз 29" in client.get("/institutions/?kind=university&page=2").content.decode()
