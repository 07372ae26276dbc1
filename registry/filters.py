"""Filters of the public list pages; the same sets narrow the downloads."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from . import models


class OrderingFilter(django_filters.OrderingFilter):
    """Ordering whose "(descending)" labels are translated when shown, not once at import."""

    def build_choices(self, fields, labels):
        choices = []
        for field, param in fields.items():
            label = labels.get(field, param)
            choices += [(param, label), (f"-{param}", format_lazy(_("{} (по убыванию)"), label))]
        return choices


class RegistryFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Поиск"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "ordering" in self.filters:  # empty choices read "Все" (settings); the order's reads so
            self.filters["ordering"].extra["empty_label"] = _("как обычно")

    def search(self, queryset, name, value):
        return queryset.search(value)


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
    is_active = django_filters.BooleanFilter(
        label=_("Действует"),
        widget=forms.Select(choices=[("", _("Все")), ("true", _("Да")), ("false", _("Нет"))]),
    )
    field = django_filters.ModelChoiceFilter(
        method="by_field",
        queryset=models.FieldOfStudy.objects.all(),
        to_field_name="code",
        label=_("Направление подготовки"),
    )
    founded = django_filters.NumberFilter(field_name="founded_year", label=_("Год основания"))
    ordering = OrderingFilter(
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
        # An institution teaches a field through its branches, agreements or programmes.
        return queryset.filter(
            Q(branches__fields=value)
            | Q(agreementparty__agreement__fields=value)
            | Q(programmeparticipant__programme__fields=value)
        ).distinct()


class BranchFilter(RegistryFilterSet):
    country = country_filter(label=_("Страна размещения"))
    region = region_filter()
    status = django_filters.ChoiceFilter(choices=models.Branch.BranchStatus.choices, label=_("Состояние"))
    field = field_filter()
    institution = django_filters.ModelChoiceFilter(
        queryset=models.Institution.objects.published(), to_field_name="slug", label=_("Головное учреждение")
    )
    opened = django_filters.NumberFilter(field_name="opened_year", label=_("Год открытия"))
    parent_country = country_filter("institution__country", label=_("Страна головного учреждения"))
    ordering = OrderingFilter(
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
        fields = ["q", "country", "region", "status", "field", "institution", "opened", "parent_country"]


class UndertakingFilter(RegistryFilterSet):
    status = django_filters.ChoiceFilter(choices=models.Status.choices, label=_("Состояние"))
    field = field_filter()
    institution = django_filters.ModelChoiceFilter(
        method="by_party_institution",
        queryset=models.Institution.objects.published(),
        to_field_name="slug",
        label=_("Учреждение"),
    )

    def by_party_institution(self, queryset, name, value):
        parties = "parties" if queryset.model is models.Agreement else "participants"
        return queryset.filter(**{f"{parties}__institution": value}).distinct()


class AgreementFilter(UndertakingFilter):
    kind = django_filters.ChoiceFilter(choices=models.Agreement.Kind.choices, label=_("Вид"))
    country = django_filters.ModelChoiceFilter(
        method="by_party_country",
        queryset=models.Country.objects.all(),
        to_field_name="code",
        label=_("Страна стороны"),
    )
    year = django_filters.NumberFilter(method="by_year", label=_("Год"))
    ordering = OrderingFilter(
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
        fields = ["q", "kind", "status", "field", "country", "institution", "year"]

    def by_party_country(self, queryset, name, value):
        return queryset.filter(Q(parties__country=value) | Q(parties__institution__country=value)).distinct()

    def by_year(self, queryset, name, value):
        year = int(value)
        return queryset.filter(
            Q(signed_on__year=year) | Q(agreed_on__year=year) | Q(status_steps__date__year=year)
        ).distinct()


class ProgrammeFilter(UndertakingFilter):
    kind = django_filters.ChoiceFilter(choices=models.Programme.Kind.choices, label=_("Вид"))
    country = country_filter("target_countries", label=_("Для страны"))
    year = django_filters.NumberFilter(method="by_year", label=_("Год"))
    ordering = OrderingFilter(
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
        fields = ["q", "kind", "status", "field", "country", "institution", "year"]

    def by_year(self, queryset, name, value):
        year = int(value)
        return queryset.filter(Q(proposed_on__year=year) | Q(status_steps__date__year=year)).distinct()


class SourceFilter(RegistryFilterSet):
    publisher = django_filters.CharFilter(lookup_expr="iexact", label=_("Издатель"))
    language = django_filters.CharFilter(label=_("Язык"))
    year = django_filters.NumberFilter(field_name="published_on__year", label=_("Год"))
    ordering = OrderingFilter(
        fields=[("published_on", "date"), ("publisher", "publisher"), ("title", "title")],
        field_labels={"published_on": _("Дата"), "publisher": _("Издатель"), "title": _("Заголовок")},
        label=_("Порядок"),
    )

    class Meta:
        model = models.Source
        fields = ["q", "publisher", "language", "year"]


class IndicatorFilter(RegistryFilterSet):
    country = country_filter("countries")
    year = django_filters.NumberFilter(field_name="as_of__year", label=_("Год"))
    ordering = OrderingFilter(
        fields=[("title", "title"), ("value", "value"), ("as_of", "date")],
        field_labels={"title": _("Что измеряется"), "value": _("Значение"), "as_of": _("На дату")},
        label=_("Порядок"),
    )

    class Meta:
        model = models.Indicator
        fields = ["q", "country", "year"]


class MapForm(forms.Form):
    """The map's own filters; the lists' filters (q, country, field…) apply to it as well."""

    show = forms.MultipleChoiceField(
        label=_("Показать"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[
            ("institution", _("Учреждения")),
            ("branch", _("Филиалы")),
            ("agreement", _("Соглашения")),
            ("programme", _("Программы")),
        ],
    )
    country = forms.ModelChoiceField(
        queryset=models.Country.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=_("Все"),
        label=_("Страна"),
    )
    field = forms.ModelChoiceField(
        queryset=models.FieldOfStudy.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=_("Все"),
        label=_("Направление подготовки"),
    )
