"""A reference cell may name its record by code, name, acronym, Latin spelling, ROR or Wikidata id:
one match is used and the preview says what it was read as; several or none is a row error."""

import pytest

from registry import models
from tests import factories
from tests.spreadsheets import confirm, upload, xlsx_bytes

BRANCH_HEADERS = ["Код записи", "Головное учреждение", "Название", "Страна размещения"]


def branch_file(parent, slug="msu-almaty"):
    return xlsx_bytes(BRANCH_HEADERS, [[slug, parent, "Филиал в Алматы", "KZ"]])


def preview_and_confirm(client, model, data):
    preview = upload(client, model, f"{model}.xlsx", data, "XLSX")
    result = preview.context["result"]
    assert not result.sheet_errors, result.sheet_errors
    confirm(client, model, preview)
    return preview


@pytest.mark.django_db
class TestOneMatchIsUsed:
    @pytest.mark.parametrize(
        "parent",
        [
            "МГУ",
            "мгу",
            "MGU",
            "MSU",
            "Lomonosov Moscow State University",
            "Московский государственный университет имени М. В. Ломоносова",
            "МГУ имени Ломоносова",
            "010pmpe69",
            "https://ror.org/010pmpe69",
            "Q13164",
        ],
    )
    def test_a_parent_institution_by_name_acronym_or_id(self, editor_client, article, parent):
        models.Institution.objects.filter(slug="msu").update(ror_id="010pmpe69", wikidata_id="Q13164")
        msu = models.Institution.objects.get(slug="msu")
        preview = preview_and_confirm(editor_client, "branch", branch_file(parent))
        assert preview.context["result"].read_as == [("Головное учреждение", parent, f"msu ({msu.name})")]
        assert f"→ msu ({msu.name})" in preview.content.decode()
        assert models.Branch.objects.get(slug="msu-almaty").institution == msu

    def test_a_code_is_read_as_itself_and_not_listed(self, editor_client, article):
        preview = preview_and_confirm(editor_client, "branch", branch_file("msu"))
        assert preview.context["result"].read_as == []
        assert models.Branch.objects.get(slug="msu-almaty").institution.slug == "msu"

    def test_parties_by_acronym_and_latin_name(self, editor_client, article):
        headers = ["Код записи", "Название", "Вид", "Состояние", "Стороны"]
        rows = [
            ["by-name-1", "Первое", "меморандум", "подписано", "МГУ; MEPhI"],
            ["by-name-2", "Второе", "меморандум", "подписано", "МГУ; «вузы Оренбургской области» (RU)"],
        ]
        preview = preview_and_confirm(editor_client, "agreement", xlsx_bytes(headers, rows))
        read_as = [(column, text) for column, text, _record in preview.context["result"].read_as]
        assert read_as == [("Стороны", "МГУ"), ("Стороны", "MEPhI")]
        first = models.Agreement.objects.get(slug="by-name-1")
        assert sorted(p.institution.slug for p in first.parties.all()) == ["mephi", "msu"]
        second = models.Agreement.objects.get(slug="by-name-2")
        assert {(p.institution_id and p.institution.slug, p.description) for p in second.parties.all()} == {
            ("msu", ""),
            (None, "вузы Оренбургской области"),
        }

    def test_country_region_and_field_of_study_by_name(self, editor_client, article):
        headers = ["Код записи", "Головное учреждение", "Название", "Страна размещения", "Регион"]
        headers.append("Направления подготовки")
        rows = [
            ["msu-orenburg", "msu", "Филиал", "Россия", "Оренбургская область", "Электротехника и энергетика"]
        ]
        preview = preview_and_confirm(editor_client, "branch", xlsx_bytes(headers, rows))
        columns = [column for column, *_rest in preview.context["result"].read_as]
        assert columns == ["Страна размещения", "Регион", "Направления подготовки"]
        branch = models.Branch.objects.get(slug="msu-orenburg")
        assert (branch.country.code, branch.region.name) == ("RU", "Оренбургская область")
        assert [f.code for f in branch.fields.all()] == ["0713"]

    def test_a_programme_modelled_on_another_by_its_title(self, editor_client, article):
        headers = ["Код записи", "Название", "Вид", "Состояние", "По образцу"]
        rows = [
            [
                "kz-professionalitet",
                "Профессионалитет в Казахстане",
                "федеральный проект",
                "предложено",
                "Федеральный проект «Профессионалитет»",
            ]
        ]
        preview = preview_and_confirm(editor_client, "programme", xlsx_bytes(headers, rows))
        [(column, _text, record)] = preview.context["result"].read_as
        assert (column, record) == ("По образцу", "professionalitet (Федеральный проект «Профессионалитет»)")
        programme = models.Programme.objects.get(slug="kz-professionalitet")
        assert programme.modelled_on.slug == "professionalitet"

    def test_the_record_a_quote_backs_by_name(self, editor_client, article):
        headers = ["Идентификатор", "Запись", "Источник", "Цитата"]
        rows = [["", "institution:МГУ", "tass-2025-11-12", "филиалы восьми крупных российских университетов"]]
        preview = preview_and_confirm(editor_client, "citation", xlsx_bytes(headers, rows))
        assert [line[:2] for line in preview.context["result"].read_as] == [("Запись", "МГУ")]
        quote = "филиалы восьми крупных российских университетов"
        assert models.Citation.objects.filter(quote=quote, institution__slug="msu").exists()


@pytest.mark.django_db
class TestNoSingleMatchIsAnError:
    def test_an_ambiguous_name_lists_the_candidates_with_their_codes(self, editor_client, article):
        factories.institution(slug="atu-astana", name="Астанинский технический университет", acronyms="АТУ")
        before = models.Branch.objects.count()
        result = upload(editor_client, "branch", "b.xlsx", branch_file("АТУ"), "XLSX").context["result"]
        [(row, column, message)] = result.sheet_errors
        assert (row, column) == (2, "Головное учреждение")
        assert "«АТУ» подходит к нескольким записям" in message
        assert "atu (" in message and "atu-astana (Астанинский технический университет)" in message
        assert models.Branch.objects.count() == before

    @pytest.mark.parametrize("parent", ["Ломоносва", "Lomonosov"])  # misspelt; part of a name only
    def test_an_unknown_name_suggests_the_nearest(self, editor_client, article, parent):
        before = models.Branch.objects.count()
        result = upload(editor_client, "branch", "b.xlsx", branch_file(parent), "XLSX").context["result"]
        [(_row, column, message)] = result.sheet_errors
        msu = models.Institution.objects.get(slug="msu")
        assert column == "Головное учреждение"
        assert f"«{parent}» не найдено: нет такой записи «учреждение». Возможно: msu ({msu.name})" in message
        assert models.Branch.objects.count() == before

    def test_one_bad_party_writes_nothing(self, editor_client, article):
        headers = ["Код записи", "Название", "Вид", "Состояние", "Стороны"]
        rows = [
            ["ok-agr", "Хорошее", "меморандум", "подписано", "МГУ; MEPhI"],
            ["bad-agr", "Плохое", "меморандум", "подписано", "МГУ; Zzyzx qwv"],
        ]
        result = upload(editor_client, "agreement", "a.xlsx", xlsx_bytes(headers, rows), "XLSX").context[
            "result"
        ]
        [(row, column, message)] = result.sheet_errors
        assert (row, column) == (3, "Стороны") and "«Zzyzx qwv» не найдено" in message
        assert not models.Agreement.objects.filter(slug__in=["ok-agr", "bad-agr"]).exists()

    def test_a_known_institution_written_as_a_group_is_still_refused(self, editor_client, article):
        headers = ["Код записи", "Название", "Вид", "Состояние", "Стороны"]
        rows = [["g-agr", "Группа", "меморандум", "подписано", "mephi; «Московский университет»"]]
        result = upload(editor_client, "agreement", "g.xlsx", xlsx_bytes(headers, rows), "XLSX").context[
            "result"
        ]
        [(_row, _column, message)] = result.sheet_errors
        assert "пишите его код msu (" in message
