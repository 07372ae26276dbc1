"""Widgets and fields: how one cell becomes a value and back.

Dates as ДД.ММ.ГГГГ or ISO, да/нет, choices by code or by label, and lookups that make an unknown
value a row error instead of a silent None or a dropped many-to-many value.
"""

import datetime
import difflib
import re
from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist
from django.utils import translation
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from import_export import fields, widgets

from ..slugs import resolve_slug

TRUE_WORDS = {"да", "yes", "true", "1", "истина", "y", "д"}
FALSE_WORDS = {"нет", "no", "false", "0", "ложь", "n", "н"}
DATE_FORMATS = ["%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y"]
#: `2025-12-31 00:00:00` is how a date cell reaches a CSV from some programs: a date at midnight.
DATETIME_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M"]


def is_blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


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

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        language = translation.get_language()
        if getattr(self, "_words_language", None) != language:
            self._words = {True: _("да"), False: _("нет")}
            self._words_language = language
        return self._words[bool(value)]


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
        if value is None:
            return ""
        if kwargs.get("force_native_type"):
            return value
        return value.strftime("%d.%m.%Y")


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
        if value is None:
            return ""
        if self.kind is not int and value == value.to_integral_value():
            value = int(value)
        return value if kwargs.get("force_native_type") else str(value)


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

    def render(self, value, obj=None, **kwargs):
        if not value:
            return ""
        # Labels in the active language, looked up once per export rather than once per cell.
        language = translation.get_language()
        if getattr(self, "_labels_language", None) != language:
            self._labels = {code: force_str(label) for code, label in self.choices}
            self._labels_language = language
        return self._labels[value]


def fold(text):
    """Return text as names are compared: case, ё/е and runs of spaces folded."""
    return re.sub(r"\s+", " ", str(text)).strip().casefold().replace("ё", "е")


#: Fields that hold a record's names, where a model has them; acronyms and aliases hold several.
NAME_FIELDS = ("name", "name_ru", "name_en", "name_kk", "title", "title_en")
LIST_NAME_FIELDS = {"acronyms": ";", "aliases": "\n"}


class References:
    """The records of one model as a clerk refers to them: by natural key (`msu`, `KZ`, `0713`),
    read once per import; and, when a key is unknown, the records the clerk probably meant.

    `suggest` is the one place where a name is matched to records: the name-matching work
    (registry/search.py) plugs in there, and every reference column and party cell follows.
    """

    def __init__(self, model, field):
        self.model = model
        self.field = field
        self._by_key = None
        self._by_name = None

    def by_key(self):
        if self._by_key is None:
            self._by_key = {str(getattr(obj, self.field)): obj for obj in self.model.objects.all()}
        return self._by_key

    def get(self, key):
        key = str(key).strip()
        found = self.by_key().get(key)
        if found is None and self.field == "slug":
            # A record renamed since the file was made answers to its former code.
            found = self.by_key().get(resolve_slug(self.model, key))
        return found

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
        """Return the records the clerk probably meant by an unknown `text`: those named so, else
        those whose key or name is close to it."""
        found = self.named(text)
        if found:
            return found[:limit]
        wanted = fold(text)
        candidates = {}
        for key, obj in self.by_key().items():
            for name in [fold(key), *self.names(obj)]:
                candidates.setdefault(name, obj)
        close = difflib.get_close_matches(wanted, list(candidates), n=limit, cutoff=0.75)
        return list(dict.fromkeys(candidates[name] for name in close))

    def describe(self, obj):
        name = next((getattr(obj, n) for n in NAME_FIELDS if getattr(obj, n, "")), "")
        key = getattr(obj, self.field)
        return f"{key} ({name})" if name and name != key else str(key)

    def not_found(self, text):
        """Return the error for an unknown key, with what the clerk probably meant."""
        message = _("«%(value)s» не найдено: нет такой записи «%(model)s».") % {
            "value": text,
            "model": self.model._meta.verbose_name,
        }
        suggestions = self.suggest(text)
        if suggestions:
            message += " " + _("Возможно: %s.") % "; ".join(self.describe(obj) for obj in suggestions)
        return ValueError(message)


class LookupWidget(widgets.ForeignKeyWidget):
    """A related record by its natural key, from a table read once per import.

    The library's CachedForeignKeyWidget builds a namedtuple class on every lookup, which costs
    more than the query it saves on a 10 000-row file ("import 10 000 institutions" in
    `make bench`); a dict keyed by the value does not.
    """

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not hasattr(self, "references"):
            self.references = References(self.model, self.field)
        found = self.references.get(value)
        if found is None:
            raise self.references.not_found(value)
        return found


class RegionWidget(widgets.Widget):
    """A region written as "KZ: Алматы" (country code, colon, name)."""

    def regions(self):
        if not hasattr(self, "_cache"):
            from ..models import Region

            self._cache = {
                (region.country.code, region.name.casefold()): region
                for region in Region.objects.select_related("country")
            }
        return self._cache

    def find(self, text):
        code, sep, name = text.partition(":")
        region = self.regions().get((code.strip().upper(), name.strip().casefold())) if sep else None
        if region is None:
            raise ValueError(
                _("Регион «%s» не найден. Пишите код страны, двоеточие и название: KZ: Алматы.") % text
            )
        return region

    def clean(self, value, row=None, **kwargs):
        regions = [self.find(item) for item in split_list(value)]
        if len(regions) > 1:
            raise ValueError(_("Здесь нужен один регион, а указано несколько."))
        return regions[0] if regions else None

    def render(self, value, obj=None, **kwargs):
        return f"{value.country.code}: {value.name}" if value else ""


class RegionListWidget(widgets.ManyToManyWidget):
    """Several regions, each as "KZ: Алматы", separated by `;`."""

    def __init__(self, **kwargs):
        from ..models import Region

        self.single = RegionWidget()
        super().__init__(Region, separator="; ", field="name", **kwargs)

    def clean(self, value, row=None, **kwargs):
        return [self.single.find(item) for item in split_list(value)]

    def render(self, value, obj=None, **kwargs):
        return "; ".join(self.single.render(region) for region in value.all()) if value is not None else ""


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
        if not hasattr(self, "references"):  # one per import: the resource copies its fields
            self.references = References(self.model, self.field)
        references = self.references
        for item in wanted:
            if references.get(item) is None:
                raise references.not_found(item)
        return [references.get(item) for item in dict.fromkeys(wanted)]

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return "; ".join(str(getattr(related, self.field)) for related in value.all())


class Field(fields.Field):
    """A resource column whose header is translated and whose lookups fail as row errors."""

    def clean(self, row, **kwargs):
        try:
            return super().clean(row, **kwargs)
        except ObjectDoesNotExist:
            raise ValueError(_("«%s» не найдено.") % row.get(self.column_name)) from None
