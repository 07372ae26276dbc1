"""Filters of the public list pages; the same sets narrow the downloads."""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import Exists, F, OuterRef, Q, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils.text import format_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from . import models


class YearFilter(django_filters.NumberFilter):
    """A whole year within the registry's range; anything else is a form error, not a 500."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1000, max_value=2100, **kwargs)


class OrderingFilter(django_filters.OrderingFilter):
    """Ordering whose "(descending)" labels are translated when shown, not once at import.

    Its empty choice reads "как обычно" (others read "Все", settings) — given here, where the form
    field is built: the schema caches that field on the class's filters, so an instance's edits of
    ``extra`` would apply only until someone opened /api/docs/."""

    def __init__(self, *args, translated=(), **kwargs):
        kwargs.setdefault("empty_label", _("как обычно"))
        super().__init__(*args, **kwargs)
        self.translated = translated  # Russian text fields sorted by the text the page shows

    def filter(self, qs, value):
        """Sort by the chosen column, then as the list usually is, so that records with equal
        values keep one order from page to page; descending reverses the whole order (which an
        index read backwards gives: models.list_order_indexes)."""
        chosen = [param for param in value or () if param not in django_filters.constants.EMPTY_VALUES]
        if not chosen:
            return qs
        ordering = [self.get_ordering_value(param) for param in chosen]
        named = {item.removeprefix("-") for item in ordering if isinstance(item, str)}
        descending = chosen[-1].startswith("-")
        tie_break = [
            flip(name) if descending else name
            for name in [*qs.model._meta.ordering, "pk"]
            if name.removeprefix("-") not in named | {"id"}
        ]
        return qs.order_by(*ordering, *tie_break)

    def get_ordering_value(self, param):
        value = super().get_ordering_value(param)
        name = value.removeprefix("-")
        if "__" not in name and self.model._meta.get_field(name).null:
            # Records without a value last, and first when descending, on every database (SQLite
            # would put them first): PostgreSQL's own order, which the list's index holds.
            field = F(name)
            return field.desc(nulls_first=True) if value.startswith("-") else field.asc(nulls_last=True)
        if name not in self.translated:
            return value
        shown = in_reader_language(name)
        return shown.desc() if value.startswith("-") else shown.asc()

    def build_choices(self, fields, labels):
        choices = []
        for field, param in fields.items():
            label = labels.get(field, param)
            choices += [(param, label), (f"-{param}", format_lazy(_("{} (по убыванию)"), label))]
        return choices


def flip(name):
    return name.removeprefix("-") if name.startswith("-") else f"-{name}"


def in_reader_language(russian):
    """Return the text a page shows for a Russian text field (``name_ru``, ``title``,
    ``institution__name_ru``): its translation in the reader's language, else the Russian, as
    models.in_reader_language does for one record."""
    language = (get_language() or "ru").split("-")[0]
    if language not in models.TRANSLATIONS:
        return F(russian)
    translation = f"{russian.removesuffix('_ru')}_{language}"
    return Coalesce(NullIf(F(translation), Value("")), F(russian))


class RegistryFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Поиск"))

    def search(self, queryset, name, value):
        return queryset.search(value)  # the number of words counted is capped in registry/search.py

    @property
    def narrowing(self):
        """The filters the reader set, sorting aside: the count beside "Фильтры"."""
        return [name for name in self.form.changed_data if name != "ordering"]


def city_filter():
    """A city as written (any case): the map's places link to the list of what stands there."""
    return django_filters.CharFilter(
        field_name="city", lookup_expr="iexact", max_length=100, label=_("Город")
    )


class CountryCodeField(django_filters.fields.ModelChoiceField):
    """A country by its ISO code in any case: kz is KZ, and the menu shows KZ chosen."""

    def to_python(self, value):
        return super().to_python(self.bound_data(value, None))

    def bound_data(self, data, initial):
        return data.upper() if isinstance(data, str) else data


class CountryFilter(django_filters.ModelChoiceFilter):
    field_class = CountryCodeField


def country_filter(field_name="country", label=None):
    return CountryFilter(
        field_name=field_name,
        queryset=models.Country.objects.all(),
        to_field_name="code",
        label=label or _("Страна"),
    )


def region_filter(field_name="region"):
    return django_filters.ModelChoiceFilter(
        field_name=field_name, queryset=models.Region.objects.select_related("country"), label=_("Регион")
    )


def fields_used_by(*record_models):
    """Return the fields of study published records of these kinds are filed under: a list
    offers no field that would find nothing (one query, with the choices)."""
    used = Q()
    for model in record_models:  # EXISTS stops at the first published record of each field
        used |= Q(Exists(model.objects.published().filter(fields=OuterRef("pk"))))
    return models.FieldOfStudy.objects.filter(used)


class FieldOfStudyCodeField(django_filters.fields.ModelChoiceField):
    """Offers the fields of study a list uses, yet accepts any known code: a field no published
    record uses yet finds an empty list (links and harvesters keep working); an unknown code is
    a form error."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        ProhibitNullCharactersValidator()(value)  # as every text field: PostgreSQL refuses NUL
        try:
            return models.FieldOfStudy.objects.get(code=value)
        except (ValueError, TypeError, models.FieldOfStudy.DoesNotExist):
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
            ) from None


class FieldOfStudyFilter(django_filters.ModelChoiceFilter):
    field_class = FieldOfStudyCodeField


def field_filter(used_by, field_name="fields"):
    return FieldOfStudyFilter(
        field_name=field_name,
        queryset=fields_used_by(used_by),
        to_field_name="code",
        label=_("Направление подготовки"),
    )


class YesNoField(forms.NullBooleanField):
    """Yes, no, or either when empty; any other value is an error (a 400, as for every filter),
    where Django's field reads it as either and the list would show everything."""

    def clean(self, value):
        # Django's own reading decides what means yes or no; what it reads as neither is refused.
        if value not in self.empty_values and self.to_python(value) is None:
            raise ValidationError(
                forms.ChoiceField.default_error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": str(value)[:50]},
            )
        return super().clean(value)


class YesNoFilter(django_filters.BooleanFilter):
    field_class = YesNoField


class InstitutionFilter(RegistryFilterSet):
    country = country_filter()
    region = region_filter()
    kind = django_filters.ChoiceFilter(choices=models.Institution.Kind.choices, label=_("Вид"))
    is_active = YesNoFilter(
        label=_("Действует"),
        widget=forms.Select(choices=[("", _("Все")), ("true", _("Да")), ("false", _("Нет"))]),
    )
    field = FieldOfStudyFilter(
        method="by_field",
        queryset=fields_used_by(models.Branch, models.Agreement, models.Programme),
        to_field_name="code",
        label=_("Направление подготовки"),
    )
    founded = YearFilter(field_name="founded_year", label=_("Год основания"))
    city = city_filter()
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
        translated=["name_ru", "country__name_ru"],
        label=_("Порядок"),
    )

    class Meta:
        model = models.Institution
        fields = ["q", "country", "region", "kind", "is_active", "field", "founded", "city"]

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


def institution_filter(method, label):
    """Thousands of institutions: a text field that suggests as you type (institution-suggest.js
    asks /institutions/suggest/), never a <select> of all of them."""
    return django_filters.CharFilter(
        method=method,
        label=label,
        max_length=200,
        help_text=_("Код или начало названия."),
        widget=forms.TextInput(
            attrs={"list": "institution-suggestions", "data-suggest": "institutions", "autocomplete": "off"}
        ),
    )


def named_institutions(value):
    """Return the published institutions a filter value names: the one with that code, or else those
    its words find by name and acronym, as search does."""
    value = value.strip()
    published = models.Institution.objects.published()
    if published.filter(slug=value).exists():
        return published.filter(slug=value).values("pk")
    return published.search(value).values("pk")


class BranchFilter(RegistryFilterSet):
    country = country_filter(label=_("Страна размещения"))
    region = region_filter()
    status = django_filters.ChoiceFilter(choices=models.Branch.BranchStatus.choices, label=_("Состояние"))
    field = field_filter(models.Branch)
    institution = institution_filter("by_institution", _("Головное учреждение"))
    opened = YearFilter(field_name="opened_year", label=_("Год открытия"))
    parent_country = country_filter("institution__country", label=_("Страна головного учреждения"))
    city = city_filter()
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
        translated=["name", "institution__name_ru"],
        label=_("Порядок"),
    )

    class Meta:
        model = models.Branch
        fields = [
            "q",
            "country",
            "region",
            "status",
            "field",
            "institution",
            "opened",
            "parent_country",
            "city",
        ]

    def by_institution(self, queryset, name, value):
        return queryset.filter(institution__in=named_institutions(value))


class UndertakingFilter(RegistryFilterSet):
    status = django_filters.ChoiceFilter(choices=models.Status.choices, label=_("Состояние"))
    institution = institution_filter("by_party_institution", _("Учреждение"))

    def by_party_institution(self, queryset, name, value):
        parties = "parties" if queryset.model is models.Agreement else "participants"
        return queryset.filter(**{f"{parties}__institution__in": named_institutions(value)}).distinct()


class AgreementFilter(UndertakingFilter):
    kind = django_filters.ChoiceFilter(choices=models.Agreement.Kind.choices, label=_("Вид"))
    field = field_filter(models.Agreement)
    country = CountryFilter(
        method="by_party_country",
        queryset=models.Country.objects.all(),
        to_field_name="code",
        label=_("Страна стороны"),
    )
    year = YearFilter(method="by_year", label=_("Год"))
    region = django_filters.ModelChoiceFilter(
        method="by_party_region",
        queryset=models.Region.objects.select_related("country"),
        label=_("Регион стороны"),
    )
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
        translated=["title"],
        label=_("Порядок"),
    )

    class Meta:
        model = models.Agreement
        fields = ["q", "kind", "status", "field", "country", "institution", "year", "region"]

    def by_party_region(self, queryset, name, value):
        parties = models.AgreementParty.objects.published().filter(regions=value, agreement=OuterRef("pk"))
        return queryset.filter(Exists(parties))

    def by_party_country(self, queryset, name, value):
        # EXISTS per agreement, not IN (every party of the country): a page stops at its rows.
        parties = models.AgreementParty.objects.published().filter(
            Q(country=value) | Q(institution__country=value), agreement=OuterRef("pk")
        )
        return queryset.filter(Exists(parties))

    def by_year(self, queryset, name, value):
        year = int(value)
        steps = models.AgreementStatusStep.objects.published().filter(date__year=year).values("agreement")
        return queryset.filter(Q(signed_on__year=year) | Q(agreed_on__year=year) | Q(pk__in=steps))


class ProgrammeFilter(UndertakingFilter):
    kind = django_filters.ChoiceFilter(choices=models.Programme.Kind.choices, label=_("Вид"))
    field = field_filter(models.Programme)
    country = country_filter("target_countries", label=_("Для страны"))
    year = YearFilter(method="by_year", label=_("Год"))
    region = django_filters.ModelChoiceFilter(
        method="by_region",
        queryset=models.Region.objects.select_related("country"),
        label=_("Регион"),
    )
    ordering = OrderingFilter(
        fields=[("title", "title"), ("kind", "kind"), ("status", "status"), ("proposed_on", "proposed")],
        field_labels={
            "title": _("Название"),
            "kind": _("Вид"),
            "status": _("Состояние"),
            "proposed_on": _("Когда предложено"),
        },
        translated=["title"],
        label=_("Порядок"),
    )

    class Meta:
        model = models.Programme
        fields = ["q", "kind", "status", "field", "country", "institution", "year", "region"]

    def by_region(self, queryset, name, value):
        # A programme is for a region it targets, or one where a participant stands.
        participants = models.ProgrammeParticipant.objects.published().filter(
            regions=value, programme=OuterRef("pk")
        )
        targeted = models.Programme.target_regions.through.objects.filter(
            region=value, programme=OuterRef("pk")
        )
        return queryset.filter(Q(Exists(participants)) | Q(Exists(targeted)))

    def by_year(self, queryset, name, value):
        year = int(value)
        steps = models.ProgrammeStatusStep.objects.published().filter(date__year=year).values("programme")
        return queryset.filter(Q(proposed_on__year=year) | Q(pk__in=steps))


class SourceFilter(RegistryFilterSet):
    publisher = django_filters.CharFilter(lookup_expr="iexact", label=_("Издатель"))
    language = django_filters.CharFilter(label=_("Язык"))
    year = YearFilter(field_name="published_on__year", label=_("Год"))
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
    year = YearFilter(field_name="as_of__year", label=_("Год"))
    ordering = OrderingFilter(
        fields=[("title", "title"), ("value", "value"), ("as_of", "date")],
        field_labels={"title": _("Что измеряется"), "value": _("Значение"), "as_of": _("На дату")},
        translated=["title"],
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
    country = CountryCodeField(
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


class RegionFilter(django_filters.FilterSet):
    country = country_filter()

    class Meta:
        model = models.Region
        fields = ["country"]
