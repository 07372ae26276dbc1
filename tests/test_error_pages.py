"""Our own 404, 500 and 503 pages, in the site's design and the visitor's language, with DEBUG off."""

import pytest
from django.conf import settings
from django.db import OperationalError
from django.test import Client, RequestFactory, override_settings
from django.utils import translation
from django.views.defaults import server_error

from registry.middleware import DatabaseBusyMiddleware


def english():
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.mark.django_db
@override_settings(DEBUG=False)
@pytest.mark.parametrize(
    "url", ["/no-such-page/", "/institutions/no-such-record/", "/admin/registry/institution/abc/history/"]
)
def test_a_missing_page_is_our_404_in_russian(admin_client, url):
    response = admin_client.get(url)
    page = response.content.decode()
    assert response.status_code == 404
    assert "<h1>Страница не найдена</h1>" in page
    assert 'class="site-header"' in page and "registry/site.css" in page


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_a_missing_page_is_in_english_when_the_visitor_chose_english():
    response = english().get("/institutions/no-such-record/")
    page = response.content.decode()
    assert response.status_code == 404
    assert '<html lang="en">' in page and "<h1>Page not found</h1>" in page


@override_settings(DEBUG=False)
@pytest.mark.parametrize(("language", "heading"), [("ru", "Ошибка на сервере"), ("en", "Server error")])
def test_a_server_error_is_our_500_and_needs_no_database(language, heading):
    # No django_db mark: any query here would fail the test.
    request = RequestFactory().get("/institutions/")
    with translation.override(language):
        response = server_error(request)
    page = response.content.decode()
    assert response.status_code == 500
    assert f'<html lang="{language}">' in page and f"<h1>{heading}</h1>" in page
    assert "registry/site.css" in page


@override_settings(DEBUG=False)
@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("ru", "Реестр занят: идёт долгая запись (например, импорт). Повторите через минуту."),
        ("en", "The registry is busy with a long write (an import, for example). Try again in a minute."),
        ("kk", "Тізілім бос емес: ұзақ жазу жүріп жатыр (мысалы, импорт). Бір минуттан кейін қайталаңыз."),
    ],
)
def test_a_write_that_found_the_database_locked_is_our_503_with_retry_after(language, message):
    # What a view raises when SQLITE_BUSY_TIMEOUT ran out; tests/test_sqlite_concurrency.py makes
    # it happen for real. No django_db mark: the page needs no query.
    request = RequestFactory().post("/admin/registry/institution/")
    with translation.override(language):
        response = DatabaseBusyMiddleware(None).process_exception(
            request, OperationalError("database is locked")
        )
    page = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert f'<html lang="{language}">' in page and message in page
    assert 'class="site-header"' in page and "registry/site.css" in page


def test_any_other_database_error_is_left_to_the_500_page():
    request = RequestFactory().get("/institutions/")
    error = OperationalError("no such table: registry_institution")
    assert DatabaseBusyMiddleware(None).process_exception(request, error) is None


@pytest.mark.django_db
@override_settings(DEBUG=False)
@pytest.mark.parametrize(
    ("language", "heading", "says"),
    [("ru", "Доступ закрыт", "нет права"), ("en", "Access denied", "no right")],
)
def test_a_refused_page_is_our_403_in_the_visitors_language(viewer, language, heading, says):
    client = Client()
    client.force_login(viewer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get("/admin/registry/institution/import/")
    page = response.content.decode()
    assert response.status_code == 403
    assert f"<h1>{heading}</h1>" in page and says in page
    assert 'class="site-header"' in page


@pytest.mark.django_db
@override_settings(DEBUG=False)
@pytest.mark.parametrize(
    ("language", "heading"),
    [("ru", "Страница устарела"), ("en", "The page is out of date"), ("kk", "Бет ескірген")],
)
def test_a_form_sent_with_a_stale_token_is_our_page_in_plain_words(language, heading):
    client = Client(enforce_csrf_checks=True)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.post("/match/", {"names": "МГУ", "kind": "institution"})
    page = response.content.decode()
    assert response.status_code == 403
    assert f"<h1>{heading}</h1>" in page
    assert "DEBUG" not in page and "CSRF" not in page
