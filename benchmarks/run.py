"""`make bench`: the registry's speed at scale, each figure against a baseline timed in the same run.

Prints one table and writes benchmarks/results.json. Sizes come from BENCH_SIZES
("small,import,large", default "1000,10000,100000"); BENCH_RUNS sets how many runs each median
takes (default 3; BENCH_HEAVY_RUNS, default 1, for the 100 000-row exports and the library-default
import). The database is a throw-away test database: a SQLite file, or PostgreSQL
when DATABASE_URL names one.
"""

import csv
import datetime
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
from urllib.parse import urlencode

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
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from import_export import fields, resources, widgets  # noqa: E402
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # noqa: E402

from benchmarks.generate import (  # noqa: E402
    INSTITUTION_HEADERS,
    generate,
    institution_rows,
    reference_data,
    xlsx_bytes,
)
from registry import models  # noqa: E402
from registry.spreadsheets.formats import CSV, FORMATS, XLSX  # noqa: E402
from registry.spreadsheets.formulas import GUARD_START, needs_guard  # noqa: E402
from registry.spreadsheets.resources import InstitutionResource  # noqa: E402

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


AGREEMENT_ROWS = int(os.environ.get("BENCH_AGREEMENTS", "5000"))
AGREEMENT_HEADERS = [
    "Код записи",
    "Название",
    "Вид",
    "Состояние",
    "Дата подписания",
    "Направления подготовки",
    "Стороны",
]


def agreement_rows(count):
    """Agreements between two generated institutions and a group, as a clerk's workbook has them."""
    slugs = list(models.Institution.objects.order_by("pk").values_list("slug", flat=True)[:1000])
    codes = list(models.FieldOfStudy.objects.order_by("code").values_list("code", flat=True)[:5])
    for n in range(count):
        parties = f"{slugs[n % len(slugs)]}; {slugs[(n * 7 + 1) % len(slugs)]}; «вузы области {n % 50}» (KZ)"
        yield [
            f"bench-agr-{n}",
            f"Соглашение {n}",
            "меморандум",
            "подписано",
            "31.12.2025",
            codes[n % 5],
            parties,
        ]


def admin_agreement_import(client, data):
    url = "/admin/registry/agreement/import/"
    fmt = str([cls.__name__ for cls in FORMATS].index("XLSX"))
    preview = client.post(
        url, {"resource": "0", "format": fmt, "import_file": SimpleUploadedFile("a.xlsx", data)}
    )
    done = client.post("/admin/registry/agreement/process_import/", preview.context["confirm_form"].initial)
    assert done.status_code == 302, done.status_code


def baseline_agreement_import(data):
    """openpyxl read-only parse, then bulk_create of the agreements, their parties and fields."""
    institutions = dict(models.Institution.objects.values_list("slug", "pk"))
    fields_ = dict(models.FieldOfStudy.objects.values_list("code", "pk"))
    kz = models.Country.objects.get(code="KZ")
    rows = list(openpyxl.load_workbook(io.BytesIO(data), read_only=True).active.iter_rows(values_only=True))[
        1:
    ]
    agreements = models.Agreement.objects.bulk_create(
        [
            models.Agreement(
                slug=row[0],
                title=row[1],
                kind=models.Agreement.Kind.MEMORANDUM,
                status=models.Status.SIGNED,
                signed_on=datetime.date(2025, 12, 31),
            )
            for row in rows
        ],
        batch_size=2000,
    )
    parties, links = [], []
    through = models.Agreement.fields.through
    for agreement, row in zip(agreements, rows, strict=True):
        first, second, group = (part.strip() for part in row[6].split(";"))
        parties += [
            models.AgreementParty(agreement=agreement, institution_id=institutions[first]),
            models.AgreementParty(agreement=agreement, institution_id=institutions[second]),
            models.AgreementParty(agreement=agreement, description=group[1 : group.index("»")], country=kz),
        ]
        links.append(through(agreement_id=agreement.pk, fieldofstudy_id=fields_[row[5]]))
    models.AgreementParty.objects.bulk_create(parties, batch_size=2000)
    through.objects.bulk_create(links, batch_size=2000)


def delete_agreements():
    models.Agreement.objects.filter(slug__startswith="bench-agr-").delete()


def bench_agreements(table, client):
    data = xlsx_bytes(AGREEMENT_HEADERS, list(agreement_rows(AGREEMENT_ROWS)))
    baseline = median_time(lambda: baseline_agreement_import(data), prepare=delete_agreements)
    ours = median_time(lambda: admin_agreement_import(client, data), prepare=delete_agreements)
    table.add(
        "admin import agreements with parties (preview + confirm)",
        AGREEMENT_ROWS,
        ours,
        baseline,
        "<= 3x",
        baseline_name="openpyxl read-only + bulk_create",
    )
    delete_agreements()


# --- exports ----------------------------------------------------------------------------------


def export_queryset():
    return InstitutionResource().get_queryset().order_by("pk")


def our_export(file_format):
    """Export as the admin does: rows streamed from the resource to the format's writer."""
    rows = InstitutionResource().export(
        queryset=export_queryset(), force_native_type=file_format.native_types, streamed=True
    )
    return file_format.export_data(rows)


#: The export's columns as one values_list query: the floor no export can beat.
FLOOR_COLUMNS = [
    "slug", "name", "name_ru", "name_en", "name_kk", "acronyms", "aliases", "kind", "country__code",
    "region__country__code", "region__name", "city", "website", "ror_id", "wikidata_id",
    "founded_year", "is_active", "is_published", "notes",
]  # fmt: skip
#: The cells of a floor row that hold text from the records: the formula guard every export
#: applies looks at these (not at the kind's label, the year or yes/no), and so does the XLSX
#: writer's replacing of characters XML cannot hold.
FLOOR_TEXT = [0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 17]


def export_values():
    """Yield the export's header and rows from one values_list query, formatted as cheaply as
    possible, each text cell through the formula guard: the file the admin export writes."""
    yield InstitutionResource().get_export_headers()
    yes_no = {True: "да", False: "нет"}
    for row in export_queryset().values_list(*FLOOR_COLUMNS).iterator(chunk_size=2000):
        (
            *head,
            kind,
            country,
            region_code,
            region_name,
            city,
            site,
            ror,
            wikidata,
            year,
            active,
            public,
            notes,
        ) = row
        region = f"{region_code}: {region_name}" if region_code else ""
        cells = [*head, KIND_LABELS[kind], country, region, city, site, ror, wikidata, year, yes_no[active],
                 yes_no[public], notes]  # fmt: skip
        for index in FLOOR_TEXT:
            if cells[index][:1] in GUARD_START and needs_guard(cells[index]):
                cells[index] = "'" + cells[index]
        yield cells


def baseline_xlsx():
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for values in export_values():
        for index in FLOOR_TEXT:
            values[index] = ILLEGAL_CHARACTERS_RE.sub("\ufffd", values[index])
        sheet.append(values)
    workbook.save(io.BytesIO())


def baseline_csv():
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows(export_values())
    return out.getvalue().encode("utf-8-sig")


def bench_reconcile(table, count=1000):
    """Match `count` names (Russian and English names, acronyms) against the large registry."""
    from registry.matching import match

    rows = list(institution_rows(LARGE - SMALL, seed=2))
    step = max(1, len(rows) // count)
    names = []
    for i, row in enumerate(rows[::step][:count]):
        names.append([row["name_ru"], row["name_en"], row["acronyms"].split(";")[0]][i % 3])
    plain = median_time(lambda: [list(models.Institution.objects.search(name)[:5]) for name in names])
    ours = median_time(lambda: [match(models.Institution, name) for name in names])
    table.add(
        f"reconcile {len(names)} names",
        LARGE,
        ours,
        plain,
        "<= 1x",
        baseline_name=f"{len(names)} plain searches",
    )


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
            f"<= {'1.2' if name == 'XLSX' else '1.3'}x, peak < 300 MB",
            memory=memory,
            baseline_name=f"values_list + {'openpyxl write-only' if name == 'XLSX' else 'csv.writer'}",
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


#: Pages whose totals are counted over whole tables once per change (registry/cache.py,
#: shared_totals); the rows above time them as every reader after the first sees them.
COLD_PAGES = ["/", "/sources/", "/agreements/?country=KZ", "/map/"]


def measure_cold(client, url):
    """Time a page with the shared totals counted afresh, as the first reader after a change."""
    settings.PUBLIC_TOTALS_CACHE_SECONDS = 0
    try:
        return measure_page(client, url)
    finally:
        settings.PUBLIC_TOTALS_CACHE_SECONDS = 300


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
        call_command("loaddata", "fixtures/reference.json", "fixtures/tass-2025-11-12.json", verbosity=0)
        reference_data()

        bench_import(table, client)

        # Public pages as an anonymous reader sees them, with the page cache off: the worst case.
        settings.PUBLIC_PAGE_CACHE_SECONDS = 0
        reader = Client()
        generate(SMALL, seed=1)
        public_pages = public_page_urls()
        small = {name: measure_page(client, url) for name, url in PAGES.items()}
        small_public = {name: measure_page(reader, url) for name, url in public_pages.items()}
        small_cold = {url: measure_cold(reader, url) for url in COLD_PAGES}
        bench_agreements(table, client)
        small_dump = measure_dump()
        generate(LARGE - SMALL, seed=2)
        large = {name: measure_page(client, url) for name, url in PAGES.items()}
        large_public = {name: measure_page(reader, url) for name, url in public_pages.items()}
        for url in COLD_PAGES:
            (t_small, q_small), (t_large, q_large) = small_cold[url], measure_cold(reader, url)
            table.add(
                f"public {url}, totals not yet counted",
                LARGE,
                t_large,
                t_small,
                "none: the first reader after a change",
                queries=f"{q_small} -> {q_large}",
                baseline_name=f"same at {SMALL}",
            )
        for name in public_pages:
            (t_small, q_small), (t_large, q_large) = small_public[name], large_public[name]
            table.add(
                f"public {name}",
                LARGE,
                t_large,
                t_small,
                "<= 2x, equal queries",
                queries=f"{q_small} -> {q_large}",
                baseline_name=f"same page at {SMALL}",
            )
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
        for name, baseline in [
            ("public search, Latin q=", "public list /institutions/"),
            ("public search, agreements by party q=", "public list /agreements/"),
        ]:
            (t_search, q_search), (t_list, _) = large[name], large[baseline]
            table.add(
                name,
                LARGE,
                t_search,
                t_list,
                "<= 3x",
                queries=q_search,
                baseline_name=f"unfiltered list at {LARGE}",
            )
        bench_reconcile(table)
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


def public_page_urls():
    """Every public page: the overview, each list with each of its filters, each kind of detail page."""
    region = models.Region.objects.get(country__code="KZ", name="Алматы").pk
    return {
        "overview /": "/",
        "/institutions/": "/institutions/",
        "/institutions/?country=": "/institutions/?country=KZ",
        "/institutions/?region=": f"/institutions/?region={region}",
        "/institutions/?kind=": "/institutions/?kind=college",
        "/institutions/?is_active=": "/institutions/?is_active=true",
        "/institutions/?field=": "/institutions/?field=0713",
        "/institutions/?founded=": "/institutions/?founded=2000",
        "/institutions/?ordering=": "/institutions/?ordering=-founded",
        "/institutions/?city=": "/institutions/?city=%D0%90%D0%BB%D0%BC%D0%B0%D1%82%D1%8B",
        "/institutions/?page=deep": "/institutions/?page=last",
        "/branches/": "/branches/",
        "/branches/?country=": "/branches/?country=KZ",
        "/branches/?region=": f"/branches/?region={region}",
        "/branches/?status=": "/branches/?status=operating",
        "/branches/?field=": "/branches/?field=0713",
        "/branches/?institution=<code>": "/branches/?institution=msu",
        "/branches/?institution=<words>": "/branches/?institution=%D1%8D%D0%BD%D0%B5%D1%80%D0%B3",
        "/branches/?opened=": "/branches/?opened=2000",
        "/branches/?city=": "/branches/?city=%D0%90%D0%BB%D0%BC%D0%B0%D1%82%D1%8B",
        "/agreements/": "/agreements/",
        "/agreements/?kind=": "/agreements/?kind=memorandum",
        "/agreements/?status=": "/agreements/?status=signed",
        "/agreements/?field=": "/agreements/?field=0713",
        "/agreements/?country=": "/agreements/?country=KZ",
        "/agreements/?year=": "/agreements/?year=2020",
        "/agreements/?region=": f"/agreements/?region={region}",
        "/programmes/": "/programmes/",
        "/programmes/?kind=": "/programmes/?kind=training",
        "/programmes/?status=": "/programmes/?status=proposed",
        "/programmes/?field=": "/programmes/?field=0713",
        "/programmes/?country=": "/programmes/?country=KZ",
        "/programmes/?year=": "/programmes/?year=2025",
        "/programmes/?region=": f"/programmes/?region={region}",
        "/sources/": "/sources/",
        "/sources/?publisher=": "/sources/?publisher=%D0%A2%D0%90%D0%A1%D0%A1",
        "/sources/?language=": "/sources/?language=ru",
        "/sources/?year=": "/sources/?year=2025",
        "map /map/": "/map/",
        "map /map/?country=": "/map/?country=KZ",
        "institution page": "/institutions/msu/",
        "branch page": "/branches/msu-kazakhstan/",
        "agreement page": "/agreements/orenburg-samara-kz-technical/",
        "programme page": "/programmes/ru-kz-technical-training/",
        "indicator page": "/indicators/kz-students-in-russia/",
        "source page": "/sources/tass-2025-11-12/",
    }


PAGES = {
    "public list /institutions/": "/institutions/",
    "public search q=": "/institutions/?q=%D1%8D%D0%BD%D0%B5%D1%80%D0%B3%D0%B5%D1%82%D0%B8%D0%BA%D0%B8",
    "admin changelist": "/admin/registry/institution/",
    # Latin letters find Cyrillic names ("energeticheskiy" → энергетический).
    "public search, Latin q=": "/institutions/?q=energeticheskiy",
    "public list /agreements/": "/agreements/",
    # An agreement is found by its parties' names, matched in the query.
    "public search, agreements by party q=": "/agreements/?" + urlencode({"q": "энергетический"}),
    "API list /api/v1/institutions/": "/api/v1/institutions/",
}

if __name__ == "__main__":
    main()
