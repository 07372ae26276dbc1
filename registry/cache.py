"""Cache the public pages (the overview, lists, records' pages, the map) and downloads for
anonymous readers; any change to a record invalidates them.

Pages are kept in Django's cache framework (local memory by default, Redis when REDIS_URL is set)
under a key that carries a version number; every save, deletion or bulk write of a registry
record bumps the version, so staff never see a published change wait. With local memory each
worker process has its own cache: a change made through one worker reaches the pages of the
others after PUBLIC_PAGE_CACHE_SECONDS at the latest. Use Redis with several workers.

A page holds the language switch's CSRF token, which must not be shared between readers: it is
cut out before caching and each reader gets their own when the page is served.
"""

import contextvars
import hashlib
import re
import time
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.translation import get_language

VERSION_KEY = "public-pages:version"
TOKEN = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')
PLACEHOLDER = "\x00csrf\x00"


#: The version a page being made for readers is kept under (cache_public_page), for its parts.
_page_version = contextvars.ContextVar("public_page_version", default=None)


def version():
    """The version of the public data. A page made for readers reads it once, and its parts
    (totals, the filter form) are kept under the same: one read of the cache, not one per part,
    and a page never mixes parts of two versions."""
    current = _page_version.get()
    if current is not None:
        return current
    current = cache.get(VERSION_KEY)
    if current is None:
        cache.add(VERSION_KEY, time.time_ns(), None)
        current = cache.get(VERSION_KEY, 0)
    return current


def invalidate_public_pages():
    """Forget every cached public page (a new version makes all old keys unreachable): at once,
    and again when the change commits, so that a page a reader rendered from the data before the
    commit meanwhile is not kept. Once per transaction, however many records it writes."""
    new_version()
    if connection.in_atomic_block and not any(
        callback is new_version for _savepoints, callback, _robust in connection.run_on_commit
    ):
        transaction.on_commit(new_version)


def new_version():
    cache.set(VERSION_KEY, time.time_ns(), None)


def shared_totals(name, compute):
    """Return ``compute()``, worked out once per version of the public data and kept in Django's
    cache for PUBLIC_TOTALS_CACHE_SECONDS (0: never kept).

    For counts over whole tables that every reader of a page would otherwise redo, whoever they
    are: the overview's totals and charts, the quotes of each source. Without it those pages grow
    with the registry (`make bench`, "public overview /" and "public /sources/"). Values must not
    depend on the reader's language: keep numbers, name them when the page is made.
    """
    seconds = settings.PUBLIC_TOTALS_CACHE_SECONDS
    if not seconds:
        return compute()
    key = f"public-totals:{version()}:{name}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, seconds)
    return value


def shared_query_totals(name, queryset, compute):
    """shared_totals for what a query finds: kept under the query's SQL, so every reader asking
    with the same filters shares it (a list's total, the map's counts per place)."""
    try:
        sql = str(queryset.query)
    except EmptyResultSet:  # a query that finds nothing
        return compute()
    return shared_totals(f"{name}:" + hashlib.sha256(sql.encode()).hexdigest(), compute)


def page_key(request):
    """A page is kept per version of the data, language and day (a record's page says how to
    cite it, accessed today), and per address as asked, scheme and host included: the address to
    cite is absolute, and a site served under two names (or by http and https) must give each its own."""
    return readers_key("public-page", request)


def shared_part(request, *ignored):
    """The timeout and key of a part of a page kept by the template's {% cache %} tag, for a part
    that is the same for every reader: it varies on the data's version, the reader's language,
    the path and the request's parameters except `ignored` ones (a list's filter form is the same
    on every page of the list). Kept for PUBLIC_PAGE_CACHE_SECONDS; 0 keeps none."""
    key = f"{version()}:{get_language()}:{address_without(request, *ignored)}"
    return {"seconds": settings.PUBLIC_PAGE_CACHE_SECONDS, "key": key}


def address_without(request, *ignored):
    """The request's path and parameters, but the `ignored` ones."""
    kept = [(name, value) for name, values in request.GET.lists() if name not in ignored for value in values]
    return f"{request.path}?{urlencode(kept)}"


def shared_with_readers(request):
    """Whether this request may be answered from, and kept in, the cache: a GET by an anonymous
    reader while PUBLIC_PAGE_CACHE_SECONDS is on. Staff always see what the database holds."""
    return (
        bool(settings.PUBLIC_PAGE_CACHE_SECONDS)
        and request.method == "GET"
        and not request.user.is_authenticated
    )


def download_key(request):
    """A download holds absolute links and the date it was accessed on (how to cite)."""
    return readers_key("public-download", request)


def readers_key(kind, request):
    """The key of what a reader asked for: per version of the data, language, day and absolute
    address (scheme and host included), hashed to a fixed length."""
    address = hashlib.sha256(request.build_absolute_uri().encode()).hexdigest()
    return f"{kind}:{version()}:{get_language()}:{timezone.localdate()}:{address}"


def cache_public_page(view):
    """Serve a GET page from the cache to anonymous readers; render and keep it on a miss."""

    @wraps(view)
    def cached_view(request, *args, **kwargs):
        if not shared_with_readers(request) or "download" in request.GET:  # downloads: downloads.py
            return view(request, *args, **kwargs)
        seconds = settings.PUBLIC_PAGE_CACHE_SECONDS
        pinned = _page_version.set(version())
        try:
            key = page_key(request)
            hit = cache.get(key)
            if hit is not None:
                status, content_type, text = hit
                return HttpResponse(
                    text.replace(PLACEHOLDER, get_token(request)), status=status, content_type=content_type
                )
            response = view(request, *args, **kwargs)
            if response.status_code in (200, 400) and not response.streaming:
                if hasattr(response, "render"):
                    response.render()
                text = TOKEN.sub(lambda m: m.group(1) + PLACEHOLDER + m.group(2), response.content.decode())
                cache.set(key, (response.status_code, response["Content-Type"], text), seconds)
            return response
        finally:
            _page_version.reset(pinned)

    return cached_view
