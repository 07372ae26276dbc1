"""Files as clerks have them: titles above the headers, empty rows, loose headers, Excel's
`sep=` line, dates and party groups as people write them, references by name."""

import io

import openpyxl
import pytest
from django.db import transaction

from registry import models
from registry.spreadsheets.resources import BranchResource, InstitutionResource
from tests import factories
from tests.spreadsheets import (
    INSTITUTION_HEADERS,
    admin_export,
    confirm,
    csv_bytes,
    form_errors,
    institution_row,
    upload,
    xlsx_bytes,
)

AGREEMENT_HEADERS = ["Код записи", "Название", "Вид", "Состояние", "Дата подписания", "Стороны"]


def agreement_row(slug="new-agr", signed="", parties="msu; mephi"):
    return [slug, "Новое соглашение", "меморандум", "подписано", signed, parties]


def workbook(*rows, title="Учреждения"):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.django_db
class TestRows:
    def test_row_numbers_are_the_spreadsheet_rows_after_a_title_and_empty_rows(self, editor_client, article):
        bad = institution_row("samgtu", **{"Вид": "космодром"})
        data = workbook(
            ["Реестр учреждений на 01.12.2025"],
            [],
            INSTITUTION_HEADERS,
            institution_row("omgtu"),
            [],
            [],
            bad,
        )
        result = upload(editor_client, "institution", "t.xlsx", data, "XLSX").context["result"]
        assert [(row, column) for row, column, _m in result.sheet_errors] == [(7, "Вид")]

    def test_empty_csv_rows_from_libreoffice_are_skipped(self, editor_client, article):
        rows = [institution_row("omgtu"), [""] * len(INSTITUTION_HEADERS), institution_row("samgtu")]
        data = csv_bytes(INSTITUTION_HEADERS, rows)
        assert b"\r\n;;;;;;;;;;;\r\n" in data
        preview = upload(editor_client, "institution", "e.csv", data, "CSV")
        assert preview.context["result"].totals["new"] == 2

    def test_headers_below_a_title_of_two_cells_are_found(self, editor_client, article):
        data = workbook(["Реестр", "на 01.12.2025"], INSTITUTION_HEADERS, institution_row("omgtu"))
        preview = upload(editor_client, "institution", "t.xlsx", data, "XLSX")
        assert preview.context["result"].totals["new"] == 1

    def test_no_header_row_found_is_said_plainly(self, editor_client, article):
        data = workbook(["Реестр", "на 01.12.2025"], ["", "", "", "x"], ["a", "b", "c", "d"])
        errors = form_errors(upload(editor_client, "institution", "t.xlsx", data, "XLSX"))
        assert "В строке заголовков (строка 1) у столбцов C, D нет заголовка" in errors
        assert "заголовки должны быть в первой строке или сразу под названием таблицы" in errors

    def test_the_sheet_read_is_named_and_chosen_by_its_headers(self, editor_client, article):
        book = openpyxl.Workbook()
        book.active.title = "Пояснения"
        book.active.append(["Что", "Кто"])
        book.active.append(["Список вузов", "Отдел"])
        sheet = book.create_sheet("Вузы")
        sheet.append(INSTITUTION_HEADERS)
        sheet.append(institution_row("omgtu"))
        out = io.BytesIO()
        book.save(out)
        preview = upload(editor_client, "institution", "two.xlsx", out.getvalue(), "XLSX")
        assert preview.context["result"].totals["new"] == 1
        assert "лист «Вузы»" in preview.content.decode()


@pytest.mark.django_db
class TestHeadersAndValues:
    def test_headers_fold_case_yo_nbsp_and_spaces(self, editor_client, article):
        headers = [" КОД  ЗАПИСИ ", "официальное\u00a0название", *INSTITUTION_HEADERS[2:]]
        preview = upload(
            editor_client, "institution", "h.xlsx", xlsx_bytes(headers, [institution_row("omgtu")]), "XLSX"
        )
        assert preview.context["result"].totals["new"] == 1

    def test_excel_sep_line_is_understood(self, editor_client, article):
        data = b"sep=,\r\n" + csv_bytes(INSTITUTION_HEADERS, [institution_row("omgtu")], delimiter=",")
        preview = upload(editor_client, "institution", "sep.csv", data, "CSV")
        assert preview.context["result"].totals["new"] == 1

    def test_values_are_trimmed_and_line_ends_become_lf(self, editor_client, article):
        row = institution_row("omgtu", **{"Город": "\u00a0 Омск \u00a0"})
        headers = [*INSTITUTION_HEADERS, "Примечания"]
        data = csv_bytes(headers, [[*row, "строка 1\r\nстрока 2"]], encoding="utf-8")
        confirm(editor_client, "institution", upload(editor_client, "institution", "v.csv", data, "CSV"))
        omgtu = models.Institution.objects.get(slug="omgtu")
        assert (omgtu.city, omgtu.notes) == ("Омск", "строка 1\nстрока 2")

    @pytest.mark.parametrize(
        ("written", "expected"),
        [("2025-12-31 00:00:00", "2025-12-31"), ("31.12.2025", "2025-12-31"), ("2025-12-31", "2025-12-31")],
    )
    def test_dates_as_programs_write_them(self, editor_client, article, written, expected):
        data = xlsx_bytes(AGREEMENT_HEADERS, [agreement_row(signed=written)])
        confirm(editor_client, "agreement", upload(editor_client, "agreement", "d.xlsx", data, "XLSX"))
        assert str(models.Agreement.objects.get(slug="new-agr").signed_on) == expected

    def test_a_two_digit_year_is_refused(self, editor_client, article):
        data = xlsx_bytes(AGREEMENT_HEADERS, [agreement_row(signed="01.09.55")])
        result = upload(editor_client, "agreement", "d.xlsx", data, "XLSX").context["result"]
        assert result.sheet_errors == [
            (
                2,
                "Дата подписания",
                "«01.09.55»: год из двух цифр неоднозначен. Пишите год полностью: ДД.ММ.ГГГГ.",
            )
        ]


@pytest.mark.django_db
class TestParties:
    @pytest.mark.parametrize("file_format", ["XLSX", "CSV", "JSON", "ODS"])
    def test_groups_with_separators_and_quotes_re_import_from_their_own_export(
        self, admin_client, article, file_format
    ):
        record = factories.agreement(slug="groups", parties=0)
        kz = models.Country.objects.get(code="KZ")
        for description in ["вузы A; B", "колледжи X | Y", "вузы «Росатома»", "строка 1\nстрока 2"]:
            models.AgreementParty.objects.create(agreement=record, description=description, country=kz)
        data = admin_export(admin_client, "agreement", file_format)
        result = upload(admin_client, "agreement", f"p.{file_format.lower()}", data, file_format).context[
            "result"
        ]
        assert result.totals["new"] == result.totals["update"] == 0, result.sheet_errors

    def test_a_known_institution_written_as_a_group_is_refused_suggesting_its_code(
        self, editor_client, article
    ):
        data = xlsx_bytes(AGREEMENT_HEADERS, [agreement_row(parties="mephi; «МГУ»")])
        result = upload(editor_client, "agreement", "g.xlsx", data, "XLSX").context["result"]
        [(row, column, message)] = result.sheet_errors
        assert (row, column) == (2, "Стороны")
        assert "«МГУ» — это учреждение из реестра: пишите его код msu (" in message

    def test_an_unknown_code_suggests_the_institution_meant(self, editor_client, article):
        # "МГУ" itself is now read as msu (tests/test_import_names.py); a misspelt name is not.
        data = xlsx_bytes(AGREEMENT_HEADERS, [agreement_row(parties="mephi; Ломоносва")])
        [(_row, _column, message)] = (
            upload(editor_client, "agreement", "u.xlsx", data, "XLSX").context["result"].sheet_errors
        )
        msu = models.Institution.objects.get(slug="msu")
        assert f"«Ломоносва» не найдено: нет такой записи «учреждение». Возможно: msu ({msu.name})" in message


@pytest.mark.django_db
def test_an_unknown_reference_suggests_the_nearest_code(editor_client, article):
    # Not "KZZ": name matching folds doubled Latin letters, so that reads as KZ.
    row = institution_row("omgtu", **{"Страна": "KAZ"})
    result = upload(
        editor_client, "institution", "c.xlsx", xlsx_bytes(INSTITUTION_HEADERS, [row]), "XLSX"
    ).context["result"]
    [(_row, column, message)] = result.sheet_errors
    assert column == "Страна"
    assert "«KAZ» не найдено" in message and "Возможно: KZ (" in message


class RacingResource:
    """Another import writes the same new record after this one checked the file: what two
    imports of the same new records at once do."""

    def before_save_instance(self, instance, row, **kwargs):
        if instance.pk is None and not type(instance).objects.filter(slug=instance.slug).exists():
            with transaction.atomic():
                racer = type(instance).objects.get(pk=self.template_pk)
                racer.pk = racer.id = None
                racer.slug = instance.slug
                racer.save()
        super().before_save_instance(instance, row, **kwargs)


class RacingInstitutionResource(RacingResource, InstitutionResource):
    """Written in batches (use_bulk)."""


class RacingBranchResource(RacingResource, BranchResource):
    """Written row by row."""


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("resource_class", "model", "headers", "row"),
    [
        (RacingInstitutionResource, models.Institution, INSTITUTION_HEADERS, institution_row("omgtu")),
        (
            RacingBranchResource,
            models.Branch,
            ["Код записи", "Головное учреждение", "Название", "Страна размещения", "Состояние"],
            ["new-branch", "msu", "Филиал", "KZ", "работает"],
        ),
    ],
)
def test_a_record_created_meanwhile_is_a_clear_message(article, resource_class, model, headers, row):
    import tablib

    resource = resource_class()
    resource.template_pk = model.objects.first().pk
    dataset = tablib.Dataset(row, headers=headers)
    result = resource.import_data(dataset, dry_run=False, rollback_on_validation_errors=True)
    messages = [message for _row, _column, message in result.sheet_errors]
    assert messages and all(
        "такую же запись создал другой сотрудник или другой импорт" in m for m in messages
    )
    assert not any("duplicate key" in m or "UNIQUE" in m for m in messages)
    assert not model.objects.filter(slug=row[0]).exists()
