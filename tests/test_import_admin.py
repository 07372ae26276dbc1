"""Staff import spreadsheets through the admin: upload, preview, confirm."""

import datetime
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from registry import models
from registry.spreadsheets import FORMATS
from tests import factories
from tests.spreadsheets import INSTITUTION_HEADERS, csv_bytes, institution_row, xlsx_bytes

FORMAT_INDEX = {cls.__name__: str(i) for i, cls in enumerate(FORMATS)}


AGREEMENT_HEADERS = [
    "Код записи",
    "Название",
    "Вид",
    "Состояние",
    "Дата подписания",
    "Действует с",
    "Действует по",
    "Направления подготовки",
    "Стороны",
    "Опубликовано",
]


def upload(client, model, name, data, file_format):
    url = reverse(f"admin:registry_{model}_import")
    return client.post(
        url,
        {"resource": "0", "format": FORMAT_INDEX[file_format], "import_file": SimpleUploadedFile(name, data)},
    )


def confirm(client, model, preview):
    form = preview.context["confirm_form"]
    return client.post(reverse(f"admin:registry_{model}_process_import"), form.initial)


def import_file(client, model, name, data, file_format):
    preview = upload(client, model, name, data, file_format)
    assert preview.status_code == 200
    assert preview.context.get("confirm_form"), preview.context["result"].sheet_errors
    return preview, confirm(client, model, preview)


def snapshot():
    return sorted(models.Institution.objects.values_list("slug", "name_ru", "is_published", "updated_at"))


@pytest.mark.django_db
class TestInstitutionImport:
    def test_an_xlsx_imports_after_preview_and_confirmation(self, editor_client, editor, article):
        rows = [institution_row(), institution_row("samgtu", **{"Сокращения": "СамГТУ", "Город": "Самара"})]
        preview, done = import_file(
            editor_client, "institution", "вузы.xlsx", xlsx_bytes(INSTITUTION_HEADERS, rows), "XLSX"
        )
        assert preview.context["result"].totals["new"] == 2
        assert "XLSX" in preview.content.decode()
        assert done.status_code == 302
        omgtu = models.Institution.objects.get(slug="omgtu")
        assert (omgtu.kind, omgtu.country.code, omgtu.founded_year) == ("university", "RU", 1942)
        assert omgtu.is_active and not omgtu.is_published
        assert models.Institution.objects.search("омгту").get() == omgtu
        record = models.ImportRecord.objects.get()
        assert (record.user, record.file_name, record.new, record.model) == (
            editor,
            "вузы.xlsx",
            2,
            "registry.Institution",
        )

    def test_a_cp1251_semicolon_csv_with_cyrillic_imports(self, editor_client, article):
        data = csv_bytes(INSTITUTION_HEADERS, [institution_row(**{"Регион": "RU: Москва"})])
        preview, done = import_file(editor_client, "institution", "вузы.csv", data, "CSV")
        page = preview.content.decode()
        assert "Windows-1251" in page and "точка с запятой" in page
        assert done.status_code == 302
        assert models.Institution.objects.get(slug="omgtu").region.name == "Москва"

    def test_a_utf8_bom_comma_csv_imports(self, editor_client, article):
        data = csv_bytes(INSTITUTION_HEADERS, [institution_row()], delimiter=",", encoding="utf-8-sig")
        preview, done = import_file(editor_client, "institution", "вузы.csv", data, "CSV")
        assert "UTF-8 (BOM)" in preview.content.decode()
        assert models.Institution.objects.get(slug="omgtu").name_en == "Omsk State Technical University"

    def test_english_headers_are_understood_too(self, editor_client, article):
        headers = ["Record code", "Official name", "Russian name", "Kind", "Country", "Active", "Published"]
        row = ["omgtu", "ОмГТУ", "ОмГТУ", "university", "RU", "yes", "no"]
        import_file(editor_client, "institution", "en.xlsx", xlsx_bytes(headers, [row]), "XLSX")
        assert models.Institution.objects.filter(slug="omgtu").exists()

    def test_reimporting_the_same_file_reports_every_row_unchanged(self, editor_client, article):
        data = xlsx_bytes(INSTITUTION_HEADERS, [institution_row(), institution_row("samgtu")])
        import_file(editor_client, "institution", "a.xlsx", data, "XLSX")
        before = snapshot()
        preview, _ = import_file(editor_client, "institution", "a.xlsx", data, "XLSX")
        totals = preview.context["result"].totals
        assert (totals["new"], totals["update"], totals["skip"]) == (0, 0, 2)
        assert snapshot() == before

    @pytest.mark.parametrize(
        "overrides, column, reason",
        [
            ({"Страна": "XX"}, "Страна", "XX"),
            ({"Вид": "школа"}, "Вид", "школа"),
            ({"Действует": "может быть"}, "Действует", "да/нет"),
            ({"Год основания": "тысяча"}, "Год основания", "не число"),
            ({"Регион": "RU: Атлантида"}, "Регион", "Атлантида"),
        ],
    )
    def test_a_bad_value_is_a_row_error_and_nothing_is_imported(
        self, editor_client, article, overrides, column, reason
    ):
        before = snapshot()
        rows = [institution_row("good"), institution_row("bad", **overrides)]
        response = upload(
            editor_client, "institution", "x.xlsx", xlsx_bytes(INSTITUTION_HEADERS, rows), "XLSX"
        )
        assert response.status_code == 200
        assert "confirm_form" not in response.context
        errors = response.context["result"].sheet_errors
        assert [(row, col) for row, col, _ in errors] == [(3, column)]
        assert reason in errors[0][2]
        page = response.content.decode()
        assert "ничего не импортировано" in page
        assert snapshot() == before


@pytest.mark.django_db
class TestOtherModels:
    def test_agreement_dates_booleans_fields_and_parties(self, editor_client, article):
        headers = AGREEMENT_HEADERS
        row = [
            "ogu-kazatu",
            "Соглашение ОГУ и казахстанских вузов",
            "меморандум",
            "подписано",
            "31.12.2025",
            "2026-01-01",
            "31.12.2030",
            "0713; 0714",
            "msu; «вузы Казахстана» (KZ)",
            "да",
        ]
        import_file(editor_client, "agreement", "s.xlsx", xlsx_bytes(headers, [row]), "XLSX")
        agreement = models.Agreement.objects.get(slug="ogu-kazatu")
        assert agreement.signed_on == datetime.date(2025, 12, 31)
        assert agreement.valid_until == datetime.date(2030, 12, 31)
        assert agreement.is_published
        assert sorted(agreement.fields.values_list("code", flat=True)) == ["0713", "0714"]
        assert [str(p) for p in agreement.parties.all()] == [
            "Московский государственный университет имени М. В. Ломоносова",
            "вузы Казахстана",
        ]

    def test_a_reimport_changes_parties_and_fields_of_several_records_with_their_history(
        self, editor_client, editor, article
    ):
        def row(slug, fields, parties):
            return [slug, f"Соглашение {slug}", "меморандум", "подписано", "", "", "", fields, parties, "да"]

        group = "«вузы Казахстана» (KZ)"
        first = [row("a-one", "0713", "msu; mephi"), row("a-two", "0713; 0714", f"msu; {group}")]
        import_file(editor_client, "agreement", "s.xlsx", xlsx_bytes(AGREEMENT_HEADERS, first), "XLSX")
        kept = models.AgreementParty.objects.get(agreement__slug="a-one", institution__slug="msu")
        second = [row("a-one", "0714", f"msu; {group}"), row("a-two", "", "mephi; msu")]
        import_file(editor_client, "agreement", "s.xlsx", xlsx_bytes(AGREEMENT_HEADERS, second), "XLSX")

        def parties(slug):
            return [str(p) for p in models.AgreementParty.objects.filter(agreement__slug=slug)]

        def fields(slug):
            return sorted(models.Agreement.objects.get(slug=slug).fields.values_list("code", flat=True))

        assert parties("a-one")[0] == str(kept.institution) and parties("a-one")[1] == "вузы Казахстана"
        assert models.AgreementParty.objects.filter(pk=kept.pk).exists()  # an unchanged party stays
        assert len(parties("a-two")) == 2 and "вузы Казахстана" not in parties("a-two")
        assert fields("a-one") == ["0714"] and fields("a-two") == []
        gone = models.AgreementParty.history.filter(history_type="-", agreement__slug="a-one")
        assert gone.count() == 1 and gone.get().history_user == editor
        added = models.AgreementParty.history.filter(history_type="+", agreement__slug="a-two")
        assert {h.history_user for h in added} == {editor}

    @pytest.mark.parametrize(
        "cell, column, reason",
        [
            ({"Направления подготовки": "0713; 9999"}, "Направления подготовки", "9999"),
            ({"Стороны": "msu; nobody"}, "Стороны", "nobody"),
            ({"Стороны": "msu"}, "Стороны", "не менее 2"),
            ({"Стороны": "msu; msu; atu"}, "Стороны", "msu (Московский государственный университет"),
            ({"Стороны": "msu; МГУ; atu"}, "Стороны", "указано дважды: «msu» и «МГУ». Оставьте одно."),
            ({"Стороны": "msu; «вузы» (KZ); «Вузы» (KZ)"}, "Стороны", "«Вузы» указано дважды"),
            ({"Дата подписания": "32.13.2025"}, "Дата подписания", "не дата"),
            ({"Действует с": "01.01.2027", "Действует по": "01.01.2026"}, "Действует по", "раньше"),
            ({"Состояние": "почти"}, "Состояние", "почти"),
        ],
    )
    def test_agreement_errors_name_row_and_column(self, editor_client, article, cell, column, reason):
        headers = AGREEMENT_HEADERS
        values = dict(
            zip(
                headers,
                ["new-agr", "Новое", "меморандум", "подписано", "", "", "", "0713", "msu; mephi", "да"],
                strict=True,
            )
        )
        values.update(cell)
        response = upload(
            editor_client, "agreement", "s.xlsx", xlsx_bytes(headers, [list(values.values())]), "XLSX"
        )
        errors = response.context["result"].sheet_errors
        assert [(row, col) for row, col, _ in errors] == [(2, column)], errors
        assert reason in errors[0][2]
        assert not models.Agreement.objects.filter(slug="new-agr").exists()

    def test_field_codes_that_excel_made_numbers_are_restored(self, editor_client, article):
        headers = ["Код ISCED-F", "Название", "Название по-английски"]
        import_file(
            editor_client,
            "fieldofstudy",
            "f.xlsx",
            xlsx_bytes(headers, [[411, "Бухучёт", "Accounting and taxation"]]),
            "XLSX",
        )
        assert models.FieldOfStudy.objects.get(code="0411").name_ru == "Бухучёт"

    def test_a_malformed_citation_identifier_is_a_row_error(self, editor_client, article):
        headers = ["Идентификатор", "Запись", "Источник", "Цитата"]
        rows = [["not-a-uuid", "institution:atu", "tass-2025-11-12", "цитата"]]
        response = upload(editor_client, "citation", "c.csv", csv_bytes(headers, rows), "CSV")
        assert [(r, c) for r, c, _ in response.context["result"].sheet_errors] == [(2, "—")]

    def test_a_new_citation_gets_an_identifier(self, editor_client, article):
        headers = ["Идентификатор", "Запись", "Источник", "Цитата"]
        rows = [["", "institution:atu", "tass-2025-11-12", "Алматинским технологическим университетом"]]
        import_file(editor_client, "citation", "c.csv", csv_bytes(headers, rows), "CSV")
        assert models.Institution.objects.get(slug="atu").citations.count() == 2


@pytest.mark.django_db
class TestRefusedFiles:
    def form_errors(self, response):
        assert response.status_code == 200
        return " ".join(str(e) for e in response.context["form"].errors.get("import_file", []))

    def test_a_file_over_the_limit_is_refused_before_parsing(self, editor_client, settings):
        settings.IMPORT_MAX_UPLOAD_BYTES = 1000
        response = upload(editor_client, "institution", "big.csv", b"x" * 1001, "CSV")
        assert "слишком большой" in self.form_errors(response)

    def test_an_empty_file(self, editor_client):
        assert "пуст" in self.form_errors(upload(editor_client, "institution", "e.xlsx", b"", "XLSX"))

    def test_random_bytes_labelled_xlsx(self, editor_client):
        response = upload(editor_client, "institution", "r.xlsx", os.urandom(4096), "XLSX")
        assert "Не удалось прочитать файл как XLSX" in self.form_errors(response)

    def test_wrong_headers(self, editor_client):
        data = xlsx_bytes(["Фамилия", "Имя"], [["Иванов", "Иван"]])
        message = self.form_errors(upload(editor_client, "institution", "w.xlsx", data, "XLSX"))
        assert "Неизвестные столбцы: «Фамилия», «Имя»" in message and "Код записи" in message

    def test_headers_only(self, editor_client):
        data = xlsx_bytes(INSTITUTION_HEADERS, [])
        assert "нет ни одной строки" in self.form_errors(
            upload(editor_client, "institution", "h.xlsx", data, "XLSX")
        )


@pytest.mark.django_db
class TestPermissions:
    def test_a_viewer_gets_403_on_import_and_confirm(self, viewer_client):
        assert viewer_client.get(reverse("admin:registry_institution_import")).status_code == 403
        assert viewer_client.post(reverse("admin:registry_institution_process_import"), {}).status_code == 403

    def test_a_viewer_may_export(self, viewer_client, article):
        from tests.test_export import export

        assert export(viewer_client, file_format="CSV").startswith(b"\xef\xbb\xbf")

    def test_staff_without_export_permission_get_403(self, client, django_user_model):
        from django.contrib.auth.models import Permission

        user = django_user_model.objects.create_user("dave", password="x", is_staff=True)
        user.user_permissions.add(Permission.objects.get(codename="view_institution"))
        client.force_login(user)
        assert client.get(reverse("admin:registry_institution_export")).status_code == 403
        assert client.get(reverse("admin:registry_institution_import")).status_code == 403

    def test_the_empty_template_downloads(self, viewer_client):
        response = viewer_client.get(
            reverse("admin:registry_institution_import_template"), {"format": "xlsx"}
        )
        assert response.status_code == 200
        assert response["Content-Disposition"].endswith('.xlsx"')


@pytest.mark.django_db
def test_a_confirmed_upload_is_deleted_and_abandoned_ones_are_cleaned(editor_client, article):
    import io

    from django.core.management import call_command
    from django.utils import timezone

    preview = upload(
        editor_client, "institution", "a.xlsx", xlsx_bytes(INSTITUTION_HEADERS, [institution_row()]), "XLSX"
    )
    assert models.PendingImport.objects.count() == 1
    confirm(editor_client, "institution", preview)
    assert models.PendingImport.objects.count() == 0

    upload(
        editor_client,
        "institution",
        "b.xlsx",
        xlsx_bytes(INSTITUTION_HEADERS, [institution_row("b")]),
        "XLSX",
    )
    models.PendingImport.objects.update(created_at=timezone.now() - datetime.timedelta(days=2))
    call_command("clean_import_uploads", stdout=io.StringIO())
    assert models.PendingImport.objects.count() == 0


@pytest.mark.django_db
def test_the_preview_diff_uses_classes_not_inline_styles(editor_client, article):
    import_file(
        editor_client, "institution", "a.xlsx", xlsx_bytes(INSTITUTION_HEADERS, [institution_row()]), "XLSX"
    )
    changed = institution_row(**{"Город": "Омск-2"})
    preview = upload(
        editor_client, "institution", "a.xlsx", xlsx_bytes(INSTITUTION_HEADERS, [changed]), "XLSX"
    )
    page = preview.content.decode()
    assert 'class="diff-ins"' in page and "style=" not in page


@pytest.mark.django_db
def test_a_long_utf8_csv_is_not_mistaken_for_windows_1251(editor_client, article):
    rows = [institution_row(f"long-{n}", **{"Город": "Ёлкино-Жёлтое"}) for n in range(700)]
    data = csv_bytes(INSTITUTION_HEADERS, rows, encoding="utf-8")
    assert len(data) > 65536
    preview = upload(editor_client, "institution", "long.csv", data, "CSV")
    assert preview.context.get("confirm_form"), preview.context["form"].errors
    assert "UTF-8" in preview.content.decode()


@pytest.mark.django_db
def test_a_bulk_import_is_in_the_history_with_its_author(editor_client, editor, article):
    import_file(
        editor_client, "institution", "a.xlsx", xlsx_bytes(INSTITUTION_HEADERS, [institution_row()]), "XLSX"
    )
    record = models.Institution.objects.get(slug="omgtu")
    created = record.history.get()
    assert (created.history_type, created.history_user) == ("+", editor)

    before = record.updated_at
    changed = institution_row(**{"Город": "Омск-2"})
    import_file(editor_client, "institution", "a.xlsx", xlsx_bytes(INSTITUTION_HEADERS, [changed]), "XLSX")
    record.refresh_from_db()
    assert record.city == "Омск-2" and record.updated_at > before
    assert record.history.first().history_type == "~"
    assert models.Institution.objects.search("омск 2").get() == record


@pytest.mark.django_db
def test_data_changed_between_preview_and_confirmation_imports_nothing(editor_client, article):
    headers = [
        "Код записи",
        "Головное учреждение",
        "Название",
        "Страна размещения",
        "Состояние",
        "Опубликовано",
    ]
    parent = factories.institution(slug="parent-to-go")
    rows = [["new-branch", "parent-to-go", "Новый филиал", "KZ", "работает", "нет"]]
    preview = upload(editor_client, "branch", "b.xlsx", xlsx_bytes(headers, rows), "XLSX")
    assert preview.context.get("confirm_form")
    parent.delete()  # another member of staff deletes the parent meanwhile
    response = confirm(editor_client, "branch", preview)
    assert response.status_code == 302 and response.url.endswith("/branch/import/")
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("Головное учреждение" in m and "parent-to-go" in m for m in messages)
    assert any("Ничего не импортировано" in m for m in messages)
    assert not models.Branch.objects.filter(slug="new-branch").exists()
    assert not models.ImportRecord.objects.exists()


@pytest.mark.django_db
def test_empty_rows_after_the_data_are_not_rows(editor_client, article):
    rows = [institution_row(), [None] * len(INSTITUTION_HEADERS), [None] * len(INSTITUTION_HEADERS)]
    preview = upload(editor_client, "institution", "a.xlsx", xlsx_bytes(INSTITUTION_HEADERS, rows), "XLSX")
    assert preview.context["result"].total_rows == 1


@pytest.mark.django_db
def test_a_record_described_twice_is_an_error_of_the_later_row_in_the_code_column(editor_client, article):
    rows = [institution_row(slug) for slug in ("omgtu", "samgtu", "omgtu", "omgtu")]
    preview = upload(editor_client, "institution", "a.xlsx", xlsx_bytes(INSTITUTION_HEADERS, rows), "XLSX")
    assert "confirm_form" not in preview.context
    assert preview.context["result"].sheet_errors == [
        (4, "Код записи", "Строки 2 и 4 описывают одну и ту же запись (omgtu)."),
        (5, "Код записи", "Строки 2 и 5 описывают одну и ту же запись (omgtu)."),
    ]
