"""match(model, text): codes, identifiers and any name find their record; else the nearest."""

import pytest

from registry import models
from registry.matching import match
from tests import factories


@pytest.mark.django_db
@pytest.mark.parametrize(
    "text, how",
    [
        ("msu", "code"),
        ("MSU", "code"),
        ("МГУ", "name"),
        ("мгу", "name"),
        ("mgu", "name"),
        ("Lomonosov Moscow State University", "name"),
        ("Московский государственный университет имени М. В. Ломоносова", "name"),
        ("МОСКОВСКИЙ ГОСУДАРСТВЕННЫЙ УНИВЕРСИТЕТ ИМЕНИ М.В. ЛОМОНОСОВА", "name"),
        ("М. В. Ломоносов атындағы Мәскеу мемлекеттік университеті", "name"),
    ],
)
def test_one_record_is_named_exactly(article, text, how):
    found = match(models.Institution, text)
    assert found.record.slug == "msu"
    assert found.exact[0].matched_on == how


@pytest.mark.django_db
@pytest.mark.parametrize(
    "text",
    [
        "Astana Technical School of Technical No. 14",
        "Технический колледж технический № 14",
        "Университет 1 2 3 4 5 6 7 8 9 10 11 12 13 14",
    ],
)
def test_a_name_with_a_repeated_word_or_many_words_is_named_exactly(text):
    # A name is matched whole, every word in its place: a search drops repeated words and
    # stops at MAX_SEARCH_WORDS, which once made these "not found" with themselves as nearest.
    record = factories.institution(name_en=text) if text.isascii() else factories.institution(name_ru=text)
    factories.institution(name_ru="Университет 1 2 3 4 5 6 7 8 9 10 11 12 13 15")
    found = match(models.Institution, text)
    assert found.record == record and found.exact[0].matched_on == "name"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "text", ["010pmpe69", "https://ror.org/010pmpe69", "Q13164", "https://www.wikidata.org/wiki/Q13164"]
)
def test_ror_and_wikidata_ids_name_a_record(text):
    record = factories.institution(ror_id="010pmpe69", wikidata_id="Q13164")
    assert match(models.Institution, text).record == record


@pytest.mark.django_db
def test_a_name_two_records_share_is_ambiguous_and_lists_both_codes():
    first = factories.institution(slug="atu-almaty", acronyms="АТУ")
    second = factories.institution(slug="atu-astana", acronyms="АТУ")
    found = match(models.Institution, "АТУ")
    assert found.record is None
    assert {c.record for c in found.exact} == {first, second}
    assert "atu-almaty" in found.explain() and "atu-astana" in found.explain()


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["Московский государственый университет", "Ломоносва", "Moscow State Univ"])
def test_a_misspelt_name_gets_the_nearest_candidates(article, text):
    found = match(models.Institution, text)
    assert found.record is None
    assert found.nearest and found.nearest[0].record.slug == "msu"
    assert found.nearest[0].score < 100  # only a name given exactly scores 100
    assert "msu" in found.explain()


@pytest.mark.django_db
def test_nothing_like_it_says_so(article):
    found = match(models.Institution, "Zzyzx qwv")
    assert found.record is None and not found.candidates
    assert "не найдено" in found.explain()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "model, text, expected",
    [
        (models.Country, "kz", "KZ"),
        (models.Country, "Казахстана", "KZ"),
        (models.Country, "казахстан", "KZ"),
        (models.Country, "Kazakhstan", "KZ"),
        (models.FieldOfStudy, "0713", "0713"),
        (models.Region, "RU: оренбургская область", "Оренбургская область"),
        (models.Region, "Оренбургская область", "Оренбургская область"),
    ],
)
def test_reference_data_is_matched_by_code_or_name(article, model, text, expected):
    record = match(model, text).record
    assert expected in (getattr(record, "code", None), getattr(record, "name", None))


@pytest.mark.django_db
def test_a_queryset_narrows_the_match(article):
    kz = models.Country.objects.get(code="KZ")
    assert (
        match(models.Institution, "МГУ", queryset=models.Institution.objects.filter(country=kz)).record
        is None
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "text, related",
    [
        ("Казахский национальный университет имени аль-Фараби", set()),
        ("Moscow State University", {"msu"}),
        ("Әл-Фараби", set()),
    ],
)
def test_common_words_do_not_make_unrelated_names_close(article, text, related):
    found = match(models.Institution, text)
    assert found.record is None
    close = {candidate.code: candidate.score for candidate in found.candidates if candidate.score >= 70}
    assert set(close) <= related, close


@pytest.mark.django_db
@pytest.mark.parametrize(
    "extra",
    [
        " extra",  # a word the name lacks
        " в городе Москве Россия прежде называвшийся иначе совсем давно",  # the query passes 12 words
    ],
)
def test_a_name_with_words_it_lacks_still_finds_its_record_first(extra):
    # 260 names share every word but the number; the one asked for is beyond the first 200 records.
    country = factories.country()
    models.Institution.objects.bulk_create(
        models.Institution(
            slug=f"mining-{n}",
            name=f"Университет горный (г. Москва) №{n}",
            name_ru=f"Университет горный (г. Москва) №{n}",
            country=country,
        )
        for n in range(1, 261)
    )
    found = match(models.Institution, f"Университет горный (г. Москва) №250{extra}")
    assert found.record is None
    assert found.nearest[0].record.slug == "mining-250"
