"""Search understands names: Latin and Cyrillic, Kazakh letters, Russian word forms, ranking."""

import pytest

from registry import models
from registry.search import normalise_for_search, search_document
from tests import factories


def slugs(queryset):
    return list(queryset.values_list("slug", flat=True))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query, slug",
    [
        ("mgu", "msu"),
        ("MGU", "msu"),
        ("Lomonosov", "msu"),
        ("lomonosova", "msu"),
        ("Moskovskiy gosudarstvennyy", "msu"),
        ("moskovskii gosudarstvennii", "msu"),
        ("Skolkovo", "skoltech"),
        ("Skolkovskiy institut", "skoltech"),
        ("skolkovskij", "skoltech"),
        ("Skolkovsky", "skoltech"),
        ("Rossiyskaya akademiya narodnogo khozyaystva", "ranepa"),
        ("Rossiiskaia akademiia narodnogo hoziaistva", "ranepa"),
        ("ranhigs", "ranepa"),
        ("Mendeleeva", "muctr"),
        ("Almatinskiy tekhnologicheskiy", "atu"),
    ],
)
def test_latin_spellings_find_cyrillic_names(article, query, slug):
    assert slug in slugs(models.Institution.objects.search(query))


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["Алматы технологиялық", "Алматы технологиялык", "АЛМАТЫ ТЕХНОЛОГИЯЛЫҚ"])
def test_kazakh_letters_fold_onto_russian_ones(article, query):
    assert slugs(models.Institution.objects.search(query)) == ["atu"]


@pytest.mark.django_db
def test_kazakh_names_and_their_russian_spellings_find_each_other():
    record = factories.institution(
        name_ru="Казахский национальный университет имени аль-Фараби",
        name_kk="Әл-Фараби атындағы Қазақ ұлттық университеті",
        name_en="Al-Farabi Kazakh National University",
    )
    for query in ["Әл-Фараби", "аль-Фараби", "Al-Farabi", "al farabi kazakh national university", "ұлттық"]:
        assert list(models.Institution.objects.search(query)) == [record], query


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["оренбургских вузов", "оренбургский", "Оренбургской", "Orenburgskoy"])
def test_russian_word_forms_find_the_same_records(article, query):
    assert slugs(models.Agreement.objects.search(query)) == ["orenburg-samara-kz-technical"]


def test_the_query_and_the_indexed_text_are_made_by_one_function():
    document = search_document(["Вузы Оренбургской области"])
    assert all(word in document for word in normalise_for_search("оренбургских вузов").split())
    assert normalise_for_search("Skolkovo") in search_document(["Сколковский институт"])


@pytest.mark.django_db
def test_an_exact_acronym_comes_first_then_a_name_that_starts_with_the_query():
    other = factories.institution(name_ru="Институт мировой экономики", acronyms="ИМЭ")
    starts = factories.institution(name_ru="Мгу-подобный институт", acronyms="")
    exact = factories.institution(name_ru="Большой университет", acronyms="МГУ")
    other.notes = "мгу"
    other.aliases = "Бывший филиал МГУ"
    other.save()
    assert list(models.Institution.objects.search("мгу")) == [exact, starts, other]
    assert list(models.Institution.objects.search("mgu")) == [exact, starts, other]


@pytest.mark.django_db
def test_public_list_ranks_the_exact_name_first(client, article):
    factories.institution(slug="aaa-mgu", name_ru="Ааа филиал МГУ", is_published=True)
    response = client.get("/institutions/", {"q": "МГУ"})
    assert [record.slug for record in response.context["object_list"]][:1] == ["msu"]


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["Ломоносова", "МГУ", "mgu", "Lomonosov"])
def test_agreements_and_programmes_are_found_by_their_parties_names(query):
    msu = factories.institution(
        name_ru="Московский государственный университет имени М. В. Ломоносова", acronyms="МГУ; MSU"
    )
    agreement = factories.agreement(parties=1, title="Соглашение о двойных дипломах")
    models.AgreementParty.objects.create(agreement=agreement, institution=msu)
    programme = factories.programme(title="Летняя школа")
    models.ProgrammeParticipant.objects.create(programme=programme, institution=msu)
    models.ProgrammeParticipant.objects.create(programme=programme, institution=msu, role="ещё раз")
    factories.agreement(title="Другое соглашение")
    assert list(models.Agreement.objects.search(query)) == [agreement]
    assert list(models.Programme.objects.search(query)) == [programme]


@pytest.mark.django_db
def test_a_party_renamed_makes_its_agreements_findable_by_the_new_name():
    agreement = factories.agreement(title="Меморандум")
    party = agreement.parties.first().institution
    party.acronyms = "ЕНУ"
    party.save()
    assert list(models.Agreement.objects.search("ену")) == [agreement]
