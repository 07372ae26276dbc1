"""ROR and Wikidata ids name one institution each: an import that would give one id to two records
is refused in its preview, naming the record or the earlier row of the file that has it."""

import pytest

from registry import models
from tests.spreadsheets import INSTITUTION_HEADERS, confirm, institution_row, upload, xlsx_bytes

HEADERS = [*INSTITUTION_HEADERS, "ROR", "Wikidata"]


def row(slug, ror="", wikidata=""):
    return [*institution_row(slug), ror, wikidata]


def preview(client, rows):
    return upload(client, "institution", "ids.xlsx", xlsx_bytes(HEADERS, rows), "XLSX")


@pytest.mark.django_db
def test_two_new_institutions_with_one_ror_id_are_refused_naming_the_earlier_row(editor_client, article):
    response = preview(editor_client, [row("kaznu4", ror="03a4b5c85"), row("kaznu5", ror="03a4b5c85")])
    assert "confirm_form" not in response.context
    assert response.context["result"].sheet_errors == [
        (3, "ROR", "ROR 03a4b5c85 уже указан в строке 2 этого файла.")
    ]


@pytest.mark.django_db
def test_every_later_row_with_the_same_wikidata_id_names_the_first(editor_client, article):
    rows = [
        row("a-one", wikidata="Q4"),
        row("a-two"),
        row("a-three", wikidata="Q4"),
        row("a-four", wikidata="Q4"),
    ]
    errors = preview(editor_client, rows).context["result"].sheet_errors
    message = "Wikidata Q4 уже указан в строке 2 этого файла."
    assert errors == [(4, "Wikidata", message), (5, "Wikidata", message)]


@pytest.mark.django_db
def test_empty_ids_never_clash(editor_client, article):
    response = preview(editor_client, [row("a-one"), row("a-two"), row("a-three", ror="03a4b5c85")])
    assert response.context["result"].totals["new"] == 3
    confirm(editor_client, "institution", response)
    assert models.Institution.objects.filter(slug__startswith="a-", ror_id="").count() == 2


@pytest.mark.django_db
def test_an_id_a_registered_institution_holds_names_that_institution(editor_client, article):
    errors = preview(editor_client, [row("kaznu", ror="010pmpe69")]).context["result"].sheet_errors
    assert errors == [
        (
            2,
            "ROR",
            "ROR 010pmpe69 уже указан у записи «Московский государственный университет имени М. В. "
            "Ломоносова» (код msu).",
        )
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("column", "written", "message"),
    [
        (
            "ROR",
            "https://ror.org/03a4b5c85",
            "«https://ror.org/03a4b5c85»: пишите идентификатор ROR так: 03a4b5c85.",
        ),
        ("ROR", "03A4B5C85", "«03A4B5C85»: пишите идентификатор ROR так: 03a4b5c85."),
        (
            "Wikidata",
            "https://www.wikidata.org/wiki/Q13164",
            "«https://www.wikidata.org/wiki/Q13164»: пишите идентификатор Wikidata так: Q13164.",
        ),
        (
            "ROR",
            "не ROR, а что-то длинное",
            "Идентификатор ROR — девять знаков, начинается с 0, например 010pmpe69.",
        ),
    ],
)
def test_an_id_written_otherwise_is_one_clear_error(editor_client, article, column, written, message):
    ids = {"ror": written} if column == "ROR" else {"wikidata": written}
    errors = preview(editor_client, [row("kaznu", **ids)]).context["result"].sheet_errors
    assert errors == [(2, column, message)]
