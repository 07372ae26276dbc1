"""Restore a deleted record together with the rows that were deleted with it.

Deleting an agreement deletes its parties, status steps and quotes in the same request; each
deletion is kept in that row's own history (django-simple-history). Restoring the record brings
back the rows whose deletion was recorded by the same user at the same moment as the record's —
not rows someone removed separately earlier.
"""

import datetime

from django.db import transaction
from django.utils.translation import gettext_noop

#: Rows deleted within this time of their record, by the same user, were deleted with it.
DELETED_TOGETHER = datetime.timedelta(seconds=10)
RESTORED = "restored"
#: Why a version was written, as stored in history; the history page shows them translated.
CHANGE_REASONS = [
    gettext_noop("import"),
    gettext_noop("published"),
    gettext_noop("unpublished"),
    gettext_noop("restored"),
    gettext_noop("status step"),
]


def history_of(model):
    """Return the model's history manager, or None when its history is not kept."""
    attribute = getattr(model._meta, "simple_history_manager_attribute", None)
    return getattr(model, attribute) if attribute else None


def child_relations(model):
    """Yield (child model, foreign key name) for the one-to-many rows of a record with history."""
    for relation in model._meta.related_objects:
        if relation.one_to_many and history_of(relation.related_model) is not None:
            yield relation.related_model, relation.field.attname


def last_deletion(model, pk):
    """Return the history entry of the record's deletion if the record is deleted, else None."""
    if model._default_manager.filter(pk=pk).exists():
        return None
    return history_of(model).filter(id=pk, history_type="-").order_by("-history_date").first()


def refers_to_existing_records(row):
    """Return whether every record the row points to exists."""
    return all(
        field.related_model._default_manager.filter(pk=getattr(row, field.attname)).exists()
        for field in row._meta.concrete_fields
        if field.many_to_one and getattr(row, field.attname) is not None
    )


def restore_children(record, deletion, user=None):
    """Restore the rows deleted with `record` (whose deletion entry is `deletion`), recursively.

    Return how many rows were restored.
    """
    restored = 0
    window = (deletion.history_date - DELETED_TOGETHER, deletion.history_date + DELETED_TOGETHER)
    for child_model, fk_name in child_relations(type(record)):
        deleted_rows = history_of(child_model).filter(
            history_type="-",
            history_user_id=deletion.history_user_id,
            history_date__range=window,
            **{fk_name: record.pk},
        )
        for entry in deleted_rows.order_by("history_date"):
            if child_model._default_manager.filter(pk=entry.id).exists():
                continue
            child = entry.instance
            if not refers_to_existing_records(child):
                continue  # e.g. a party of an agreement deleted in the same minute, still deleted
            child._change_reason = RESTORED
            child._history_user = user
            child.save()
            restored += 1 + restore_children(child, entry, user)
    return restored


@transaction.atomic
def restore_with_children(record_history, user=None):
    """Restore a deleted record at the version `record_history` and everything deleted with it.

    Return the restored record.
    """
    model = record_history.instance_type
    deletion = last_deletion(model, record_history.id)
    record = record_history.instance
    record._change_reason = RESTORED
    record._history_user = user
    record.save()
    if deletion is not None:
        restore_children(record, deletion, user)
    return record
