"""Public list downloads: the public representation (registry.serializers) as CSV, XLSX or JSON.

JSON keeps the serializers' nesting. CSV and XLSX flatten each record to one row: a related
record gives its name in one column and its code in the next (`country`, `country_code`), a list
of them joins with "; ", quotes, parties and status steps become readable text. The column keys
are the same English snake_case keys in every format and language.

Downloads never hold the whole list in memory: CSV and JSON stream row by row, XLSX is written by
openpyxl's write-only mode to a temporary file, and every download stops after
PUBLIC_DOWNLOAD_MAX_ROWS rows; each process serves at most PUBLIC_DOWNLOADS_AT_ONCE of them at a
time (more are asked to come back in a minute), so downloads cannot starve page views.
"""

import csv
import hashlib
import json
import logging
import os
import tempfile
import threading
import time
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import openpyxl
from django.conf import settings
from django.core.cache import cache as django_cache
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.log import log_response
from django.utils.text import capfirst
from django.utils.translation import gettext
from openpyxl.utils import get_column_letter
from rest_framework import serializers as drf
from rest_framework.utils.encoders import JSONEncoder

from . import cache
from .models import StatusStep
from .serializers import SERIALIZERS

logger = logging.getLogger("registry.downloads")
FORMATS = ("csv", "xlsx", "json")
CHUNK_SIZE = 500
#: A spreadsheet application runs a cell starting with these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_CELL_LIMIT = 32767


def max_rows():
    return settings.PUBLIC_DOWNLOAD_MAX_ROWS


# --- flattening -------------------------------------------------------------------------------


def code_key(serializer):
    """Return the key that holds a related record's code: slug or code, if it has one."""
    return next((key for key in ("slug", "code") if key in serializer.fields), None)


def is_reference(serializer):
    """A related record shown by name, with its code in a column of its own."""
    return "name" in serializer.fields and code_key(serializer) and "quote" not in serializer.fields


def describe(item):
    """Render a nested item without a code of its own (quote, party, status step) as text."""
    if "quote" in item:
        source = f"{item['source_publisher']}, {item['source_published_on']}: {item['source_title']}"
        return f"«{item['quote']}» ({source})"
    if "date_meaning" in item:
        source = f", {item['source']['name']}" if item.get("source") else ""
        # JSON keeps the stable code (happened_on, reported_on); a person reads its label.
        meaning = StatusStep.DateMeaning(item["date_meaning"]).label
        return f"{item['status_label']} {item['date']} ({meaning}{source})"
    if "description" in item:
        where = [item["country"]["name"]] if item.get("country") else []
        where += [region["name"] for region in item.get("regions", [])]
        text = item["name"] + (f" ({', '.join(where)})" if where else "")
        return text + (f" — {item['role']}" if item.get("role") else "")
    return item.get("name", "")


def columns(serializer):
    """Return (key, getter) for each flat column, known before the first row is written."""
    result = []
    for name, field in serializer.fields.items():
        many = isinstance(field, drf.ListSerializer)
        child = field.child if many else field
        if isinstance(child, drf.Serializer) and is_reference(child):
            key = code_key(child)
            if many:
                result.append((name, lambda row, n=name: "; ".join(item["name"] for item in row[n])))
                result.append((f"{name}_{key}s", lambda row, n=name, k=key: "; ".join(i[k] for i in row[n])))
            else:
                result.append((name, lambda row, n=name: (row[n] or {}).get("name")))
                result.append((f"{name}_{key}", lambda row, n=name, k=key: (row[n] or {}).get(k)))
        elif isinstance(child, drf.Serializer):
            if many:
                result.append((name, lambda row, n=name: "\n".join(describe(item) for item in row[n])))
            else:
                result.append((name, lambda row, n=name: describe(row[n]) if row[n] else None))
        else:
            result.append((name, lambda row, n=name: scalar(row[n])))
    return result


def scalar(value):
    return "; ".join(map(str, value)) if isinstance(value, list) else value


def typed(value):
    """Turn the serializer's ISO strings back into dates for XLSX; numbers stay numbers."""
    if isinstance(value, str) and len(value) == 10 and value[4:5] == "-" and value[7:8] == "-":
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, str) and len(value) > 19 and value[10:11] == "T":
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return timezone.localtime(moment).replace(tzinfo=None)
        except ValueError:
            return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def safe(value):
    """Keep a spreadsheet from running a text cell as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


# --- writers ----------------------------------------------------------------------------------


def rows(model, queryset, request):
    """Yield each record's public representation, at most PUBLIC_DOWNLOAD_MAX_ROWS of them."""
    # One serializer for every row, as DRF's ListSerializer does: its fields are built once.
    serializer = SERIALIZERS[model](context={"request": request})
    for record in queryset[: max_rows()].iterator(chunk_size=CHUNK_SIZE):
        yield serializer.to_representation(record)


def download_name(model, extension):
    """Name the file after the list and the local date, as the admin's exports: Учреждения-2025-11-26.csv."""
    return f"{capfirst(model._meta.verbose_name_plural)}-{timezone.localdate():%Y-%m-%d}.{extension}"


def filename(model, extension):
    return f"attachment; filename*=UTF-8''{quote(download_name(model, extension))}"


class Echo:
    def write(self, value):
        return value


def csv_response(model, queryset, request):
    flat = columns(SERIALIZERS[model](context={"request": request}))

    def lines():
        writer = csv.writer(Echo())
        yield "\ufeff" + writer.writerow([key for key, _ in flat])
        for row in rows(model, queryset, request):
            yield writer.writerow([safe(get(row)) for _, get in flat])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = filename(model, "csv")
    return response


def json_response(model, queryset, request):
    def chunks():
        yield "["
        for n, row in enumerate(rows(model, queryset, request)):
            yield ("," if n else "") + "\n" + json.dumps(row, cls=JSONEncoder, ensure_ascii=False)
        yield "\n]\n"

    response = StreamingHttpResponse(chunks(), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = filename(model, "json")
    return response


def width(key):
    """A readable column width for what the key holds."""
    if key in ("citations", "text", "parties", "participants", "status_history", "aim", "statement"):
        return 80
    if key.endswith(("url", "name", "title", "name_ru", "name_en", "name_kk", "title_ru", "title_en")):
        return 45
    if key.endswith(("_on", "_at", "as_of", "_from", "_until")):
        return 14
    return max(12, min(30, len(key) + 4))


def xlsx_response(model, queryset, request):
    flat = columns(SERIALIZERS[model](context={"request": request}))
    workbook = openpyxl.Workbook(write_only=True)
    # A sheet name may not hold []:*?/\ and is at most 31 characters.
    title = capfirst(str(model._meta.verbose_name_plural))[:31]
    sheet = workbook.create_sheet(title)
    sheet.freeze_panes = "A2"
    for index, (key, _) in enumerate(flat, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width(key)
    sheet.append([key for key, _ in flat])
    for row in rows(model, queryset, request):
        values = []
        for _, get in flat:
            value = safe(typed(get(row)))
            if isinstance(value, str) and len(value) > XLSX_CELL_LIMIT:
                value = value[: XLSX_CELL_LIMIT - 1] + "…"
            values.append(value)
        sheet.append(values)
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 2**20)  # noqa: SIM115 - FileResponse closes it
    workbook.save(spool)
    spool.seek(0)
    return FileResponse(
        spool,
        as_attachment=True,
        filename=download_name(model, "xlsx"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


WRITERS = {"csv": csv_response, "xlsx": xlsx_response, "json": json_response}


def download(model, queryset, file_format, request):
    """Return the records of `queryset` as a streamed download in `file_format`, or 503 with
    Retry-After when this process already serves PUBLIC_DOWNLOADS_AT_ONCE downloads (a long
    download holds a server thread, and pages must keep the others: `make load`), or another
    worker is preparing the same download for the cache.

    A download anonymous readers ask for again the same day, with nothing changed since, is
    served from the cache (up to PUBLIC_DOWNLOAD_CACHE_BYTES; cache.download_key): see kept()."""
    key = cache.download_key(request) if cache.shared_with_readers(request) else None
    slot = take_slot(key)
    if slot is None:
        response = HttpResponse(
            gettext("Сейчас готовится много загрузок. Повторите через минуту."),
            status=503,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = "60"
        # By design, not a failure: logged as such, not as the ERROR Django gives any 5xx.
        log_response(
            "download deferred path=%s",
            request.get_full_path(),
            response=response,
            request=request,
            logger=logger,
            level="info",
        )
        return response
    try:
        response = WRITERS[file_format](model, queryset, request)
    except BaseException:
        slot.release()
        raise
    if not response.streaming or isinstance(response, FileResponse):
        if key:
            response = kept_file(response, key)
        slot.release()  # the file is written: sending it is cheap
    else:
        response.streaming_content = HoldingSlot(response.streaming_content, slot, keep_as(response, key))
    return response


def kept(request):
    """Return the download this request asks for as kept in the cache for anonymous readers, or
    None. Asked before the filters are read: only a valid request's download was ever kept."""
    if not cache.shared_with_readers(request):
        return None
    found = django_cache.get(cache.download_key(request))
    if found is None:
        return None
    content_type, disposition, name = found
    try:
        file = open(Path(settings.PUBLIC_DOWNLOAD_CACHE_DIR) / name, "rb")  # noqa: SIM115 - the response closes it
    except FileNotFoundError:  # pruned meanwhile, or kept by another server
        return None
    response = FileResponse(file, content_type=content_type)
    response["Content-Disposition"] = disposition
    return response


def keep(key, response, content):
    """Keep a download its callers found no larger than PUBLIC_DOWNLOAD_CACHE_BYTES: as a file in
    PUBLIC_DOWNLOAD_CACHE_DIR, which gunicorn sends with sendfile() (through the cache backend a
    3.5 MB download cost a worker 15 ms each time), its headers and name in the cache. A kept
    download that cannot be written is simply not kept."""
    directory = Path(settings.PUBLIC_DOWNLOAD_CACHE_DIR)
    name = hashlib.sha256(key.encode()).hexdigest()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".", delete=False) as part:
            part.write(content)
        os.replace(part.name, directory / name)
        prune(directory)
    except OSError:
        logger.warning("download not kept: cannot write to %s", directory, exc_info=True)
        return
    kept = (response["Content-Type"], response["Content-Disposition"], name)
    django_cache.set(key, kept, settings.PUBLIC_PAGE_CACHE_SECONDS)


def prune(directory):
    """Remove kept downloads older than their entries in the cache (PUBLIC_PAGE_CACHE_SECONDS)."""
    oldest = time.time() - settings.PUBLIC_PAGE_CACHE_SECONDS
    for entry in os.scandir(directory):
        try:
            if entry.stat().st_mtime < oldest:
                os.unlink(entry.path)
        except FileNotFoundError:  # another worker pruned it first
            pass


def keep_as(response, key):
    """Return what keeps a streamed download once it has been read to the end, or None."""
    return (lambda content: keep(key, response, content)) if key else None


def kept_file(response, key):
    """Keep a written file small enough to keep, and send it from memory."""
    spool = response.file_to_stream
    size = spool.seek(0, 2)
    spool.seek(0)
    if size > settings.PUBLIC_DOWNLOAD_CACHE_BYTES:
        return response
    content = spool.read()
    spool.close()  # not response.close(): that would signal the request finished
    plain = HttpResponse(content, content_type=response["Content-Type"])
    plain["Content-Disposition"] = response["Content-Disposition"]
    keep(key, plain, content)
    return plain


_slots = {}

#: How long a claim on preparing a download outlives a worker that died preparing it.
PREPARING_SECONDS = 120


class Slot:
    """A download being prepared: one of this process's PUBLIC_DOWNLOADS_AT_ONCE and, for one
    that will be kept for readers, the claim that no other worker prepares the same meanwhile
    (the workers share it through Redis): each would take the seconds a 10 000-row file takes,
    and the second copy would be thrown away."""

    def __init__(self, semaphore, claim=None):
        self.semaphore, self.claim = semaphore, claim

    def release(self):
        if self.claim:
            django_cache.delete(self.claim)
        self.semaphore.release()


def take_slot(key=None):
    """Take one of this process's download slots without waiting, and the claim on preparing the
    download kept under `key`; None when all slots are taken or another worker prepares it."""
    limit = settings.PUBLIC_DOWNLOADS_AT_ONCE
    slots = _slots.setdefault(limit, threading.BoundedSemaphore(limit))
    if not slots.acquire(blocking=False):
        return None
    claim = f"{key}:preparing" if key else None
    if claim and not django_cache.add(claim, True, PREPARING_SECONDS):
        slots.release()
        return None
    return Slot(slots, claim)


class HoldingSlot:
    """Streamed content that gives its download slot back when the response is closed, whether
    it was read to the end or the reader went away (Django closes what has a close()); read to
    the end, it is given to `keep` while no larger than PUBLIC_DOWNLOAD_CACHE_BYTES."""

    def __init__(self, content, slot, keep=None):
        self.content, self.slot, self.keep = iter(content), slot, keep
        self.read, self.size = [], 0

    def __iter__(self):
        return self

    def __next__(self):
        try:
            chunk = next(self.content)
        except StopIteration:
            if self.keep:
                self.keep(b"".join(self.read))
            raise
        if self.keep:
            self.size += len(chunk)
            if self.size <= settings.PUBLIC_DOWNLOAD_CACHE_BYTES:
                self.read.append(chunk)
            else:
                self.keep, self.read = None, []
        return chunk

    def close(self):
        slot, self.slot = self.slot, None
        if slot is not None:
            slot.release()
