import itertools
import logging

import tablib
from axes import admin as axes_admin
from axes.models import AccessAttempt
from django.apps import apps as django_apps
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.templatetags.admin_urls import admin_urlname
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.contrib.admin.views.main import ORDER_VAR
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models as db_models
from django.db import router, transaction
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeData
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import to_historic

from . import downloads, duplicates, history, models
from .forms import OptimisticLockForm, SlugFromNameForm, SpreadsheetExportForm, SpreadsheetImportForm
from .permissions import may
from .spreadsheets import (
    FORMATS,
    FORMATS_BY_NAME,
    IMPORT_FORMATS,
    PREVIEW_DIFF_ROWS,
    RESOURCES,
    FileRefused,
    dump_parsed,
)

logger = logging.getLogger("registry.admin")

admin.site.site_header = _("Реестр сотрудничества России и Казахстана в образовании")
admin.site.site_title = _("Реестр сотрудничества")
admin.site.index_title = _("Управление реестром")


class AccessAttemptAdmin(axes_admin.AccessAttemptAdmin):
    # django-axes' "clean up expired attempts" action reads an attribute only login requests
    # carry and fails with a 500 here; axes cleans expired attempts at every failed login anyway.
    actions = []


admin.site.unregister(AccessAttempt)
admin.site.register(AccessAttempt, AccessAttemptAdmin)


class SpreadsheetAdmin(ImportExportModelAdmin):
    """Import and export through the model's resource, with the checks our staff need on top."""

    formats = FORMATS
    import_formats = IMPORT_FORMATS
    import_form_class = SpreadsheetImportForm
    export_form_class = SpreadsheetExportForm
    import_template_name = "admin/registry/import.html"
    export_template_name = "admin/registry/export.html"
    import_export_change_list_template = "admin/registry/change_list.html"
    import_error_display = ("message",)
    # Every imported row is already in its record's history and the import in the journal; a
    # third, per-row admin log entry would only slow a 10 000-row import.
    skip_admin_log = True

    def get_resource_classes(self, request):
        return [RESOURCES[self.model]]

    def get_urls(self):
        return [
            path(
                "import-template/",
                self.admin_site.admin_view(self.import_template_view),
                name=f"{self.opts.app_label}_{self.opts.model_name}_import_template",
            ),
            *super().get_urls(),
        ]

    def import_template_view(self, request):
        """Download an empty spreadsheet with this model's column headers."""
        if not (self.has_import_permission(request) or self.has_export_permission(request)):
            raise PermissionDenied
        file_format = FORMATS_BY_NAME.get(request.GET.get("format", "xlsx"))
        if file_format is None:
            raise Http404
        file_format = file_format()
        resource = RESOURCES[self.model]()
        data = file_format.export_data(tablib.Dataset(headers=resource.get_export_headers()))
        response = HttpResponse(data, content_type=file_format.get_content_type())
        filename = f"{self.opts.model_name}-template.{file_format.get_extension()}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def get_import_context_data(self, **kwargs):
        return {
            **super().get_import_context_data(**kwargs),
            "max_upload_size": settings.IMPORT_MAX_UPLOAD_BYTES,
            "preview_diff_rows": PREVIEW_DIFF_ROWS,
        }

    def get_import_data_kwargs(self, **kwargs):
        form = kwargs.get("form")
        kwargs = super().get_import_data_kwargs(**kwargs)
        # One bad row, even a model validation error, rolls back the whole file.
        kwargs["rollback_on_validation_errors"] = True
        if form is not None and "format" in form.cleaned_data:
            kwargs["file_format"] = self.get_import_formats()[int(form.cleaned_data["format"])]().get_title()
        return kwargs

    def write_to_tmp_storage(self, import_file, input_format):
        # Keep the parsed rows, not the upload, between preview and confirmation: the
        # confirmation need not parse a large workbook again. A file that does not parse is kept
        # as it came, and the library reports it as unreadable.
        dataset = getattr(import_file, "parsed_dataset", None)  # parsed by the form
        data = dump_parsed(dataset) if dataset is not None else b"".join(import_file.chunks())
        storage = self.get_tmp_storage_class()(
            encoding=None, read_mode="rb", **self.get_tmp_storage_class_kwargs()
        )
        storage.save(data)
        return storage

    def process_import(self, request, **kwargs):
        try:
            return super().process_import(request, **kwargs)
        except models.PendingImport.DoesNotExist:
            # Confirmed twice, or cleaned up by clean_import_uploads.
            messages.error(
                request, gettext("Этот предпросмотр уже подтверждён или устарел. Загрузите файл снова.")
            )
            return HttpResponseRedirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_import"))

    def add_data_read_fail_error_to_form(self, form, e):
        form.add_error(
            "import_file",
            str(e)
            if isinstance(e, FileRefused)
            else gettext("Не удалось прочитать файл. Проверьте, что выбран правильный формат."),
        )

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            # Data changed between preview and confirmation; the transaction was rolled back.
            for row, column, message in result.sheet_errors[:20]:
                messages.error(request, f"{row or '—'} / {column}: {message}")
            messages.error(request, gettext("Ничего не импортировано. Загрузите файл снова."))
            return HttpResponseRedirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_import"))
        return super().process_result(result, request)

    def export_action(self, request):
        # The gap: the library reads the changelist's filters from the export's address and lets
        # Django's IncorrectLookupParameters through (a 500, `?zzz=1`, `?format=1`), where the
        # changelist itself sends the user back to the list with a message.
        try:
            return super().export_action(request)
        except IncorrectLookupParameters:
            messages.error(
                request,
                gettext("В адресе выгрузки неизвестный фильтр: выберите записи в списке и выгрузите снова."),
            )
            return HttpResponseRedirect(
                reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")
            )

    def get_export_filename(self, request, queryset, file_format):
        """Name the file after the section and the local date: Учреждения-2025-11-26.xlsx."""
        return downloads.download_name(self.opts.verbose_name_plural, file_format.get_extension())

    def _do_file_export(self, file_format, request, queryset, export_form=None):
        # The library writes the file name into the header as plain ASCII; a Cyrillic name needs
        # the RFC 6266 form browsers understand (import-export 4.4 has no hook for the header),
        # beside an English one for programs that read no other, as the public downloads have.
        response = super()._do_file_export(file_format, request, queryset, export_form=export_form)
        disposition = downloads.filename(self.opts.verbose_name_plural, file_format.get_extension())
        response.headers["Content-Disposition"] = disposition
        return response

    def get_export_data(self, file_format, request, queryset, **kwargs):
        # The library keeps dates and numbers native only for its own binary format classes;
        # ours say so themselves. The rows are streamed to the file as they are read
        # (RegistryResource.export), so they are counted once it is written.
        if not self.has_export_permission(request):
            raise PermissionDenied
        data = self.get_data_for_export(
            request,
            queryset,
            force_native_type=getattr(file_format, "native_types", False),
            streamed=True,
            **kwargs,
        )
        content = file_format.export_data(data)
        logger.info(
            "export model=%s rows=%d format=%s user=%s",
            self.opts.label,
            len(data),
            file_format.get_title(),
            request.user.username,
        )
        return content


class RegistryAdmin(SpreadsheetAdmin, SimpleHistoryAdmin):
    """Spreadsheets, history, revert and restore of deleted records for every registry model."""

    list_per_page = 50

    def save_model(self, request, obj, form, change):
        # A version saved from the record's history page reverts the record to it, or restores a
        # deleted one; either brings back the rows the record had then (parties, steps, quotes),
        # and a restore the branches deleted with it (registry/history.py).
        version = to_historic(obj) if change else None
        deletion = history.last_deletion(self.model, obj.pk) if version is not None else None
        if version is not None:
            obj._change_reason = history.bringing_back_reason(version, restoring=deletion is not None)
        super().save_model(request, obj, form, change)
        if version is not None:
            # The record's many-to-many values before its rows (history_form_view saves them
            # again after this and finds nothing to change): see bring_back_children.
            form.save_m2m()
            rows = history.bring_back_children(obj, version, deletion, request.user)
            obj._brought_back = (version, deletion is not None, rows)

    def response_change(self, request, obj):
        # Say what a revert or a restore did, not that the record was "changed".
        if not hasattr(obj, "_brought_back"):
            return super().response_change(request, obj)
        version, restored, rows = obj._brought_back
        names = {
            "obj": format_html(
                '<a href="{}">{}</a>', reverse(admin_urlname(self.opts, "change"), args=[obj.pk]), obj
            ),
            "name": self.opts.verbose_name,
        }
        if restored:
            message = format_html(gettext("Запись «{obj}» ({name}) восстановлена."), **names)
            rows_message = ngettext(
                "Вместе с записью восстановлена %d связанная строка.",
                "Вместе с записью восстановлено связанных строк: %d.",
                rows,
            )
        else:
            when = history.local_time(version.history_date)
            message = format_html(
                gettext("Запись «{obj}» ({name}) возвращена к версии от {date}."), date=when, **names
            )
            rows_message = ngettext(
                "Вместе с записью к версии возвращена %d связанная строка.",
                "Вместе с записью к версии возвращено связанных строк: %d.",
                rows,
            )
        self.message_user(request, message, messages.SUCCESS)
        if rows:
            self.message_user(request, rows_message % rows, messages.SUCCESS)
        return self.response_post_save_change(request, obj)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        log_deletion(request, self.opts, [obj])

    def get_deleted_objects(self, objs, request):
        # The confirmation lists the rows deleted with the record; the rows linking it to its
        # fields of study or regions are not records, and Django names them by their internal
        # names ("Связи agreement-fieldofstudy", "Agreement_fields object (5049)"): leave them out.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        links = [m._meta for m in django_apps.get_models(include_auto_created=True) if m._meta.auto_created]
        prefixes = tuple(f"{capfirst(opts.verbose_name)}: " for opts in links)
        names = {str(opts.verbose_name_plural) for opts in links}
        counts = {name: count for name, count in counts.items() if str(name) not in names}
        return without_link_rows(deleted, prefixes), counts, perms_needed, protected

    def delete_queryset(self, request, queryset):
        deleted = list(queryset)
        super().delete_queryset(request, queryset)
        log_deletion(request, self.opts, deleted)

    # Staff paste bare domains ("msu.ru"); read them as https, as Django 6 will by default.
    formfield_overrides = {db_models.URLField: {"assume_scheme": "https"}}

    # History: anyone who may view a record may read its history; writing a version back asks
    # registry/permissions.py, as every other write does (revert: change; restore: add + change).

    def history_view(self, request, object_id, extra_context=None):
        key_or_404(self.model, unquote(object_id))
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        object_id = key_or_404(self.model, unquote(object_id))
        version_id = key_or_404(self.model.history.model, version_id)
        # The same rule hides the Revert button and refuses the POST.
        if request.method == "POST" and self.revert_disabled(request, self.model(pk=object_id)):
            raise PermissionDenied
        version = self.model.history.filter(id=object_id, history_id=version_id).first()
        # The page lists the rows the version had, which a revert brings back with it.
        rows = history.describe_rows(version) if version is not None else []
        extra_context = {**(extra_context or {}), "version_rows": rows}
        if request.method != "POST":
            return super().history_form_view(request, object_id, version_id, extra_context)
        # The record and its rows are written back together or not at all, as a change form is.
        with transaction.atomic(using=router.db_for_write(self.model)):
            return super().history_form_view(request, object_id, version_id, extra_context)

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        # As the library's, but with the many-to-many values read for the whole page at once: the
        # library reads them again for each two versions it compares (800 queries for a programme).
        versions = list(historical_records)
        recorded = history.recorded_m2m_of(versions)
        for newer, older in itertools.pairwise(versions):
            delta = history.delta_between(older, newer, recorded, foreign_keys_are_objs)
            helper = self.get_historical_record_context_helper(request, newer)
            newer.history_delta_changes = helper.context_for_delta_changes(delta)

    def get_form(self, request, obj=None, change=False, **kwargs):
        version = to_historic(obj) if obj is not None else None
        if version is not None and request.method != "POST":
            # A version's page shows, and its revert posts back, that version's many-to-many values.
            history.show_m2m_as_recorded(obj, version)
        return super().get_form(request, obj, change, **kwargs)

    def render_history_view(self, request, template, context, **kwargs):
        # A version someone may not revert to is shown read-only, as Django shows a change form
        # to those who may only view it.
        form = context.get("adminform")
        if form is not None and context.get("revert_disabled"):
            fieldsets = list(form.fieldsets)
            context["adminform"] = helpers.AdminForm(
                form.form, fieldsets, {}, readonly_fields=flatten_fieldsets(fieldsets), model_admin=self
            )
        return super().render_history_view(request, template, context, **kwargs)

    def revert_disabled(self, request, obj=None):
        action = self.history_action(obj.pk) if obj is not None else "revert"
        return super().revert_disabled(request, obj) or not may(request.user, action, self.model)

    def history_action(self, object_id):
        """Return "revert" for a record that exists, "restore" for a deleted one."""
        return "revert" if self.model._default_manager.filter(pk=object_id).exists() else "restore"


def without_link_rows(deleted, prefixes):
    """Return Django's nested list of rows to delete less the link rows, named by `prefixes`.

    Django names a row it has no admin page for "<verbose name>: <row>" in plain text; a row
    with a page is a link (safe HTML) and is always kept.
    """
    kept = []
    for item in deleted:
        if isinstance(item, list):
            nested = without_link_rows(item, prefixes)
            if nested:
                kept.append(nested)
        elif isinstance(item, SafeData) or not str(item).startswith(prefixes):
            kept.append(item)
    return kept


def key_or_404(model, value):
    """Return the value as the model's primary key, or answer 404 if it cannot be one."""
    try:
        return model._meta.pk.to_python(value)
    except ValidationError:
        raise Http404 from None


def log_deletion(request, opts, objects):
    for obj in objects:
        logger.info(
            "deleted model=%s pk=%s repr=%r user=%s", opts.label, obj.pk, str(obj), request.user.username
        )


def log_publication(request, opts, obj):
    logger.info(
        "%s model=%s slug=%s user=%s",
        "published" if obj.is_published else "unpublished",
        opts.label,
        obj.slug,
        request.user.username,
    )


class FoldedSearchMixin:
    """Search the record's folded search text (registry/search.py), in lists and autocompletes
    alike, so case, ё/е, word forms and Latin spellings match on any database."""

    search_fields = ["search_text"]
    search_help_text = _(
        "Ищет по всем названиям и сокращениям, в том числе латиницей; регистр, ё/е и падежи не важны."
    )

    def get_search_results(self, request, queryset, search_term):
        found = queryset.search(search_term, through_drafts=True)  # the best matches first...
        if request.GET.get(ORDER_VAR):
            found = found.order_by(*queryset.query.order_by)  # ...unless a column was chosen
        return found, False


class PublishableAdmin(FoldedSearchMixin, RegistryAdmin):
    actions = ["publish", "unpublish"]
    readonly_fields = ["created_at", "updated_at"]
    form = OptimisticLockForm

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if self.fieldsets and obj is not None:
            # Declared fieldsets list fields by name; the version travels with the last one.
            *head, (title, options) = fieldsets
            fieldsets = [*head, (title, {**options, "fields": [*options["fields"], "loaded_version"]})]
        return fieldsets

    def save_model(self, request, obj, form, change):
        # The change form and a revert or restore from history publish too: same reason, same log.
        stored = self.model._default_manager.filter(pk=obj.pk).values_list("is_published", flat=True)
        publication_changed = bool(stored.first()) != obj.is_published
        if publication_changed:
            obj._change_reason = "published" if obj.is_published else "unpublished"
        super().save_model(request, obj, form, change)
        if publication_changed:
            log_publication(request, self.opts, obj)

    @admin.action(description=_("Опубликовать выбранные записи"), permissions=["change"])
    def publish(self, request, queryset):
        self._set_published(request, queryset, True)

    @admin.action(description=_("Снять с публикации выбранные записи"), permissions=["change"])
    def unpublish(self, request, queryset):
        self._set_published(request, queryset, False)

    @transaction.atomic
    def _set_published(self, request, queryset, value):
        # Save one by one so history records who published what; all or none, as a change form
        # saves, so a write lock refused at the start changes nothing (DatabaseBusyMiddleware).
        changed = 0
        for obj in queryset.exclude(is_published=value):
            obj.is_published = value
            obj._change_reason = "published" if value else "unpublished"
            obj.save()
            changed += 1
            log_publication(request, self.opts, obj)
        message = (
            ngettext("Опубликована %d запись.", "Опубликовано записей: %d.", changed)
            if value
            else ngettext("Снята с публикации %d запись.", "Снято с публикации записей: %d.", changed)
        )
        self.message_user(request, message % changed, messages.SUCCESS)


# --- inlines ----------------------------------------------------------------------------------


class CitationInline(admin.StackedInline):
    model = models.Citation
    extra = 0
    autocomplete_fields = ["source"]
    fields = ["source", "quote", "note", "note_en", "note_kk"]
    verbose_name = _("цитата из источника")
    verbose_name_plural = _("цитаты из источников")


def citation_inline(fk):
    return type(f"{fk.title()}CitationInline", (CitationInline,), {"fk_name": fk})


class PartiesFormSet(BaseInlineFormSet):
    """Parties of an agreement or programme: each institution once (twice, it would be listed
    twice on the public page; imports refuse it too), and at least `minimum` of them."""

    minimum = 0

    def clean(self):
        super().clean()
        kept = [
            form for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE", False)
        ]
        seen = set()
        for form in kept:
            institution = form.cleaned_data.get("institution")
            if institution is not None and institution.pk in seen:
                form.add_error(
                    "institution", _("«%(party)s» указано дважды. Оставьте одно.") % {"party": institution}
                )
            elif institution is not None:
                seen.add(institution.pk)
        if len(kept) < self.minimum:
            raise ValidationError(_("Укажите не менее двух сторон."))


class AtLeastTwoPartiesFormSet(PartiesFormSet):
    minimum = 2


class PartyInline(admin.StackedInline):
    extra = 0
    formset = AtLeastTwoPartiesFormSet
    autocomplete_fields = ["institution", "country", "regions"]
    fields = [
        "institution",
        "description",
        "description_en",
        "description_kk",
        "country",
        "regions",
        "role",
        "role_en",
        "role_kk",
    ]


class AgreementPartyInline(PartyInline):
    model = models.AgreementParty


class ProgrammeParticipantInline(PartyInline):
    model = models.ProgrammeParticipant
    formset = PartiesFormSet


class StatusAgreesWithStepsFormSet(BaseInlineFormSet):
    """A status chosen in the form must be backed by a dated step with its source.

    A step added without touching the status sets the status itself (see signals).
    """

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        record = self.instance
        if not record.status:  # none chosen: the record's own form says it is required
            return
        stored = type(record).objects.filter(pk=record.pk).values_list("status", flat=True).first()
        if record.status == stored:
            return
        kept = [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE", False)
        ]
        latest = sorted(kept, key=lambda step: step["date"])[-1] if kept else None
        if latest is None or latest["status"] != record.status:
            raise ValidationError(record.UNBACKED_STATUS % {"status": record.get_status_display()})


class StatusStepInline(admin.StackedInline):
    extra = 0
    formset = StatusAgreesWithStepsFormSet
    autocomplete_fields = ["source"]
    fields = ["status", "date", "date_meaning", "source", "note", "note_en", "note_kk"]


class AgreementStatusStepInline(StatusStepInline):
    model = models.AgreementStatusStep


class ProgrammeStatusStepInline(StatusStepInline):
    model = models.ProgrammeStatusStep


class BranchInline(admin.TabularInline):
    model = models.Branch
    form = SlugFromNameForm
    extra = 0
    # As many columns as fit at 1366 px; the code is made from the name, the rest is on the
    # branch's own page.
    fields = ["name", "country", "status", "is_published"]
    autocomplete_fields = ["country"]
    show_change_link = True


# --- reference data ---------------------------------------------------------------------------


@admin.register(models.Country)
class CountryAdmin(FoldedSearchMixin, RegistryAdmin):
    list_display = ["code", "name_ru", "name_en"]


@admin.register(models.Region)
class RegionAdmin(FoldedSearchMixin, RegistryAdmin):
    list_display = ["name", "name_en", "kind", "country"]
    list_filter = ["country", "kind"]
    list_select_related = ["country"]
    autocomplete_fields = ["country"]


@admin.register(models.FieldOfStudy)
class FieldOfStudyAdmin(FoldedSearchMixin, RegistryAdmin):
    list_display = ["code", "name_ru", "name_en"]


@admin.register(models.Source)
class SourceAdmin(PublishableAdmin):
    list_display = ["title", "publisher", "published_on", "language", "is_published"]
    list_filter = ["is_published", "publisher", "language"]
    date_hierarchy = "published_on"


# --- registry records -------------------------------------------------------------------------


@admin.register(models.Institution)
class InstitutionAdmin(PublishableAdmin):
    list_display = ["name_ru", "acronyms", "kind", "country", "region", "city", "is_active", "is_published"]
    list_filter = ["is_published", "country", "kind", "is_active", "region"]
    list_select_related = ["country", "region"]
    autocomplete_fields = ["country", "region"]
    inlines = [BranchInline, citation_inline("institution")]
    import_export_change_list_template = "admin/registry/institution/change_list.html"
    fieldsets = [
        (None, {"fields": ["slug", "name_ru", "name_en", "name_kk", "name", "acronyms", "aliases", "kind"]}),
        (_("Где"), {"fields": ["country", "region", "city"]}),
        (_("Идентификаторы"), {"fields": ["website", "ror_id", "wikidata_id", "founded_year"]}),
        (_("Переводы"), {"classes": ["collapse"], "fields": ["notes_en", "notes_kk"]}),
        (_("Состояние"), {"fields": ["is_active", "is_published", "notes", "created_at", "updated_at"]}),
    ]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        namesakes = list(obj.namesakes()[:5])
        if namesakes:
            links = format_html_join(
                ", ",
                '<a href="{}">{} ({})</a>',
                ((reverse("admin:registry_institution_change", args=[r.pk]), r, r.slug) for r in namesakes),
            )
            self.message_user(
                request,
                format_html(
                    '{} {} <a href="{}">{}</a>',
                    gettext("Учреждение с таким же названием уже есть:"),
                    links,
                    reverse("admin:registry_institution_duplicates"),
                    gettext("Проверить дубликаты"),
                ),
                messages.WARNING,
            )

    def get_urls(self):
        return [
            path(
                "duplicates/",
                self.admin_site.admin_view(self.duplicates_view),
                name="registry_institution_duplicates",
            ),
            *super().get_urls(),
        ]

    def duplicates_view(self, request):
        """List likely duplicate institutions; merge a pair on POST (keep one, drop the other)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        may_merge = may(request.user, "merge", self.model)
        if request.method == "POST":
            if not may_merge:
                raise PermissionDenied
            kept = models.Institution.objects.filter(pk=request.POST.get("keep")).first()
            dropped = models.Institution.objects.filter(pk=request.POST.get("drop")).first()
            if kept is None or dropped is None or kept == dropped:
                self.message_user(request, gettext("Выберите две разные записи."), messages.ERROR)
            else:
                dropped_name = str(dropped)
                duplicates.merge(kept, dropped, user=request.user)
                self.message_user(
                    request,
                    gettext(
                        "«%(dropped)s» объединено с «%(kept)s». "
                        "Отменить можно в разделе «Слияния учреждений»."
                    )
                    % {"dropped": dropped_name, "kept": kept},
                    messages.SUCCESS,
                )
            return HttpResponseRedirect(reverse("admin:registry_institution_duplicates"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Возможные дубликаты учреждений"),
            "pairs": duplicates.likely_duplicates()[:200],
            "may_merge": may_merge,
        }
        return TemplateResponse(request, "admin/registry/institution/duplicates.html", context)


@admin.register(models.Branch)
class BranchAdmin(PublishableAdmin):
    list_display = ["name", "institution", "country", "city", "status", "opened_year", "is_published"]
    list_filter = ["is_published", "status", "country", "fields"]
    list_select_related = ["institution", "country"]
    autocomplete_fields = ["institution", "country", "region", "fields"]
    inlines = [citation_inline("branch")]


@admin.register(models.Agreement)
class AgreementAdmin(PublishableAdmin):
    list_display = ["title", "kind", "status", "signed_on", "valid_until", "is_published"]
    list_filter = ["is_published", "status", "kind", "fields"]
    autocomplete_fields = ["fields"]
    inlines = [AgreementPartyInline, AgreementStatusStepInline, citation_inline("agreement")]
    fieldsets = [
        (None, {"fields": ["slug", "title", "title_en", "kind", "status", "fields", "fields_wording"]}),
        (_("Даты"), {"fields": ["agreed_on", "signed_on", "valid_from", "valid_until"]}),
        (_("Переводы"), {"classes": ["collapse"], "fields": ["title_kk", "notes_en", "notes_kk"]}),
        (_("Прочее"), {"fields": ["notes", "is_published", "created_at", "updated_at"]}),
    ]


PROGRAMME_TRANSLATIONS = [
    "title_kk",
    "aim_en",
    "aim_kk",
    "proposed_by_en",
    "proposed_by_kk",
    "proposed_at_en",
    "proposed_at_kk",
    "notes_en",
    "notes_kk",
]


@admin.register(models.Programme)
class ProgrammeAdmin(PublishableAdmin):
    list_display = ["title", "kind", "status", "proposed_on", "modelled_on", "is_published"]
    list_filter = ["is_published", "status", "kind", "target_countries", "fields"]
    list_select_related = ["modelled_on"]
    autocomplete_fields = ["modelled_on", "target_countries", "target_regions", "fields"]
    inlines = [ProgrammeParticipantInline, ProgrammeStatusStepInline, citation_inline("programme")]
    fieldsets = [
        (None, {"fields": ["slug", "title", "title_en", "kind", "status", "modelled_on", "aim"]}),
        (_("Кем и где предложено"), {"fields": ["proposed_by", "proposed_at", "proposed_on"]}),
        (_("Охват"), {"fields": ["target_countries", "target_regions", "fields", "fields_wording"]}),
        (_("Переводы"), {"classes": ["collapse"], "fields": PROGRAMME_TRANSLATIONS}),
        (_("Прочее"), {"fields": ["notes", "is_published", "created_at", "updated_at"]}),
    ]


@admin.register(models.Indicator)
class IndicatorAdmin(PublishableAdmin):
    list_display = ["title", "value", "unit", "statement", "as_of", "is_published"]
    list_filter = ["is_published", "countries"]
    autocomplete_fields = ["countries", "regions"]
    inlines = [citation_inline("indicator")]


@admin.register(models.Citation)
class CitationAdmin(FoldedSearchMixin, RegistryAdmin):
    list_display = ["__str__", "source", "cited"]
    list_select_related = ["source", *models.CITED_MODELS]
    list_filter = ["source"]
    search_help_text = _("Ищет по цитате и примечанию; регистр, ё/е и падежи не важны.")
    autocomplete_fields = ["source", *models.CITED_MODELS]

    @admin.display(description=_("к записи"))
    def cited(self, obj):
        return obj.cited_record


class SectionFilter(admin.SimpleListFilter):
    """Filter the import journal by section, named as in the admin's menu."""

    title = _("раздел")
    parameter_name = "model"

    def lookups(self, request, model_admin):
        labels = models.ImportRecord.objects.order_by().values_list("model", flat=True).distinct()
        return sorted(((label, section_name(label)) for label in labels), key=lambda item: item[1])

    def queryset(self, request, queryset):
        return queryset.filter(model=self.value()) if self.value() else queryset


def section_name(label):
    """Return the admin section's name for a model label such as registry.Institution."""
    try:
        return capfirst(django_apps.get_model(label)._meta.verbose_name_plural)
    except LookupError:
        return label


class WrittenByTheRegistryOnly:
    """A journal the registry writes itself (imports, merges): staff read it; nobody adds, edits
    or deletes a row in the admin — it is the audit trail, and a merge's row is what undoing it
    needs. `manage.py prune_import_journal` removes old import entries (see the README)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.InstitutionMerge)
class InstitutionMergeAdmin(WrittenByTheRegistryOnly, admin.ModelAdmin):
    list_display = ["created_at", "dropped_name", "dropped_slug", "kept", "user", "reverted_at"]
    list_select_related = ["kept", "user"]
    fields = ["created_at", "user", "kept", "dropped_name", "dropped_slug", "reverted_at"]
    readonly_fields = fields
    actions = ["revert"]

    def has_revert_permission(self, request):
        # Undoing a merge brings the merged-away record back: the same right as restoring it.
        return may(request.user, "restore", models.Institution)

    @admin.action(description=_("Отменить выбранные слияния"), permissions=["revert"])
    def revert(self, request, queryset):
        for record in queryset.filter(reverted_at__isnull=True).order_by("-created_at"):
            try:
                duplicates.revert(record)
            except ValueError as error:
                self.message_user(request, f"{record}: {error}", messages.ERROR)
            else:
                self.message_user(request, gettext("Слияние отменено: %s") % record, messages.SUCCESS)


@admin.register(models.ImportRecord)
class ImportRecordAdmin(WrittenByTheRegistryOnly, admin.ModelAdmin):
    list_display = [
        "created_at",
        "user",
        "section",
        "file_name",
        "file_format",
        "via",
        "new",
        "updated",
        "unchanged",
    ]
    list_filter = [SectionFilter, "via"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    fields = [
        "created_at",
        "user",
        "section",
        "file_name",
        "file_format",
        "via",
        "new",
        "updated",
        "unchanged",
    ]
    readonly_fields = ["section"]

    @admin.display(description=_("раздел"), ordering="model")
    def section(self, record):
        return section_name(record.model)


class SuperusersOnly:
    """Login attempts and lockouts (django-axes) are for superusers: they name staff and addresses."""

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)


for axes_model in django_apps.get_app_config("axes").get_models():
    if admin.site.is_registered(axes_model):
        registered = type(admin.site.get_model_admin(axes_model))
        admin.site.unregister(axes_model)
        restricted = type(registered.__name__, (SuperusersOnly, registered), {"__module__": __name__})
        admin.site.register(axes_model, restricted)
