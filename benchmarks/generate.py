"""Realistic registries of any size, the same every time for a seed; fast through bulk_create.

Used by `make bench`, `make load` and the tests. Names mix Cyrillic and Latin with acronyms, as
real records do, so search and sorting are exercised the way staff and visitors use them.
"""

import datetime
import io
import random

from django.db import connection, transaction

CITIES = {
    "RU": [
        ("Москва", "Moscow"),
        ("Санкт-Петербург", "Saint Petersburg"),
        ("Оренбург", "Orenburg"),
        ("Самара", "Samara"),
        ("Новосибирск", "Novosibirsk"),
        ("Екатеринбург", "Yekaterinburg"),
        ("Казань", "Kazan"),
        ("Омск", "Omsk"),
    ],
    "KZ": [
        ("Алматы", "Almaty"),
        ("Астана", "Astana"),
        ("Караганда", "Karaganda"),
        ("Шымкент", "Shymkent"),
        ("Актобе", "Aktobe"),
        ("Павлодар", "Pavlodar"),
        ("Усть-Каменогорск", "Oskemen"),
    ],
}
KINDS = [
    ("университет", "University", "У", "university"),
    ("академия", "Academy", "А", "academy"),
    ("институт", "Institute", "И", "institute"),
    ("колледж", "College", "К", "college"),
    ("техникум", "Technical School", "Т", "technikum"),
]
SUBJECTS = [
    ("технический", "Technical", "Т"),
    ("нефтегазовый", "Oil and Gas", "НГ"),
    ("энергетический", "Power Engineering", "Э"),
    ("педагогический", "Pedagogical", "П"),
    ("аграрный", "Agrarian", "А"),
    ("химико-технологический", "Chemical Technology", "ХТ"),
    ("горный", "Mining", "Г"),
    ("транспортный", "Transport", "ТР"),
    ("медицинский", "Medical", "М"),
    ("экономический", "Economic", "Э"),
    ("строительный", "Civil Engineering", "С"),
]
#: The columns staff typically fill in for institutions (a subset of the resource's).
INSTITUTION_HEADERS = [
    "Код записи",
    "Официальное название",
    "Название по-русски",
    "Название по-английски",
    "Сокращения",
    "Вид",
    "Страна",
    "Регион",
    "Город",
    "Год основания",
    "Действует",
    "Опубликовано",
]


def xlsx_bytes(headers, rows):
    """A workbook as Excel saves it (a normal, not write-only, sheet records its dimensions)."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


FIELDS = ["0413", "0531", "0533", "0612", "0613", "0710", "0711", "0713", "0714", "0788"]


def reference_data():
    """Countries, regions (a city each) and fields of study that generated records refer to."""
    from registry import models

    countries = {}
    for code, ru, en in [("RU", "Россия", "Russia"), ("KZ", "Казахстан", "Kazakhstan")]:
        countries[code] = models.Country.objects.get_or_create(
            code=code, defaults={"name_ru": ru, "name_en": en}
        )[0]
    regions = {}
    for code, cities in CITIES.items():
        for ru, en in cities:
            regions[(code, ru)] = models.Region.objects.get_or_create(
                country=countries[code], name=ru, defaults={"name_en": en, "kind": "other"}
            )[0]
    fields = []
    for field_code in FIELDS:
        fields.append(
            models.FieldOfStudy.objects.get_or_create(
                code=field_code,
                defaults={"name_ru": f"Направление {field_code}", "name_en": f"Field {field_code}"},
            )[0]
        )
    return countries, regions, fields


def institution_rows(count, seed=1):
    """Yield plain dicts describing `count` institutions: also the rows of benchmark spreadsheets."""
    rng = random.Random(seed)
    for n in range(count):
        code = "RU" if n % 3 else "KZ"
        city_ru, city_en = rng.choice(CITIES[code])
        kind_ru, kind_en, kind_letter, kind = rng.choice(KINDS)
        subject_ru, subject_en, subject_letter = rng.choice(SUBJECTS)
        acronym = f"{city_ru[0]}{subject_letter}{kind_letter}-{n}"
        yield {
            "slug": f"gen-{seed}-{n}",
            "name_ru": f"{kind_ru.capitalize()} {subject_ru} (г. {city_ru}) №{n}",
            "name_en": f"{city_en} {kind_en} of {subject_en} No. {n}",
            "acronyms": f"{acronym}; {acronym.upper()}",
            "kind": kind,
            "country": code,
            "region": (code, city_ru),
            "city": city_ru,
            "founded_year": rng.randint(1900, 2020),
            "is_published": rng.random() > 0.1,
        }


def generate(count, seed=1):
    """Create `count` institutions with about as many branches, agreements, programmes and quotes."""
    counts = write(count, seed)
    if connection.vendor == "postgresql":
        # As autovacuum would within a minute of so many inserts (PostgreSQL 13 and later vacuum
        # after inserts too): pages are timed as readers meet them, not in that minute. Vacuum
        # sets the visibility map that lets a deep list page read its keys from the index alone;
        # inside a transaction (the tests) only ANALYZE may run. (SQLite keeps no statistics; its
        # lists' indexes are made for a planner without them: models.list_order_indexes.)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
    return counts


@transaction.atomic
def write(count, seed):
    from registry import models  # here, so that institution_rows() needs no Django set-up

    rng = random.Random(seed)
    countries, regions, fields = reference_data()
    source = models.Source.objects.get_or_create(
        slug=f"generated-{seed}",
        defaults={
            "publisher": "Генератор",
            "title": "Сгенерированные данные",
            "is_published": True,
            "published_on": datetime.date(2025, 11, 12),
        },
    )[0]
    institutions = models.Institution.objects.bulk_create(
        [
            models.Institution(
                slug=row["slug"],
                name=row["name_ru"],
                name_ru=row["name_ru"],
                name_en=row["name_en"],
                acronyms=row["acronyms"],
                kind=row["kind"],
                country=countries[row["country"]],
                region=regions[row["region"]],
                city=row["city"],
                founded_year=row["founded_year"],
                is_published=row["is_published"],
            )
            for row in institution_rows(count, seed)
        ],
        batch_size=2000,
    )
    branches = models.Branch.objects.bulk_create(
        [
            models.Branch(
                slug=f"gen-{seed}-branch-{n}",
                institution=parent,
                name=f"Филиал: {parent.name_ru}",
                name_en=f"Branch of {parent.name_en}",
                country=countries["KZ"],
                city=rng.choice(CITIES["KZ"])[0],
                status=rng.choice(models.Branch.BranchStatus.values),
                is_published=parent.is_published,
            )
            for n, parent in enumerate(institutions[: max(1, count // 4)])
        ],
        batch_size=2000,
    )
    models.Branch.fields.through.objects.bulk_create(
        [models.Branch.fields.through(branch=b, fieldofstudy=rng.choice(fields)) for b in branches],
        batch_size=2000,
    )
    agreements = models.Agreement.objects.bulk_create(
        [
            models.Agreement(
                slug=f"gen-{seed}-agreement-{n}",
                title=f"Соглашение о сотрудничестве №{n}",
                title_en=f"Cooperation agreement No. {n}",
                kind=rng.choice(models.Agreement.Kind.values),
                status=rng.choice(models.Status.values),
                signed_on=datetime.date(2015 + n % 11, 1 + n % 12, 1),
                is_published=rng.random() > 0.1,
            )
            for n in range(max(1, count // 4))
        ],
        batch_size=2000,
    )
    models.AgreementParty.objects.bulk_create(
        [
            models.AgreementParty(agreement=a, institution=rng.choice(institutions))
            for a in agreements
            for _ in range(2)
        ],
        batch_size=2000,
    )
    programmes = models.Programme.objects.bulk_create(
        [
            models.Programme(
                slug=f"gen-{seed}-programme-{n}",
                title=f"Программа подготовки кадров №{n}",
                title_en=f"Training programme No. {n}",
                kind=rng.choice(models.Programme.Kind.values),
                status=rng.choice(models.Status.values),
                is_published=rng.random() > 0.1,
            )
            for n in range(max(1, count // 10))
        ],
        batch_size=2000,
    )
    models.Programme.target_countries.through.objects.bulk_create(
        [models.Programme.target_countries.through(programme=p, country=countries["KZ"]) for p in programmes]
    )
    models.Citation.objects.bulk_create(
        [
            models.Citation(source=source, quote=f"Цитата о записи {i.slug}", institution=i)
            for i in institutions
        ],
        batch_size=2000,
    )
    return {
        "institutions": len(institutions),
        "branches": len(branches),
        "agreements": len(agreements),
        "programmes": len(programmes),
    }
