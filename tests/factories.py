"""Small helpers that make registry records for tests, each with sensible defaults."""

import datetime
import itertools
from decimal import Decimal

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


def drafts_inside_published_records():
    """Put a draft inside a published record of every kind; every draft's text contains "Тайн".

    Return the published records that hold them.
    """
    ru = country("RU", "Россия", "Russia")
    field = field_of_study("0788", "Междисциплинарные программы", "Inter-disciplinary programmes")
    public_source = source(slug="open-source", title="Открытая статья")
    draft_source = source(slug="tainy-source", title="Тайная статья", is_published=False)
    draft_institution = institution(
        slug="tainy-uni", name_ru="Тайный вуз", name_en="Tainy university", country=ru, is_published=False
    )
    agreement_ = agreement(parties=0, slug="open-agreement", title="Открытое соглашение")
    models.AgreementParty.objects.create(agreement=agreement_, institution=draft_institution)
    models.AgreementParty.objects.create(agreement=agreement_, description="вузы области", country=ru)
    # A step only a draft source backs: its date and note are the draft's claim, not public.
    models.AgreementStatusStep.objects.create(
        agreement=agreement_,
        status="signed",
        date=datetime.date(2031, 1, 1),
        source=draft_source,
        note="Тайный этап",
    )
    draft_model = programme(slug="tainy-model", title="Тайная программа-образец", is_published=False)
    draft_model.fields.add(field)
    programme_ = programme(slug="open-programme", title="Открытая программа", modelled_on=draft_model)
    models.ProgrammeStatusStep.objects.create(
        programme=programme_,
        status="proposed",
        date=datetime.date(2031, 2, 3),
        source=draft_source,
        note="Тайный этап программы",
    )
    models.ProgrammeParticipant.objects.create(programme=programme_, institution=draft_institution)
    parent = institution(slug="open-parent", name_ru="Открытый вуз", country=ru)
    draft_branch = branch(slug="tainy-branch", name="Тайный филиал", institution=parent, is_published=False)
    draft_branch.fields.add(field)
    orphan = branch(slug="tainy-orphan", name="Тайный филиал черновика", institution=draft_institution)
    orphan.fields.add(field)
    draft_indicator = indicator(slug="tainy-indicator", title="Тайный показатель", is_published=False)
    for record in (parent, agreement_, programme_):
        models.Citation.objects.create(
            source=draft_source, quote="Тайная цитата", **{record._meta.model_name: record}
        )
        models.Citation.objects.create(
            source=public_source, quote="Открытая цитата", **{record._meta.model_name: record}
        )
    for record in (draft_institution, draft_branch, orphan, draft_model, draft_indicator):
        models.Citation.objects.create(
            source=public_source, quote="Тайная цитата черновика", **{record._meta.model_name: record}
        )
    return {"institution": parent, "agreement": agreement_, "programme": programme_, "source": public_source}


def every_kind_of_value():
    """Add records holding every kind of cell an export writes: many-to-many values, parties and
    groups, dates, yes and no, empty values, text a spreadsheet would run (= + - @ tab, a leading
    apostrophe), negative and whole decimals, Kazakh letters, a character XML cannot hold."""
    kz, ru = country(), country("RU", "Россия", "Russia")
    almaty = region("Алматы", "KZ", name_kk="Алматы қаласы")
    orenburg = region("Оренбургская область", "RU", kind=models.Region.Kind.OBLAST, name_en="=Orenburg")
    energy, design = field_of_study(), field_of_study("0212", "Дизайн", "-Design")
    odd = institution(
        slug="every-value",
        name="=1+1",
        name_ru="+7 495 Университет",
        name_en="-2+3",
        name_kk="Әл-Фараби атындағы Қазақ ұлттық университеті",
        acronyms="@SUM(A1); ҚазҰУ",
        aliases="\tтаб\n'=уже с апострофом",
        kind=models.Institution.Kind.RESEARCH_CENTRE,
        country=kz,
        region=almaty,
        city="\rАлматы",
        website="https://kaznu.kz/",
        ror_id="05aaaaa11",
        wikidata_id="Q4200001",
        founded_year=1934,
        is_active=False,
        is_published=False,
        notes="звонок\x07 внутри",
    )
    plain = institution(slug="every-empty", name_ru="Пустой вуз", name_en="", country=ru, founded_year=None)
    branch_ = branch(
        slug="every-branch",
        institution=odd,
        name="-Филиал",
        country=kz,
        region=almaty,
        status=models.Branch.BranchStatus.PLANNED,
        opened_year=2024,
        notes="'",
    )
    branch_.fields.add(design, energy)
    agreement_ = agreement(
        parties=0,
        slug="every-agreement",
        title="+Соглашение",
        title_en="Agreement; with «quotes»",
        agreed_on=datetime.date(2024, 2, 29),
        signed_on=datetime.date(1999, 12, 31),
        valid_from=None,
        valid_until=datetime.date(2030, 1, 1),
        is_published=False,
    )
    agreement_.fields.add(energy)
    models.AgreementParty.objects.create(agreement=agreement_, institution=plain)
    models.AgreementParty.objects.create(agreement=agreement_, description="вузы; области «Юг»", country=kz)
    models.AgreementParty.objects.create(agreement=agreement_, description="=группа без страны")
    models.AgreementParty.objects.create(agreement=agreement_, institution=odd)
    model_ = programme(slug="every-model", title="Образец")
    programme_ = programme(
        slug="every-programme",
        title="@Программа",
        proposed_by="=кто-то",
        proposed_at="Астана",
        proposed_on=datetime.date(2025, 1, 9),
        modelled_on=model_,
        aim="-цель",
    )
    programme_.target_countries.add(ru, kz)
    programme_.target_regions.add(orenburg, almaty)
    programme_.fields.add(energy, design)
    models.ProgrammeParticipant.objects.create(programme=programme_, institution=odd)
    models.ProgrammeParticipant.objects.create(programme=programme_, description="школы", country=ru)
    negative = indicator(slug="every-negative", title="-3.75", value=Decimal("-3.75"), is_approximate=True)
    negative.countries.add(kz, ru)
    negative.regions.add(almaty, orenburg)
    indicator(
        slug="every-whole", title="Целое", value=Decimal("10.00"), unit="%", institution_kinds="college"
    )
    indicator(slug="every-none", title="Без числа", value=None, statement="+много")
    publisher = source(slug="every-source", publisher="=ТАСС", title="Мақала", url="", language="kk")
    for record in (odd, branch_, agreement_, programme_, negative):
        models.Citation.objects.create(
            source=publisher, quote=f"-Цитата о {record.slug}", note="@", **{record._meta.model_name: record}
        )
