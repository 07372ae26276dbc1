"""How to cite a record: registry name, record title, permanent URL, date accessed and the data licence.

One wording for the detail pages, the API and the dump.
"""

from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import models

REGISTRY_NAME = gettext_lazy("Реестр сотрудничества России и Казахстана в образовании")


def licence():
    return {"name": settings.DATA_LICENCE, "url": settings.DATA_LICENCE_URL}


def how_to_cite(record, url, accessed=None):
    """Return the reference to a record as one line of text, accessed today unless told."""
    accessed = accessed or timezone.localdate()
    return _("%(registry)s. %(title)s. %(url)s (дата обращения: %(date)s). Лицензия данных: %(licence)s.") % {
        "registry": REGISTRY_NAME,
        "title": cited_name(record),
        "url": url,
        "date": formats.date_format(accessed, "DATE_FORMAT"),
        "licence": settings.DATA_LICENCE,
    }


def cited_name(record):
    """Return the record's name; a source's date written the reader's way, like every date on the site."""
    if isinstance(record, models.Source):
        publisher, _language = models.in_reader_language(record, "publisher")
        return f"{publisher}, {formats.date_format(record.published_on, 'DATE_FORMAT')}: {record.title}"
    return record.display_name
