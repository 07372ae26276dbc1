"""Spreadsheet columns of every registry model, for import and export alike.

Columns come from each model's fields through the library's extension points
(`field_from_django_field`, `widget_from_django_field`): a column is headed by its field's verbose
name and read by the widget its field type calls for. Only columns with no model field of their
own (parties, the record a quote backs) are declared here.

Records refer to each other by natural key (slug, ISO code, ISCED code), never by database id,
and each resource's `import_id_fields` is that key: importing the same file twice changes nothing.
"""

import functools
import logging
import re
import uuid
from functools import reduce
from operator import or_

import tablib
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models as db_models
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import resources
from import_export.instance_loaders import CachedInstanceLoader, ModelInstanceLoader
from import_export.results import RowResult
from import_export.widgets import CharWidget, ManyToManyWidget, Widget
from simple_history.utils import bulk_create_with_history

from .. import models
from ..slugs import former_codes
from .exports import ExportRows, export_columns, read_rows
from .headers import resolve_headers
from .readers import CellError
from .reports import ImportFailure, sheet_errors, sheet_row
from .widgets import (
    Cells,
    ChoiceWidget,
    DateWidget,
    Field,
    LookupWidget,
    ManyWidget,
    NumberWidget,
    References,
    RegionListWidget,
    RegionWidget,
    TextWidget,
    YesNoWidget,
    is_blank,
)

logger = logging.getLogger("registry.imports")

#: Above this many rows the preview lists totals and errors, not a diff of every row (a speed-up
#: for "admin import XLSX (preview + confirm)" in `make bench`).
PREVIEW_DIFF_ROWS = 500


class InstanceLoader(CachedInstanceLoader):
    """Load every record the file names in one query; a malformed key is left to its row's error
    instead of failing the whole request (the library's loader raises before any row is read)."""

    def __init__(self, *args, **kwargs):
        try:
            super().__init__(*args, **kwargs)
        except ValueError:
            self.all_instances = None

    def get_instance(self, row):
        if self.all_instances is None:
            return ModelInstanceLoader.get_instance(self, row)
        return super().get_instance(row)


class Diff(resources.Diff):
    """The preview's per-cell diff with classes instead of inline styles, which the Content
    Security Policy blocks."""

    STYLES = re.compile(r'<(ins|del) style="[^"]*">')

    def as_html(self):
        return [mark_safe(self.STYLES.sub(r'<\1 class="diff-\1">', html)) for html in super().as_html()]


def constraint_values(model, instance, names):
    """The values of the fields a constraint reads (`pk` included), in a stable order."""
    meta = model._meta
    columns = sorted(meta.pk.attname if name == "pk" else meta.get_field(name).attname for name in names)
    return tuple(getattr(instance, column) for column in columns)


def set_many_to_many(model, name, wanted):
    """Make each record's many-to-many `name` hold exactly `wanted` ({record pk: related records})
    in one read, one delete and one insert of link rows: what `.set()` does for one record with
    several queries (a speed-up for "admin import agreements with parties"). Like bulk writes,
    it sends no m2m_changed signal."""
    if not wanted:
        return
    field = model._meta.get_field(name)
    through = field.remote_field.through
    source, target = f"{field.m2m_field_name()}_id", f"{field.m2m_reverse_field_name()}_id"
    links = through.objects.filter(**{f"{source}__in": list(wanted)})
    stored = set(links.values_list(source, target))
    desired = {(pk, related.pk) for pk, records in wanted.items() for related in records}
    stale = stored - desired
    if stale:
        links.filter(reduce(or_, (db_models.Q(**{source: a, target: b}) for a, b in stale))).delete()
    through.objects.bulk_create([through(**{source: a, target: b}) for a, b in desired - stored])


class RegistryResource(resources.ModelResource):
    """What every registry spreadsheet shares: headers in either language, row errors that name
    the spreadsheet row and column, one bad row rolls back the whole file, and a journal entry."""

    class Meta:
        abstract = True
        use_transactions = True
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        instance_loader_class = InstanceLoader
        # Rows are written in batches with their history (see _bulk_write, write_relations).
        use_bulk = True
        batch_size = 2000
        # Exports read rows in chunks this large, with one query per many-valued column each.
        chunk_size = 2000

    @classmethod
    def get_display_name(cls):
        """The section's name wherever the library names a resource (the export form's messages),
        not the class's."""
        return capfirst(cls._meta.model._meta.verbose_name_plural)

    @classmethod
    def widget_from_django_field(cls, f, default=CharWidget):
        """Return the widget class (or factory) for a model field: dates as ДД.ММ.ГГГГ, да/нет,
        choices by code or label, numbers with a decimal comma, and other records by natural key
        (`msu`, `KZ`, `0713`, `KZ: Алматы`), never by database id."""
        related = f.related_model if f.is_relation else None
        if related is models.Region:
            return RegionListWidget if f.many_to_many else RegionWidget
        if f.many_to_many:
            return functools.partial(ManyWidget, related, field=natural_key_field(related))
        if related is not None:
            return functools.partial(LookupWidget, related, field=natural_key_field(related))
        if f.choices:
            return functools.partial(ChoiceWidget, f.choices)
        if isinstance(f, db_models.BooleanField):
            return YesNoWidget
        if isinstance(f, db_models.DateField) and not isinstance(f, db_models.DateTimeField):
            return DateWidget
        if isinstance(f, db_models.IntegerField):
            return NumberWidget
        if isinstance(f, (db_models.DecimalField, db_models.FloatField)):
            return functools.partial(NumberWidget, kind=float)
        if isinstance(f, (db_models.CharField, db_models.TextField)):
            return functools.partial(TextWidget, null=f.null)
        return default

    @classmethod
    def field_from_django_field(cls, field_name, django_field, readonly):
        """Return the column of a model field, headed by the field's verbose name ("Код записи")."""
        return Field(
            attribute=field_name,
            column_name=capfirst(django_field.verbose_name),
            widget=cls.widget_from_django_field(django_field)(),
            readonly=readonly,
        )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # Per-instance options: the preview of a large file skips the per-row diff.
        self._meta = _copy_options(self._meta)
        self._repeated_keys = {}  # see _find_repeated_keys
        # Headers in the active language, translated once rather than on every cell lookup.
        for field in self.fields.values():
            field.column_name = force_str(field.column_name)

    def get_diff_class(self):
        return Diff

    def get_error_result_class(self):
        return ImportFailure

    def export(self, queryset=None, streamed=False, **kwargs):
        """Return the export as the library's export does, a Dataset, or with `streamed` its
        rows as they are read (`exports.ExportRows`), which our formats write without keeping
        them all; the columns, headers and queryset are the library's, from this resource.

        Speed-up for the `make bench` rows "admin export XLSX" and "admin export CSV": rows are
        read as values, not records (see `exports`). Records given as a list, or a column only a
        record can give, are exported by the library record by record; a resource with an
        `after_export` hook gets the Dataset that hook expects.
        """
        fields = self.get_export_fields(kwargs.get("export_fields"))
        columns = export_columns(self, fields, kwargs.get("force_native_type", False))
        # A workbook's sheet is named after the section (Excel allows 31 characters), not
        # "Sheet1" or tablib's "Tablib Dataset"; an import finds its sheet by the headers.
        title = str(self.get_display_name())[:31]
        if columns is None or not isinstance(queryset, (db_models.QuerySet, type(None))):
            dataset = super().export(queryset, **kwargs)
            dataset.title = title
            return dataset
        self.before_export(queryset, **kwargs)
        if queryset is None:
            queryset = self.get_queryset()
        queryset = self.filter_export(queryset, **kwargs)
        rows = ExportRows(
            self.get_export_headers(kwargs.get("export_fields")),
            read_rows(queryset, columns, self.get_chunk_size()),
            [index for index, cells in enumerate(columns) if cells.text],
        )
        rows.title = title
        if streamed and type(self).after_export is resources.Resource.after_export:
            return rows
        dataset = tablib.Dataset(*rows, headers=rows.headers, title=title)
        self.after_export(queryset, dataset, **kwargs)
        return dataset

    def get_import_fields(self):
        """Return the import columns, worked out once.

        Speed-up for "admin import XLSX (preview + confirm)": the library recomputes this list
        several times for every row.
        """
        if not hasattr(self, "_import_fields"):
            self._import_fields = super().get_import_fields()
        return self._import_fields

    # Batched writes (resources with use_bulk), a speed-up for "admin import XLSX (preview +
    # confirm)" and "admin import agreements with parties". The library writes each batch of a
    # preview and rolls it back; every row and key has been checked by then, so the preview skips
    # the write. A real import writes the records, then what they hold in other tables, then
    # their versions in bulk (django-simple-history's manager), so that each version holds the
    # record's many-to-many values as imported.

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        def write(records):
            # Both databases return the new ids, which the relations and versions need.
            self._meta.model._default_manager.bulk_create(records, batch_size=self._meta.batch_size)

        self._bulk_write(dry_run, raise_errors, result, self.create_instances, write, update=False)

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        def write(records):
            # bulk_update leaves updated_at alone (it is the optimistic-lock version of records it
            # merely re-indexes); a row an import changed is a new version, stamped here.
            model = self._meta.model
            fields = self.get_bulk_update_fields()
            if any(f.name == "updated_at" for f in model._meta.concrete_fields):
                now = timezone.now()
                for record in records:
                    record.updated_at = now
                fields = [*fields, "updated_at"]
            if fields:
                model._default_manager.bulk_update(records, fields, batch_size=self._meta.batch_size)

        self._bulk_write(dry_run, raise_errors, result, self.update_instances, write, update=True)

    def _bulk_write(self, dry_run, raise_errors, result, instances, write, update):
        if instances and not dry_run:
            try:
                write(instances)
                self.write_relations(instances)
                self._meta.model.history.bulk_history_create(
                    instances,
                    update=update,
                    batch_size=self._meta.batch_size,
                    default_user=self._import_user,
                    default_change_reason="import",
                )
            except Exception as error:  # reported as the import's error; the file rolls back
                self.handle_import_error(result, error, raise_errors)
        instances.clear()

    def get_bulk_update_fields(self):
        """The columns kept in the record's own table; the rest are written by write_relations."""
        own = {f.name for f in self._meta.model._meta.concrete_fields} - set(self.get_import_id_fields())
        return [field.attribute for field in self.get_import_fields() if field.attribute in own]

    def save_m2m(self, instance, row, **kwargs):
        """Keep the row's many-to-many values for write_relations: in batches the library
        writes none of them. The preview, which writes nothing, keeps them too: they are what
        its diff shows (`widgets.Field.get_value`)."""
        if not self._meta.use_bulk:
            return super().save_m2m(instance, row, **kwargs)
        instance._pending_m2m = {
            field.attribute: field.clean(row)
            for field in self.get_import_fields()
            if isinstance(field.widget, ManyToManyWidget) and field.column_name in row
        }

    def write_relations(self, records):
        """Write what a batch of records holds in other tables, once the records have ids: their
        many-to-many values, and parties (fields with a `write_batch`)."""
        for field in self.get_import_fields():
            if isinstance(field.widget, ManyToManyWidget):
                wanted = {
                    record.pk: record._pending_m2m[field.attribute]
                    for record in records
                    if field.attribute in getattr(record, "_pending_m2m", {})
                }
                set_many_to_many(self._meta.model, field.attribute, wanted)
            elif hasattr(field, "write_batch"):
                field.write_batch(records, user=self._import_user)

    def before_import(self, dataset, **kwargs):
        user = kwargs.get("user")
        self._import_user = user if getattr(user, "pk", None) else None
        dataset.headers = resolve_headers(self, dataset.headers or [])
        if getattr(dataset, "row_numbers", None) is None:
            dataset.row_numbers = list(range(2, len(dataset) + 2))
        self._row_numbers = dataset.row_numbers
        # Per file (validate_constraints, _taken_values): read afresh for each import, as the
        # database may have changed since the preview.
        self._taken, self._passed_checks = {}, set()
        key_columns = [self.fields[name].column_name for name in self.get_import_id_fields()]
        missing = [force_str(c) for c in key_columns if force_str(c) not in dataset.headers]
        if missing:
            raise ValueError(gettext("В файле нет обязательного столбца: %s.") % ", ".join(missing))
        self.prepare_dataset(dataset)
        if "slug" in self.fields and force_str(self.fields["slug"].column_name) in dataset.headers:
            # A file made before a record was renamed updates the record under its new code.
            renamed = former_codes(self._meta.model)
            if renamed:
                self.replace_column(dataset, "slug", lambda code: renamed.get(force_str(code).strip(), code))
        self._repeated_keys = self._find_repeated_keys(dataset, key_columns)
        # A large file's preview lists totals and errors only: no per-row diff to build.
        self._meta.skip_diff = len(dataset) > PREVIEW_DIFF_ROWS

    def before_import_row(self, row, **kwargs):
        # The row as the spreadsheet numbers it, which later rows' errors may name.
        self._sheet_row = sheet_row(self, kwargs["row_number"])

    def after_init_instance(self, instance, new, row, **kwargs):
        """Remember the loaded record's values, which `skip_row` compares against.

        Speed-up for "admin re-import, all unchanged": the library deep-copies the whole
        instance for this (and for the diff); the field values are all it needs.
        """
        if not new:
            instance._loaded_values = self._values(instance)

    def _values(self, instance):
        return [
            field.get_value(instance)
            for field in self.get_import_fields()
            if not isinstance(field.widget, ManyToManyWidget)
        ]

    def skip_row(self, instance, original, row, import_validation_errors=None):
        """Skip a row that changes nothing, with or without the diff the preview shows."""
        if import_validation_errors or not self._meta.skip_unchanged or instance.pk is None:
            return False
        if self._values(instance) != getattr(instance, "_loaded_values", None):
            return False
        for field in self.get_import_fields():
            if isinstance(field.widget, ManyToManyWidget) and field.column_name in row:
                wanted = sorted(obj.pk for obj in field.clean(row))
                if wanted != sorted(field.get_value(instance).values_list("pk", flat=True)):
                    return False
        return True

    def prepare_dataset(self, dataset):
        """Mend cells that spreadsheets are known to mangle, before any row is read."""

    def replace_column(self, dataset, field_name, mend):
        index = dataset.headers.index(force_str(self.fields[field_name].column_name))
        for number in range(len(dataset)):
            row = list(dataset[number])
            row[index] = mend(row[index])
            dataset[number] = row

    def _find_repeated_keys(self, dataset, key_columns):
        """Return {row number as the library counts it: the error} for each row whose key an
        earlier row of the file has, which import_instance makes that row's error."""
        seen, repeated = {}, {}
        columns = [dataset.headers.index(force_str(c)) for c in key_columns]
        for index, (number, row) in enumerate(zip(dataset.row_numbers, dataset, strict=True), start=1):
            key = tuple(force_str(row[i]).strip() for i in columns)
            if key in seen and any(key):
                repeated[index] = gettext(
                    "Строки %(first)d и %(second)d описывают одну и ту же запись (%(key)s)."
                ) % {"first": seen[key], "second": number, "key": ", ".join(key)}
            else:
                seen[key] = number
        return repeated

    def import_instance(self, instance, row, **kwargs):
        # The library checks many-to-many cells only when it saves them, after the row
        # counted as valid; check them here so an unknown value is a row error.
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        repeated = self._repeated_keys.get(kwargs.get("row_number"))
        if repeated:
            errors[self.get_import_id_fields()[0]] = ValidationError(repeated, code="unique")
        for field in self.get_import_fields():
            value = row.get(field.column_name)
            if isinstance(value, CellError):
                # A spreadsheet error value (#N/A…) is never stored, whatever the widget made of it;
                # nor is a formula no program has computed, which calamine reads as empty.
                if value.uncomputed:
                    message = gettext(
                        "В ячейке формула без вычисленного значения: откройте и сохраните файл в Excel "
                        "или LibreOffice."
                    )
                else:
                    message = (
                        gettext(
                            "В ячейке ошибка «%s», а не значение: исправьте формулу или впишите значение."
                        )
                        % value
                    )
                errors[field.attribute] = ValidationError(message, code="invalid")
            elif isinstance(field.widget, ManyToManyWidget) and field.column_name in row:
                try:
                    field.clean(row)
                except ValueError as error:
                    errors[field.attribute] = ValidationError(str(error), code="invalid")
        if errors:
            raise ValidationError(errors)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """Validate the record without the per-row queries the lookups already made.

        Speed-up for "admin import XLSX (preview + confirm)": related records were found by the
        lookup widgets and the natural key by the instance loader.
        """
        errors = dict(import_validation_errors or {})
        related = [f.name for f in instance._meta.fields if isinstance(f, db_models.ForeignKey)]
        exclude = [*errors, *related]
        try:
            instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        # As full_clean does: constraints only on the fields that passed validation.
        exclude += [name for name in errors if name != NON_FIELD_ERRORS]
        try:
            self.validate_constraints(instance, exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def validate_constraints(self, instance, exclude):
        """Check the model's constraints, asking the database only what an earlier answer does
        not settle: a unique constraint only when another record holds the row's values (read
        once per import, `_taken_values`); a check constraint once per distinct combination of
        the values it reads.

        Speed-up for "admin import XLSX (preview + confirm)" and "admin import agreements with
        parties": Django compiles and runs a query per row for each constraint (the ROR and
        Wikidata ids, an agreement's dates), even for an empty id.

        Unique values an earlier row of the file gives its record count as taken too: two new
        records with one ROR id would pass the database, then fail to be written together.
        """
        runs, settled, checks, clashes = set(), set(), [], {}
        excluded = set(exclude)
        for model, constraints in instance.get_constraints():
            for constraint in constraints:
                if isinstance(constraint, db_models.UniqueConstraint) and constraint.fields:
                    names = set(constraint.fields)
                    values = constraint_values(model, instance, names)
                    taken = self._taken_values(model, constraint)
                    holder = taken.get(values, instance.pk)
                    if isinstance(holder, EarlierRow) and not names & excluded:
                        clashes.update(self._clash(model, constraint, values, holder))
                        continue
                    (settled if holder == instance.pk else runs).update(names)
                    # An empty value never clashes: the registry's unique ids are optional.
                    filled = all(value not in ("", None) for value in values)
                    if filled and values not in taken and not names & excluded:
                        taken[values] = EarlierRow(self._sheet_row)
                elif isinstance(constraint, db_models.CheckConstraint):
                    names = constraint.condition.referenced_base_fields
                    key = (constraint.name, constraint_values(model, instance, names))
                    if key in self._passed_checks:
                        settled.update(names)
                    else:
                        runs.update(names)
                        checks.append((key, names))
        if runs:
            try:
                instance.validate_constraints(exclude={*exclude, *(settled - runs), *clashes})
            except ValidationError as error:
                raise ValidationError(error.update_error_dict(clashes)) from None
        if clashes:
            raise ValidationError(clashes)
        # A check whose fields were left out (they had errors) did not really run.
        self._passed_checks.update(key for key, names in checks if not names & set(exclude))

    def _clash(self, model, constraint, values, earlier):
        """Return the error of a row whose unique values an earlier row of the file gives its record."""
        fields = [model._meta.get_field(name) for name in constraint.fields]
        message = gettext("%(label)s %(value)s уже указан в строке %(row)d этого файла.") % {
            "label": ", ".join(force_str(field.verbose_name) for field in fields),
            "value": ", ".join(force_str(value) for value in values),
            "row": earlier.row,
        }
        return {name: [ValidationError(message, code="unique")] for name in constraint.fields}

    def _taken_values(self, model, constraint):
        """The values a unique constraint holds in the database, to the record holding them; as
        the file is read, those earlier rows give their records too (`EarlierRow`)."""
        if constraint.name not in self._taken:
            rows = model._default_manager.filter(constraint.condition or db_models.Q())
            values = rows.values_list("pk", *constraint.fields)
            self._taken[constraint.name] = {tuple(v): pk for pk, *v in values}
        return self._taken[constraint.name]

    def read_as(self):
        """Return what the cells written as a name or identifier were read as, for the preview:
        (column, cell text, the record as `code (name)`), once per distinct text."""
        lines = []
        for field in self.get_import_fields():
            holder = field if hasattr(field, "references_used") else field.widget
            for references in getattr(holder, "references_used", list)():
                for text, record in references.read_as.items():
                    lines.append((force_str(field.column_name), text, references.describe(record)))
        return lines

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        result.detected = getattr(dataset, "detected", "")
        result.sheet_errors = sheet_errors(self, result)
        result.read_as = self.read_as()
        if kwargs.get("dry_run") or result.has_errors() or result.has_validation_errors():
            return
        totals = result.totals
        record = models.ImportRecord.objects.create(
            user=kwargs.get("user") if getattr(kwargs.get("user"), "pk", None) else None,
            model=self._meta.model._meta.label,
            file_name=kwargs.get("file_name") or "",
            file_format=kwargs.get("file_format") or result.detected,
            via=kwargs.get("via", models.ImportRecord.Via.ADMIN),
            new=totals[RowResult.IMPORT_TYPE_NEW],
            updated=totals[RowResult.IMPORT_TYPE_UPDATE],
            unchanged=totals[RowResult.IMPORT_TYPE_SKIP],
            deleted=totals[RowResult.IMPORT_TYPE_DELETE],
        )
        logger.info(
            "import model=%s file=%r user=%s new=%d updated=%d unchanged=%d",
            record.model,
            record.file_name,
            getattr(record.user, "username", "-"),
            record.new,
            record.updated,
            record.unchanged,
        )


class EarlierRow:
    """The spreadsheet row whose record is given unique values before this row (see
    `RegistryResource.validate_constraints`): never a record's id."""

    def __init__(self, row):
        self.row = row


def natural_key_field(model):
    """Return the field other records use to name a record of `model` in a spreadsheet."""
    return "slug" if any(f.name == "slug" for f in model._meta.fields) else "code"


def _copy_options(options):
    copy = type(options).__new__(type(options))
    copy.__dict__.update(options.__dict__)
    return copy


# --- reference data ---------------------------------------------------------------------------


class CountryResource(RegistryResource):
    class Meta(RegistryResource.Meta):
        model = models.Country
        fields = ["code", "name_ru", "name_en"]
        import_id_fields = ["code"]


class RegionResource(RegistryResource):
    class Meta(RegistryResource.Meta):
        model = models.Region
        fields = ["country", "name", "name_en", "kind"]
        import_id_fields = ["country", "name"]
        # The cached loader handles a single key column only.
        instance_loader_class = ModelInstanceLoader

    def get_queryset(self):
        return super().get_queryset().select_related("country")


class FieldOfStudyResource(RegistryResource):
    class Meta(RegistryResource.Meta):
        model = models.FieldOfStudy
        fields = ["code", "name_ru", "name_en"]
        import_id_fields = ["code"]

    def prepare_dataset(self, dataset):
        # Excel turns the code 0713 into the number 713.
        def as_code(value):
            if isinstance(value, (int, float)) or (isinstance(value, str) and value.strip().isdigit()):
                return str(int(float(value))).zfill(4)
            return value

        self.replace_column(dataset, "code", as_code)


class SourceResource(RegistryResource):
    class Meta(RegistryResource.Meta):
        model = models.Source
        fields = ["slug", "publisher", "title", "published_on", "place", "url", "language", "is_published"]
        import_id_fields = ["slug"]


# --- registry records -------------------------------------------------------------------------


class InstitutionResource(RegistryResource):
    class Meta(RegistryResource.Meta):
        model = models.Institution
        fields = [
            "slug",
            "name",
            "name_ru",
            "name_en",
            "name_kk",
            "acronyms",
            "aliases",
            "kind",
            "country",
            "region",
            "city",
            "website",
            "ror_id",
            "wikidata_id",
            "founded_year",
            "is_active",
            "is_published",
            "notes",
        ]
        import_id_fields = ["slug"]

    def get_queryset(self):
        return super().get_queryset().select_related("country", "region__country")


class BranchResource(RegistryResource):
    class Meta(RegistryResource.Meta):
        model = models.Branch
        fields = [
            "slug",
            "institution",
            "name",
            "name_en",
            "country",
            "region",
            "city",
            "status",
            "opened_year",
            "fields",
            "is_published",
            "notes",
        ]
        import_id_fields = ["slug"]

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("institution", "country", "region__country")
            .prefetch_related("fields")
        )


# --- parties ----------------------------------------------------------------------------------

GROUP_PARTY = re.compile(r"^«(?P<description>.+)»\s*(?:\((?P<country>[A-Za-z]{2})\))?$", re.DOTALL)


class PartiesField(Field):
    """The sides of an agreement or programme in one cell, separated by `;`.

    A registered institution is its slug (`msu`); a group named in words is the description in
    «» with an optional country code: `«вузы Оренбургской области» (RU)`. Roles and regions of
    parties already recorded are kept.
    """

    def __init__(self, relation, minimum, **kwargs):
        self.relation = relation
        self.minimum = minimum
        super().__init__(attribute=relation, **kwargs)

    @functools.cached_property
    def institutions(self):  # one per import: the resource copies its fields
        return References(models.Institution, "slug")

    @functools.cached_property
    def countries(self):
        return References(models.Country, "code")

    def references_used(self):
        return [self.institutions]

    def clean(self, row, **kwargs):
        institutions, countries = self.institutions, self.countries
        specs, written = [], {}
        for item in split_parties(row.get(self.column_name)):
            match = GROUP_PARTY.match(item)
            if match:
                code = (match["country"] or "").upper()
                if code and countries.get(code) is None:
                    raise ValueError(gettext("Нет страны с кодом «%s».") % code)
                description = match["description"].strip()
                known = institutions.named(description)
                if known:
                    raise ValueError(
                        gettext(
                            "«%(group)s» — это учреждение из реестра: пишите его код %(code)s, "
                            "а не группу в «»."
                        )
                        % {"group": description, "code": institutions.describe(known[0])}
                    )
                specs.append(("group", description, code))
            else:
                try:
                    specs.append(("institution", institutions.find(item).slug, ""))
                except ValueError as error:
                    raise ValueError(f"{error} " + gettext("Группу пишите в кавычках «…».")) from None
            # The same party twice (`msu; МГУ`) would be listed twice on its public page.
            kind, value, code = specs[-1]
            key = (kind, value.casefold(), code)
            if key in written:
                party = f"«{value}»" if kind == "group" else institutions.describe(institutions.get(value))
                raise ValueError(
                    gettext("%(party)s указано дважды: «%(first)s» и «%(second)s». Оставьте одно.")
                    % {"party": party, "first": written[key], "second": item}
                )
            written[key] = item
        if len(specs) < self.minimum:
            raise ValueError(gettext("Укажите не менее %d сторон.") % self.minimum)
        return tuple(specs)

    def save(self, instance, row, is_m2m=False, **kwargs):
        # Written after the record itself is saved (see after_save_instance).
        instance._pending_parties = self.clean(row)

    def get_value(self, instance):
        pending = getattr(instance, "_pending_parties", None)
        if pending is not None:
            return pending
        if instance.pk is None:
            return ()
        return tuple(party_spec(p) for p in getattr(instance, self.relation).all())

    def export(self, instance, **kwargs):
        return render_parties(self.get_value(instance))

    def export_cells(self, force_native_type=False):
        return Cells(
            ("institution__slug", "description", "country__code"),
            lambda parties: render_parties(spec_of(*party) for party in parties),
            many=self.relation,
        )

    def write_batch(self, records, user=None):
        """Write the parties of a batch of records that have ids: one read of those stored, then
        each one gone deleted (with its history) and the new ones inserted in bulk with theirs."""
        pending = {
            record.pk: list(record.__dict__.pop("_pending_parties"))
            for record in records
            if "_pending_parties" in record.__dict__
        }
        if not pending:
            return
        relation = records[0]._meta.get_field(self.relation)
        party_model, parent = relation.related_model, relation.field.attname
        stored = party_model.objects.filter(**{f"{parent}__in": list(pending)})
        for party in stored.select_related("institution", "country"):
            wanted = pending[getattr(party, parent)]
            spec = party_spec(party)
            if spec in wanted:
                wanted.remove(spec)
            else:
                party.delete()
        new = [
            party_model(
                **{parent: pk},
                institution=self.institutions.get(value) if kind == "institution" else None,
                description="" if kind == "institution" else value,
                country=self.countries.get(code) if code else None,
            )
            for pk, specs in pending.items()
            for kind, value, code in specs
        ]
        bulk_create_with_history(
            new, party_model, batch_size=2000, default_user=user, default_change_reason="import"
        )


def split_parties(value):
    """Split a parties cell on `;`, `|` or line breaks outside «…», so a group's description may
    hold any of them (and «» of its own) and re-import from its own export."""
    if is_blank(value):
        return []
    parts, current, depth = [], [], 0
    for char in str(value):
        if char == "«":
            depth += 1
        elif char == "»":
            depth = max(depth - 1, 0)
        if char in ";|\n" and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [part.strip() for part in parts if part.strip()]


def party_spec(party):
    return spec_of(
        party.institution.slug if party.institution_id else None,
        party.description,
        party.country.code if party.country_id else None,
    )


def spec_of(institution_slug, description, country_code):
    """Return a party as (kind, code or description, country code): a registered institution
    if it has one, else a group described in words."""
    if institution_slug is not None:
        return ("institution", institution_slug, "")
    return ("group", description, country_code or "")


def render_party(spec):
    kind, value, code = spec
    if kind == "institution":
        return value
    return f"«{value}» ({code})" if code else f"«{value}»"


def render_parties(specs):
    return "; ".join(render_party(spec) for spec in specs)


class UndertakingResource(RegistryResource):
    """Agreements and programmes: their parties are written once the record exists."""

    class Meta(RegistryResource.Meta):
        abstract = True

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        # A file cannot carry status steps: a changed status must already be the latest step's,
        # as the admin form requires (Undertaking.UNBACKED_STATUS).
        errors = dict(import_validation_errors or {})
        if instance.pk is not None and "status" not in errors:
            stored, latest = self.statuses().get(instance.pk, (None, None))
            if instance.status != stored and instance.status != latest:
                errors["status"] = ValidationError(
                    instance.UNBACKED_STATUS % {"status": instance.get_status_display()}, code="invalid"
                )
        super().validate_instance(instance, errors, validate_unique)

    def statuses(self):
        """Return {pk: (stored status, latest step's status)}, read once per import."""
        if getattr(self, "_statuses", None) is None:
            model = self._meta.model
            latest = {}
            for record_id, status in (
                model.status_steps.rel.related_model.objects.order_by("date", "id")
                .values_list(model.status_steps.field.attname, "status")
            ):
                latest[record_id] = status
            self._statuses = {
                pk: (status, latest.get(pk)) for pk, status in model.objects.values_list("pk", "status")
            }
        return self._statuses


class AgreementResource(UndertakingResource):
    parties = PartiesField("parties", minimum=2, column_name=_("Стороны"))

    class Meta(UndertakingResource.Meta):
        model = models.Agreement
        fields = [
            "slug",
            "title",
            "title_en",
            "kind",
            "status",
            "agreed_on",
            "signed_on",
            "valid_from",
            "valid_until",
            "fields",
            "parties",
            "is_published",
            "notes",
        ]
        import_id_fields = ["slug"]

    def get_queryset(self):
        return super().get_queryset().prefetch_related("fields", "parties__institution", "parties__country")


class ProgrammeResource(UndertakingResource):
    participants = PartiesField("participants", minimum=0, column_name=_("Участники"))

    class Meta(UndertakingResource.Meta):
        model = models.Programme
        fields = [
            "slug",
            "title",
            "title_en",
            "kind",
            "status",
            "proposed_by",
            "proposed_at",
            "proposed_on",
            "modelled_on",
            "target_countries",
            "target_regions",
            "fields",
            "participants",
            "aim",
            "is_published",
            "notes",
        ]
        import_id_fields = ["slug"]

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("modelled_on")
            .prefetch_related(
                "fields",
                "target_countries",
                "target_regions__country",
                "participants__institution",
                "participants__country",
            )
        )


class IndicatorResource(RegistryResource):
    class Meta(RegistryResource.Meta):
        model = models.Indicator
        fields = [
            "slug",
            "title",
            "title_en",
            "value",
            "is_approximate",
            "unit",
            "statement",
            "as_of",
            "countries",
            "regions",
            "institution_kinds",
            "is_published",
        ]
        import_id_fields = ["slug"]

    def get_queryset(self):
        return super().get_queryset().prefetch_related("countries", "regions__country")


class UidWidget(Widget):
    def clean(self, value, row=None, **kwargs):
        try:
            return uuid.UUID(str(value).strip())
        except ValueError:
            raise ValueError(gettext("«%s» — не идентификатор цитаты.") % value) from None

    def render(self, value, obj=None, **kwargs):
        return str(value) if value else ""

    def export_cells(self, attribute, force_native_type=False):
        return Cells((attribute,), self.render)


class CitedRecordWidget(Widget):
    """The record a citation backs, written as `kind:code`, e.g. `institution:msu`; after the
    colon, any name or identifier of the record will do (`institution:МГУ`)."""

    @functools.cached_property
    def references(self):  # one per kind of record, per import
        return {
            kind: References(models.Citation._meta.get_field(kind).related_model, "slug")
            for kind in models.CITED_MODELS
        }

    def references_used(self):
        return list(self.references.values())

    def clean(self, value, row=None, **kwargs):
        kind, _sep, text = str(value or "").strip().partition(":")
        kind = kind.strip()
        if kind not in models.CITED_MODELS or not text.strip():
            raise ValueError(
                gettext(
                    "«%(value)s»: пишите вид и код записи через двоеточие, например institution:msu. "
                    "Виды: %(kinds)s."
                )
                % {"value": value, "kinds": ", ".join(models.CITED_MODELS)}
            )
        return self.references[kind].find(text)

    @staticmethod
    def label(kind, slug):
        return f"{kind}:{slug}"

    def render(self, value, obj=None, **kwargs):
        return self.label(value._meta.model_name, value.slug) if value else ""


class CitedRecordField(Field):
    def save(self, instance, row, is_m2m=False, **kwargs):
        record = self.clean(row, **kwargs)
        for name in models.CITED_MODELS:
            setattr(instance, name, record if record._meta.model_name == name else None)

    def get_value(self, instance):
        return instance.cited_record

    def export_cells(self, force_native_type=False):
        # The first record of CITED_MODELS that is set, as Citation.cited_record finds it.
        label = self.widget.label

        def cell(*slugs):
            kinds = zip(models.CITED_MODELS, slugs, strict=True)
            return next((label(kind, slug) for kind, slug in kinds if slug is not None), "")

        return Cells(tuple(f"{kind}__slug" for kind in models.CITED_MODELS), cell)


class CitationResource(RegistryResource):
    uid = Field(attribute="uid", column_name=_("Идентификатор"), widget=UidWidget())
    record = CitedRecordField(attribute="record", column_name=_("Запись"), widget=CitedRecordWidget())

    class Meta(RegistryResource.Meta):
        model = models.Citation
        fields = ["uid", "record", "source", "quote", "note"]
        import_id_fields = ["uid"]

    def prepare_dataset(self, dataset):
        # A new citation has no identifier yet: give it one, so the row is created exactly once.
        self.replace_column(dataset, "uid", lambda value: str(value or "").strip() or str(uuid.uuid4()))

    def get_queryset(self):
        return super().get_queryset().select_related("source", *models.CITED_MODELS)


RESOURCES = {
    models.Country: CountryResource,
    models.Region: RegionResource,
    models.FieldOfStudy: FieldOfStudyResource,
    models.Source: SourceResource,
    models.Institution: InstitutionResource,
    models.Branch: BranchResource,
    models.Agreement: AgreementResource,
    models.Programme: ProgrammeResource,
    models.Indicator: IndicatorResource,
    models.Citation: CitationResource,
}


def resource_for(model_name):
    """Return the resource class for a model name such as "institution"."""
    for model, resource in RESOURCES.items():
        if model._meta.model_name == model_name.lower():
            return resource
    names = ", ".join(model._meta.model_name for model in RESOURCES)
    raise KeyError(gettext("Нет раздела «%(name)s»; есть: %(names)s.") % {"name": model_name, "names": names})
