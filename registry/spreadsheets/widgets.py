"""Widgets and fields: how one cell becomes a value and back.

Dates as ДД.ММ.ГГГГ or ISO, да/нет, choices by code or by label, and lookups that make an unknown
value a row error instead of a silent None or a dropped many-to-many value.
"""

import datetime
import difflib
import functools
import re
from collections.abc import Callable
from decimal import Decimal
from typing import NamedTuple

from django.core.exceptions import ObjectDoesNotExist
from django.utils import translation
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from import_export import fields, widgets

from ..matching import match, record_code
from ..models import Region
from ..slugs import resolve_slug
from .formulas import needs_guard

TRUE_WORDS = {"да", "yes", "true", "1", "истина", "y", "д"}
FALSE_WORDS = {"нет", "no", "false", "0", "ложь", "n", "н"}
DATE_FORMATS = ["%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y"]
#: `2025-12-31 00:00:00` is how a date cell reaches a CSV from some programs: a date at midnight.
DATETIME_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M"]


def is_blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


class Cells(NamedTuple):
    """How an export reads a column from `values_list` instead of from records (see `exports`).

    `paths` are the value lookups (`country__code`); `render` makes the cell from their values,
    one argument each, as the widget's `render` makes it from the record (None: the value is the
    cell). A column with `many` reads `paths` off the records of that relation instead, in one
    query per chunk of rows, and `render` gets a list of the values of each related record.
    `text` says the cell may need the formula guard (`formulas`): any text may; a number, a date
    or a label that does not need it never does.
    """

    paths: tuple
    render: Callable | None = None
    many: str = ""
    text: bool = True


def blank_if_none(value):
    return "" if value is None else value


def date_text(value):
    return "" if value is None else value.strftime("%d.%m.%Y")


#: Invisible control characters (a tab and line breaks aside), which text pasted from a PDF or
#: another program brings along: a page shows them as boxes, and XLSX cannot hold them.
CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class TextWidget(widgets.CharWidget):
    """Text as stored; a missing value as an empty cell. A text with an invisible control
    character is refused, not stored with it nor silently without it."""

    def __init__(self, null=False, **kwargs):
        self.null = null
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        text = super().clean(value, row, **kwargs)
        found = CONTROL_CHARACTER.search(text) if isinstance(text, str) else None
        if found:
            raise ValueError(
                _("В тексте невидимый управляющий символ U+%(code)04X (после «%(before)s»): удалите его.")
                % {"code": ord(found.group()), "before": text[max(0, found.start() - 20) : found.start()]}
            )
        return text

    def export_cells(self, attribute, force_native_type=False):
        # A text field that is never null already holds its cell.
        return Cells((attribute,), blank_if_none if self.null else None)


class YesNoWidget(widgets.BooleanWidget):
    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        if is_blank(value):
            raise ValueError(_("Пустая ячейка: напишите «да» или «нет»."))
        word = str(value).strip().casefold()
        if isinstance(value, (int, float, Decimal)) and value in (0, 1):
            word = str(int(value))
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValueError(_("«%s» — не да/нет.") % value)

    def words(self):
        """Return {stored value: cell} in the active language, translated once per language."""
        language = translation.get_language()
        if getattr(self, "_words_language", None) != language:
            self._words = {True: _("да"), False: _("нет"), None: ""}
            self._words_language = language
        return self._words

    def render(self, value, obj=None, **kwargs):
        return self.words()[None if value is None else bool(value)]

    def export_cells(self, attribute, force_native_type=False):
        words = self.words()
        return Cells((attribute,), words.__getitem__, text=any(map(needs_guard, words.values())))


class DateWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        if isinstance(value, datetime.datetime):
            return self.midnight(value, value)
        if isinstance(value, datetime.date):
            return value
        text = str(value).strip()
        parsed = None
        for date_format in DATE_FORMATS + DATETIME_FORMATS:
            try:
                parsed = datetime.datetime.strptime(text, date_format)
                break
            except ValueError:
                continue
        if parsed is not None and parsed.year >= 1000 and re.search(r"\d{4}", text):
            return self.midnight(parsed, value)
        if parsed is not None or re.fullmatch(r"\d{1,2}[./]\d{1,2}[./]\d{2}", text):
            # 01.09.55: 1955 or 2055? Not ours to guess.
            raise ValueError(
                _("«%s»: год из двух цифр неоднозначен. Пишите год полностью: ДД.ММ.ГГГГ.") % value
            )
        raise ValueError(_("«%s» — не дата. Пишите ДД.ММ.ГГГГ, например 31.12.2025.") % value)

    @staticmethod
    def midnight(moment, value):
        if moment.time() != datetime.time(0):
            raise ValueError(_("«%s» — дата со временем, а нужна только дата.") % value)
        return moment.date()

    def render(self, value, obj=None, **kwargs):
        return (blank_if_none if kwargs.get("force_native_type") else date_text)(value)

    def export_cells(self, attribute, force_native_type=False):
        return Cells((attribute,), blank_if_none if force_native_type else date_text, text=False)


class NumberWidget(widgets.Widget):
    """Integers and decimals that accept a Russian decimal comma and spaces between thousands."""

    def __init__(self, kind=int, **kwargs):
        self.kind = kind
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        if isinstance(value, bool):
            raise ValueError(_("«%s» — не число.") % value)
        if isinstance(value, (int, float, Decimal)):
            number = Decimal(str(value))
        else:
            text = re.sub(r"[\s\u00a0]", "", str(value)).replace(",", ".")
            try:
                number = Decimal(text)
            except ArithmeticError:
                raise ValueError(_("«%s» — не число.") % value) from None
        if self.kind is int:
            if number != number.to_integral_value():
                raise ValueError(_("«%s» — нужно целое число.") % value)
            return int(number)
        return number

    def render(self, value, obj=None, **kwargs):
        return self.cell_maker(kwargs.get("force_native_type"))(value)

    def cell_maker(self, force_native_type):
        """Return the function that makes a cell of a stored number: a whole decimal as an
        integer, text unless the format keeps numbers native, an empty cell for none."""
        if self.kind is int:
            if force_native_type:
                return blank_if_none
            return lambda value: "" if value is None else str(value)

        def cell(value):
            if value is None:
                return ""
            if value == value.to_integral_value():
                value = int(value)
            return value if force_native_type else str(value)

        return cell

    def export_cells(self, attribute, force_native_type=False):
        return Cells((attribute,), self.cell_maker(force_native_type), text=False)


class ChoiceWidget(widgets.Widget):
    """A choice by its code or by its label in Russian or English; anything else is an error.

    `choices` is a model field's choices: (code, label) pairs or a TextChoices class.
    """

    def __init__(self, choices, **kwargs):
        self.choices = list(getattr(choices, "choices", choices))
        super().__init__(**kwargs)

    def _lookup(self):
        lookup = {}
        for language in ("ru", "en"):
            with translation.override(language):
                for code, label in self.choices:
                    lookup[force_str(label).casefold()] = code
        lookup.update({code.casefold(): code for code, _label in self.choices})
        return lookup

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            raise ValueError(_("Пустая ячейка: выберите одно из значений: %s.") % self.allowed())
        if not hasattr(self, "_cache"):
            self._cache = self._lookup()
        code = self._cache.get(str(value).strip().casefold())
        if code is None:
            raise ValueError(
                _("«%(value)s» — неизвестное значение. Допустимо: %(allowed)s.")
                % {"value": value, "allowed": self.allowed()}
            )
        return code

    def allowed(self):
        return ", ".join(force_str(label) for _code, label in self.choices)

    def labels(self):
        """Return {code: cell} in the active language (an empty cell for no code), translated
        once per language rather than once per cell."""
        language = translation.get_language()
        if getattr(self, "_labels_language", None) != language:
            self._labels = {code: force_str(label) for code, label in self.choices} | {"": "", None: ""}
            self._labels_language = language
        return self._labels

    def render(self, value, obj=None, **kwargs):
        return self.labels()[value] if value else ""

    def export_cells(self, attribute, force_native_type=False):
        labels = self.labels()
        return Cells((attribute,), labels.__getitem__, text=any(map(needs_guard, labels.values())))


def fold(text):
    """Return text as names are compared: case, ё/е and runs of spaces folded."""
    return re.sub(r"\s+", " ", str(text)).strip().casefold().replace("ё", "е")


#: Fields that hold a record's names, where a model has them; acronyms and aliases hold several.
NAME_FIELDS = ("name", "name_ru", "name_en", "name_kk", "title", "title_en")
LIST_NAME_FIELDS = {"acronyms": ";", "aliases": "\n"}


class References:
    """The records of one model as a clerk refers to them, looked up once per import.

    A cell may hold the record's natural key (`msu`, `KZ`, `0713`, `KZ: Алматы`) — the fast path,
    a dict read once per import — or, when it is not a key, a former code, a ROR id, a Wikidata id
    or any name or acronym, matched by `registry.matching.match` once per distinct cell text.
    Exactly one match is used and remembered in `read_as`, which the preview lists; several, or
    none, is the row's error (`find`).
    """

    def __init__(self, model, field=None):
        self.model = model
        self.field = field
        self._by_key = None
        self._by_name = None
        self._matches = {}
        #: Cell text read by name or identifier → its record, in the order first met.
        self.read_as = {}

    def key(self, text):
        """Return the form a key is compared in: as written, or for a region "KZ:алматы"."""
        text = str(text).strip()
        if self.model is Region:  # country code, colon, name
            code, sep, name = text.partition(":")
            return f"{code.strip().upper()}:{fold(name)}" if sep else None
        return text

    def by_key(self):
        if self._by_key is None:
            records = self.model._default_manager.all()
            if self.model is Region:
                records = records.select_related("country")
            self._by_key = {self.key(record_code(obj)): obj for obj in records}
        return self._by_key

    def get(self, key):
        """Return the record whose natural key (or former code) is exactly `key`, or None."""
        found = self.by_key().get(self.key(key))
        if found is None and self.field == "slug":
            # A record renamed since the file was made answers to its former code.
            found = self.by_key().get(resolve_slug(self.model, str(key).strip()))
        return found

    def find(self, text):
        """Return the one record `text` names: by key, else by any name or identifier.

        Raise a ValueError listing the candidates (with their codes) when it names several, or
        the nearest names when it names none.
        """
        found = self.get(text)
        if found is not None:
            return found
        text = str(text).strip()
        result = self.match(text)
        if result.record is None:
            raise self.not_found(text, result)
        self.read_as[text] = result.record
        return result.record

    def match(self, text):
        if text not in self._matches:
            self._matches[text] = match(self.model, text)
        return self._matches[text]

    def names(self, obj):
        """Return the folded names a clerk may write for a record instead of its key."""
        names = [fold(getattr(obj, name)) for name in NAME_FIELDS if getattr(obj, name, "")]
        for name, separator in LIST_NAME_FIELDS.items():
            names += [fold(part) for part in (getattr(obj, name, "") or "").split(separator) if part.strip()]
        return names

    def named(self, text):
        """Return the records one of whose names is exactly `text` (case and ё/е aside)."""
        if self._by_name is None:
            # Indexed once per import: every group party of "admin import agreements with
            # parties" in `make bench` asks.
            self._by_name = {}
            for obj in self.by_key().values():
                for name in dict.fromkeys(self.names(obj)):
                    self._by_name.setdefault(name, []).append(obj)
        return self._by_name.get(fold(text), [])

    def suggest(self, text, limit=3):
        """Return the records the clerk probably meant by an unknown `text`: the nearest names,
        then the records whose key is close to it (`KZZ` → `KZ`)."""
        found = [candidate.record for candidate in self.match(str(text).strip()).candidates]
        keys = {str(record_code(obj)): obj for obj in self.by_key().values()}
        close = difflib.get_close_matches(str(text).strip(), list(keys), n=limit, cutoff=0.6)
        return list(dict.fromkeys([*found, *(keys[key] for key in close)]))[:limit]

    def describe(self, obj):
        """Return a record as the clerk should write it, with its name: `msu (Московский …)`."""
        name = next((getattr(obj, n) for n in NAME_FIELDS if getattr(obj, n, "")), "")
        key = record_code(obj)
        return f"{key} ({name})" if name and name not in key else str(key)

    def not_found(self, text, result=None):
        """Return the error for a text that names no record, or several."""
        result = result or self.match(str(text).strip())
        if len(result.exact) > 1:
            return ValueError(
                _("«%(text)s» подходит к нескольким записям: %(list)s. Укажите код.")
                % {"text": text, "list": "; ".join(self.describe(c.record) for c in result.exact)}
            )
        message = _("«%(value)s» не найдено: нет такой записи «%(model)s».") % {
            "value": text,
            "model": self.model._meta.verbose_name,
        }
        suggestions = self.suggest(text)
        if suggestions:
            message += " " + _("Возможно: %s.") % "; ".join(self.describe(obj) for obj in suggestions)
        return ValueError(message)


class LookupWidget(widgets.ForeignKeyWidget):
    """A related record by its natural key, from a table read once per import, or by any name or
    identifier (`References.find`).

    The library's CachedForeignKeyWidget builds a namedtuple class on every lookup, which costs
    more than the query it saves on a 10 000-row file ("import 10 000 institutions" in
    `make bench`); a dict keyed by the value does not.
    """

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return self.references.find(value)

    @functools.cached_property
    def references(self):  # one per import: the resource copies its fields
        return References(self.model, self.field)

    def references_used(self):
        return [self.references]

    def export_cells(self, attribute, force_native_type=False):
        # The cell is the related record's natural key, as render() reads it off the record.
        return Cells((f"{attribute}__{self.field}",), blank_if_none)


class RegionWidget(widgets.Widget):
    """A region written as "KZ: Алматы" (country code, colon, name), or by its name alone."""

    @functools.cached_property
    def references(self):
        return References(Region)

    def references_used(self):
        return [self.references]

    def find(self, text):
        try:
            return self.references.find(text)
        except ValueError as error:
            if ":" in text:
                raise
            raise ValueError(
                f"{error} " + _("Пишите код страны, двоеточие и название региона: KZ: Алматы.")
            ) from None

    def clean(self, value, row=None, **kwargs):
        regions = [self.find(item) for item in split_list(value)]
        if len(regions) > 1:
            raise ValueError(_("Здесь нужен один регион, а указано несколько."))
        return regions[0] if regions else None

    @staticmethod
    def label(country_code, name):
        return f"{country_code}: {name}"

    def render(self, value, obj=None, **kwargs):
        return self.label(value.country.code, value.name) if value else ""

    def export_cells(self, attribute, force_native_type=False):
        label = self.label
        return Cells(
            (f"{attribute}__country__code", f"{attribute}__name"),
            lambda code, name: "" if code is None else label(code, name),
        )


class RegionListWidget(widgets.ManyToManyWidget):
    """Several regions, each as "KZ: Алматы" or by name, separated by `;`."""

    def __init__(self, **kwargs):
        self.single = RegionWidget()
        super().__init__(Region, separator="; ", field="name", **kwargs)

    def references_used(self):
        return self.single.references_used()

    def clean(self, value, row=None, **kwargs):
        return [self.single.find(item) for item in split_list(value)]

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return self.separator.join(self.single.render(region) for region in value.all())

    def export_cells(self, attribute, force_native_type=False):
        label, separator = self.single.label, self.separator
        return Cells(
            ("country__code", "name"),
            lambda regions: separator.join(label(code, name) for code, name in regions),
            many=attribute,
        )


def split_list(value):
    """Split a many-values cell on `;`, `|` or line breaks (a comma may be part of a name)."""
    if is_blank(value):
        return []
    if isinstance(value, (int, float)):
        value = str(int(value)) if float(value).is_integer() else str(value)
    return [item.strip() for item in re.split(r"[;|\n]", str(value)) if item.strip()]


class ManyWidget(widgets.ManyToManyWidget):
    """Many related records by natural key; an unknown one is an error, never silently dropped."""

    def __init__(self, model, field, **kwargs):
        super().__init__(model, separator="; ", field=field, **kwargs)

    def clean(self, value, row=None, **kwargs):
        wanted = split_list(value)
        if self.field == "code" and self.model._meta.model_name == "fieldofstudy":
            # Excel turns 0713 into the number 713.
            wanted = [item.zfill(4) if item.isdigit() else item for item in wanted]
        return list(dict.fromkeys(self.references.find(item) for item in wanted))

    @functools.cached_property
    def references(self):  # one per import: the resource copies its fields
        return References(self.model, self.field)

    def references_used(self):
        return [self.references]

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return self.separator.join(str(getattr(related, self.field)) for related in value.all())

    def export_cells(self, attribute, force_native_type=False):
        separator = self.separator
        return Cells((self.field,), lambda keys: separator.join(str(key) for (key,) in keys), many=attribute)


class PendingRecords(list):
    """Related records an import is about to write, read by the widgets as the relation they will
    fill (`.all()`) and in the order it will list them (its model's `Meta.ordering`), so that the
    preview shows them as they will read once written, and an unchanged set as unchanged."""

    def __init__(self, records):
        records = list(records)
        ordering = records[0]._meta.ordering if records else []
        super().__init__(sorted(records, key=lambda record: [path_value(record, name) for name in ordering]))

    def all(self):
        return self


def path_value(record, path):
    """Return the value at an ordering path such as `country__code` (the related models' orderings
    are all ascending)."""
    for name in path.split("__"):
        record = getattr(record, name)
    return record


class Field(fields.Field):
    """A resource column whose header is translated and whose lookups fail as row errors."""

    def export_cells(self, force_native_type=False):
        """Return how an export reads this column as values (`Cells`), or None when only the
        record will do: a widget that cannot say, or a subclass reading the record its own way."""
        own = getattr(self.widget, "export_cells", None)
        if own is None or self.attribute is None:
            return None
        if type(self).get_value is not Field.get_value or type(self).export is not Field.export:
            return None
        return own(self.attribute, force_native_type)

    def clean(self, row, **kwargs):
        try:
            return super().clean(row, **kwargs)
        except ObjectDoesNotExist:
            raise ValueError(_("«%s» не найдено.") % row.get(self.column_name)) from None

    def get_value(self, instance):
        # A many-to-many column's values wait on the record until its batch is written (the
        # resource's save_m2m); until then, they are the column's value, for the preview's diff.
        pending = instance.__dict__.get("_pending_m2m", {})
        if self.attribute in pending:
            return PendingRecords(pending[self.attribute])
        return super().get_value(instance)
