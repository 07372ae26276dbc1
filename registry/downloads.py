"""Public list downloads: the public representation (registry.serializers) as CSV, XLSX or JSON.

JSON keeps the serializers' nesting. CSV and XLSX flatten each record to one row: a related
record gives its name in one column and its code in the next (`country`, `country_code`), a list
of them joins with "; ", quotes, parties and status steps become readable text. The column keys
are the same English snake_case keys in every format and language.

A download is written to a file, row by row (XLSX by openpyxl's write-only mode), never whole in
memory, and stops after PUBLIC_DOWNLOAD_MAX_ROWS rows; the file is written by a process apart
from the server's (preparing.py) and then sent whole, with its length. Each server process
prepares at most PUBLIC_DOWNLOADS_AT_ONCE at a time (more are asked to come back in a minute),
so downloads cannot starve page views.
"""

import concurrent.futures
import csv
import hashlib
import io
import json
import logging
import os
import pickle
import tempfile
import threading
import time
from concurrent.futures.process import BrokenProcessPool
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import openpyxl
from django.apps import apps
from django.conf import settings
from django.core.cache import cache as django_cache
from django.db.models import Model
from django.http import FileResponse, HttpResponse
from django.utils import timezone, translation
from django.utils.log import log_response
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from rest_framework import serializers as drf
from rest_framework.utils.encoders import JSONEncoder

from . import cache, preparing, public
from .models import StatusStep
from .serializers import SERIALIZERS, SiteRequest
from .spreadsheets.formulas import needs_guard

logger = logging.getLogger("registry.downloads")
FORMATS = ("csv", "xlsx", "json")
CHUNK_SIZE = 500
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
    """Keep a spreadsheet that opens a CSV from running a text cell as a formula: the guard the
    admin's exports write (spreadsheets/formulas.py)."""
    if isinstance(value, str) and needs_guard(value):
        return "'" + value
    return value


def xlsx_value(sheet, value):
    """A value for a write-only XLSX sheet, text stored as typed: an XLSX text cell is never run,
    so it needs no guard, but openpyxl would store "=…" as a formula and "#N/A" as an error. A
    control character, which XLSX cannot hold, becomes �; a text longer than a cell holds is cut
    there and ends with «…»."""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    if len(value) > XLSX_CELL_LIMIT:
        value = value[: XLSX_CELL_LIMIT - 1] + "…"
    if value[:1] not in ("=", "#"):
        return value
    cell = WriteOnlyCell(sheet, value)
    cell.data_type = "s"
    return cell


# --- writers: each writes one list's records to a binary file ----------------------------------


def rows(model, queryset, context):
    """Yield each record's public representation, at most PUBLIC_DOWNLOAD_MAX_ROWS of them."""
    # One serializer for every row, as DRF's ListSerializer does: its fields are built once.
    serializer = SERIALIZERS[model](context=context)
    for record in queryset[: max_rows()].iterator(chunk_size=CHUNK_SIZE):
        yield serializer.to_representation(record)


def write_csv(model, queryset, context, file):
    flat = columns(SERIALIZERS[model](context=context))
    # With a byte order mark, which Excel needs to read UTF-8.
    text = io.TextIOWrapper(file, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    writer.writerow([key for key, _ in flat])
    for row in rows(model, queryset, context):
        writer.writerow([safe(get(row)) for _, get in flat])
    text.detach()  # flushes; the caller closes the file


def write_json(model, queryset, context, file):
    text = io.TextIOWrapper(file, encoding="utf-8", newline="\n")
    text.write("[")
    for n, row in enumerate(rows(model, queryset, context)):
        text.write(("," if n else "") + "\n" + json.dumps(row, cls=JSONEncoder, ensure_ascii=False))
    text.write("\n]\n")
    text.detach()


def width(key):
    """A readable column width for what the key holds."""
    if key in ("citations", "text", "parties", "participants", "status_history", "aim", "statement"):
        return 80
    if key.endswith(("url", "name", "title", "name_ru", "name_en", "name_kk", "title_ru", "title_en")):
        return 45
    if key.endswith(("_on", "_at", "as_of", "_from", "_until")):
        return 14
    return max(12, min(30, len(key) + 4))


def write_xlsx(model, queryset, context, file):
    flat = columns(SERIALIZERS[model](context=context))
    workbook = openpyxl.Workbook(write_only=True)  # rows go to a temporary file, not memory
    # A sheet name may not hold []:*?/\ and is at most 31 characters.
    title = capfirst(str(model._meta.verbose_name_plural))[:31]
    sheet = workbook.create_sheet(title)
    sheet.freeze_panes = "A2"
    for index, (key, _) in enumerate(flat, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width(key)
    sheet.append([key for key, _ in flat])
    for row in rows(model, queryset, context):
        sheet.append([xlsx_value(sheet, typed(get(row))) for _, get in flat])
    workbook.save(file)


WRITERS = {"csv": write_csv, "xlsx": write_xlsx, "json": write_json}
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json; charset=utf-8",
}


class QueryPickler(pickle.Pickler):
    """Pickles a query's models by their label: Django's auto-created many-to-many models (the
    `Programme_target_regions` a filter on a programme's regions joins) are not attributes of
    their module, where pickle would look for them."""

    def reducer_override(self, obj):
        if isinstance(obj, type) and issubclass(obj, Model):
            return model_by_label, (obj._meta.label,)
        return NotImplemented


def model_by_label(label):
    return apps.get_model(label)


def pickled(query):
    buffer = io.BytesIO()
    QueryPickler(buffer).dump(query)
    return buffer.getvalue()


def write(job):
    """Write the download `job` describes to its path: in a preparing process (preparing.py) or,
    with PUBLIC_DOWNLOADS_APART off, in the server process itself."""
    model = model_by_label(job.model)
    # The filters narrowed public.QUERYSETS[model]() and changed only its query.
    queryset = public.QUERYSETS[model]()
    queryset.query = pickle.loads(job.query)  # noqa: S301 - sent by our own server process
    context = {"request": SiteRequest(job.base_url)}
    with translation.override(job.language), open(job.path, "wb") as file:
        WRITERS[job.file_format](model, queryset, context, file)


# --- serving ----------------------------------------------------------------------------------


def download_name(title, extension):
    """Name the file after what it holds and the local date, as the admin's exports:
    Учреждения-2025-11-26.csv."""
    return f"{capfirst(title)}-{timezone.localdate():%Y-%m-%d}.{extension}"


def filename(title, extension):
    """The file's name in the reader's language, and a plain one for programs that read no other
    (curl -OJ): filename="Institutions-2025-11-26.csv"; filename*=UTF-8''Учреждения-2025-11-26.csv.
    `title` is a lazy translation: a list's verbose_name_plural, say."""
    with translation.override("en"):
        plain = download_name(title, extension)
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(download_name(title, extension))}"


def download(model, queryset, file_format, request):
    """Return the records of `queryset` as a file in `file_format`, written apart from this
    process (preparing.py) while this thread waits; or 503 with Retry-After when this process
    already prepares PUBLIC_DOWNLOADS_AT_ONCE downloads (a long download holds a server thread,
    and pages must keep the others: `make load`), or another worker is preparing the same
    download for the cache, or this one takes longer than a minute (it is kept when written).

    A download anonymous readers ask for again the same day, with nothing changed since, is
    served from the cache (up to PUBLIC_DOWNLOAD_CACHE_BYTES; cache.download_key): see kept()."""
    key = cache.download_key(request) if cache.shared_with_readers(request) else None
    slot = take_slot(key)
    if slot is None:
        return come_back_later(request)
    headers = (CONTENT_TYPES[file_format], filename(model._meta.verbose_name_plural, file_format))
    job = None
    try:
        job = preparing.Job(
            model=model._meta.label,
            query=pickled(queryset.query),
            file_format=file_format,
            language=get_language(),
            base_url=request.build_absolute_uri("/"),
            path=new_file(),
        )
        if settings.PUBLIC_DOWNLOADS_APART:
            written = preparing.submit(job)
            if not concurrent.futures.wait([written], timeout=settings.PUBLIC_DOWNLOAD_WAIT_SECONDS).done:
                # Left to finish, and to be kept for readers, while the reader is asked to come back.
                written.add_done_callback(lambda done: finish_unsent(done, job, key, slot, headers))
                return come_back_later(request)
            written.result()  # raises what writing it raised
        else:
            write(job)
    except BrokenProcessPool:  # its preparing process was killed: the next one is a new process
        slot.release()
        forget(job.path)
        logger.error("download failed: its preparing process ended path=%s", request.get_full_path())
        return come_back_later(request)
    except BaseException:
        slot.release()
        if job:
            forget(job.path)
        raise
    path = finish(job, key, slot, headers)
    file = open(path, "rb")  # noqa: SIM115 - the response closes it
    if path == job.path:
        forget(path)  # not kept: gone once sent (the open file stays readable)
    return file_response(file, *headers)


def file_response(file, content_type, disposition):
    """Send a written download: gunicorn sends an open file with sendfile()."""
    response = FileResponse(file, content_type=content_type)
    response["Content-Disposition"] = disposition
    return response


def work_directory():
    """PUBLIC_DOWNLOAD_CACHE_DIR, made if missing: where downloads are written and kept (OSError
    if it cannot be made)."""
    directory = Path(settings.PUBLIC_DOWNLOAD_CACHE_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def new_file():
    """Name a file for a download to be written to: beside the kept ones, so that keeping it is
    a rename; in the system's temporary directory when PUBLIC_DOWNLOAD_CACHE_DIR cannot be used."""
    try:
        descriptor, path = tempfile.mkstemp(dir=work_directory(), prefix=".")
    except OSError:
        descriptor, path = tempfile.mkstemp(prefix="registry-download-")
    os.close(descriptor)
    return path


def forget(path):
    Path(path).unlink(missing_ok=True)


def finish(job, key, slot, headers):
    """Once the file is written: keep it for readers if it may be, give the slot back, and return
    the file to send (the kept one, or the written one if not kept)."""
    try:
        if key and os.path.getsize(job.path) <= settings.PUBLIC_DOWNLOAD_CACHE_BYTES:
            return keep(key, job.path, headers) or job.path
        return job.path
    finally:
        slot.release()


def finish_unsent(written, job, key, slot, headers):
    """Finish a download its reader stopped waiting for: keep it, or remove it."""
    if written.exception() is not None:
        slot.release()
        forget(job.path)
        logger.error("download failed path=%s", job.path, exc_info=written.exception())
    elif finish(job, key, slot, headers) == job.path:
        forget(job.path)


def come_back_later(request):
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
    return file_response(file, content_type, disposition)


def keep(key, path, headers):
    """Keep a written download for readers: as a file in PUBLIC_DOWNLOAD_CACHE_DIR, which gunicorn
    sends with sendfile() (through the cache backend a 3.5 MB download cost a worker 15 ms each
    time), its headers and name in the cache. Return the kept file, or None if it cannot be kept."""
    directory = Path(settings.PUBLIC_DOWNLOAD_CACHE_DIR)
    kept = directory / hashlib.sha256(key.encode()).hexdigest()
    try:
        os.replace(path, kept)
        prune(directory)
    except OSError:
        logger.warning("download not kept: cannot write to %s", directory, exc_info=True)
        return None
    django_cache.set(key, (*headers, kept.name), settings.PUBLIC_PAGE_CACHE_SECONDS)
    return str(kept)


def prune(directory):
    """Remove kept downloads older than their entries in the cache (PUBLIC_PAGE_CACHE_SECONDS),
    and files left by downloads never finished."""
    oldest = time.time() - settings.PUBLIC_PAGE_CACHE_SECONDS
    for entry in os.scandir(directory):
        try:
            if entry.stat().st_mtime < oldest:
                os.unlink(entry.path)
        except FileNotFoundError:  # another worker pruned it first
            pass


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
