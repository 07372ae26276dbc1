"""`make bench`: the registry's speed at scale, each figure against a baseline timed in the same run.

Prints one table and writes benchmarks/results.json. Sizes come from BENCH_SIZES
("small,import,large", default "1000,10000,100000"); BENCH_RUNS sets how many runs each median
takes (default 3; BENCH_HEAVY_RUNS, default 1, for the 100 000-row exports and the library-default
import). The database is a throw-away test database: a SQLite file, or PostgreSQL
when DATABASE_URL names one.
"""

import csv
import gc
import io
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
django.setup()

import openpyxl  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from import_export import fields, resources, widgets  # noqa: E402

from benchmarks.generate import (  # noqa: E402
    INSTITUTION_HEADERS,
    generate,
    institution_rows,
    reference_data,
    xlsx_bytes,
)
from registry import models  # noqa: E402
from registry.resources import InstitutionResource  # noqa: E402
from registry.spreadsheets import CSV, FORMATS, XLSX  # noqa: E402

SMALL, IMPORT_ROWS, LARGE = (int(n) for n in os.environ.get("BENCH_SIZES", "1000,10000,100000").split(","))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
# The 100 000-row exports and the library-default import take most of the run: timed once
# unless asked, so that `make bench` stays near five minutes.
HEAVY_RUNS = int(os.environ.get("BENCH_HEAVY_RUNS", "1"))
RESULTS = ROOT / "benchmarks" / "results.json"
KIND_LABELS = {code: str(label) for code, label in models.Institution.Kind.choices}


def median_time(action, prepare=None, runs=RUNS):
    times = []
    for _ in range(runs):
        if prepare:
            prepare()
        gc.collect()
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_memory_mb(action):
    tracemalloc.start()
    action()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return round(peak / 2**20, 1)


def count_queries(action):
    with CaptureQueriesContext(connection) as queries:
        action()
    return len(queries)


class Table:
    def __init__(self):
        self.rows = []

    def add(self, metric, size, ours, baseline, goal, queries="", memory="", baseline_name=""):
        ratio = ours / baseline if baseline else None
        self.rows.append(
            {
                "metric": metric,
                "size": size,
                "time_s": round(ours, 4),
                "baseline_s": round(baseline, 4),
                "baseline": baseline_name,
                "ratio": round(ratio, 2) if ratio else None,
                "goal": goal,
                "queries": queries,
                "peak_mb": memory,
            }
        )
        print(f"  {metric} @ {size}: {ours:.3f}s vs {baseline:.3f}s -> {ratio:.2f}x ({goal})", flush=True)

    def print(self):
        columns = ["metric", "size", "time_s", "baseline_s", "ratio", "goal", "queries", "peak_mb"]
        widths = {c: max(len(c), *(len(str(r[c])) for r in self.rows)) for c in columns}
        print()
        print("  ".join(c.ljust(widths[c]) for c in columns))
        for row in self.rows:
            print("  ".join(str(row[c]).ljust(widths[c]) for c in columns))


# --- spreadsheets -----------------------------------------------------------------------------


def spreadsheet_rows(count, seed):
    for row in institution_rows(count, seed):
        code, region = row["region"]
        yield [
            row["slug"],
            row["name_ru"],
            row["name_ru"],
            row["name_en"],
            row["acronyms"],
            KIND_LABELS[row["kind"]],
            row["country"],
            f"{code}: {region}",
            row["city"],
            row["founded_year"],
            "да",
            "да" if row["is_published"] else "нет",
        ]


def admin_import(client, data):
    """Upload, preview and confirm through the admin, as a clerk does."""
    url = "/admin/registry/institution/import/"
    fmt = str([cls.__name__ for cls in FORMATS].index("XLSX"))
    preview = client.post(
        url, {"resource": "0", "format": fmt, "import_file": SimpleUploadedFile("b.xlsx", data)}
    )
    form = preview.context["confirm_form"]
    done = client.post("/admin/registry/institution/process_import/", form.initial)
    assert done.status_code == 302, done.status_code
    return preview.context["result"]


def baseline_import(data):
    """openpyxl read-only parse and bulk_create of the same rows: the least any import must do."""
    countries = {c.code: c for c in models.Country.objects.all()}
    regions = {(r.country.code, r.name): r for r in models.Region.objects.select_related("country")}
    kinds = {label: code for code, label in KIND_LABELS.items()}
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).active
    rows = sheet.iter_rows(values_only=True)
    next(rows)
    records = []
    for row in rows:
        code, region = row[7].split(": ")
        records.append(
            models.Institution(
                slug=row[0],
                name=row[1],
                name_ru=row[2],
                name_en=row[3],
                acronyms=row[4],
                kind=kinds[row[5]],
                country=countries[row[6]],
                region=regions[(code, region)],
                city=row[8],
                founded_year=row[9],
                is_active=True,
                is_published=row[11] == "да",
            )
        )
    models.Institution.objects.bulk_create(records, batch_size=2000)


class LibraryDefaultResource(resources.ModelResource):
    """The same columns with django-import-export's default options: row by row, no caching."""

    country = fields.Field(
        attribute="country", column_name="country", widget=widgets.ForeignKeyWidget(models.Country, "code")
    )

    class Meta:
        model = models.Institution
        import_id_fields = ["slug"]
        fields = ["slug", "name", "name_ru", "name_en", "acronyms", "kind", "country", "city", "founded_year"]


def library_default_import(rows):
    import tablib

    names = ["slug", "name", "name_ru", "name_en", "acronyms", "kind", "country", "city", "founded_year"]
    dataset = tablib.Dataset(headers=names)
    kinds = {label: code for code, label in KIND_LABELS.items()}
    for row in rows:
        dataset.append([row[0], row[1], row[2], row[3], row[4], kinds[row[5]], row[6], row[8], row[9]])
    resource = LibraryDefaultResource()
    resource.import_data(dataset, dry_run=True)  # the admin's preview
    resource.import_data(dataset, dry_run=False)  # and its confirmation


def delete_generated():
    models.Institution.objects.filter(slug__startswith="bench-").delete()


def bench_import(table, client):
    rows = [[f"bench-{r[0]}", *r[1:]] for r in spreadsheet_rows(IMPORT_ROWS, seed=11)]
    data = xlsx_bytes(INSTITUTION_HEADERS, rows)
    baseline = median_time(lambda: baseline_import(data), prepare=delete_generated)
    ours = median_time(lambda: admin_import(client, data), prepare=delete_generated)
    table.add(
        "admin import XLSX (preview + confirm)",
        IMPORT_ROWS,
        ours,
        baseline,
        "<= 2.5x",
        baseline_name="openpyxl read-only + bulk_create",
    )
    reimport = median_time(lambda: admin_import(client, data))
    result = admin_import(client, data)
    assert result.totals["skip"] == IMPORT_ROWS, result.totals
    table.add(
        "admin re-import, all unchanged",
        IMPORT_ROWS,
        reimport,
        baseline,
        "<= 2.5x",
        baseline_name="openpyxl read-only + bulk_create",
    )
    default = median_time(lambda: library_default_import(rows), prepare=delete_generated, runs=HEAVY_RUNS)
    table.add(
        "library default options (preview + confirm)",
        IMPORT_ROWS,
        default,
        ours,
        "ours >= 5x faster (ratio >= 5)",
        baseline_name="ours",
    )
    delete_generated()


# --- exports ----------------------------------------------------------------------------------


def export_queryset():
    return InstitutionResource().get_queryset().order_by("pk")


def our_export(file_format):
    dataset = InstitutionResource().export(
        queryset=export_queryset(), force_native_type=file_format.native_types
    )
    return file_format.export_data(dataset)


def export_values():
    resource = InstitutionResource()
    fields_ = resource.get_export_fields()
    for obj in export_queryset().iterator(chunk_size=2000):
        yield [f.get_value(obj) for f in fields_]


def baseline_xlsx():
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for values in export_values():
        sheet.append([v if isinstance(v, (int, str)) or v is None else str(v) for v in values])
    workbook.save(io.BytesIO())


def baseline_csv():
    out = io.StringIO()
    writer = csv.writer(out)
    for values in export_values():
        writer.writerow(values)
    return out.getvalue().encode("utf-8-sig")


def bench_export(table):
    size = models.Institution.objects.count()
    for name, file_format, baseline in [("XLSX", XLSX(), baseline_xlsx), ("CSV", CSV(), baseline_csv)]:
        base = median_time(baseline, runs=HEAVY_RUNS)
        ours = median_time(lambda fmt=file_format: our_export(fmt), runs=HEAVY_RUNS)
        memory = peak_memory_mb(lambda fmt=file_format: our_export(fmt))
        table.add(
            f"admin export {name}",
            size,
            ours,
            base,
            "<= 1.5x, peak < 300 MB",
            memory=memory,
            baseline_name=f"{'openpyxl write-only' if name == 'XLSX' else 'csv.writer'}",
        )


# --- full dump --------------------------------------------------------------------------------


def measure_dump():
    """Run `registry_dump` once, timed while tracing memory: (seconds, peak MB, institutions dumped).

    Both sizes are timed the same way, so the ratio holds though tracing slows each run.
    """
    from registry.dumps import write_dump

    directory = Path(tempfile.mkdtemp())
    gc.collect()
    start = time.perf_counter()
    memory = peak_memory_mb(lambda: write_dump(directory))
    return time.perf_counter() - start, memory, models.Institution.objects.published().count()


def bench_dump(table, small):
    (t_small, m_small, n_small), (t_large, m_large, n_large) = small, measure_dump()
    table.add(
        "registry_dump (whole registry, zip)",
        LARGE,
        t_large,
        t_small,
        "peak memory flat (MB at small -> large); time traced",
        memory=f"{m_small} -> {m_large}",
        baseline_name=f"same dump at {SMALL} ({n_small} -> {n_large} published institutions)",
    )


# --- pages ------------------------------------------------------------------------------------


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)


def measure_page(client, url):
    return median_time(lambda: page(client, url)), count_queries(lambda: page(client, url))


def main():
    setup_test_environment()
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        database.setdefault("TEST", {})["NAME"] = str(Path(tempfile.mkdtemp()) / "bench.sqlite3")
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    print(
        f"Benchmarks on {connection.vendor}, {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; sizes {SMALL}/{IMPORT_ROWS}/{LARGE}, median of {RUNS}",
        flush=True,
    )
    table = Table()
    # The API throttles anonymous clients; the bench is one client asking again and again.
    settings.API_ANON_RATE = "1000000/minute"
    try:
        admin = get_user_model().objects.create_superuser("bench", password="bench-password")
        client = Client()
        client.force_login(admin)
        reference_data()

        bench_import(table, client)

        generate(SMALL, seed=1)
        small = {name: measure_page(client, url) for name, url in PAGES.items()}
        small_dump = measure_dump()
        generate(LARGE - SMALL, seed=2)
        large = {name: measure_page(client, url) for name, url in PAGES.items()}
        for name, goal in [
            ("public list /institutions/", "<= 2x, equal queries"),
            ("admin changelist", "<= 2x, equal queries"),
            ("API list /api/v1/institutions/", "<= 2x, equal queries"),
        ]:
            (t_small, q_small), (t_large, q_large) = small[name], large[name]
            table.add(
                name,
                LARGE,
                t_large,
                t_small,
                goal,
                queries=f"{q_small} -> {q_large}",
                baseline_name=f"same page at {SMALL}",
            )
        (t_search, q_search), (t_list, _) = large["public search q="], large["public list /institutions/"]
        table.add(
            "public search q=",
            LARGE,
            t_search,
            t_list,
            "<= 3x",
            queries=q_search,
            baseline_name=f"unfiltered list at {LARGE}",
        )
        bench_export(table)
        bench_dump(table, small_dump)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    table.print()
    RESULTS.write_text(
        json.dumps(
            {
                "database": connection.vendor,
                "machine": f"{platform.machine()}, {os.cpu_count()} cores",
                "python": platform.python_version(),
                "sizes": [SMALL, IMPORT_ROWS, LARGE],
                "runs": RUNS,
                "results": table.rows,
            },
            indent=1,
            ensure_ascii=False,
        )
    )
    print(f"\nWritten to {RESULTS.relative_to(ROOT)}")


PAGES = {
    "public list /institutions/": "/institutions/",
    "public search q=": "/institutions/?q=%D1%8D%D0%BD%D0%B5%D1%80%D0%B3%D0%B5%D1%82%D0%B8%D0%BA%D0%B8",
    "admin changelist": "/admin/registry/institution/",
    "API list /api/v1/institutions/": "/api/v1/institutions/",
}

if __name__ == "__main__":
    main()
