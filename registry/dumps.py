"""The whole published registry as one dated zip archive: JSON Lines and CSV per record type, and a README.

Each record is the public representation (registry.serializers) of a record from registry.public,
so a dump holds exactly what the API and the pages show. Records are read with iterator() and
written to the archive one by one, so memory stays flat however many there are. The archive is
written under a temporary name and renamed when complete, with its SHA-256 in a file beside it.
"""

import csv
import gc
import hashlib
import io
import json
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from rest_framework.utils.encoders import JSONEncoder

from . import citing, public
from .downloads import columns, safe
from .serializers import SERIALIZERS, SiteRequest

CHUNK_SIZE = 500
NAME = re.compile(r"^registry-(\d{4}-\d{2}-\d{2})\.zip$")

#: File name stem → public queryset, in the order the README lists them.
RECORD_TYPES = {
    "institutions": public.institutions,
    "branches": public.branches,
    "agreements": public.agreements,
    "programmes": public.programmes,
    "indicators": public.indicators,
    "sources": public.sources,
    "countries": public.countries,
    "regions": public.regions,
    "fields_of_study": public.fields_of_study,
}


@dataclass
class Dump:
    path: Path
    date: date
    size: int
    sha256: str

    @property
    def filename(self):
        return self.path.name


def records(queryset_function, context):
    """Yield each record's public representation, reading CHUNK_SIZE records at a time by primary key.

    Prefetched records refer to their parents and back, so a chunk is freed only by the cycle
    collector, which Python runs ever more rarely as garbage piles up: collecting after each
    chunk keeps memory flat whatever the size of the registry.
    """
    serializer = SERIALIZERS[queryset_function().model](context=context)
    last = None
    while True:
        queryset = queryset_function().order_by("pk")
        chunk = list(queryset.filter(pk__gt=last)[:CHUNK_SIZE] if last is not None else queryset[:CHUNK_SIZE])
        if not chunk:
            return
        for record in chunk:
            # One serializer for all records: building its fields per record took most of the time.
            yield serializer.to_representation(record)
        last = chunk[-1].pk
        del chunk
        gc.collect()


def readme(counts, day):
    lines = [
        str(citing.REGISTRY_NAME),
        "Registry of Russia–Kazakhstan cooperation in education: full dump of the published records",
        "",
        f"Date: {day.isoformat()}",
        f"Licence: {settings.DATA_LICENCE} ({settings.DATA_LICENCE_URL})",
        f"Site: {settings.SITE_URL or '(SITE_URL not set: links are paths)'}",
        "",
        "Each record type is in two files with the same records:",
        "  <type>.jsonl  one JSON object per line, UTF-8: the API's representation (/api/v1/,",
        "                documented at /api/docs/), related records nested as {slug, name, url}.",
        "  <type>.csv    UTF-8 with BOM, one row per record, the same keys flattened: a related record",
        "                gives its name in <key> and its code in <key>_slug or <key>_code; lists join",
        '                with "; "; quotes, parties and status steps are readable text. A text that',
        "                starts with = + - @ is prefixed with ' so spreadsheets do not run it.",
        "Dates and times are ISO 8601; every record has created_at, updated_at and how_to_cite.",
        "",
        "Files:",
        *(f"  {name}.jsonl, {name}.csv: {records_count(count)}" for name, count in counts.items()),
        "",
        "How to cite: each record's how_to_cite, with the date of this dump as the date accessed.",
        "",
    ]
    return "\n".join(lines)


def records_count(count):
    """ "1 record", "2 records": the README is in English."""
    return f"{count} record" if count == 1 else f"{count} records"


def write_record_type(archive, name, queryset_function, context):
    """Serialize each record once: its JSON line goes into the archive, its CSV row to a temporary file
    that follows it in (a zip archive takes one file at a time). Return how many records there were."""
    flat = columns(SERIALIZERS[queryset_function().model](context=context))
    count = 0
    with tempfile.TemporaryFile() as spool:
        table = io.TextIOWrapper(spool, encoding="utf-8-sig", newline="")
        writer = csv.writer(table)
        writer.writerow([key for key, _ in flat])
        with archive.open(f"{name}.jsonl", "w", force_zip64=True) as raw:
            lines = io.TextIOWrapper(raw, encoding="utf-8", newline="\n")
            for row in records(queryset_function, context):
                lines.write(json.dumps(row, cls=JSONEncoder, ensure_ascii=False) + "\n")
                writer.writerow([safe(get(row)) for _, get in flat])
                count += 1
            lines.flush()
            lines.detach()
        table.flush()
        spool.seek(0)
        with archive.open(f"{name}.csv", "w", force_zip64=True) as target:
            shutil.copyfileobj(spool, target, 2**16)
        table.detach()
    return count


def write_dump(directory=None, day=None):
    """Write today's archive into DUMP_DIR (or `directory`) and return it."""
    directory = Path(directory or settings.DUMP_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    day = day or timezone.localdate()
    target = directory / f"registry-{day.isoformat()}.zip"
    partial = target.with_suffix(".zip.partial")
    context = {"request": SiteRequest(settings.SITE_URL), "accessed": day}
    counts = {}
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, queryset_function in RECORD_TYPES.items():
            counts[name] = write_record_type(archive, name, queryset_function, context)
        archive.writestr("README.txt", readme(counts, day))
    digest = sha256_of(partial)
    partial.replace(target)
    target.with_suffix(".zip.sha256").write_text(f"{digest}  {target.name}\n")
    return Dump(target, day, target.stat().st_size, digest)


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(2**20), b""):
            digest.update(block)
    return digest.hexdigest()


def latest_dump(directory=None):
    """Return the newest complete archive in DUMP_DIR, or None."""
    directory = Path(directory or settings.DUMP_DIR)
    found = (
        sorted(p for p in directory.glob("registry-*.zip") if NAME.match(p.name))
        if directory.is_dir()
        else []
    )
    if not found:
        return None
    path = found[-1]
    checksum = path.with_suffix(".zip.sha256")
    digest = checksum.read_text().split()[0] if checksum.exists() else sha256_of(path)
    day = datetime.strptime(NAME.match(path.name).group(1), "%Y-%m-%d").date()
    return Dump(path, day, path.stat().st_size, digest)
