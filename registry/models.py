"""The registry's records: who cooperates with whom, under which agreement or programme, and
the source each fact comes from."""

import hashlib
import re
import uuid
from functools import cached_property, lru_cache, partialmethod, reduce
from operator import or_

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.text import format_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .cache import invalidate_public_pages
from .history import history_with_m2m
from .search import name_filter, rank_by_match, search_document, search_filter, search_words

YEAR_VALIDATORS = [MinValueValidator(1000), MaxValueValidator(2100)]

#: The languages a Russian text may be translated into, as suffixes of its fields (notes_en, notes_kk).
TRANSLATIONS = ("en", "kk")


def translated_copies(field_class, verbose_name, **options):
    """Return the optional English and Kazakh fields of a Russian text field."""
    return tuple(
        field_class(format_lazy("{} ({})", verbose_name, suffix), blank=True, **options)
        for suffix in (_("по-английски"), _("по-казахски"))
    )


def in_reader_language(record, field):
    """Return the record's text in the reader's language and that language's code.

    The Russian text (field_ru where the record has one, else the field itself) stands in for a
    missing translation, and the code then says "ru" so the page can mark it with lang="ru".
    """
    language = (get_language() or "ru").split("-")[0]
    if language in TRANSLATIONS:
        text = getattr(record, f"{field}_{language}", "")
        if text:
            return text, language
    russian = f"{field}_ru" if hasattr(record, f"{field}_ru") else field
    return getattr(record, russian), "ru"


def list_order_indexes(model_name, default_order, columns):
    """Indexes for a public list: its published records in their usual order, and by each column
    the list is sorted or narrowed by, then in the usual order (filters.OrderingFilter adds it
    as the tie-break). A page reads its records' keys straight from one of these however deep it
    is (pagination.ListPaginator), and a narrowed list stops at its page's rows instead of
    sorting every match. Partial indexes (WHERE is_published): SQLite uses no index for a bare
    `WHERE is_published` otherwise. tests/test_public_pages.py checks each sortable column has one.
    """
    columns = [([], "pub"), *(([column], f"by_{short}") for column, short in columns)]
    return [
        models.Index(
            fields=[*column, *default_order], condition=Q(is_published=True), name=f"reg_{model_name}_{name}"
        )
        for column, name in columns
    ]


def io_permissions(model_name, verbose_plural):
    """Return the separate import and export permissions that django-import-export checks."""
    return [
        (f"import_{model_name}", _("Может импортировать: %s") % verbose_plural),
        (f"export_{model_name}", _("Может экспортировать: %s") % verbose_plural),
    ]


class ChoiceField(models.CharField):
    """A CharField with choices whose get_<name>_display() looks up the one label it shows.

    Django's builds a dict of all the field's choices on each call, translating every label to
    hash it: a tenth of a list page's time, and again on each row of a download. Django's comment
    in Field.contribute_to_class points here for inherited fields (the status of agreements and
    programmes). The database and migrations see a plain CharField.
    """

    def contribute_to_class(self, cls, name, *args, **kwargs):
        own = f"get_{name}_display" in cls.__dict__
        super().contribute_to_class(cls, name, *args, **kwargs)
        if not own:
            setattr(cls, f"get_{name}_display", partialmethod(choice_label, field=self))

    @cached_property
    def labels(self):
        return dict(self.flatchoices)  # hashes only the values: the labels stay lazy

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.CharField", args, kwargs


def choice_label(record, field):
    value = getattr(record, field.attname)
    return force_str(field.labels.get(value, value), strings_only=True)


#: What Django's <slug:…> path converter accepts.
SLUG_IN_URL = re.compile(r"[-a-zA-Z0-9_]+\Z")


def record_url(model_name, slug):
    """The address of a record's public page: reverse() worked out once per kind of record, the
    code appended. reverse() takes 40 µs; a download of 10 000 records asks for 30 000 addresses
    (each record's, again in how to cite it, and each quote's source's)."""
    if not SLUG_IN_URL.match(slug or ""):
        return reverse(f"registry:{model_name}_detail", args=[slug])  # raises NoReverseMatch
    return (
        record_url_prefix(model_name, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
        + slug
        + "/"
    )


@lru_cache
def record_url_prefix(model_name, script_prefix, urlconf):
    return reverse(f"registry:{model_name}_detail", args=["code"], urlconf=urlconf).removesuffix("code/")


class Status(models.TextChoices):
    """One lifecycle shared by agreements and programmes."""

    PROPOSED = "proposed", _("предложено")
    IN_DEVELOPMENT = "in_development", _("в проработке")
    AGREED = "agreed", _("достигнута договорённость")
    SIGNED = "signed", _("подписано")
    ACTIVE = "active", _("действует")
    ENDED = "ended", _("завершено")
    CANCELLED = "cancelled", _("отменено")
    UNKNOWN = "unknown", _("неизвестно")


# --- querysets and managers -------------------------------------------------------------------


class SearchQuerySet(models.QuerySet):
    """Records found by any of their names (registry/search.py), best matches first."""

    def search(self, query, through_drafts=False):
        """Return the records the query finds, best first. A record is also found through the
        records of its ``search_through`` (an agreement by its parties' names): through published
        ones only, unless ``through_drafts`` (the admin, where staff see drafts too)."""
        found = self.filter(search_filter(query, self.model, through_drafts=through_drafts))
        if not search_words(query):
            return found
        ordering = self.query.order_by or self.model._meta.ordering
        return found.annotate(search_rank=rank_by_match(query, self.model)).order_by("search_rank", *ordering)

    def bulk_create(self, objs, *args, **kwargs):
        # Bulk writes skip save() and signals; keep the search text true on them too.
        objs = list(objs)  # read twice: a generator would be spent on the search text
        for obj in objs:
            obj.refresh_search_text()
        created = super().bulk_create(objs, *args, **kwargs)
        invalidate_public_pages()  # bulk writes send no post_save
        return created

    def bulk_update(self, objs, fields, *args, **kwargs):
        # The search text follows the fields written; nothing else is touched, the version
        # (updated_at) included: a caller that changes a record stamps it itself.
        objs = list(objs)
        for obj in objs:
            obj.refresh_search_text()
        fields = [*fields, *({"search_text"} - set(fields))]
        updated = super().bulk_update(objs, fields, *args, **kwargs)
        invalidate_public_pages()
        return updated


class RegistryQuerySet(SearchQuerySet):
    def published(self):
        """Return what the public may see: the one rule every public page, download and API uses."""
        return self.filter(is_published=True)


class SlugManager(models.Manager.from_queryset(RegistryQuerySet)):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class BranchQuerySet(RegistryQuerySet):
    def published(self):
        # A branch is public only together with its parent institution.
        return super().published().filter(institution__is_published=True)


class AgreementQuerySet(RegistryQuerySet):
    def named(self):
        """Return only agreements the source names: cooperation of an unstated form is not one."""
        return self.exclude(kind=Agreement.Kind.UNSTATED)


def published_record(model, path):
    """Return a condition: the `model` record the outer row refers to by `path` is published, by
    that model's own rule.

    A correlated EXISTS looks up only the rows the outer query already has; ``path__in=<all
    published records>`` read every published record for each page, which made every public page
    grow with the registry (`make bench`, "public … @ 100000").
    """
    return Exists(model.objects.published().filter(pk=OuterRef(path)))


class PartyQuerySet(models.QuerySet):
    def published(self):
        """Return parties of published records whose institution, if any, is published too.

        A group described in words has no institution of its own: it is public with its record.
        """
        parent = self.model.parent_field
        parent_model = self.model._meta.get_field(parent).related_model
        return self.filter(
            Q(institution__isnull=True) | Q(published_record(Institution, "institution")),
            published_record(parent_model, parent),
        )


class CitationQuerySet(SearchQuerySet):
    def published(self):
        """Return quotes from a published source that back a published record."""
        cited = Q(
            *[
                Q(published_record(Citation._meta.get_field(name).related_model, name))
                for name in CITED_MODELS
            ],
            _connector=Q.OR,
        )
        return self.filter(cited, published_record(Source, "source"))


class CodeManager(models.Manager.from_queryset(SearchQuerySet)):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class StatusStepQuerySet(models.QuerySet):
    def published(self):
        """Return steps a published source backs: a step from a draft source, like a quote from
        one, says what no public source says (the record's own status stays, marked undated)."""
        return self.filter(published_record(Source, "source"))


class UidManager(models.Manager):
    def get_by_natural_key(self, uid):
        return self.get(uid=uid)


# --- abstract bases ---------------------------------------------------------------------------


class Timestamped(models.Model):
    created_at = models.DateTimeField(_("создано"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("изменено"), auto_now=True, db_index=True)

    class Meta:
        abstract = True


class Searchable(models.Model):
    """A record found by search: its names, folded by registry/search.py, kept in search_text.

    ``search_through`` names records this one is also found by, as (path, model) pairs: a branch
    by its institution's names. They are matched in the query, never copied here, so saving one
    record never rewrites another.
    """

    search_text = models.TextField(editable=False, blank=True, default="")
    search_through = ()

    class Meta:
        abstract = True

    def search_parts(self):
        """Return every name a reader might search this record by, one name per item."""
        return []

    def search_details(self):
        """Return other text the record is found by but that is not a name (city, code, notes)."""
        return []

    def refresh_search_text(self):
        self.search_text = search_document(self.search_parts(), self.search_details())


def split_names(text, separator=";"):
    return [part.strip() for part in (text or "").split(separator) if part.strip()]


#: A record's code is lower-case, in the admin and in imports alike: `BULK-0001` beside `bulk-0001`
#: would be a second record at a second address. SlugField's own validator allows only Latin
#: letters, digits, `-` and `_`, capitals included; this one refuses the capitals.
LOWER_CASE_CODE = RegexValidator(r"^[^A-Z]*\Z", _("Код записи пишется строчными буквами."), code="upper_case")


class PublicRecord(Searchable, Timestamped):
    """A record the public may see once staff publish it; found by its slug and by search."""

    slug = models.SlugField(
        _("код записи"),
        max_length=100,
        unique=True,
        validators=[LOWER_CASE_CODE],
        help_text=_("Латиницей, без пробелов, например msu-astana. Служит ссылкой в таблицах и URL."),
    )
    is_published = models.BooleanField(
        _("опубликовано"),
        default=False,
        db_index=True,
        help_text=_("Только опубликованные записи видны на публичном сайте."),
    )
    objects = SlugManager()

    class Meta:
        abstract = True

    def get_absolute_url(self):
        return record_url(self._meta.model_name, self.slug)

    @classmethod
    def from_db(cls, db, field_names, values):
        record = super().from_db(db, field_names, values)
        # The code as stored, so that a rename is noticed without asking the database again.
        record._stored_slug = record.__dict__.get("slug")
        return record

    def natural_key(self):
        return (self.slug,)

    def clean_fields(self, exclude=None):
        try:
            super().clean_fields(exclude)
        except ValidationError as error:
            problems = getattr(error, "error_dict", {}).get("slug", [])
            for index, problem in enumerate(problems):
                if problem.code == LOWER_CASE_CODE.code:
                    # The validator cannot name the code to write; said here, for admin and imports.
                    problems[index] = ValidationError(
                        _("«%(code)s»: код записи пишется строчными буквами: %(lower)s."),
                        code=LOWER_CASE_CODE.code,
                        params={"code": self.slug, "lower": self.slug.lower()},
                    )
            raise

    def search_details(self):
        return [self.slug]

    def translated(self, field):
        return in_reader_language(self, field)[0]


class Keyed(models.Model):
    """A child record (citation, party, status step) that fixtures refer to by a stable uid."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    objects = UidManager()

    class Meta:
        abstract = True

    def natural_key(self):
        return (str(self.uid),)


# --- reference data ---------------------------------------------------------------------------


class Country(Searchable):
    code = models.CharField(
        _("код ISO"),
        max_length=2,
        unique=True,
        validators=[RegexValidator(r"^[A-Z]{2}$", _("Две заглавные латинские буквы, например KZ."))],
        help_text=_("Код страны по ISO 3166-1 alpha-2: RU, KZ."),
    )
    name_ru = models.CharField(_("название"), max_length=100)
    name_en = models.CharField(_("название по-английски"), max_length=100)
    name_kk = models.CharField(_("название по-казахски"), max_length=100, blank=True)
    history = HistoricalRecords()

    objects = CodeManager()

    class Meta:
        ordering = ["name_ru"]
        verbose_name = _("страна")
        verbose_name_plural = _("страны")
        permissions = io_permissions("country", _("страны"))

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.code,)

    @property
    def name(self):
        return in_reader_language(self, "name")[0]

    def search_parts(self):
        return [self.code, self.name_ru, self.name_en]


class RegionManager(models.Manager.from_queryset(SearchQuerySet)):
    def get_by_natural_key(self, country_code, name):
        return self.get(country__code=country_code, name=name)


class Region(Searchable):
    class Kind(models.TextChoices):
        OBLAST = "oblast", _("область")
        FEDERAL_CITY = "federal_city", _("город федерального значения")
        REPUBLICAN_CITY = "republican_city", _("город республиканского значения")
        REPUBLIC = "republic", _("республика")
        KRAI = "krai", _("край")
        MACRO_REGION = "macro_region", _("макрорегион")
        OTHER = "other", _("другое")

    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="regions", verbose_name=_("страна")
    )
    name = models.CharField(_("название"), max_length=150)
    name_en = models.CharField(_("название по-английски"), max_length=150, blank=True)
    name_kk = models.CharField(_("название по-казахски"), max_length=150, blank=True)
    kind = ChoiceField(_("вид"), max_length=20, choices=Kind.choices)
    history = HistoricalRecords()

    objects = RegionManager()

    class Meta:
        ordering = ["country__code", "name"]
        verbose_name = _("регион")
        verbose_name_plural = _("регионы")
        permissions = io_permissions("region", _("регионы"))
        constraints = [
            models.UniqueConstraint(fields=["country", "name"], name="registry_region_unique_name_in_country")
        ]

    def __str__(self):
        return self.label

    @property
    def label(self):
        return in_reader_language(self, "name")[0]

    def natural_key(self):
        return (self.country.code, self.name)

    natural_key.dependencies = ["registry.country"]

    def search_parts(self):
        return [self.name, self.name_en]


class FieldOfStudy(Searchable):
    code = models.CharField(
        _("код ISCED-F"),
        max_length=4,
        unique=True,
        validators=[RegexValidator(r"^\d{4}$", _("Четыре цифры, например 0713."))],
        help_text=_("Детальный код по ISCED-F 2013 (ЮНЕСКО), четыре цифры."),
    )
    name_ru = models.CharField(_("название"), max_length=200)
    name_en = models.CharField(_("название по-английски"), max_length=200)
    name_kk = models.CharField(_("название по-казахски"), max_length=200, blank=True)
    history = HistoricalRecords()

    objects = CodeManager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("направление подготовки")
        verbose_name_plural = _("направления подготовки")
        permissions = io_permissions("fieldofstudy", _("направления подготовки"))

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def name(self):
        return in_reader_language(self, "name")[0]

    def natural_key(self):
        return (self.code,)

    def search_parts(self):
        return [self.code, self.name_ru, self.name_en]


# --- sources ----------------------------------------------------------------------------------


class Source(PublicRecord):
    publisher = models.CharField(_("издатель"), max_length=200)
    publisher_en, publisher_kk = translated_copies(models.CharField, _("издатель"), max_length=200)
    title = models.CharField(_("заголовок"), max_length=500)
    published_on = models.DateField(_("дата публикации"))
    place = models.CharField(_("место"), max_length=200, blank=True)
    place_en, place_kk = translated_copies(models.CharField, _("место"), max_length=200)
    url = models.URLField(_("адрес в интернете"), blank=True)
    language = models.CharField(_("язык"), max_length=10, default="ru", help_text=_("Код языка: ru, kk, en."))
    text = models.TextField(
        _("полный текст"),
        blank=True,
        help_text=_("Весь текст источника. Каждая цитата из него проверяется по этому тексту дословно."),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-published_on", "title"]
        verbose_name = _("источник")
        verbose_name_plural = _("источники")
        permissions = io_permissions("source", _("источники"))

    def __str__(self):
        return f"{self.publisher}, {self.published_on:%d.%m.%Y}: {self.title}"

    @property
    def display_name(self):
        return str(self)

    def search_parts(self):
        return [self.title]

    def search_details(self):
        return [self.slug, self.publisher, self.place]


# --- institutions and branches ----------------------------------------------------------------

ROR_VALIDATOR = RegexValidator(
    r"^0[a-hj-km-np-tv-z0-9]{6}[0-9]{2}$",
    _("Идентификатор ROR — девять знаков, начинается с 0, например 010pmpe69."),
)
#: ROR ids write a number in Crockford's base32 (no i, l, o, u).
CROCKFORD_BASE32 = "0123456789abcdefghjkmnpqrstvwxyz"


def ror_checksum_is_valid(ror_id):
    """Check a ROR id's last two digits: ISO 7064 mod 97-10 of the base32 number before them."""
    number = 0
    for character in ror_id[1:7]:
        number = number * 32 + CROCKFORD_BASE32.index(character)
    return ror_id[7:] == f"{98 - number * 100 % 97:02d}"


WIKIDATA_VALIDATOR = RegexValidator(
    r"^Q[1-9][0-9]*$", _("Идентификатор Wikidata — Q и число, например Q13164.")
)
#: The ids as people write them: bare or as a URL, in any case (the id is the group).
ROR_WRITTEN = re.compile(
    r"^(?:https?://)?(?:www\.)?(?:ror\.org/)?(0[a-hj-km-np-tv-z0-9]{6}[0-9]{2})/?$", re.I
)
WIKIDATA_WRITTEN = re.compile(
    r"^(?:https?://(?:www\.)?wikidata\.org/(?:wiki|entity)/)?(Q[1-9][0-9]*)/?$", re.I
)


class Institution(PublicRecord):
    class Kind(models.TextChoices):
        UNIVERSITY = "university", _("университет")
        ACADEMY = "academy", _("академия")
        INSTITUTE = "institute", _("институт")
        COLLEGE = "college", _("колледж")
        TECHNIKUM = "technikum", _("техникум")
        RESEARCH_CENTRE = "research_centre", _("научный центр")
        ENTERPRISE = "enterprise", _("предприятие")
        GOVERNMENT_BODY = "government_body", _("орган власти")
        OTHER = "other", _("другое")

    name = models.CharField(
        _("официальное название"),
        max_length=500,
        blank=True,
        help_text=_("Если оно не русское: полное официальное название на языке учреждения."),
    )
    name_ru = models.CharField(_("название по-русски"), max_length=500)
    name_en = models.CharField(_("название по-английски"), max_length=500, blank=True)
    name_kk = models.CharField(_("название по-казахски"), max_length=500, blank=True)
    acronyms = models.CharField(
        _("сокращения"),
        max_length=200,
        blank=True,
        help_text=_("Через точку с запятой: МГУ; MSU."),
    )
    aliases = models.TextField(
        _("другие названия"),
        blank=True,
        help_text=_("Прежние и неофициальные названия, по одному в строке."),
    )
    kind = ChoiceField(_("вид"), max_length=20, choices=Kind.choices)
    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="institutions", verbose_name=_("страна")
    )
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="institutions",
        verbose_name=_("регион"),
    )
    city = models.CharField(_("город"), max_length=100, blank=True)
    website = models.URLField(_("сайт"), blank=True)
    ror_id = models.CharField(
        _("ROR"), max_length=9, blank=True, validators=[ROR_VALIDATOR], help_text=_("Например 010pmpe69.")
    )
    wikidata_id = models.CharField(
        _("Wikidata"),
        max_length=20,
        blank=True,
        validators=[WIKIDATA_VALIDATOR],
        help_text=_("Например Q13164."),
    )
    founded_year = models.PositiveSmallIntegerField(
        _("год основания"), null=True, blank=True, validators=YEAR_VALIDATORS
    )
    is_active = models.BooleanField(_("действует"), default=True)
    notes = models.TextField(_("примечания"), blank=True)
    notes_en, notes_kk = translated_copies(models.TextField, _("примечания"))
    history = HistoricalRecords()

    #: Facts from general knowledge (справочные данные), not from the cited sources.
    REFERENCE_FIELDS = ("name", "name_en", "name_kk", "website", "ror_id", "wikidata_id", "founded_year")

    class Meta:
        ordering = ["name_ru", "id"]
        verbose_name = _("учреждение")
        verbose_name_plural = _("учреждения")
        permissions = io_permissions("institution", _("учреждения"))
        indexes = [
            # The admin lists every record in this order.
            models.Index(fields=["name_ru", "id"], name="reg_institution_order"),
            *list_order_indexes(
                "inst",
                ["name_ru", "id"],
                [
                    ("kind", "kind"),
                    ("city", "city"),
                    ("founded_year", "founded"),
                    ("updated_at", "updated"),
                    ("country", "country"),
                    ("region", "region"),
                ],
            ),
        ]
        constraints = [
            # One record per real institution: ROR and Wikidata ids name exactly one.
            models.UniqueConstraint(
                fields=["ror_id"],
                condition=~Q(ror_id=""),
                name="registry_institution_unique_ror_id",
                violation_error_message=_("Учреждение с таким идентификатором ROR уже есть в реестре."),
            ),
            models.UniqueConstraint(
                fields=["wikidata_id"],
                condition=~Q(wikidata_id=""),
                name="registry_institution_unique_wikidata_id",
                violation_error_message=_("Учреждение с таким идентификатором Wikidata уже есть в реестре."),
            ),
        ]

    def __str__(self):
        return self.display_name

    def validate_constraints(self, exclude=None):
        """The unique ROR and Wikidata ids are refused naming the record that holds them, which
        the constraint's own message cannot; the other constraints as Django checks them."""
        exclude = set(exclude or ())
        errors = {}
        for field, label in (("ror_id", "ROR"), ("wikidata_id", "Wikidata")):
            value = getattr(self, field)
            if field in exclude or not value:
                continue
            exclude.add(field)  # answered here; the database constraint remains the guarantee
            other = Institution.objects.exclude(pk=self.pk).filter(**{field: value}).first()
            if other:
                errors[field] = _("%(label)s %(value)s уже указан у записи «%(name)s» (код %(code)s).") % {
                    "label": label,
                    "value": value,
                    "name": other,
                    "code": other.slug,
                }
        try:
            super().validate_constraints(exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def namesakes(self):
        """Return other institutions one of whose names folds to one of this record's names."""
        filters = [f for f in (name_filter(name, Institution) for name in self.full_names()) if f]
        if not filters:
            return Institution.objects.none()
        return Institution.objects.filter(reduce(or_, filters)).exclude(pk=self.pk)

    def clean_fields(self, exclude=None):
        # The checksum is checked here rather than by a field validator, which migrations would import.
        errors = {}
        try:
            super().clean_fields(exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        for name, label, written, case in (
            ("ror_id", "ROR", ROR_WRITTEN, str.lower),
            ("wikidata_id", "Wikidata", WIKIDATA_WRITTEN, str.upper),
        ):
            if name not in errors:
                continue
            found = written.match(getattr(self, name).strip())
            if found:  # a URL (https://ror.org/010pmpe69) or other capitals: say what to write
                errors[name] = [
                    ValidationError(
                        _("«%(value)s»: пишите идентификатор %(label)s так: %(id)s.")
                        % {"value": getattr(self, name), "label": label, "id": case(found.group(1))},
                        code="invalid",
                    )
                ]
            else:  # the id's form says it all; Django's "не более 9 символов" would only repeat it
                errors[name] = [e for e in errors[name] if e.code != "max_length"] or errors[name]
        checked = "ror_id" not in errors and "ror_id" not in (exclude or ())
        if self.ror_id and checked and not ror_checksum_is_valid(self.ror_id):
            errors["ror_id"] = [
                _("В идентификаторе ROR %(ror)s не сходится контрольная сумма: проверьте его на ror.org.")
                % {"ror": self.ror_id}
            ]
        if errors:
            raise ValidationError(errors)

    @property
    def ror_url(self):
        return f"https://ror.org/{self.ror_id}" if self.ror_id else ""

    @property
    def wikidata_url(self):
        return f"https://www.wikidata.org/wiki/{self.wikidata_id}" if self.wikidata_id else ""

    @property
    def display_name(self):
        return self.translated("name")

    @property
    def acronym_list(self):
        return [part.strip() for part in self.acronyms.split(";") if part.strip()]

    def full_names(self):
        """Return the names that say which institution this is (acronyms are often shared)."""
        return [self.name_ru, self.name, self.name_en, self.name_kk, *split_names(self.aliases, "\n")]

    def search_parts(self):
        return [*self.acronym_list, *self.full_names()]

    def search_details(self):
        return [self.slug, self.city]


class Branch(PublicRecord):
    class BranchStatus(models.TextChoices):
        OPERATING = "operating", _("работает")
        PLANNED = "planned", _("планируется")
        CLOSED = "closed", _("закрыт")
        UNKNOWN = "unknown", _("неизвестно")

    institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        related_name="branches",
        verbose_name=_("головное учреждение"),
    )
    name = models.CharField(_("название"), max_length=500)
    name_en = models.CharField(_("название по-английски"), max_length=500, blank=True)
    name_kk = models.CharField(_("название по-казахски"), max_length=500, blank=True)
    name_is_descriptive = models.BooleanField(
        _("название описательное"),
        default=False,
        help_text=_("Отметьте, если официальное название неизвестно и филиал назван реестром описательно."),
    )
    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="branches", verbose_name=_("страна размещения")
    )
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="branches",
        verbose_name=_("регион"),
    )
    city = models.CharField(_("город"), max_length=100, blank=True, help_text=_("Пусто, если неизвестен."))
    status = ChoiceField(
        _("состояние"), max_length=20, choices=BranchStatus.choices, default=BranchStatus.UNKNOWN
    )
    opened_year = models.PositiveSmallIntegerField(
        _("год открытия"), null=True, blank=True, validators=YEAR_VALIDATORS
    )
    fields = models.ManyToManyField(
        FieldOfStudy, blank=True, related_name="branches", verbose_name=_("направления подготовки")
    )
    notes = models.TextField(_("примечания"), blank=True)
    notes_en, notes_kk = translated_copies(models.TextField, _("примечания"))
    history = history_with_m2m("fields")

    objects = SlugManager.from_queryset(BranchQuerySet)()
    # Found by its institution's names and acronyms too, looked up in the query.
    search_through = (("institution", Institution),)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("филиал")
        verbose_name_plural = _("филиалы")
        permissions = io_permissions("branch", _("филиалы"))
        indexes = [
            # The admin lists every record in this order.
            models.Index(fields=["name", "id"], name="reg_branch_order"),
            *list_order_indexes(
                "branch",
                ["name", "id"],
                [
                    ("city", "city"),
                    ("status", "status"),
                    ("opened_year", "opened"),
                    ("country", "country"),
                    ("region", "region"),
                ],
            ),
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        return self.translated("name")

    def search_parts(self):
        return [self.name, self.name_en]

    def search_details(self):
        return [self.slug, self.city]


# --- agreements and programmes ----------------------------------------------------------------


class Undertaking(PublicRecord):
    """What agreements and programmes share: a title in two languages and a status lifecycle."""

    title = models.CharField(_("название"), max_length=500)
    title_en = models.CharField(_("название по-английски"), max_length=500, blank=True)
    title_kk = models.CharField(_("название по-казахски"), max_length=500, blank=True)
    status = ChoiceField(_("состояние"), max_length=20, choices=Status.choices, db_index=True)
    fields = models.ManyToManyField(
        FieldOfStudy, blank=True, related_name="%(class)ss", verbose_name=_("направления подготовки")
    )
    fields_wording = models.CharField(
        _("направления словами источника"),
        max_length=500,
        blank=True,
        help_text=_(
            "Как направления названы в источнике. Коды ISCED-F к ним относит реестр, "
            "и на сайте они помечены «отнесено реестром»."
        ),
    )
    notes = models.TextField(_("примечания"), blank=True)
    notes_en, notes_kk = translated_copies(models.TextField, _("примечания"))

    class Meta:
        abstract = True

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        return self.translated("title")

    def search_parts(self):
        return [self.title, self.title_en]

    def search_details(self):
        return [self.slug, self.notes]

    #: The rule a status lives by (admin form and imports alike): a changed status must be the
    #: status of the latest dated step, which carries its date and source.
    UNBACKED_STATUS = _(
        "Состояние «%(status)s» нужно подтвердить: добавьте в «Историю состояний» этап "
        "«%(status)s» с датой и источником, и он должен быть последним по дате."
    )

    def follow_latest_step(self):
        """Set the status to that of the latest dated step, if any, and save when it changes."""
        latest = self.status_steps.order_by("date", "id").last()
        if latest is not None and latest.status != self.status:
            self.status = latest.status
            self._change_reason = "status step"
            self.save()


class Agreement(Undertaking):
    class Kind(models.TextChoices):
        PARTNERSHIP = "partnership", _("партнёрство")
        MEMORANDUM = "memorandum", _("меморандум")
        COOPERATION = "cooperation", _("сотрудничество")
        JOINT_PROGRAMME = "joint_programme", _("совместная программа")
        EXCHANGE = "exchange", _("обмен")
        DOUBLE_DEGREE = "double_degree", _("двойной диплом")
        OTHER = "other", _("другое")
        UNSTATED = "unstated", _("сотрудничество, соглашение не названо")

    kind = ChoiceField(_("вид"), max_length=20, choices=Kind.choices)
    agreed_on = models.DateField(_("дата договорённости"), null=True, blank=True)
    signed_on = models.DateField(_("дата подписания"), null=True, blank=True)
    valid_from = models.DateField(_("действует с"), null=True, blank=True)
    valid_until = models.DateField(_("действует по"), null=True, blank=True)
    history = history_with_m2m("fields")

    objects = SlugManager.from_queryset(AgreementQuerySet)()

    class Meta:
        ordering = ["title", "id"]
        verbose_name = _("соглашение")
        verbose_name_plural = _("соглашения")
        permissions = io_permissions("agreement", _("соглашения"))
        indexes = [
            # The admin lists every record in this order.
            models.Index(fields=["title", "id"], name="reg_agreement_order"),
            *list_order_indexes(
                "agreement",
                ["title", "id"],
                [("kind", "kind"), ("status", "status"), ("signed_on", "signed"), ("valid_until", "until")],
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_until__gte=models.F("valid_from")),
                name="registry_agreement_valid_until_after_from",
            )
        ]

    def clean(self):
        super().clean()
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValidationError(
                {"valid_until": _("Дата окончания не может быть раньше даты начала действия.")}
            )


class Programme(Undertaking):
    class Kind(models.TextChoices):
        PROPOSED_JOINT = "proposed_joint", _("предложенная совместная программа")
        FEDERAL_PROJECT = "federal_project", _("федеральный проект")
        TRAINING = "training", _("обучение и повышение квалификации")
        JOINT_PROJECT = "joint_project", _("совместный проект")
        OTHER = "other", _("другое")

    kind = ChoiceField(_("вид"), max_length=20, choices=Kind.choices)
    proposed_by = models.CharField(
        _("кем предложено"), max_length=300, blank=True, help_text=_("Словами, как в источнике.")
    )
    proposed_by_en, proposed_by_kk = translated_copies(models.CharField, _("кем предложено"), max_length=300)
    proposed_at = models.CharField(_("где предложено"), max_length=300, blank=True)
    proposed_at_en, proposed_at_kk = translated_copies(models.CharField, _("где предложено"), max_length=300)
    proposed_on = models.DateField(_("когда предложено"), null=True, blank=True)
    modelled_on = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="models_for",
        verbose_name=_("по образцу"),
    )
    target_countries = models.ManyToManyField(
        Country, blank=True, related_name="programmes", verbose_name=_("для стран")
    )
    target_regions = models.ManyToManyField(
        Region, blank=True, related_name="programmes", verbose_name=_("для регионов")
    )
    aim = models.TextField(_("цель"), blank=True)
    aim_en, aim_kk = translated_copies(models.TextField, _("цель"))
    history = history_with_m2m("fields", "target_countries", "target_regions")

    class Meta:
        ordering = ["title", "id"]
        verbose_name = _("программа")
        verbose_name_plural = _("программы")
        permissions = io_permissions("programme", _("программы"))
        indexes = [
            # The admin lists every record in this order.
            models.Index(fields=["title", "id"], name="reg_programme_order"),
            *list_order_indexes(
                "programme",
                ["title", "id"],
                [("kind", "kind"), ("status", "status"), ("proposed_on", "proposed")],
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(modelled_on=models.F("pk")), name="registry_programme_not_modelled_on_itself"
            )
        ]

    def clean(self):
        super().clean()
        if self.pk and self.modelled_on_id == self.pk:
            raise ValidationError({"modelled_on": _("Программа не может быть образцом для самой себя.")})

    def search_details(self):
        return [*super().search_details(), self.proposed_by, self.proposed_at, self.aim]


# Agreements and programmes are found by their parties' names and acronyms too.
Agreement.search_through = (("parties__institution", Institution),)
Programme.search_through = (("participants__institution", Institution),)


class Party(Keyed):
    """A side of an agreement or programme: a registered institution, or a group named in words.

    The article speaks of "вузы Оренбургской и Самарской областей" without naming them; such a
    party is recorded as a description with its country and regions, never as invented
    institutions.
    """

    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("учреждение")
    )
    description = models.CharField(
        _("описание группы"),
        max_length=500,
        blank=True,
        help_text=_("Если учреждения не названы: например «вузы Оренбургской области»."),
    )
    description_en, description_kk = translated_copies(models.CharField, _("описание группы"), max_length=500)
    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("страна")
    )
    regions = models.ManyToManyField(Region, blank=True, verbose_name=_("регионы"))
    role = models.CharField(_("роль"), max_length=200, blank=True)
    role_en, role_kk = translated_copies(models.CharField, _("роль"), max_length=200)

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=(Q(institution__isnull=False) & Q(description=""))
                | (Q(institution__isnull=True) & ~Q(description="")),
                name="%(app_label)s_%(class)s_institution_or_description",
            )
        ]

    def __str__(self):
        return str(self.institution) if self.institution_id else in_reader_language(self, "description")[0]

    @property
    def display_name(self):
        return self.institution.display_name if self.institution_id else self.description

    def clean(self):
        super().clean()
        if bool(self.institution_id) == bool(self.description.strip()):
            raise ValidationError(
                _("Укажите либо учреждение из реестра, либо описание группы — одно из двух.")
            )


class AgreementParty(Party):
    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="parties", verbose_name=_("соглашение")
    )
    history = history_with_m2m("regions")

    parent_field = "agreement"
    objects = UidManager.from_queryset(PartyQuerySet)()

    class Meta(Party.Meta):
        ordering = ["id"]
        verbose_name = _("сторона соглашения")
        verbose_name_plural = _("стороны соглашения")


class ProgrammeParticipant(Party):
    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="participants", verbose_name=_("программа")
    )
    history = history_with_m2m("regions")

    parent_field = "programme"
    objects = UidManager.from_queryset(PartyQuerySet)()

    class Meta(Party.Meta):
        ordering = ["id"]
        verbose_name = _("участник программы")
        verbose_name_plural = _("участники программы")


class StatusStep(Keyed):
    """A dated step of a lifecycle, citing where it is known from."""

    class DateMeaning(models.TextChoices):
        HAPPENED_ON = "happened_on", _("дата события")
        REPORTED_ON = "reported_on", _("по состоянию на (дата сообщения)")

    status = ChoiceField(_("состояние"), max_length=20, choices=Status.choices)
    date = models.DateField(_("дата"))
    date_meaning = ChoiceField(
        _("что значит дата"),
        max_length=20,
        choices=DateMeaning.choices,
        default=DateMeaning.HAPPENED_ON,
        help_text=_("«По состоянию на», если источник только сообщает о состоянии на эту дату."),
    )
    source = models.ForeignKey(Source, on_delete=models.PROTECT, verbose_name=_("источник"))
    note = models.CharField(_("примечание"), max_length=500, blank=True)
    note_en, note_kk = translated_copies(models.CharField, _("примечание"), max_length=500)

    objects = UidManager.from_queryset(StatusStepQuerySet)()

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.get_status_display()} {self.date:%d.%m.%Y}"


class AgreementStatusStep(StatusStep):
    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="status_steps", verbose_name=_("соглашение")
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("этап соглашения")
        verbose_name_plural = _("история состояний")


class ProgrammeStatusStep(StatusStep):
    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="status_steps", verbose_name=_("программа")
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("этап программы")
        verbose_name_plural = _("история состояний")


# --- indicators and citations -----------------------------------------------------------------


class Indicator(PublicRecord):
    title = models.CharField(_("что измеряется"), max_length=300)
    title_en = models.CharField(_("что измеряется, по-английски"), max_length=300, blank=True)
    title_kk = models.CharField(_("что измеряется, по-казахски"), max_length=300, blank=True)
    value = models.DecimalField(_("значение"), max_digits=14, decimal_places=2, null=True, blank=True)
    is_approximate = models.BooleanField(
        _("приблизительно"), default=False, help_text=_("«порядка», «около».")
    )
    unit = models.CharField(_("единица"), max_length=50, blank=True)
    unit_en, unit_kk = translated_copies(models.CharField, _("единица"), max_length=50)
    statement = models.TextField(
        _("качественная оценка"),
        blank=True,
        help_text=_("Если числа нет: например «один из лидеров»."),
    )
    statement_en, statement_kk = translated_copies(models.TextField, _("качественная оценка"))
    as_of = models.DateField(_("на дату"))
    countries = models.ManyToManyField(
        Country, blank=True, related_name="indicators", verbose_name=_("страны")
    )
    regions = models.ManyToManyField(Region, blank=True, related_name="indicators", verbose_name=_("регионы"))
    institution_kinds = models.CharField(
        _("виды учреждений"),
        max_length=200,
        blank=True,
        help_text=_("Коды видов через точку с запятой: university; college; technikum."),
    )
    history = history_with_m2m("countries", "regions")

    class Meta:
        ordering = ["-as_of", "title"]
        verbose_name = _("показатель")
        verbose_name_plural = _("показатели")
        permissions = io_permissions("indicator", _("показатели"))
        constraints = [
            models.CheckConstraint(
                condition=Q(value__isnull=False) | ~Q(statement=""),
                name="registry_indicator_value_or_statement",
            )
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        return self.translated("title")

    @property
    def kind_list(self):
        return [part.strip() for part in self.institution_kinds.split(";") if part.strip()]

    def clean(self):
        super().clean()
        if self.value is None and not self.statement.strip():
            raise ValidationError(_("Укажите число или качественную оценку."))
        unknown = set(self.kind_list) - set(Institution.Kind.values)
        if unknown:
            raise ValidationError(
                {"institution_kinds": _("Неизвестные виды учреждений: %s") % ", ".join(sorted(unknown))}
            )

    def search_parts(self):
        return [self.title, self.title_en]

    def search_details(self):
        return [self.slug, self.statement, self.unit]


CITED_MODELS = ("institution", "branch", "agreement", "programme", "indicator")


def quote_anchor(quote):
    """Return the id the source page gives a quote's highlight, derived from its words alone."""
    return "quote-" + hashlib.sha256(quote.encode()).hexdigest()[:12]


class Citation(Keyed, Searchable, Timestamped):
    """A verbatim quote from a source, backing one record."""

    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, related_name="citations", verbose_name=_("источник")
    )
    quote = models.TextField(_("цитата"), help_text=_("Дословно, как в источнике."))
    note = models.TextField(_("примечание"), blank=True)
    note_en, note_kk = translated_copies(models.TextField, _("примечание"))
    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, null=True, blank=True, related_name="citations"
    )
    branch = models.ForeignKey(
        Branch, on_delete=models.CASCADE, null=True, blank=True, related_name="citations"
    )
    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, null=True, blank=True, related_name="citations"
    )
    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, null=True, blank=True, related_name="citations"
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, null=True, blank=True, related_name="citations"
    )
    history = HistoricalRecords()

    objects = UidManager.from_queryset(CitationQuerySet)()

    class Meta:
        ordering = ["id"]
        verbose_name = _("цитата")
        verbose_name_plural = _("цитаты")
        permissions = io_permissions("citation", _("цитаты"))
        constraints = [
            # Exactly one of the cited records is set.
            models.CheckConstraint(
                condition=Q(
                    *[
                        Q(**{f"{name}__isnull": name != chosen for name in CITED_MODELS})
                        for chosen in CITED_MODELS
                    ],
                    _connector=Q.OR,
                ),
                name="registry_citation_cites_one_record",
            )
        ]

    def __str__(self):
        return f"«{self.quote[:80]}»"

    def search_details(self):
        return [self.quote, self.note]

    @property
    def anchor(self):
        """The id of this quote's highlight on the source's page: the same for the same words."""
        return quote_anchor(self.quote)

    @property
    def cited_record(self):
        return next((getattr(self, name) for name in CITED_MODELS if getattr(self, f"{name}_id")), None)

    def cited_names(self):
        """Return the names of the records this quote is attached to, saved or not yet saved.

        A quote added in the same admin form as its new record is attached to a record that has
        no id yet: the relation is set, its id is not.
        """
        names = []
        for name in CITED_MODELS:
            field = self._meta.get_field(name)
            if getattr(self, field.attname) is not None or (
                field.is_cached(self) and field.get_cached_value(self) is not None
            ):
                names.append(name)
        return names

    def clean(self):
        super().clean()
        if len(self.cited_names()) != 1:
            raise ValidationError(_("Цитата должна относиться ровно к одной записи."))
        self.check_quote_is_verbatim()

    def check_quote_is_verbatim(self):
        """Refuse a quote that its source's full text does not contain word for word."""
        text = self.source.text if self.source_id else ""
        if text and self.quote and " ".join(self.quote.split()) not in " ".join(text.split()):
            raise ValidationError(
                {"quote": _("Цитата не найдена дословно в полном тексте источника «%s».") % self.source.title}
            )


class SlugRedirect(models.Model):
    """A record's former code: old links and spreadsheets still find the record after a rename."""

    model = models.CharField(_("раздел"), max_length=100, help_text=_("Например registry.institution."))
    old_slug = models.SlugField(_("прежний код"), max_length=100)
    record_id = models.PositiveBigIntegerField(_("запись"))
    created_at = models.DateTimeField(_("когда переименовано"), default=timezone.now)

    class Meta:
        ordering = ["model", "old_slug"]
        verbose_name = _("прежний код записи")
        verbose_name_plural = _("прежние коды записей")
        constraints = [
            models.UniqueConstraint(
                fields=["model", "old_slug"], name="registry_slugredirect_unique_old_slug"
            )
        ]

    def __str__(self):
        return f"{self.model}: {self.old_slug}"


class InstitutionMerge(models.Model):
    """Two records of one institution made one (registry/duplicates.py), kept so it can be undone."""

    created_at = models.DateTimeField(_("когда"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        "auth.User", on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("кто")
    )
    kept = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="merges", verbose_name=_("оставлена запись")
    )
    dropped_slug = models.CharField(_("код объединённой записи"), max_length=100)
    dropped_name = models.CharField(_("объединённая запись"), max_length=500)
    #: The merged-away record's field values, the kept record's values before the merge, and the
    #: rows that were moved from one to the other: what a revert puts back.
    dropped_values = models.JSONField(encoder=DjangoJSONEncoder)
    kept_values = models.JSONField(encoder=DjangoJSONEncoder)
    moved = models.JSONField(default=dict)
    reverted_at = models.DateTimeField(_("отменено"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("слияние учреждений")
        verbose_name_plural = _("слияния учреждений")

    def __str__(self):
        return f"{self.dropped_name} → {self.kept}"


class ImportRecord(models.Model):
    """One completed import: who brought which file in, and what it changed."""

    class Via(models.TextChoices):
        ADMIN = "admin", _("админка")
        COMMAND = "command", _("командная строка")

    created_at = models.DateTimeField(_("когда"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        "auth.User", on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("кто")
    )
    model = models.CharField(_("раздел"), max_length=100)
    file_name = models.CharField(_("файл"), max_length=255)
    file_format = models.CharField(_("формат"), max_length=100)
    via = ChoiceField(_("откуда"), max_length=10, choices=Via.choices)
    new = models.PositiveIntegerField(_("новых"), default=0)
    updated = models.PositiveIntegerField(_("изменённых"), default=0)
    unchanged = models.PositiveIntegerField(_("без изменений"), default=0)
    deleted = models.PositiveIntegerField(_("удалённых"), default=0)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("журнал импорта")
        verbose_name_plural = _("журнал импорта")

    def __str__(self):
        return f"{self.file_name} ({timezone.localtime(self.created_at):%d.%m.%Y %H:%M})"


class PendingImport(models.Model):
    """What an import preview parsed, kept until the clerk confirms it: in the database, so the
    confirmation finds it on whichever worker or host it reaches. `clean_import_uploads` deletes
    those never confirmed."""

    name = models.CharField(max_length=64, unique=True)
    data = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("ожидающий импорт")
        verbose_name_plural = _("ожидающие импорты")

    def __str__(self):
        return self.name
