"""A record's versions, many-to-many values included; restoring a deleted record together with
the rows that were deleted with it.

Deleting an agreement deletes its parties, status steps and quotes in the same request; each
deletion is kept in that row's own history (django-simple-history). Restoring the record brings
back the rows whose deletion was recorded by the same user at the same moment as the record's —
not rows someone removed separately earlier.

Reverting a record to a version brings back the rows it had while that version was its latest
(``revert_children``): rows deleted since come back, rows changed since get their values then,
rows added since are deleted — each change kept in that row's history with who reverted and why.

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

from django.core.exceptions import ObjectDoesNotExist
from django.db import models, transaction
from django.db.models.signals import m2m_changed, pre_delete, pre_save
from django.utils import formats, timezone
from django.utils.translation import gettext, gettext_noop
from simple_history.manager import HistoryManager
from simple_history.models import DeletedObject, HistoricalRecords, ModelChange, ModelDelta
from simple_history.signals import post_create_historical_record, pre_create_historical_m2m_records

#: Rows deleted within this time of their record, by the same user, were deleted with it.
DELETED_TOGETHER = datetime.timedelta(seconds=10)
RESTORED = "restored"
#: A revert's reason: this, then the date of the version reverted to (ISO 8601, as stored).
REVERTED_TO = "reverted to "
#: Why a version was written, as stored in history; the history page shows them translated.
CHANGE_REASONS = [
    gettext_noop("import"),
    gettext_noop("published"),
    gettext_noop("unpublished"),
    gettext_noop("restored"),
    gettext_noop("status step"),
]


def bringing_back_reason(version, restoring):
    """Return the change reason of a record and its rows brought back to `version`."""
    return RESTORED if restoring else REVERTED_TO + version.history_date.isoformat()


def describe_reason(reason):
    """Return why a version was written, in the reader's language ("—" when nobody said)."""
    if not reason:
        return "—"
    if reason.startswith(REVERTED_TO):
        try:
            date = datetime.datetime.fromisoformat(reason.removeprefix(REVERTED_TO))
        except ValueError:
            return reason
        return gettext("возврат к версии от %(date)s") % {"date": local_time(date)}
    return gettext(reason)


def local_time(date):
    """Return the moment as the history page shows it: local time, in the reader's format."""
    return formats.date_format(timezone.localtime(date), "DATETIME_FORMAT")


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


def child_relations(model, owned=False):
    """Yield (child model, foreign key name) for the one-to-many rows of a record with history.

    `owned`: only the rows that belong to the record — deleted with it and edited on its page
    (parties, status steps, quotes) — not records of their own that point to it (branches).
    """
    for relation in model._meta.related_objects:
        belongs = not owned or relation.on_delete is models.CASCADE
        if relation.one_to_many and belongs and history_of(relation.related_model) is not None:
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
            write_as_recorded(child, entry, user, RESTORED)
            restored += 1 + restore_children(child, entry, user)
    return restored


def write_as_recorded(row, entry, user, reason):
    """Save the row with the values and many-to-many values its history `entry` holds.

    The row's record is written in the same action with the version's own status, so a status
    step written here does not make the record follow it (see ``signals.status_follows_steps``).
    """
    mark_as_written_back(row, user, reason)
    row.save()
    set_m2m_as_recorded(row, entry)


def mark_as_written_back(row, user, reason):
    """Have the row's next history entry name `user` and `reason`, and its status follow nothing."""
    row._history_user = user
    row._change_reason = reason
    row._status_as_recorded = True


def next_action_start(version):
    """Return when the action that wrote the record's version after `version` began (None if
    `version` is its latest): the rows the record had while `version` was its latest are the
    rows it had just before then.

    Most actions write the record's version first, then its rows' (a form, a revert, a
    restore). Two write rows first: a deletion deletes them before the record (Django's
    cascade), and an import writes parties before the records' versions. Their rows' changes
    are the ones their user made within DELETED_TOGETHER before the record's entry, nearer to it
    than to `version`: the same rule as "deleted together" in restore_children.
    """
    history = history_of(version.instance_type)
    following = (
        history.filter(id=version.id)
        .filter(
            models.Q(history_date__gt=version.history_date)
            | models.Q(history_date=version.history_date, history_id__gt=version.history_id)
        )
        .order_by("history_date", "history_id")
        .first()
    )
    if following is None:
        return None
    start = following.history_date
    if following.history_type == "-":
        kinds = {"history_type": "-"}
    elif following.history_change_reason == "import":
        kinds = {}
    else:
        return start
    earliest = start - DELETED_TOGETHER
    if following.history_user_id == version.history_user_id:
        earliest = max(earliest, version.history_date + (start - version.history_date) / 2)
    for child_model, fk_name in child_relations(version.instance_type, owned=True):
        first_change = (
            history_of(child_model)
            .filter(
                **{fk_name: version.id},
                **kinds,
                history_user_id=following.history_user_id,
                history_date__gte=earliest,
                history_date__lt=start,
            )
            .order_by("history_date")
            .values_list("history_date", flat=True)
            .first()
        )
        if first_change is not None:
            start = min(start, first_change)
    return start


def rows_at(version, until=None):
    """Return [(child model, foreign key name, {row id: its history entry})] for the rows the
    record had while `version` was its latest (`until`: when that ended, from next_action_start)."""
    rows = []
    for child_model, fk_name in child_relations(version.instance_type, owned=True):
        history = history_of(child_model)
        entries = history.filter(id__in=history.filter(**{fk_name: version.id}).values("id"))
        if until is not None:
            entries = entries.filter(history_date__lt=until)
        latest = {}
        for entry in entries.order_by("history_id"):  # as written: each row's last entry wins
            latest[entry.id] = entry
        then = {
            pk: entry
            for pk, entry in sorted(latest.items())
            if entry.history_type != "-" and getattr(entry, fk_name) == version.id
        }
        rows.append((child_model, fk_name, then))
    return rows


def differs(row, entry):
    """Return whether the saved row's values differ from those its history `entry` holds."""
    recorded = entry.instance
    for field in type(row)._meta.concrete_fields:
        if field.editable and getattr(row, field.attname) != getattr(recorded, field.attname):
            return True
    return any(
        set(getattr(row, name).values_list("pk", flat=True)) != {related.pk for related in values}
        for name, values in recorded_m2m(entry).items()
    )


def revert_children(record, version, user=None, reason=None):
    """Give the saved record the rows it had while `version` was its latest: rows deleted since
    come back, rows changed since get their values then, rows added since are deleted. Each
    change is kept in the row's history with `user` and `reason`.

    Rows this cannot bring back are left as they are: one now under another record, one whose
    institution or source is gone, one with no recorded creation. Return how many rows changed.
    """
    until = next_action_start(version)
    if until is None:
        return 0  # the latest version: the rows are as it has them
    reason = reason or bringing_back_reason(version, restoring=False)
    changed = 0
    for child_model, fk_name, then in rows_at(version, until):
        history = history_of(child_model)
        now = {row.pk: row for row in child_model._default_manager.filter(**{fk_name: record.pk})}
        others = set(now) - set(then)
        added_since = set(
            history.filter(id__in=others, history_type="+", history_date__gte=until)
            .exclude(id__in=history.filter(id__in=others, history_date__lt=until).values("id"))
            .values_list("id", flat=True)
        )
        for pk in sorted(added_since):
            mark_as_written_back(now[pk], user, reason)
            now[pk].delete()
            changed += 1
        for pk, entry in then.items():
            row = now.get(pk)
            if row is None and child_model._default_manager.filter(pk=pk).exists():
                continue  # under another record now
            if row is not None and not differs(row, entry):
                continue
            child = entry.instance
            if refers_to_existing_records(child):
                write_as_recorded(child, entry, user, reason)
                changed += 1
    return changed


def describe_rows(version):
    """Return [(title, [row in words])] for the rows the record had while `version` was its
    latest, for the version's page: what a revert to it brings back."""
    sections = []
    for child_model, _fk_name, then in rows_at(version, next_action_start(version)):
        lines = []
        for entry in then.values():
            row = entry.instance
            try:
                words = str(row)
            except ObjectDoesNotExist:  # what it pointed to is deleted since
                words = f"{child_model._meta.verbose_name} {entry.id}"
            for name, values in recorded_m2m(entry).items():
                if values:
                    field = child_model._meta.get_field(name)
                    words += f" ({field.verbose_name}: {', '.join(str(value) for value in values)})"
            lines.append(words)
        sections.append((child_model._meta.verbose_name_plural, lines))
    return sections


@transaction.atomic
def restore_with_children(record_history, user=None):
    """Restore a deleted record at the version `record_history` and everything deleted with it.

    Return the restored record.
    """
    model = record_history.instance_type
    deletion = last_deletion(model, record_history.id)
    record = record_history.instance
    write_as_recorded(record, record_history, user, RESTORED)
    bring_back_children(record, record_history, deletion, user)
    return record


def bring_back_children(record, version, deletion=None, user=None):
    """After the record was saved as at `version` — restored if `deletion` (its deletion's
    history entry) is given, else reverted — bring back its rows: those deleted with it, then
    as they were while `version` was its latest. Return how many rows changed.

    Call it once the record's many-to-many values are saved too: a record whose status its
    steps no longer back (a step that cannot come back) then follows its latest step, as after
    any change of steps, in a version of its own that holds them.
    """
    restored = restore_children(record, deletion, user) if deletion is not None else 0
    reason = bringing_back_reason(version, restoring=deletion is not None)
    changed = restored + revert_children(record, version, user, reason)
    if hasattr(record, "follow_latest_step"):
        record._history_user = user
        record.follow_latest_step()
    return changed
