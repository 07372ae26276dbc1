"""A record's versions, many-to-many values included; restoring a deleted record together with
the rows that were deleted with it.

Deleting an agreement deletes its parties, status steps and quotes in the same request; each
deletion is kept in that row's own history (django-simple-history). Restoring the record brings
back the rows whose deletion was recorded by the same user at the same moment as the record's —
not rows someone removed separately earlier.

Every version also holds the record's many-to-many values (an agreement's fields of study, a
party's regions), and reverting to a version or restoring it sets them back. The library keeps
them (``HistoricalRecords(m2m_fields=...)``, a historical table per field) but leaves gaps, each
filled below where it says "Gap filled": one save of a form became several versions, the first
with the old values; a deletion's version and versions written in bulk held no values; and
neither a version's ``instance`` nor the admin's revert form carried them.
"""

import datetime
import functools
from collections import defaultdict

from django.db import transaction
from django.db.models.signals import m2m_changed, pre_delete, pre_save
from django.utils.translation import gettext_noop
from simple_history.manager import HistoryManager
from simple_history.models import DeletedObject, HistoricalRecords, ModelChange, ModelDelta
from simple_history.signals import post_create_historical_record, pre_create_historical_m2m_records

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


@functools.cache
def tracked_m2m(model):
    """Return the many-to-many fields whose values the model's history keeps."""
    history = history_of(model)
    return history.model._history_m2m_fields if history is not None else []


def links_model(version_model, field):
    """Return the historical table of the field's values (one row per related record and version)."""
    return getattr(version_model, field.name).model


def current_links(field, pks):
    """Return {record pk: [rows linking it to its related records]} for the field, as values."""
    through = field.remote_field.through
    source = through._meta.get_field(field.m2m_field_name()).attname
    links = defaultdict(list)
    for row in through._default_manager.filter(**{f"{source}__in": pks}).values(
        *(f.attname for f in through._meta.concrete_fields)
    ):
        links[row[source]].append(row)
    return links


def record_links(versions, field):
    """Write the field's current values of each version's record as that version's values."""
    if not versions:
        return
    pk = versions[0].instance_type._meta.pk.attname
    links = current_links(field, [getattr(version, pk) for version in versions])
    model = links_model(type(versions[0]), field)
    model.objects.bulk_create(
        model(history=version, **row) for version in versions for row in links[getattr(version, pk)]
    )


def recorded_m2m(version):
    """Return {field name: the related records} as the version recorded them, less those deleted since."""
    recorded = {}
    for field in version._history_m2m_fields:
        ids = getattr(version, field.name).values(field.m2m_reverse_field_name())
        recorded[field.name] = field.related_model._default_manager.filter(pk__in=ids)
    return recorded


def recorded_m2m_of(versions):
    """Return {version id: {field name: [related records]}} for versions of one model, with one
    query per field for them all; a related record deleted since is a DeletedObject."""
    recorded = defaultdict(lambda: defaultdict(list))
    for field in versions[0]._history_m2m_fields if versions else []:
        target = field.m2m_reverse_field_name()
        rows = links_model(type(versions[0]), field).objects.filter(history__in=versions)
        for row in rows.select_related(target).order_by(target):
            related = getattr(row, target) or DeletedObject(field.related_model, getattr(row, f"{target}_id"))
            recorded[row.history_id][field.name].append(related)
    return recorded


def delta_between(older, newer, recorded, foreign_keys_are_objs=True):
    """Return ``newer.diff_against(older)``, its many-to-many values taken from ``recorded`` (read
    by ``recorded_m2m_of``) rather than read again for each two versions compared."""
    m2m = newer._history_m2m_fields
    delta = newer.diff_against(
        older, excluded_fields=[field.name for field in m2m], foreign_keys_are_objs=foreign_keys_are_objs
    )
    changes = list(delta.changes)
    for field in m2m:
        old, new = recorded[older.pk][field.name], recorded[newer.pk][field.name]
        if [record.pk for record in old] != [record.pk for record in new]:
            target = field.m2m_reverse_field_name()
            changes.append(ModelChange(field.name, [{target: r} for r in old], [{target: r} for r in new]))
    changes.sort(key=lambda change: change.field)
    return ModelDelta(changes, [change.field for change in changes], older, newer)


def set_m2m_as_recorded(record, version):
    """Give the saved record the many-to-many values the version recorded."""
    for name, related in recorded_m2m(version).items():
        getattr(record, name).set(related)


def show_m2m_as_recorded(record, version):
    """Make the unsaved record read the version's many-to-many values, for a page showing it.

    Gap filled: a version's ``instance`` reads the values the record has now (or none, once
    deleted), so the admin's version page showed, and its revert posted back, today's values.
    They are put where ``prefetch_related`` puts values read ahead, which the record's
    many-to-many managers answer from; saving them would compare against these, not the
    database, so only a page that saves nothing may use this.
    """
    cache = record.__dict__.setdefault("_prefetched_objects_cache", {})
    cache.update(recorded_m2m(version))


class M2MHistoryManager(HistoryManager):
    """The history of a record with many-to-many fields.

    Gap filled: versions written in bulk (``populate_history``, which `make run` uses,
    ``bulk_create_with_history``, ``bulk_update_with_history``) held no many-to-many values, so
    reverting to one emptied them; here they hold the values the records have.
    """

    def bulk_history_create(self, objs, *args, **kwargs):
        versions = super().bulk_history_create(objs, *args, **kwargs)
        for field in self.model._history_m2m_fields:
            record_links(versions or [], field)
        return versions


def history_with_m2m(*fields):
    """Return the history of a record that keeps the values of its many-to-many fields too."""
    return HistoricalRecords(m2m_fields=fields, history_manager=M2MHistoryManager)


# One save, one version. Gap filled: the library writes a version at each save and another at
# each many-to-many change (its issue #1142), and a form saves the record before its
# many-to-many values, so one edit made up to three versions, the first with the old values.
# Here a many-to-many change of an instance that was just saved goes into the version that save
# wrote; an instance that was saved raw (fixtures and backups, loaded as they were, without
# versions) writes none. An instance not saved first gets a version of its own, as before.


def start_a_version(sender, instance, **kwargs):
    if tracked_m2m(sender):
        instance._m2m_version = None  # until the library writes the version of this save
        if instance.__dict__.pop("_m2m_skip_is_ours", False):
            del instance.skip_history_when_saving  # left by a many-to-many change that failed


def remember_the_version(sender, instance, history_instance, **kwargs):
    if history_instance._history_m2m_fields:
        instance._m2m_version = history_instance


def keep_one_version_per_save(sender, instance, action, reverse, **kwargs):
    if reverse or not hasattr(instance, "_m2m_version"):
        return
    field = next((f for f in tracked_m2m(type(instance)) if f.remote_field.through is sender), None)
    if field is None:
        return
    if action.startswith("pre_") and not hasattr(instance, "skip_history_when_saving"):
        # The library's receiver, connected before this one, writes no version while it is set.
        instance.skip_history_when_saving = True
        instance._m2m_skip_is_ours = True
    elif action.startswith("post_"):
        if instance.__dict__.pop("_m2m_skip_is_ours", False):
            del instance.skip_history_when_saving
        version = instance._m2m_version
        if version is not None:
            links_model(type(version), field).objects.filter(history=version).delete()
            record_links([version], field)


# Gap filled: the rows linking a record to its related ones are deleted before the record, so the
# library, which records a deletion after it, found no values. They are read before it here.


def read_m2m_before_deletion(sender, instance, **kwargs):
    fields = tracked_m2m(sender)
    if fields:
        instance._m2m_at_deletion = {
            field.name: current_links(field, [instance.pk])[instance.pk] for field in fields
        }


def record_m2m_at_deletion(sender, rows, history_instance, instance, field, **kwargs):
    at_deletion = getattr(instance, "_m2m_at_deletion", None)
    if history_instance.history_type == "-" and at_deletion is not None:
        rows[:] = [sender(history=history_instance, **row) for row in at_deletion[field.name]]


def connect_receivers():
    """Connect the receivers above. Called from the app's ready(): after django-simple-history
    connected its own, as each model was prepared, so the library's run first."""
    pre_save.connect(start_a_version)
    post_create_historical_record.connect(remember_the_version)
    m2m_changed.connect(keep_one_version_per_save)
    pre_delete.connect(read_m2m_before_deletion)
    pre_create_historical_m2m_records.connect(record_m2m_at_deletion)


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
            set_m2m_as_recorded(child, entry)
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
    set_m2m_as_recorded(record, record_history)
    if deletion is not None:
        restore_children(record, deletion, user)
    return record
