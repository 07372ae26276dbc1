"""What changed in public: new records, status changes and new sources, read from the history tables.

A change is public when the record is published now (by the one rule, `published()`) and was
published in the history row that records the change: a record is "new" from the moment it was
first published, not when staff began its draft, and nothing about drafts is ever listed.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from . import models

#: Records whose changes are listed; those with a status list its changes too.
MODELS = [
    models.Institution,
    models.Branch,
    models.Agreement,
    models.Programme,
    models.Indicator,
    models.Source,
]


@dataclass
class Change:
    when: datetime
    kind: str  # "new", "status" or "source"
    record: models.PublicRecord
    status_label: str = ""

    @property
    def day(self):
        return timezone.localdate(self.when)

    @property
    def title(self):
        if self.kind == "status":
            return _("%(record)s: %(status)s") % {
                "record": self.record.display_name,
                "status": self.status_label,
            }
        return self.record.display_name

    @property
    def kind_label(self):
        if self.kind == "status":
            return _("Новое состояние")
        if self.kind == "source":
            return _("Новый источник")
        return _("Новая запись: %(kind)s") % {"kind": self.record._meta.verbose_name}

    @property
    def guid(self):
        return f"{self.record.get_absolute_url()}#{self.kind}-{self.when.isoformat()}"


def changes_of(model, since):
    """Yield (when, kind, pk, status) for one model's public changes since `since`."""
    history = model.history.model
    has_status = any(f.name == "status" for f in history._meta.fields)
    fields = ["id", "history_date", "is_published", *(["status"] if has_status else [])]
    touched = history.objects.filter(history_date__gte=since).values("id")
    rows = (
        history.objects.filter(id__in=touched)
        .filter(id__in=model.objects.published().values("pk"))
        .order_by("id", "history_date", "history_id")
        .values_list(*fields)
        .iterator(chunk_size=2000)
    )
    previous = None
    for row in rows:
        pk, when, published, *status = row
        before = previous if previous and previous[0] == pk else None
        previous = row
        if when < since or not published:
            continue
        if before is None or not before[2]:
            yield when, "source" if model is models.Source else "new", pk, None
        elif has_status and before[3] != status[0]:
            yield when, "status", pk, status[0]


def recent_changes(limit=None, days=None):
    """Return the latest public changes, newest first."""
    limit = limit or settings.CHANGES_LIMIT
    since = timezone.now() - timedelta(days=days or settings.CHANGES_DAYS)
    found = []
    for model in MODELS:
        found += [(when, kind, model, pk, status) for when, kind, pk, status in changes_of(model, since)]
    found.sort(key=lambda change: change[0], reverse=True)
    found = found[:limit]
    records = {}
    for model in MODELS:
        pks = [pk for _, _, m, pk, _ in found if m is model]
        if pks:
            records[model] = model.objects.published().in_bulk(pks)
    changes = []
    for when, kind, model, pk, status in found:
        record = records[model].get(pk)
        if record is None:
            continue
        label = dict(model._meta.get_field("status").choices).get(status, status) if status else ""
        changes.append(Change(when, kind, record, str(label)))
    return changes
