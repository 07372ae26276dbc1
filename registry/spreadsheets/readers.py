"""Reading spreadsheet files: text encodings, CSV delimiters, and the parsed rows kept between
preview and confirmation."""

import csv
import datetime
import json

import tablib
from django.utils.encoding import force_str
from django.utils.translation import gettext as _

CSV_DELIMITERS = [";", ",", "\t"]
CSV_ENCODINGS = [("utf-8-sig", "UTF-8"), ("cp1251", "Windows-1251")]


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
