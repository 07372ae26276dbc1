"""The TASS article of 2025-11-12, recorded as fixtures: every claim with its verbatim quote."""

import datetime
import io
from pathlib import Path

import pytest
from django.core.management import call_command

from registry import models
from tests.conftest import ARTICLE_FIXTURES

#: The article as published, committed beside the fixtures that quote it.
ARTICLE = Path(__file__).resolve().parents[1] / "fixtures/sources/tass-2025-11-12.txt"


def dump():
    out = io.StringIO()
    call_command("dumpdata", "registry", natural_foreign=True, natural_primary=True, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_loading_the_fixtures_twice_changes_nothing(article):
    before = dump()
    call_command("loaddata", *ARTICLE_FIXTURES, verbosity=0)
    assert dump() == before


def quotes_of(record):
    return " ".join(record.citations.values_list("quote", flat=True))


@pytest.mark.django_db
class TestClaims:
    def test_c1_the_proposed_joint_programme(self, article):
        programme = models.Programme.objects.get(slug="ru-kz-technical-training")
        assert programme.status == models.Status.PROPOSED
        assert programme.kind == models.Programme.Kind.PROPOSED_JOINT
        assert "Путин" in programme.proposed_by
        assert "Токаев" in programme.proposed_at and "Форум" in programme.proposed_at
        assert str(programme.proposed_on) == "2025-11-12"
        assert programme.modelled_on.slug == "professionalitet"
        assert set(programme.target_countries.values_list("code", flat=True)) == {"RU", "KZ"}
        assert "обмен" in programme.aim
        assert "для регионов обеих стран" in quotes_of(programme)
        step = programme.status_steps.get()
        assert (step.status, str(step.date), step.source.slug) == (
            "proposed",
            "2025-11-12",
            "tass-2025-11-12",
        )

    def test_c2_professionalitet(self, article):
        programme = models.Programme.objects.get(slug="professionalitet")
        assert programme.kind == models.Programme.Kind.FEDERAL_PROJECT
        assert "три года" in quotes_of(programme)
        assert "трудоустройством" in programme.aim

    def test_c3_engineering_is_preferred(self, article):
        indicator = models.Indicator.objects.get(slug="kz-students-choose-engineering")
        assert indicator.value is None and "инженерным" in indicator.statement
        assert "инженерным дисциплинам" in quotes_of(indicator)

    def test_c4_about_55_000_students(self, article):
        indicator = models.Indicator.objects.get(slug="kz-students-in-russia")
        assert indicator.value == 55000 and indicator.is_approximate
        assert set(indicator.kind_list) == {"university", "college", "technikum"}
        assert set(indicator.regions.values_list("name", flat=True)) == {
            "Поволжье",
            "Сибирь",
            "Урал",
            "Москва",
            "Санкт-Петербург",
        }
        assert "55 тысяч" in quotes_of(indicator)

    def test_c5_eight_branches(self, article):
        indicator = models.Indicator.objects.get(slug="ru-university-branches-in-kz")
        assert indicator.value == 8
        assert "восьми крупных российских университетов" in quotes_of(indicator)

    def test_c6_three_branches_named_with_their_city_left_blank(self, article):
        branches = models.Branch.objects.select_related("institution").order_by("slug")
        assert [b.institution.slug for b in branches] == ["mephi", "msu", "muctr"]
        for branch in branches:
            assert branch.country.code == "KZ" and branch.city == ""
            assert "не назван" in branch.notes
            assert "МГУ, Московский инженерно-физический институт" in quotes_of(branch)

    def test_c7_skoltech_cooperates_under_no_named_agreement(self, article):
        agreement = models.Agreement.objects.get(slug="skoltech-kz-partners")
        assert agreement.parties.filter(institution__slug="skoltech").exists()
        assert "Сколковский институт" in quotes_of(agreement)
        assert (agreement.kind, agreement.status) == ("unstated", "unknown")
        assert not agreement.status_steps.exists()
        assert list(models.Agreement.objects.published().named()) == [
            models.Agreement.objects.get(slug="orenburg-samara-kz-technical")
        ]

    def test_c8_the_atu_project_without_an_invented_russian_side(self, article):
        programme = models.Programme.objects.get(slug="atu-specialists")
        assert programme.status == models.Status.IN_DEVELOPMENT
        assert [p.institution.slug for p in programme.participants.all()] == ["atu"]
        assert set(programme.fields.values_list("code", flat=True)) == {"0612", "0613", "0713", "0714"}
        assert "не названа" in programme.notes
        assert "искусственного интеллекта" in quotes_of(programme)

    def test_c9_ranepa_trains_kazakh_managers(self, article):
        programme = models.Programme.objects.get(slug="ranepa-kz-managers")
        assert programme.participants.filter(institution__slug="ranepa").exists()
        assert "управленцев" in quotes_of(programme)

    def test_c10_collective_parties_not_invented_institutions(self, article):
        agreement = models.Agreement.objects.get(slug="orenburg-samara-kz-technical")
        parties = list(agreement.parties.all())
        assert len(parties) == 2 and all(p.institution_id is None for p in parties)
        assert {p.country.code for p in parties} == {"RU", "KZ"}
        assert set(parties[0].regions.values_list("name", flat=True)) == {
            "Оренбургская область",
            "Самарская область",
        }
        assert "Оренбургской и Самарской" in quotes_of(agreement)

    def test_c11_kazakhstan_among_the_leaders(self, article):
        indicator = models.Indicator.objects.get(slug="kz-student-exchanges")
        assert "лидеров" in indicator.statement
        assert "студенческие обмены" in quotes_of(indicator)

    def test_c12_the_source_itself(self, article):
        source = models.Source.objects.get(slug="tass-2025-11-12")
        assert (source.publisher, str(source.published_on)) == ("ТАСС", "2025-11-12")


@pytest.mark.django_db
def test_every_record_has_a_quote_that_is_verbatim_from_the_article(article):
    for model in (models.Institution, models.Branch, models.Agreement, models.Programme, models.Indicator):
        for record in model.objects.all():
            assert record.citations.exists(), record
            assert record.is_published
    text = ARTICLE.read_text(encoding="utf-8")
    source = models.Source.objects.get(slug="tass-2025-11-12")
    assert source.text == text
    assert text.startswith(source.title), "the article begins with its headline, no header before it"
    for quote in models.Citation.objects.values_list("quote", flat=True):
        assert quote in text


@pytest.mark.django_db
class TestSayOnlyWhatTheSourceSays:
    def test_the_overview_counts_one_agreement_not_skoltechs_cooperation(self, client, article):
        counts = {c["url_name"]: c["total"] for c in client.get("/").context["counts"]}
        assert counts["agreement_list"] == 1

    def test_inferred_fields_are_marked_with_the_articles_words(self, client, article):
        text = models.Source.objects.get().text
        for slug in ("professionalitet", "ru-kz-technical-training", "ranepa-kz-managers", "atu-specialists"):
            programme = models.Programme.objects.get(slug=slug)
            assert programme.fields_wording in text
            page = client.get(programme.get_absolute_url()).content.decode()
            assert "отнесено реестром" in page and programme.fields_wording in page

    def test_status_steps_reported_on_the_article_date_say_as_of(self, client, article):
        step = models.AgreementStatusStep.objects.get(agreement__slug="orenburg-samara-kz-technical")
        assert step.date_meaning == "reported_on"
        page = client.get("/agreements/orenburg-samara-kz-technical/").content.decode()
        assert "по состоянию на 12 ноября 2025" in page

    def test_timestamps_are_the_load_time(self, article):
        from django.utils import timezone

        for model in (models.Institution, models.Branch, models.Programme, models.Citation):
            for record in model.objects.all():
                assert (timezone.now() - record.created_at).total_seconds() < 600
                assert record.created_at.date() != datetime.date(2025, 11, 12)

    def test_ranepa_note_quotes_the_article_and_its_wording_finds_it(self, client, article):
        ranepa = models.Institution.objects.get(slug="ranepa")
        assert "«Академия народного хозяйства России и государственные службы»" in ranepa.notes
        found = client.get("/institutions/", {"q": "народного хозяйства России и государственные службы"})
        assert [o.slug for o in found.context["object_list"]] == ["ranepa"]

    def test_branches_cite_the_sentence_that_says_they_operate(self, article):
        for branch in models.Branch.objects.all():
            assert "действуют филиалы восьми крупных российских университетов" in quotes_of(branch)

    def test_descriptive_branch_names_are_marked(self, client, article):
        assert set(models.Branch.objects.filter(name_is_descriptive=True).values_list("slug", flat=True)) == {
            "msu-kazakhstan",
            "mephi-kazakhstan",
            "muctr-kazakhstan",
        }
        assert "описательное название" in client.get("/branches/").content.decode()
        # The article names none of the three branches: "включая МГУ, Московский инженерно-физический …".
        assert "Казахстанский филиал" not in models.Source.objects.get().text

    def test_reference_data_is_shown_as_such(self, client, article):
        page = client.get("/institutions/msu/").content.decode()
        assert "Справочные данные" in page and "справочные данные" in page


@pytest.mark.django_db
class TestSourceViewer:
    def test_the_source_page_shows_the_whole_text_with_every_quote_marked_and_linked(self, client, article):
        page = client.get("/sources/tass-2025-11-12/").content.decode()
        assert "Глава российского государства также отметил" in page
        quotes = set(models.Citation.objects.values_list("quote", flat=True))
        assert page.count("<mark id=") == len(quotes)
        anchor = models.Citation.objects.filter(branch__slug="msu-kazakhstan").first().anchor
        assert 'href="/branches/msu-kazakhstan/"' in page and f'href="#{anchor}"' in page

    def test_a_record_links_each_quote_to_its_highlight_on_the_source_page(self, client, article):
        record_page = client.get("/institutions/msu/").content.decode()
        source_page = client.get("/sources/tass-2025-11-12/").content.decode()
        anchors = {c.anchor for c in models.Citation.objects.filter(institution__slug="msu")}
        assert anchors
        for anchor in anchors:
            assert f'href="/sources/tass-2025-11-12/#{anchor}"' in record_page
            assert f'<mark id="{anchor}">' in source_page

    def test_a_quote_not_in_the_source_is_refused(self, article):
        from django.core.exceptions import ValidationError

        citation = models.Citation(
            source=models.Source.objects.get(),
            quote="Путин сказал то, чего не говорил.",
            institution=models.Institution.objects.get(slug="msu"),
        )
        with pytest.raises(ValidationError) as error:
            citation.full_clean()
        assert "дословно" in str(error.value)


@pytest.mark.django_db
def test_an_imported_quote_not_in_the_source_is_an_error_and_nothing_is_imported(tmp_path, article):
    import openpyxl

    path = tmp_path / "citations.xlsx"
    call_command("registry_export", "citation", str(path), stdout=io.StringIO())
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.active
    header = [cell.value for cell in sheet[1]]
    quote_column = next(i for i, name in enumerate(header, start=1) if name in ("Цитата", "quote"))
    sheet.cell(row=2, column=quote_column).value = "Слов, которых нет в статье."
    workbook.save(path)
    errors = io.StringIO()
    with pytest.raises(Exception, match="Ничего не импортировано"):
        call_command("registry_import", "citation", str(path), stdout=io.StringIO(), stderr=errors)
    assert "дословно" in errors.getvalue()
    assert not models.Citation.objects.filter(quote__startswith="Слов, которых").exists()
