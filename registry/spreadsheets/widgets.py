"""Widgets and fields: how one cell becomes a value and back.

Dates as ДД.ММ.ГГГГ or ISO, да/нет, choices by code or by label, and lookups that make an unknown
value a row error instead of a silent None or a dropped many-to-many value.
"""

import datetime
import re
from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist
from django.utils import translation
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from import_export import fields, widgets

TRUE_WORDS = {"да", "yes", "true", "1", "истина", "y", "д"}
FALSE_WORDS = {"нет", "no", "false", "0", "ложь", "n", "н"}
DATE_FORMATS = ["%d.%m.%Y", "%Y-%m-%d", "%d.%m.%y", "%d/%m/%Y"]


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
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = str(value).strip()
        for date_format in DATE_FORMATS:
            try:
                return datetime.datetime.strptime(text, date_format).date()
            except ValueError:
                continue
        raise ValueError(_("«%s» — не дата. Пишите ДД.ММ.ГГГГ, например 31.12.2025.") % value)

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
    """A choice by its code or by its label in Russian or English; anything else is an error."""

    def __init__(self, choices, **kwargs):
        self.choices = choices
        super().__init__(**kwargs)

    def _lookup(self):
        lookup = {}
        for language in ("ru", "en"):
            with translation.override(language):
                for code, label in self.choices.choices:
                    lookup[force_str(label).casefold()] = code
        lookup.update({code.casefold(): code for code in self.choices.values})
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
        return ", ".join(force_str(label) for label in self.choices.labels)

    def render(self, value, obj=None, **kwargs):
        if not value:
            return ""
        # Labels in the active language, looked up once per export rather than once per cell.
        language = translation.get_language()
        if getattr(self, "_labels_language", None) != language:
            self._labels = {code: force_str(label) for code, label in self.choices.choices}
            self._labels_language = language
        return self._labels[value]


class LookupWidget(widgets.ForeignKeyWidget):
    """A related record by its natural key, from a table read once per import.

    The library's CachedForeignKeyWidget builds a namedtuple class on every lookup, which costs
    more than the query it saves on a 10 000-row file; a dict keyed by the value does not.
    """

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not hasattr(self, "_cache"):
            self._cache = {str(getattr(obj, self.field)): obj for obj in self.model.objects.all()}
        try:
            return self._cache[str(value).strip()]
        except KeyError:
            raise ValueError(
                _("«%(value)s» не найдено: нет такой записи «%(model)s».")
                % {"value": value, "model": self.model._meta.verbose_name}
            ) from None


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
        found = {
            str(getattr(obj, self.field)): obj
            for obj in self.model.objects.filter(**{f"{self.field}__in": wanted})
        }
        missing = [item for item in wanted if item not in found]
        if missing:
            raise ValueError(
                _("Не найдено: %(values)s (%(model)s).")
                % {"values": ", ".join(missing), "model": self.model._meta.verbose_name_plural}
            )
        return [found[item] for item in dict.fromkeys(wanted)]

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
