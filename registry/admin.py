from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models as db_models
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from . import models
from .search import search_filter

admin.site.site_header = _("Реестр сотрудничества России и Казахстана в образовании")
admin.site.site_title = _("Реестр сотрудничества")
admin.site.index_title = _("Управление реестром")


class RegistryAdmin(SimpleHistoryAdmin):
    """History, revert and restore of deleted records for every registry model."""

    list_per_page = 50
    # Staff paste bare domains ("msu.ru"); read them as https, as Django 6 will by default.
    formfield_overrides = {db_models.URLField: {"assume_scheme": "https"}}


class FoldedSearchMixin:
    """Search the record's folded search text, so Cyrillic case and ё/е match on any database."""

    search_fields = ["search_text"]
    search_help_text = _("Ищет по всем названиям, сокращениям и городу; регистр и ё/е не важны.")

    def get_search_results(self, request, queryset, search_term):
        return queryset.filter(search_filter(search_term)), False


class PublishableAdmin(FoldedSearchMixin, RegistryAdmin):
    actions = ["publish", "unpublish"]
    readonly_fields = ["created_at", "updated_at"]

    @admin.action(description=_("Опубликовать выбранные записи"), permissions=["change"])
    def publish(self, request, queryset):
        self._set_published(request, queryset, True)

    @admin.action(description=_("Снять с публикации выбранные записи"), permissions=["change"])
    def unpublish(self, request, queryset):
        self._set_published(request, queryset, False)

    def _set_published(self, request, queryset, value):
        # Save one by one so history records who published what.
        changed = 0
        for obj in queryset.exclude(is_published=value):
            obj.is_published = value
            obj._change_reason = "published" if value else "unpublished"
            obj.save()
            changed += 1
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
    fields = ["source", "quote", "note"]
    verbose_name = _("цитата из источника")
    verbose_name_plural = _("цитаты из источников")


def citation_inline(fk):
    return type(f"{fk.title()}CitationInline", (CitationInline,), {"fk_name": fk})


class AtLeastTwoPartiesFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        kept = [
            form for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE", False)
        ]
        if len(kept) < 2:
            raise ValidationError(_("Укажите не менее двух сторон."))


class PartyInline(admin.TabularInline):
    extra = 0
    formset = AtLeastTwoPartiesFormSet
    autocomplete_fields = ["institution", "country", "regions"]
    fields = ["institution", "description", "country", "regions", "role"]


class AgreementPartyInline(PartyInline):
    model = models.AgreementParty


class ProgrammeParticipantInline(PartyInline):
    model = models.ProgrammeParticipant
    formset = BaseInlineFormSet


class StatusStepInline(admin.TabularInline):
    extra = 0
    autocomplete_fields = ["source"]
    fields = ["status", "date", "source", "note"]


class AgreementStatusStepInline(StatusStepInline):
    model = models.AgreementStatusStep


class ProgrammeStatusStepInline(StatusStepInline):
    model = models.ProgrammeStatusStep


class BranchInline(admin.TabularInline):
    model = models.Branch
    extra = 0
    fields = ["name", "slug", "country", "city", "status", "is_published"]
    autocomplete_fields = ["country"]
    show_change_link = True


# --- reference data ---------------------------------------------------------------------------


@admin.register(models.Country)
class CountryAdmin(RegistryAdmin):
    list_display = ["code", "name_ru", "name_en"]
    search_fields = ["code", "name_ru", "name_en"]


@admin.register(models.Region)
class RegionAdmin(RegistryAdmin):
    list_display = ["name", "name_en", "kind", "country"]
    list_filter = ["country", "kind"]
    list_select_related = ["country"]
    search_fields = ["name", "name_en"]
    autocomplete_fields = ["country"]


@admin.register(models.FieldOfStudy)
class FieldOfStudyAdmin(RegistryAdmin):
    list_display = ["code", "name_ru", "name_en"]
    search_fields = ["code", "name_ru", "name_en"]


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
    fieldsets = [
        (None, {"fields": ["slug", "name", "name_ru", "name_en", "name_kk", "acronyms", "aliases", "kind"]}),
        (_("Где"), {"fields": ["country", "region", "city"]}),
        (_("Идентификаторы"), {"fields": ["website", "ror_id", "wikidata_id", "founded_year"]}),
        (_("Состояние"), {"fields": ["is_active", "is_published", "notes", "created_at", "updated_at"]}),
    ]


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
        (None, {"fields": ["slug", "title", "title_en", "kind", "status", "fields"]}),
        (_("Даты"), {"fields": ["agreed_on", "signed_on", "valid_from", "valid_until"]}),
        (_("Прочее"), {"fields": ["notes", "is_published", "created_at", "updated_at"]}),
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
        (_("Охват"), {"fields": ["target_countries", "target_regions", "fields"]}),
        (_("Прочее"), {"fields": ["notes", "is_published", "created_at", "updated_at"]}),
    ]


@admin.register(models.Indicator)
class IndicatorAdmin(PublishableAdmin):
    list_display = ["title", "value", "unit", "statement", "as_of", "is_published"]
    list_filter = ["is_published", "countries"]
    autocomplete_fields = ["countries", "regions"]
    inlines = [citation_inline("indicator")]


@admin.register(models.Citation)
class CitationAdmin(RegistryAdmin):
    list_display = ["__str__", "source", "cited"]
    list_select_related = ["source", *models.CITED_MODELS]
    list_filter = ["source"]
    search_fields = ["quote", "note"]
    autocomplete_fields = ["source", *models.CITED_MODELS]

    @admin.display(description=_("к записи"))
    def cited(self, obj):
        return obj.cited_record
