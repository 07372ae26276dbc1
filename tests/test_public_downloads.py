"""The public representation of each record, and the list downloads built on it."""

import csv
import io
import json

import openpyxl
import pytest
from django.urls import reverse

from registry import models
from registry.serializers import SERIALIZERS
from tests import factories

LISTS = ["institution_list", "branch_list", "agreement_list", "programme_list", "source_list"]
BAD_YEARS = ["0", "-1", "10000", "1e10", "99999999999999999999", "2025.5", "abc"]
STAFF_ONLY = {"is_published", "notes", "search_text", "id", "uid"}


def download(client, name, **query):
    response = client.get(reverse(f"registry:{name}"), query)
    return response, response.getvalue()  # read to the end, the test client closes it


def keys(value):
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys(v)}
    return set()


@pytest.mark.django_db
class TestRepresentation:
    def test_json_keys_are_the_same_in_either_language(self, client, article):
        _, russian = download(client, "programme_list", download="json")
        client.cookies["django_language"] = "en"
        _, english = download(client, "programme_list", download="json")
        assert [keys(row) for row in json.loads(russian)] == [keys(row) for row in json.loads(english)]
        assert json.loads(russian) != json.loads(english)  # names and labels follow the language

    @pytest.mark.parametrize("name", LISTS)
    def test_no_staff_only_field_anywhere(self, client, article, name):
        _, content = download(client, name, download="json")
        for row in json.loads(content):
            assert not keys(row) & STAFF_ONLY
            assert all(key == key.lower() and " " not in key for key in keys(row))

    def test_values_are_typed_and_relations_are_names_with_codes(self, client, article):
        _, content = download(client, "institution_list", download="json", country="KZ")
        (atu,) = json.loads(content)
        assert atu["founded_year"] == 1957 and atu["is_active"] is True
        assert atu["country"] == {"code": "KZ", "name": "Казахстан"}
        assert atu["created_at"].startswith("20") and "T" in atu["created_at"]
        assert atu["citations"][0]["source_title"].startswith("Путин предложил")
        assert atu["citations"][0]["source_url"] == "http://testserver/sources/tass-2025-11-12/"
        assert "website" in atu["reference_fields"] or "name" in atu["reference_fields"]
        _, content = download(client, "branch_list", download="json", institution="msu")
        (branch,) = json.loads(content)
        assert branch["institution"]["name"].startswith("Московский государственный университет")
        assert branch["institution"]["slug"] == "msu"

    def test_parties_come_with_their_regions(self, client, article):
        _, content = download(client, "agreement_list", download="json", status="agreed")
        (agreement,) = json.loads(content)
        group = agreement["parties"][0]
        assert group["institution"] is None and group["country"]["code"] == "RU"
        assert [r["name"] for r in group["regions"]] == ["Оренбургская область", "Самарская область"]
        assert agreement["status_history"][0]["date_meaning"] == "reported_on"

    def test_indicator_values_are_numbers(self, article):
        from django.test import RequestFactory

        indicator = models.Indicator.objects.get(slug="kz-students-in-russia")
        data = json.loads(
            json.dumps(
                SERIALIZERS[models.Indicator](indicator, context={"request": RequestFactory().get("/")}).data,
                default=float,
            )
        )
        assert data["value"] == 55000 and data["is_approximate"] is True and data["as_of"] == "2025-11-12"


@pytest.mark.django_db
class TestFlatDownloads:
    def test_csv_gives_names_and_codes_in_their_own_columns(self, client, article):
        _, content = download(client, "branch_list", download="csv", institution="msu")
        rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
        assert rows[0]["institution"].startswith("Московский государственный университет")
        assert rows[0]["institution_slug"] == "msu"
        assert rows[0]["country"] == "Казахстан" and rows[0]["country_code"] == "KZ"
        assert "Опубликовано" not in rows[0] and "is_published" not in rows[0]

    def test_xlsx_sheet_is_named_after_the_list_with_a_frozen_header_and_widths(self, client, article):
        response, content = download(client, "programme_list", download="xlsx")
        assert "attachment" in response["Content-Disposition"]
        sheet = openpyxl.load_workbook(io.BytesIO(content))["Программы"]
        assert sheet.freeze_panes == "A2"
        header = [cell.value for cell in sheet[1]]
        assert header[:3] == ["slug", "url", "title"]
        assert sheet.column_dimensions["C"].width >= 40
        proposed_on = sheet.cell(row=2, column=header.index("proposed_on") + 1)
        assert proposed_on.value is None or proposed_on.is_date

    def test_the_sheet_name_follows_the_language(self, client, article):
        client.cookies["django_language"] = "en"
        _, content = download(client, "institution_list", download="xlsx")
        assert openpyxl.load_workbook(io.BytesIO(content)).sheetnames == ["Institutions"]

    def test_downloads_stop_at_the_row_limit(self, client, settings):
        settings.PUBLIC_DOWNLOAD_MAX_ROWS = 3
        for _ in range(5):
            factories.institution()
        for file_format in ("csv", "json"):
            response, content = download(client, "institution_list", download=file_format)
            assert response.streaming
        assert len(json.loads(content)) == 3
        _, content = download(client, "institution_list", download="csv")
        assert len(list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))) == 4
        assert "3" in client.get("/institutions/").content.decode()

    def test_flat_files_read_the_date_meaning_json_keeps_its_code(self, client, article):
        _, content = download(client, "agreement_list", download="csv", status="agreed")
        (row,) = csv.DictReader(io.StringIO(content.decode("utf-8-sig")))
        assert "по состоянию на (дата сообщения)" in row["status_history"]
        assert "reported_on" not in row["status_history"]
        _, content = download(client, "agreement_list", download="xlsx", status="agreed")
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        header = [cell.value for cell in sheet[1]]
        assert "reported_on" not in sheet.cell(row=2, column=header.index("status_history") + 1).value

    @pytest.mark.parametrize("file_format", ["csv", "xlsx", "json"])
    def test_a_download_is_named_after_the_list_and_the_local_date(self, client, db, file_format):
        from urllib.parse import quote

        from django.utils import timezone

        response, _ = download(client, "institution_list", download=file_format)
        day = f"{timezone.localdate():%Y-%m-%d}"
        name = f"Учреждения-{day}.{file_format}"
        assert quote(name) in response["Content-Disposition"]
        # and a plain name for programs that read no other (curl -OJ)
        assert f'filename="Institutions-{day}.{file_format}"' in response["Content-Disposition"]

    def test_a_control_character_in_a_record_is_shown_not_a_failed_spreadsheet(self, client, db):
        factories.institution(slug="ctrl", name_ru="Колледж\x02контроль")
        response, content = download(client, "institution_list", download="xlsx")
        assert response.status_code == 200
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        header = [cell.value for cell in sheet[1]]
        assert sheet.cell(row=2, column=header.index("name_ru") + 1).value == "Колледж\ufffdконтроль"
        _, content = download(client, "institution_list", download="json")
        assert json.loads(content)[0]["name_ru"] == "Колледж\x02контроль"  # JSON keeps it exactly

    def test_text_is_written_as_typed_in_xlsx_and_guarded_in_csv(self, client, db):
        names = ["=1+1", "-3.75", "+7 727 000 00 00", "#N/A", "@home", "'=quoted", "обычное"]
        for n, name in enumerate(names):
            factories.institution(slug=f"odd-{n}", name_ru=name)
        response, content = download(client, "institution_list", download="xlsx")
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        header = [cell.value for cell in sheet[1]]
        slug, name = header.index("slug"), header.index("name_ru")
        cells = {row[slug].value: row[name] for row in sheet.iter_rows(min_row=2)}
        assert [cells[f"odd-{n}"].value for n in range(len(names))] == names  # an XLSX text cell never runs
        assert {cell.data_type for cell in cells.values()} == {"s"}  # not a formula, not an error
        _, content = download(client, "institution_list", download="csv")
        reader = csv.DictReader(io.StringIO(content.decode("utf-8-sig")))
        written = {row["slug"]: row["name_ru"] for row in reader}
        assert [written[f"odd-{n}"] for n in range(len(names))] == [
            "'=1+1", "-3.75", "'+7 727 000 00 00", "'#N/A", "'@home", "''=quoted", "обычное"
        ]  # fmt: skip

    def test_a_text_longer_than_an_xlsx_cell_is_cut_with_a_mark_and_whole_elsewhere(self, client, db):
        text = "Полный текст статьи. " * 2000  # 42 000 characters; an XLSX cell holds 32 767
        factories.source(slug="long", text=text)
        response, content = download(client, "source_list", download="xlsx")
        assert response.status_code == 200
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        header = [cell.value for cell in sheet[1]]
        cell = sheet.cell(row=2, column=header.index("text") + 1).value
        assert len(cell) == 32767
        assert cell == text[:32766] + "…"
        _, content = download(client, "source_list", download="json")
        assert json.loads(content)[0]["text"] == text

    @pytest.mark.parametrize("name", ["institution_list", "branch_list", "agreement_list", "programme_list"])
    def test_a_download_filtered_by_region_finds_what_the_page_finds(self, client, db, name):
        # Programmes' regions join Django's auto-created many-to-many model, which the download's
        # query is sent to the preparing process with (pickled by label, not by module).
        region = factories.region(name="Алматы")
        factories.programme(slug="for-almaty").target_regions.add(region)
        factories.institution(slug="in-almaty", region=region)
        page = client.get(reverse(f"registry:{name}"), {"region": region.pk})
        assert page.status_code == 200
        response, content = download(client, name, region=region.pk, download="json")
        assert response.status_code == 200
        assert [row["slug"] for row in json.loads(content)] == [r.slug for r in page.context["object_list"]]

    @pytest.mark.parametrize(("language", "limit"), [("ru", "10\xa0000"), ("en", "10,000")])
    def test_the_row_limit_is_written_the_languages_way(self, client, settings, db, language, limit):
        settings.PUBLIC_DOWNLOAD_MAX_ROWS = 10000
        client.cookies["django_language"] = language
        assert limit in client.get("/institutions/").content.decode()

    @pytest.mark.parametrize(
        "language, says", [("ru", "Нет загрузки в формате «ods»"), ("en", "No download as")]
    )
    def test_ods_is_not_offered_publicly(self, client, article, language, says):
        client.cookies["django_language"] = language
        response = client.get("/institutions/", {"download": "ods"})
        assert response.status_code == 400 and response["Content-Type"].startswith("text/plain")
        assert says in response.content.decode() and "csv, xlsx, json" in response.content.decode()
        page = client.get("/institutions/").content.decode()
        assert "download=xlsx" in page and "download=ods" not in page


@pytest.mark.django_db
class TestBadInput:
    @pytest.mark.parametrize("name", ["agreement_list", "programme_list", "source_list"])
    @pytest.mark.parametrize("year", BAD_YEARS)
    def test_a_bad_year_is_a_form_error_on_the_page_and_400_in_the_download(
        self, client, article, name, year
    ):
        page = client.get(reverse(f"registry:{name}"), {"year": year})
        assert page.status_code == 400
        assert list(page.context["object_list"]) == []
        assert 'class="error"' in page.content.decode()
        response, content = download(client, name, year=year, download="csv")
        assert response.status_code == 400
        assert "Год" in content.decode()

    @pytest.mark.parametrize(
        "name, query",
        [
            ("institution_list", {"founded": "1e10"}),
            ("branch_list", {"opened": "-1"}),
            ("agreement_list", {"country": "XX"}),
            ("institution_list", {"is_active": "zzz"}),
        ],
    )
    def test_any_invalid_filter_gives_the_same_answer_on_the_page_and_in_the_download(
        self, client, article, name, query
    ):
        assert client.get(reverse(f"registry:{name}"), query).status_code == 400
        for file_format in ("csv", "xlsx", "json"):
            response, _ = download(client, name, download=file_format, **query)
            assert response.status_code == 400

    @pytest.mark.parametrize("name", LISTS)
    def test_a_search_of_thousands_of_words_is_capped_not_an_error(self, client, article, name):
        words = " ".join(["университет"] * 1500)
        assert client.get(reverse(f"registry:{name}"), {"q": words}).status_code == 200
        response, _ = download(client, name, q=words, download="csv")
        assert response.status_code == 200


@pytest.mark.django_db
def test_downloads_beyond_the_processs_cap_are_asked_to_come_back(client, article, settings, caplog):
    from registry.downloads import take_slot

    settings.PUBLIC_DOWNLOADS_AT_ONCE = 3
    held = [take_slot(), take_slot(), take_slot()]  # three downloads being prepared in this process
    with caplog.at_level("INFO"):
        refused = client.get("/institutions/", {"download": "json"})
    assert refused.status_code == 503 and refused["Retry-After"] == "60"
    # By design, so said once, at INFO: never the ERROR Django logs for a 5xx.
    logged = [(r.name, r.levelname) for r in caplog.records if r.levelno >= 20]
    assert logged == [("registry.downloads", "INFO")]
    assert "Повторите через минуту" in refused.content.decode()
    assert client.get("/institutions/").status_code == 200  # pages are served meanwhile
    held.pop().release()  # one of them written
    for file_format in ("xlsx", "csv", "json"):  # each gives its slot back once written
        response = client.get("/institutions/", {"download": file_format})
        assert response.status_code == 200 and response.getvalue()
    for slot in held:
        slot.release()
