"""The admin reads as Russian written by a person, and fills in what it can for the clerk."""

import datetime
import json
import zoneinfo
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import strip_tags
from django.utils.translation import ngettext

from registry import models
from registry.spreadsheets import resource_for
from tests import factories
from tests.forms import form_data
from tests.spreadsheets import INSTITUTION_HEADERS, institution_row, xlsx_bytes


def institution_form(**fields):
    return {
        "kind": "university",
        "country": factories.country().pk,
        "is_active": "on",
        "branches-TOTAL_FORMS": "0",
        "branches-INITIAL_FORMS": "0",
        "citations-TOTAL_FORMS": "0",
        "citations-INITIAL_FORMS": "0",
        **fields,
    }


@pytest.mark.django_db
class TestRecordCode:
    def test_an_empty_code_is_made_from_the_russian_name(self, admin_client):
        data = institution_form(slug="", name_ru="Омский государственный технический университет")
        response = admin_client.post(reverse("admin:registry_institution_add"), data)
        assert response.status_code == 302, response.context["errors"]
        assert models.Institution.objects.get().slug == "omskii-gosudarstvennyi-tekhnicheskii-universitet"

    def test_an_english_name_is_preferred_and_a_taken_code_gets_a_number(self, admin_client):
        factories.institution(slug="omsk-state-technical-university")
        data = institution_form(name_ru="ОмГТУ", name_en="Omsk State Technical University")
        response = admin_client.post(reverse("admin:registry_institution_add"), data)
        assert response.status_code == 302, response.context["errors"]
        assert models.Institution.objects.filter(slug="omsk-state-technical-university-2").exists()

    def test_a_code_typed_by_the_clerk_is_kept(self, admin_client):
        data = institution_form(slug="omgtu", name_ru="Омский государственный технический университет")
        assert admin_client.post(reverse("admin:registry_institution_add"), data).status_code == 302
        assert models.Institution.objects.get().slug == "omgtu"

    def test_the_official_name_is_not_a_required_copy_of_the_russian_one(self, admin_client):
        data = institution_form(slug="x", name_ru="Казахский национальный университет")
        assert admin_client.post(reverse("admin:registry_institution_add"), data).status_code == 302
        assert models.Institution.objects.get().name == ""


@pytest.mark.django_db
class TestExportPage:
    def test_columns_are_offered_by_their_headers(self, admin_client):
        page = admin_client.get(reverse("admin:registry_institution_export")).content.decode()
        assert "Код записи" in page
        for english in ("Slug (", "Name Ru", "Ror Id", "Is Published"):
            assert english not in page

    @pytest.mark.parametrize("page", ["export", "import"])
    def test_xlsx_is_the_preselected_format(self, admin_client, page):
        response = admin_client.get(reverse(f"admin:registry_institution_{page}"))
        assert response.context["form"]["format"].value() == "0"
        assert 'value="0" selected' in response.content.decode()

    def test_an_export_with_no_column_names_the_section(self, viewer_client):
        url = reverse("admin:registry_institution_export")
        response = viewer_client.post(url, {"format": "0", "resource": "0"})
        assert response.status_code == 200
        text = response.content.decode()
        assert "Выберите хотя бы один столбец раздела «Учреждения» для выгрузки." in text
        assert "Resource" not in text

    def test_the_file_is_named_after_the_section_and_the_local_date(self, admin_client, settings):
        settings.TIME_ZONE = "Asia/Kamchatka"  # UTC+12: a different date from UTC half the day
        factories.institution()
        resource = resource_for("institution")
        columns = {f"{resource.__name__.lower()}_{name}": "on" for name in resource().get_export_order()}
        url = reverse("admin:registry_institution_export")
        response = admin_client.post(url, {"format": "0", "resource": "0", **columns})
        today = timezone.localdate(timezone=zoneinfo.ZoneInfo("Asia/Kamchatka"))
        expected = quote(f"Учреждения-{today:%Y-%m-%d}.xlsx")
        assert response["Content-Disposition"] == (
            f"attachment; filename=\"Institutions-{today:%Y-%m-%d}.xlsx\"; filename*=UTF-8''{expected}"
        )


@pytest.mark.django_db
class TestDjangoMessagesReadAsRussian:
    def test_the_add_form_offers_another_quote_and_reports_the_new_record(self, admin_client):
        add_page = admin_client.get(reverse("admin:registry_institution_add"))
        add_texts = [
            json.loads(inline.inline_formset_data())["options"]["addText"]
            for inline in add_page.context["inline_admin_formsets"]
        ]
        assert add_texts == ["Добавить ещё: Филиал", "Добавить ещё: Цитата из источника"]
        data = institution_form(slug="kaznu", name_ru="Казахский национальный университет")
        response = admin_client.post(reverse("admin:registry_institution_add"), data, follow=True)
        shown = [strip_tags(str(message)) for message in response.context["messages"]]
        assert shown == ["Запись «Казахский национальный университет» (учреждение) добавлена."]

    def test_page_titles_do_not_decline_the_section_name(self, admin_client):
        add_page = admin_client.get(reverse("admin:registry_country_add"))
        assert add_page.context["title"] == "Добавление: страна"
        changelist = admin_client.get(reverse("admin:registry_citation_changelist"))
        assert "Выберите цитата" not in changelist.content.decode()

    def test_the_import_result_names_its_counts(self, editor_client):
        factories.country(code="RU", name_ru="Россия", name_en="Russia")
        upload = SimpleUploadedFile("вузы.xlsx", xlsx_bytes(INSTITUTION_HEADERS, [institution_row()]))
        url = reverse("admin:registry_institution_import")
        preview = editor_client.post(url, {"resource": "0", "format": "0", "import_file": upload})
        confirm = reverse("admin:registry_institution_process_import")
        done = editor_client.post(confirm, preview.context["confirm_form"].initial)
        text = editor_client.get(done["Location"]).content.decode()
        assert "Импорт завершён (учреждения): новых — 1, изменённых — 0" in text
        journal = editor_client.get(reverse("admin:registry_importrecord_changelist")).content.decode()
        assert ">registry.Institution<" not in journal
        record = models.ImportRecord.objects.get()
        detail = editor_client.get(reverse("admin:registry_importrecord_change", args=[record.pk]))
        assert "Учреждения" in detail.content.decode()
        assert "registry.Institution" not in detail.content.decode()


@pytest.mark.django_db
class TestHistoryPages:
    @pytest.fixture
    def imported(self):
        record = factories.institution(city="Омск")
        record._change_reason = "import"
        record.save()
        del record._change_reason
        record.city = "Томск"
        record.save()
        return record

    def test_the_history_list_says_why_and_what_in_words(self, admin_client, imported):
        url = reverse("admin:registry_institution_history", args=[imported.pk])
        text = admin_client.get(url).content.decode()
        assert "импорт из таблицы" in text
        assert "Что изменено" in text
        assert ">None<" not in text.replace(" ", "").replace("\n", "")

    def test_one_who_may_only_view_reads_the_history_title_in_russian(self, viewer_client, imported):
        url = reverse("admin:registry_institution_history", args=[imported.pk])
        text = viewer_client.get(url).content.decode()
        assert "История изменений:" in text and "View history" not in text

    def test_the_version_page_names_the_section_not_its_history_model(self, admin_client, imported):
        version = imported.history.last()
        url = reverse("admin:registry_institution_simple_history", args=[imported.pk, version.pk])
        text = admin_client.get(url).content.decode()
        assert "historical учреждения" not in text.lower()
        assert ">Учреждения</a>" in text
        assert "Возврат к версии" in text

    def test_the_same_page_reads_as_english(self, admin_client, imported):
        version = imported.history.last()
        url = reverse("admin:registry_institution_simple_history", args=[imported.pk, version.pk])
        admin_client.cookies["django_language"] = "en"
        text = admin_client.get(url).content.decode()
        assert "Historical" not in text
        assert ">Institutions</a>" in text
        assert "Revert to version" in text


@pytest.mark.django_db
class TestRevertAndRestoreMessages:
    @pytest.fixture
    def renamed(self):
        record = factories.institution(name_ru="Первое имя")
        first = record.history.latest()
        first.history_date = datetime.datetime(2025, 11, 12, 7, 5, tzinfo=datetime.UTC)
        first.save()
        record.name_ru = "Второе имя"
        record.save()
        return record, first

    def revert(self, client, version):
        url = reverse("admin:registry_institution_simple_history", args=[version.id, version.history_id])
        return client.post(url, form_data(client.get(url).content.decode()), follow=True)

    def test_a_revert_says_which_version_it_went_back_to(self, editor_client, renamed, settings):
        settings.TIME_ZONE = "Asia/Almaty"  # UTC+5
        record, first = renamed
        response = self.revert(editor_client, first)
        shown = [strip_tags(str(message)) for message in response.context["messages"]]
        assert shown == ["Запись «Первое имя» (учреждение) возвращена к версии от 12 ноября 2025 г. 12:05."]
        history = editor_client.get(reverse("admin:registry_institution_history", args=[record.pk]))
        assert "возврат к версии от 12 ноября 2025 г. 12:05" in history.content.decode()
        editor_client.cookies["django_language"] = "en"
        english = editor_client.get(reverse("admin:registry_institution_history", args=[record.pk]))
        assert "reverted to the version of Nov. 12, 2025, 12:05 p.m." in english.content.decode()

    def test_a_restore_says_the_record_was_restored(self, editor_client):
        record = factories.institution(name_ru="Удаляемый")
        version = record.history.latest()
        record.delete()
        response = self.revert(editor_client, version)
        shown = [strip_tags(str(message)) for message in response.context["messages"]]
        assert shown == ["Запись «Удаляемый» (учреждение) восстановлена."]


@pytest.mark.django_db
class TestDeletionSummary:
    def test_it_lists_parties_steps_and_quotes_but_not_link_rows(self, editor_client):
        source = factories.source()
        agreement = factories.agreement()
        agreement.fields.set([factories.field_of_study()])
        agreement.parties.first().regions.set([factories.region()])
        models.AgreementStatusStep.objects.create(
            agreement=agreement, status="signed", date=datetime.date(2025, 11, 12), source=source
        )
        models.Citation.objects.create(agreement=agreement, source=source, quote="Подписали.")
        page = editor_client.get(reverse("admin:registry_agreement_delete", args=[agreement.pk]))
        text = strip_tags(page.content.decode())
        for shown in ("Стороны соглашения: 2", "История состояний: 1", "Цитаты: 1", "Сторона соглашения:"):
            assert shown in text
        for internal in ("Связ", "object (", "agreement-fieldofstudy", "_regions"):
            assert internal not in text
        assert editor_client.post(page.request["PATH_INFO"], {"post": "yes"}).status_code == 302
        assert not models.Agreement.objects.filter(pk=agreement.pk).exists()


@pytest.mark.django_db
class TestListCounts:
    @pytest.mark.parametrize(
        "count, russian, english",
        [
            (0, "0 записей", "0 records"),
            (1, "1 запись", "1 record"),
            (2, "2 записи", "2 records"),
            (5, "5 записей", "5 records"),
            (11, "11 записей", "11 records"),
            (21, "21 запись", "21 records"),
            (101, "101 запись", "101 records"),
        ],
    )
    def test_a_list_counts_its_records_in_words_that_agree(self, editor_client, count, russian, english):
        models.FieldOfStudy.objects.bulk_create(
            [
                models.FieldOfStudy(code=f"{n:04d}", name_ru=f"Направление {n}", name_en=f"Field {n}")
                for n in range(count)
            ]
        )

        def paginator():
            page = editor_client.get(reverse("admin:registry_fieldofstudy_changelist")).content.decode()
            text = strip_tags(page.split('<p class="paginator">')[1].split("</p>")[0])
            return f" {' '.join(text.split())} "  # page numbers, the count, "show all"

        assert f" {russian} " in paginator()
        editor_client.cookies["django_language"] = "en"
        assert f" {english} " in paginator()

    @pytest.mark.parametrize("count", [0, 1, 2, 5, 11, 21, 101])
    def test_kazakh_says_the_same_word_after_any_number(self, count):
        with translation.override("kk"):
            words = ngettext("%(counter)s запись", "%(counter)s записей", count) % {"counter": count}
        assert words == f"{count} жазба"


@pytest.mark.django_db
class TestLoginAttempts:
    def test_superusers_see_them_under_a_plain_name(self, admin_client):
        index = admin_client.get("/admin/").content.decode()
        assert "Попытки входа в админку" in index and "Axes" not in index

    def test_editors_do_not_see_them(self, editor_client):
        index = editor_client.get("/admin/").content.decode()
        assert "Попытки входа" not in index and "Axes" not in index
        assert editor_client.get("/admin/axes/accessattempt/").status_code == 403


@pytest.mark.django_db
def test_the_admin_says_which_time_zone_times_are_in(admin_client, settings):
    settings.TIME_ZONE = "Asia/Almaty"
    text = admin_client.get("/admin/").content.decode()
    assert "Время указано по часовому поясу Asia/Almaty" in text


def test_a_reader_who_chose_kazakh_sees_the_admin_in_russian_and_the_site_in_kazakh(admin_client):
    admin_client.cookies["django_language"] = "kk"
    assert admin_client.get(reverse("admin:index")).headers["Content-Language"] == "ru"
    assert admin_client.get(reverse("registry:home")).headers["Content-Language"] == "kk"
