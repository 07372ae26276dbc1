"""How to cite a record: registry name, record title, permanent URL, date accessed and the data licence.

One wording for the detail pages, the API and the dump.
"""

from django.conf import settings
from django.utils import formats, timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import models

REGISTRY_NAME = gettext_lazy("Реестр сотрудничества России и Казахстана в образовании")


def licence():
    return {"name": settings.DATA_LICENCE, "url": settings.DATA_LICENCE_URL}


def how_to_cite(record, url, accessed=None, mark=None):
    """Return the reference to a record as one line of text, accessed today unless told; as HTML
    with the record's name marked by `mark` when given (see cited_name)."""
    accessed = accessed or timezone.localdate()
    wording = _("%(registry)s. %(title)s. %(url)s (дата обращения: %(date)s). Лицензия данных: %(licence)s.")
    parts = {
        "registry": REGISTRY_NAME,
        "title": cited_name(record, mark),
        "url": url,
        "date": formats.date_format(accessed, "DATE_FORMAT"),
        "licence": settings.DATA_LICENCE,
    }
    if mark:
        escaped = {key: conditional_escape(value) for key, value in parts.items()}
        return mark_safe(conditional_escape(wording) % escaped)  # every part escaped, the name marked
    return wording % parts


def cited_name(record, mark=None):
    """Return the record's name in the reader's language; a source's as publisher, date (written the
    reader's way, like every date on the site) and title.

    For a page, `mark(text, language)` renders each part as HTML, marked with its language where it
    is not the reader's (registry_public.in_language)."""
    if isinstance(record, models.Source):
        publisher, language = models.in_reader_language(record, "publisher")
        date = formats.date_format(record.published_on, "DATE_FORMAT")
        if mark:
            title = mark(record.title, record.language)
            return format_html("{}, {}: {}", mark(publisher, language), date, title)
        return f"{publisher}, {date}: {record.title}"
    if mark:
        return mark(*models.in_reader_language(record, "title" if hasattr(record, "title") else "name"))
    return record.display_name
