import logging

from django.conf import settings
from django.db import OperationalError
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.log import log_response

logger = logging.getLogger("registry.busy")


class RussianFirstLocaleMiddleware(LocaleMiddleware):
    """Russian unless the visitor chose English with the switch.

    Django's LocaleMiddleware also follows the browser's Accept-Language, so most visitors
    abroad, and every headless browser, would get English; the registry speaks Russian first.
    The admin speaks only `ADMIN_LANGUAGES`: Django's Kazakh admin catalogue is too incomplete
    to offer, so a reader who chose Kazakh sees the admin in Russian rather than half in each.
    The services for programs (the API, the reconciliation service) answer in the language the
    client asks for, by a `lang=` parameter or Accept-Language, Russian by default.
    """

    SERVICES = ("/api/", "/reconcile")

    def process_request(self, request):
        in_admin = request.path.startswith(reverse("admin:index"))
        offered = settings.ADMIN_LANGUAGES if in_admin else dict(settings.LANGUAGES)
        language = chosen_language(request, offered)
        if request.path.startswith(self.SERVICES):
            asked = request.GET.get("lang")
            language = asked if asked in offered else translation.get_language_from_request(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


def chosen_language(request, offered):
    """The language the visitor chose with the switch, if `offered`; else Russian."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    return chosen if chosen in offered else settings.LANGUAGE_CODE


def is_database_locked(error):
    """Return whether the error is SQLite's "database is locked": a write lock waited out."""
    return isinstance(error, OperationalError) and "database is locked" in str(error)


class DatabaseBusyMiddleware:
    """Answer "the registry is busy" (503, Retry-After) to a request whose write found SQLite locked.

    The gap it fills: a SQLite writer waits for the write lock up to SQLITE_BUSY_TIMEOUT
    (config/settings.py), as long as the longest import it can meet; a longer import, or a lock
    held by something else (a sqlite3 shell, a copy of the file), still ends the wait with
    OperationalError "database is locked", which Django would answer with a bare 500. The
    admin's forms, deletions, Publish and imports each write in one transaction begun IMMEDIATE,
    so the lock is refused before they change anything: asking again is safe.
    Only errors raised by views reach here (process_exception): a write made after the view by
    other middleware (a session SessionMiddleware saves on the way out) still ends in the 500 page.
    PostgreSQL has no such timeout: a writer waits for the rows it needs.
    """

    RETRY_AFTER_SECONDS = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_database_locked(exception):
            return None
        response = render(request, "503.html", status=503)
        response["Retry-After"] = str(self.RETRY_AFTER_SECONDS)
        # Logged once, as the warning it is: Django would log any 5xx again as an ERROR.
        log_response(
            "database locked method=%s path=%s user=%s waited=%ss",
            request.method,
            request.path,
            getattr(getattr(request, "user", None), "username", ""),
            settings.DATABASES["default"].get("OPTIONS", {}).get("timeout"),
            response=response,
            request=request,
            logger=logger,
            level="warning",
        )
        return response
