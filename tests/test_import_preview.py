"""The import preview shows exactly what the confirmation will write, many-to-many columns included
(fields of study; a programme's target countries and regions), for new and changed records alike."""

import re

import pytest

from registry import models
from tests.spreadsheets import confirm, upload, xlsx_bytes

AGREEMENT_HEADERS = ["Код записи", "Название", "Вид", "Состояние", "Направления подготовки", "Стороны"]
PROGRAMME_HEADERS = [
    "Код записи",
    "Название",
    "Вид",
    "Состояние",
    "Для стран",
    "Для регионов",
    "Направления подготовки",
]


def shown(preview, slug):
    """Return {column: (text shown, whether a difference is marked)} for the preview row of `slug`."""
    result = preview.context["result"]
    headers = [str(header) for header in result.diff_headers]
    for row in result.rows:
        cells = dict(zip(headers, row.diff, strict=True))
        if re.sub(r"<[^>]+>", "", cells["Код записи"]) == slug:
            return {
                column: (re.sub(r"<[^>]+>", "", html).replace("&para;", ""), "diff-ins" in html)
                for column, html in cells.items()
            }
    raise AssertionError(f"{slug} is not in the preview")


@pytest.mark.django_db
def test_the_preview_shows_the_fields_of_study_of_changed_and_new_agreements(editor_client, article):
    changed = "orenburg-samara-kz-technical"
    assert not models.Agreement.objects.get(slug=changed).fields.exists()
    rows = [
        [changed, "Партнёрство", "партнёрство", "достигнута договорённость", "0713; 0714", "msu; atu"],
        ["new-agreement", "Новое соглашение", "меморандум", "достигнута договорённость", "0612", "msu; atu"],
    ]
    preview = upload(editor_client, "agreement", "a.xlsx", xlsx_bytes(AGREEMENT_HEADERS, rows), "XLSX")
    assert preview.context.get("confirm_form"), preview.context["result"].sheet_errors

    assert shown(preview, changed)["Направления подготовки"] == ("0713; 0714", True)
    assert shown(preview, "new-agreement")["Направления подготовки"] == ("0612", True)

    confirm(editor_client, "agreement", preview)

    def codes(slug):
        return sorted(models.Agreement.objects.get(slug=slug).fields.values_list("code", flat=True))

    assert codes(changed) == ["0713", "0714"] and codes("new-agreement") == ["0612"]


@pytest.mark.django_db
def test_the_preview_shows_a_programmes_target_countries_and_regions(editor_client, article):
    # ranepa-kz-managers is for KZ, field 0413, no regions.
    rows = [
        ["ranepa-kz-managers", "Обучение управленцев", "обучение и повышение квалификации", "действует",
         "KZ; RU", "KZ: Алматы", "0413"],
    ]  # fmt: skip
    preview = upload(editor_client, "programme", "p.xlsx", xlsx_bytes(PROGRAMME_HEADERS, rows), "XLSX")
    assert preview.context.get("confirm_form"), preview.context["result"].sheet_errors

    cells = shown(preview, "ranepa-kz-managers")
    assert cells["Для стран"] == ("KZ; RU", True)
    assert cells["Для регионов"] == ("KZ: Алматы", True)
    assert cells["Направления подготовки"] == ("0413", False)  # unchanged, and not marked


@pytest.mark.django_db
def test_an_unchanged_many_to_many_column_is_not_marked_whatever_order_the_file_lists_it_in(
    editor_client, article
):
    # atu-specialists has 0612, 0613, 0713 and 0714; only its title changes.
    rows = [
        [
            "atu-specialists",
            "Новое название",
            "совместный проект",
            "в проработке",
            "KZ",
            "",
            "0714; 0612; 0713; 0613",
        ]
    ]
    preview = upload(editor_client, "programme", "p.xlsx", xlsx_bytes(PROGRAMME_HEADERS, rows), "XLSX")
    cells = shown(preview, "atu-specialists")
    assert cells["Название"][1]
    assert cells["Направления подготовки"] == ("0612; 0613; 0713; 0714", False)
