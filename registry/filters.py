"""Filters of the public list pages; the same sets narrow the downloads."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from . import models

#: A search uses at most this many words: a query tree per word, and a 1 000-word query
#: would exceed what SQLite can parse.
MAX_SEARCH_WORDS = 20


class YearFilter(django_filters.NumberFilter):
    """A whole year within the registry's range; anything else is a form error, not a 500."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1000, max_value=2100, **kwargs)


class RegistryFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Поиск"))

    def search(self, queryset, name, value):
        return queryset.search(" ".join(value.split()[:MAX_SEARCH_WORDS]))


def country_filter(field_name="country", label=None):
    return django_filters.ModelChoiceFilter(
        field_name=field_name,
        queryset=models.Country.objects.all(),
        to_field_name="code",
        label=label or _("Страна"),
    )


def region_filter(field_name="region"):
    return django_filters.ModelChoiceFilter(
        field_name=field_name, queryset=models.Region.objects.select_related("country"), label=_("Регион")
    )


def field_filter(field_name="fields"):
    return django_filters.ModelChoiceFilter(
        field_name=field_name,
        queryset=models.FieldOfStudy.objects.all(),
        to_field_name="code",
        label=_("Направление подготовки"),
    )


class InstitutionFilter(RegistryFilterSet):
    country = country_filter()
    region = region_filter()
    kind = django_filters.ChoiceFilter(choices=models.Institution.Kind.choices, label=_("Вид"))
    is_active = django_filters.BooleanFilter(label=_("Действует"))
    field = django_filters.ModelChoiceFilter(
        method="by_field",
        queryset=models.FieldOfStudy.objects.all(),
        to_field_name="code",
        label=_("Направление подготовки"),
    )
    founded = YearFilter(field_name="founded_year", label=_("Год основания"))
    ordering = django_filters.OrderingFilter(
        fields=[
            ("name_ru", "name"),
            ("kind", "kind"),
            ("country__name_ru", "country"),
            ("city", "city"),
            ("founded_year", "founded"),
            ("updated_at", "updated"),
        ],
        field_labels={
            "name_ru": _("Название"),
            "kind": _("Вид"),
            "country__name_ru": _("Страна"),
            "city": _("Город"),
            "founded_year": _("Год основания"),
            "updated_at": _("Обновлено"),
        },
        label=_("Порядок"),
    )

    class Meta:
        model = models.Institution
        fields = ["q", "country", "region", "kind", "is_active", "field", "founded"]

    def by_field(self, queryset, name, value):
        # An institution teaches a field through its published branches, agreements or programmes.
        return queryset.filter(
            Q(pk__in=models.Branch.objects.published().filter(fields=value).values("institution"))
            | Q(
                pk__in=models.AgreementParty.objects.published()
                .filter(agreement__fields=value)
                .values("institution")
            )
            | Q(
                pk__in=models.ProgrammeParticipant.objects.published()
                .filter(programme__fields=value)
                .values("institution")
            )
        )


class BranchFilter(RegistryFilterSet):
    country = country_filter(label=_("Страна размещения"))
    region = region_filter()
    status = django_filters.ChoiceFilter(choices=models.Branch.BranchStatus.choices, label=_("Состояние"))
    field = field_filter()
    # Thousands of institutions: a text field that suggests as you type (institution-suggest.js
    # asks /institutions/suggest/), never a <select> of all of them.
    institution = django_filters.CharFilter(
        method="by_institution",
        label=_("Головное учреждение"),
        max_length=200,
        help_text=_("Код или начало названия."),
        widget=forms.TextInput(
            attrs={"list": "institution-suggestions", "data-suggest": "institutions", "autocomplete": "off"}
        ),
    )
    opened = YearFilter(field_name="opened_year", label=_("Год открытия"))
    ordering = django_filters.OrderingFilter(
        fields=[
            ("name", "name"),
            ("institution__name_ru", "institution"),
            ("city", "city"),
            ("status", "status"),
            ("opened_year", "opened"),
        ],
        field_labels={
            "name": _("Название"),
            "institution__name_ru": _("Головное учреждение"),
            "city": _("Город"),
            "status": _("Состояние"),
            "opened_year": _("Год открытия"),
        },
        label=_("Порядок"),
    )

    class Meta:
        model = models.Branch
        fields = ["q", "country", "region", "status", "field", "institution", "opened"]

    def by_institution(self, queryset, name, value):
        """Match the parent by its code, or else by its names and acronyms as search does."""
        value = value.strip()
        if models.Institution.objects.published().filter(slug=value).exists():
            return queryset.filter(institution__slug=value)
        parents = models.Institution.objects.published().search(" ".join(value.split()[:MAX_SEARCH_WORDS]))
        return queryset.filter(institution__in=parents.values("pk"))


class UndertakingFilter(RegistryFilterSet):
    status = django_filters.ChoiceFilter(choices=models.Status.choices, label=_("Состояние"))
    field = field_filter()


class AgreementFilter(UndertakingFilter):
    kind = django_filters.ChoiceFilter(choices=models.Agreement.Kind.choices, label=_("Вид"))
    country = django_filters.ModelChoiceFilter(
        method="by_party_country",
        queryset=models.Country.objects.all(),
        to_field_name="code",
        label=_("Страна стороны"),
    )
    year = YearFilter(method="by_year", label=_("Год"))
    ordering = django_filters.OrderingFilter(
        fields=[
            ("title", "title"),
            ("kind", "kind"),
            ("status", "status"),
            ("signed_on", "signed"),
            ("valid_until", "until"),
        ],
        field_labels={
            "title": _("Название"),
            "kind": _("Вид"),
            "status": _("Состояние"),
            "signed_on": _("Дата подписания"),
            "valid_until": _("Действует по"),
        },
        label=_("Порядок"),
    )

    class Meta:
        model = models.Agreement
        fields = ["q", "kind", "status", "field", "country", "year"]

    def by_party_country(self, queryset, name, value):
        parties = models.AgreementParty.objects.published().filter(
            Q(country=value) | Q(institution__country=value)
        )
        return queryset.filter(pk__in=parties.values("agreement"))

    def by_year(self, queryset, name, value):
        year = int(value)
        steps = models.AgreementStatusStep.objects.filter(date__year=year).values("agreement")
        return queryset.filter(Q(signed_on__year=year) | Q(agreed_on__year=year) | Q(pk__in=steps))


class ProgrammeFilter(UndertakingFilter):
    kind = django_filters.ChoiceFilter(choices=models.Programme.Kind.choices, label=_("Вид"))
    country = country_filter("target_countries", label=_("Для страны"))
    year = YearFilter(method="by_year", label=_("Год"))
    ordering = django_filters.OrderingFilter(
        fields=[("title", "title"), ("kind", "kind"), ("status", "status"), ("proposed_on", "proposed")],
        field_labels={
            "title": _("Название"),
            "kind": _("Вид"),
            "status": _("Состояние"),
            "proposed_on": _("Когда предложено"),
        },
        label=_("Порядок"),
    )

    class Meta:
        model = models.Programme
        fields = ["q", "kind", "status", "field", "country", "year"]

    def by_year(self, queryset, name, value):
        year = int(value)
        steps = models.ProgrammeStatusStep.objects.filter(date__year=year).values("programme")
        return queryset.filter(Q(proposed_on__year=year) | Q(pk__in=steps))


class SourceFilter(RegistryFilterSet):
    publisher = django_filters.CharFilter(lookup_expr="iexact", label=_("Издатель"))
    language = django_filters.CharFilter(label=_("Язык"))
    year = YearFilter(field_name="published_on__year", label=_("Год"))
    ordering = django_filters.OrderingFilter(
        fields=[("published_on", "date"), ("publisher", "publisher"), ("title", "title")],
        field_labels={"published_on": _("Дата"), "publisher": _("Издатель"), "title": _("Заголовок")},
        label=_("Порядок"),
    )

    class Meta:
        model = models.Source
        fields = ["q", "publisher", "language", "year"]


class IndicatorFilter(RegistryFilterSet):
    """Indicators have no list page of their own; the API filters them the same way."""

    country = country_filter("countries")
    ordering = django_filters.OrderingFilter(
        fields=[("as_of", "as_of"), ("title", "title"), ("value", "value")], label=_("Порядок")
    )

    class Meta:
        model = models.Indicator
        fields = ["q", "country"]


class RegionFilter(django_filters.FilterSet):
    country = country_filter()

    class Meta:
        model = models.Region
        fields = ["country"]
