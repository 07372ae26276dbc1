"""Small helpers that make registry records for tests, each with sensible defaults."""

import datetime
import itertools

from registry import models

_counter = itertools.count(1)


def country(code="KZ", name_ru="Казахстан", name_en="Kazakhstan"):
    return models.Country.objects.get_or_create(code=code, defaults={"name_ru": name_ru, "name_en": name_en})[
        0
    ]


def region(name="Алматы", country_code="KZ", kind=models.Region.Kind.REPUBLICAN_CITY, **fields):
    return models.Region.objects.get_or_create(
        country=country(country_code), name=name, defaults={"kind": kind, **fields}
    )[0]


def field_of_study(code="0713", name_ru="Электротехника и энергетика", name_en="Electricity and energy"):
    return models.FieldOfStudy.objects.get_or_create(
        code=code, defaults={"name_ru": name_ru, "name_en": name_en}
    )[0]


def source(**fields):
    n = next(_counter)
    defaults = {
        "slug": f"source-{n}",
        "publisher": "ТАСС",
        "title": f"Статья {n}",
        "published_on": datetime.date(2025, 11, 12),
        "is_published": True,
    }
    return models.Source.objects.create(**{**defaults, **fields})


def institution(**fields):
    n = next(_counter)
    defaults = {
        "slug": f"institution-{n}",
        "name": f"Университет номер {n}",
        "name_ru": f"Университет номер {n}",
        "name_en": f"University number {n}",
        "kind": models.Institution.Kind.UNIVERSITY,
        "is_published": True,
    }
    values = {**defaults, **fields}
    values.setdefault("country", country())
    return models.Institution.objects.create(**values)


def branch(**fields):
    n = next(_counter)
    values = {"slug": f"branch-{n}", "name": f"Филиал номер {n}", "is_published": True, **fields}
    if "institution" not in values:  # not setdefault: that would make a spare institution every time
        values["institution"] = institution()
    values.setdefault("country", country())
    return models.Branch.objects.create(**values)


def agreement(parties=2, **fields):
    n = next(_counter)
    values = {
        "slug": f"agreement-{n}",
        "title": f"Соглашение номер {n}",
        "kind": models.Agreement.Kind.PARTNERSHIP,
        "status": models.Status.SIGNED,
        "is_published": True,
        **fields,
    }
    record = models.Agreement.objects.create(**values)
    for _ in range(parties):
        models.AgreementParty.objects.create(agreement=record, institution=institution())
    return record


def programme(**fields):
    n = next(_counter)
    values = {
        "slug": f"programme-{n}",
        "title": f"Программа номер {n}",
        "kind": models.Programme.Kind.TRAINING,
        "status": models.Status.PROPOSED,
        "is_published": True,
        **fields,
    }
    return models.Programme.objects.create(**values)


def indicator(**fields):
    n = next(_counter)
    values = {
        "slug": f"indicator-{n}",
        "title": f"Показатель {n}",
        "value": 10,
        "as_of": datetime.date(2025, 11, 12),
        "is_published": True,
        **fields,
    }
    return models.Indicator.objects.create(**values)


def record_of(model_name, another=False):
    """Return a new record of the registry model with that name (`another`: a second, distinct one)."""
    return {
        "country": lambda: (
            country("TJ", "Таджикистан", "Tajikistan")
            if another
            else country("UZ", "Узбекистан", "Uzbekistan")
        ),
        "region": lambda: region("Душанбе", "TJ") if another else region("Ташкент", "UZ"),
        "fieldofstudy": lambda: (
            field_of_study("0212", "Дизайн", "Design")
            if another
            else field_of_study("0211", "Медиа", "Media")
        ),
        "source": source,
        "institution": institution,
        "branch": branch,
        "agreement": agreement,
        "programme": programme,
        "indicator": indicator,
        "citation": lambda: models.Citation.objects.create(
            source=source(), quote="q", institution=institution()
        ),
    }[model_name]()
