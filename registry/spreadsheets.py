"""The thin layer django-import-export lacks for Russian-speaking staff and their spreadsheets.

Each piece names the gap it fills:
- formats: CSV in Windows-1251 or UTF-8 (with or without BOM) and with `;`, `,` or tab, as
  Russian-locale Excel writes it (the library reads utf-8-sig and `,` only); CSV written with a BOM
  so Excel shows Cyrillic; every exported cell that a spreadsheet would run as a formula neutralised
  (the library strips a leading `=` only).
- widgets: dates as ДД.ММ.ГГГГ or ISO, да/нет, choices by code or by label, and lookups that make
  an unknown value a row error instead of a silent None or a dropped many-to-many value.
- headers: a file with Russian or English column headers is read whatever the UI language is.
"""

import csv
import datetime
import io
import json
import re
from decimal import Decimal

import tablib
from django.core.exceptions import ObjectDoesNotExist
from django.utils import translation
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from import_export import fields, widgets
from import_export.formats import base_formats

from .slugs import resolve_slug

# --- formats ----------------------------------------------------------------------------------

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_TRIGGER_SET = frozenset(FORMULA_TRIGGERS)
CSV_DELIMITERS = [";", ",", "\t"]
CSV_ENCODINGS = [("utf-8-sig", "UTF-8"), ("cp1251", "Windows-1251")]


def neutralised_row(row):
    """Return the row so that no spreadsheet runs a cell: text that starts like a formula gets a
    leading quote. Numbers, dates and booleans stay native, so a negative number stays a number.
    """
    # The test is inlined: it runs for every cell of a 100 000-row export.
    return ["'" + cell if cell.__class__ is str and cell[:1] in _TRIGGER_SET else cell for cell in row]


def neutralised(dataset):
    safe = tablib.Dataset(headers=dataset.headers)
    for row in dataset:
        safe.append(neutralised_row(row))
    return safe


def decode_text(data):
    """Return (text, encoding label) for bytes from UTF-8 (BOM or not) or Windows-1251."""
    if isinstance(data, str):
        return data, "UTF-8"
    for codec, label in CSV_ENCODINGS:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if codec == "utf-8-sig" and data.startswith(b"\xef\xbb\xbf"):
            label = "UTF-8 (BOM)"
        return text, label
    raise ValueError(_("Не удалось определить кодировку файла."))


def sniff_delimiter(text):
    header = text.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(header, delimiters="".join(CSV_DELIMITERS)).delimiter
    except csv.Error:
        return max(CSV_DELIMITERS, key=header.count)


def delimiter_name(delimiter):
    return {";": _("точка с запятой"), ",": _("запятая"), "\t": _("табуляция")}[delimiter]


PARSED_MARK = b"registry-parsed-dataset/1\n"


def dump_parsed(dataset):
    """Serialise a parsed dataset for the wait between preview and confirmation.

    The confirmation then reads this instead of parsing the spreadsheet a second time.
    """

    def encode(value):
        if isinstance(value, datetime.datetime):
            return {"datetime": value.isoformat()}
        if isinstance(value, datetime.date):
            return {"date": value.isoformat()}
        if isinstance(value, datetime.time):
            return {"time": value.isoformat()}
        return str(value)

    payload = {
        "headers": dataset.headers,
        "rows": [list(row) for row in dataset],
        "detected": getattr(dataset, "detected", ""),
    }
    return PARSED_MARK + json.dumps(payload, default=encode, ensure_ascii=False).encode("utf-8")


def load_parsed(data):
    def decode(obj):
        if "datetime" in obj:
            return datetime.datetime.fromisoformat(obj["datetime"])
        if "date" in obj:
            return datetime.date.fromisoformat(obj["date"])
        if "time" in obj:
            return datetime.time.fromisoformat(obj["time"])
        return obj

    payload = json.loads(data[len(PARSED_MARK) :].decode("utf-8"), object_hook=decode)
    dataset = tablib.Dataset(*[tuple(row) for row in payload["rows"]], headers=payload["headers"])
    dataset.detected = payload["detected"]
    return dataset


def is_parsed(data):
    return isinstance(data, bytes) and data.startswith(PARSED_MARK)


class SafeExportMixin:
    #: tells the admin to keep dates and numbers native in this format
    native_types = True

    def export_data(self, dataset, **kwargs):
        return super().export_data(neutralised(dataset), **kwargs)


def xlsx_bytes(dataset):
    """Write the dataset with openpyxl's write-only mode, neutralising formulae on the way.

    tablib builds a full in-memory workbook first; streaming rows keeps a 100 000-row export
    fast and small.
    """
    import openpyxl
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title=(dataset.title or "Sheet1")[:31])
    sheet.append(list(dataset.headers or []))
    for row in dataset:
        sheet.append(
            [
                ILLEGAL_CHARACTERS_RE.sub("\ufffd", cell) if isinstance(cell, str) else cell
                for cell in neutralised_row(row)
            ]
        )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


class CSV(base_formats.CSV):
    """CSV that detects its encoding and delimiter on import and is written UTF-8 with a BOM."""

    native_types = False

    def is_binary(self):
        # Read and written as bytes: this class decodes and encodes itself.
        return True

    def get_read_mode(self):
        return "rb"

    def first_rows(self, data, count):
        head = data[:65536]
        if len(data) > len(head) and b"\n" in head:
            # Cut at a line end: never inside a multi-byte UTF-8 letter.
            head = head[: head.rindex(b"\n")]
        text, _encoding = decode_text(head)
        lines = text.splitlines()[: count + 1]
        return [row for row in csv.reader(lines, delimiter=sniff_delimiter(text)) if row][:count]

    def create_dataset(self, in_stream, **kwargs):
        if is_parsed(in_stream):
            return load_parsed(in_stream)
        text, encoding = decode_text(in_stream)
        delimiter = sniff_delimiter(text)
        dataset = tablib.Dataset()
        dataset.load(text, format="csv", delimiter=delimiter)
        dataset.detected = _("CSV, кодировка %(encoding)s, разделитель — %(delimiter)s") % {
            "encoding": encoding,
            "delimiter": delimiter_name(delimiter),
        }
        return dataset

    def export_data(self, dataset, **kwargs):
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(dataset.headers or [])
        writer.writerows(map(neutralised_row, dataset))
        return out.getvalue().encode("utf-8-sig")


class XLSX(base_formats.XLSX):
    native_types = True

    def export_data(self, dataset, **kwargs):
        return xlsx_bytes(dataset)

    def first_rows(self, data, count):
        import openpyxl

        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            rows = workbook.active.iter_rows(values_only=True)
            found = []
            for row in rows:
                if any(cell not in (None, "") for cell in row) or not found:
                    found.append(row)
                if len(found) == count:
                    break
            return found
        finally:
            workbook.close()

    def create_dataset(self, in_stream, **kwargs):
        if is_parsed(in_stream):
            return load_parsed(in_stream)
        # Empty rows Excel leaves after the data are dropped by the library
        # (IMPORT_EXPORT_IMPORT_IGNORE_BLANK_LINES in settings).
        dataset = super().create_dataset(in_stream)
        dataset.detected = "XLSX"
        return dataset


class ODS(SafeExportMixin, base_formats.ODS):
    def create_dataset(self, in_stream, **kwargs):
        if is_parsed(in_stream):
            return load_parsed(in_stream)
        return super().create_dataset(in_stream, **kwargs)

    def is_binary(self):
        return True

    def get_read_mode(self):
        return "rb"


class JSON(base_formats.JSON):
    native_types = False

    def is_binary(self):
        return True

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        if is_parsed(in_stream):
            return load_parsed(in_stream)
        if isinstance(in_stream, bytes):
            in_stream = in_stream.decode("utf-8-sig")
        dataset = super().create_dataset(in_stream, **kwargs)
        dataset.detected = "JSON"
        return dataset

    def export_data(self, dataset, **kwargs):
        # JSON carries no formulae, but its cells often end up pasted into a spreadsheet.
        return super().export_data(neutralised(dataset), **kwargs)


FORMATS = [XLSX, CSV, JSON, ODS]
FORMATS_BY_NAME = {"xlsx": XLSX, "csv": CSV, "json": JSON, "ods": ODS}


def format_for(file_name):
    extension = file_name.rsplit(".", 1)[-1].lower()
    if extension not in FORMATS_BY_NAME:
        raise ValueError(_("Неизвестный формат файла «%s»: нужен XLSX, CSV, JSON или ODS.") % file_name)
    return FORMATS_BY_NAME[extension]()


# --- widgets ----------------------------------------------------------------------------------

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
        value = str(value).strip()
        if value not in self._cache and self.field == "slug":
            value = resolve_slug(self.model, value)  # a record renamed since the file was made
        try:
            return self._cache[value]
        except KeyError:
            raise ValueError(
                _("«%(value)s» не найдено: нет такой записи «%(model)s».")
                % {"value": value, "model": self.model._meta.verbose_name}
            ) from None


class RegionWidget(widgets.Widget):
    """A region written as "KZ: Алматы" (country code, colon, name)."""

    def regions(self):
        if not hasattr(self, "_cache"):
            from .models import Region

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
        from .models import Region

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


def header_aliases(resource):
    """Return {header as written in any UI language, or field name: the column's current header}."""
    aliases = {}
    current = {name: force_str(field.column_name) for name, field in resource.fields.items()}
    declared = type(resource).fields  # still lazy, so each language can be asked
    for language in ("ru", "en"):
        with translation.override(language):
            for name, field in declared.items():
                aliases[force_str(field.column_name).strip().casefold()] = current[name]
    for name in resource.fields:
        aliases.setdefault(name.casefold(), current[name])
    return aliases


def read_headers(file_format, data):
    """Return (header row, whether a data row follows); ValueError if the file is not that format.

    Reads only the start of the file where the format allows: the form checks a 10 000-row
    workbook without parsing it whole, which the preview then does once.
    """
    try:
        rows = file_format.first_rows(data, 2) if hasattr(file_format, "first_rows") else None
        if rows is None:
            dataset = file_format.create_dataset(data)
            rows = [dataset.headers or [], *dataset[:1]]
    except Exception as error:  # any parser failure means "not this format"
        raise ValueError(type(error).__name__) from error
    headers = [force_str(h) if h is not None else "" for h in (rows[0] if rows else [])]
    return headers, len(rows) > 1
