"""Open data: the full dump and /data/, what changed (page and feed), sitemap, robots.txt,
how to cite and JSON-LD on detail pages, and the ROR checksum."""

import csv
import hashlib
import io
import json
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone, translation
from django.utils.formats import date_format

from registry import dumps, models
from tests import factories

SECRET = "Тайн"


def assert_no_draft(text):
    assert SECRET not in text and "tainy" not in text.lower()


@pytest.fixture
def published(db):
    return factories.drafts_inside_published_records()


@pytest.fixture
def dump_dir(tmp_path, settings):
    settings.DUMP_DIR = tmp_path
    settings.SITE_URL = "https://registry.example"
    return tmp_path


@pytest.mark.django_db
class TestDump:
    def test_it_holds_every_record_type_as_json_lines_and_csv_with_a_readme(self, published, dump_dir):
        call_command("registry_dump", stdout=io.StringIO())
        (path,) = dump_dir.glob("registry-*.zip")
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            for kind in dumps.RECORD_TYPES:
                assert {f"{kind}.jsonl", f"{kind}.csv"} <= names
            readme = archive.read("README.txt").decode()
            institutions = [
                json.loads(line) for line in archive.read("institutions.jsonl").decode().splitlines()
            ]
            raw_csv = archive.read("institutions.csv")
        assert "CC BY 4.0" in readme and "institutions.jsonl, institutions.csv: 1 record\n" in readme
        assert [r["slug"] for r in institutions] == ["open-parent"]
        assert institutions[0]["url"] == "https://registry.example/institutions/open-parent/"
        assert "https://registry.example/institutions/open-parent/" in institutions[0]["how_to_cite"]
        assert raw_csv.startswith("\ufeff".encode())
        header, *rows = list(csv.reader(io.StringIO(raw_csv.decode("utf-8-sig"))))
        assert set(institutions[0]) <= set(header)
        assert [row[header.index("slug")] for row in rows] == ["open-parent"]

    def test_no_draft_inside_a_published_record_gets_in(self, published, dump_dir):
        dump = dumps.write_dump()
        with zipfile.ZipFile(dump.path) as archive:
            for name in archive.namelist():
                assert_no_draft(archive.read(name).decode("utf-8-sig"))

    def test_its_checksum_is_written_beside_it(self, published, dump_dir):
        dump = dumps.write_dump()
        assert dump.sha256 == hashlib.sha256(dump.path.read_bytes()).hexdigest()
        assert dumps.latest_dump() == dump
        assert not list(dump_dir.glob("*.partial"))

    def test_the_data_page_offers_the_latest_dump(self, client, published, dump_dir):
        dump = dumps.write_dump()
        page = client.get("/data/").content.decode()
        assert dump.sha256 in page and date_format(dump.date) in page and str(dump.size) in page
        response = client.get(f"/data/{dump.filename}")
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == dump.path.read_bytes()
        assert "attachment" in response["Content-Disposition"]

    def test_only_the_latest_dump_is_served(self, client, published, dump_dir):
        (dump_dir / "secret.txt").write_text("no")
        assert client.get("/data/secret.txt").status_code == 404
        assert client.get("/data/registry-2000-01-01.zip").status_code == 404

    def test_the_data_page_says_when_there_is_none(self, client, db, dump_dir):
        assert "Выгрузки пока нет" in client.get("/data/").content.decode()


@pytest.mark.django_db
class TestWhatChanged:
    def test_a_record_is_new_when_it_is_published(self, client, db):
        draft = factories.institution(name_ru="Черновой вуз", is_published=False)
        assert "Черновой вуз" not in client.get("/changes/").content.decode()
        draft.is_published = True
        draft.save()
        page = client.get("/changes/").content.decode()
        assert "Черновой вуз" in page and draft.get_absolute_url() in page

    def test_a_status_change_is_listed(self, client, db):
        agreement = factories.agreement(status=models.Status.PROPOSED, title="Соглашение о практике")
        agreement.status = models.Status.SIGNED
        agreement.save()
        titles = [c.title for c in client.get("/changes/").context["changes"]]
        assert "Соглашение о практике: подписано" in titles

    def test_a_new_source_is_listed(self, client, db):
        factories.source(title="Свежая статья")
        change = client.get("/changes/").context["changes"][0]
        assert change.kind == "source" and change.record.title == "Свежая статья"

    def test_the_feed_and_the_page_list_only_published_records(self, client, published):
        feed = client.get("/changes/feed/")
        assert feed["Content-Type"].startswith("application/atom+xml")
        text = feed.content.decode()
        assert "open-parent" in text
        assert_no_draft(text)
        assert_no_draft(client.get("/changes/").content.decode())


@pytest.mark.django_db
class TestSearchEngines:
    def test_the_sitemap_lists_only_published_records(self, client, published):
        text = client.get("/sitemap.xml").content.decode()
        assert "/institutions/open-parent/" in text and "/agreements/open-agreement/" in text
        assert_no_draft(text)

    def test_the_sitemap_lists_every_public_page_without_a_record(self, client, db):
        text = client.get("/sitemap.xml").content.decode()
        for path in ["/", "/indicators/", "/map/", "/match/", "/data/", "/changes/", "/sources/"]:
            assert f"<loc>http://testserver{path}</loc>" in text

    def test_the_match_page_is_linked_from_every_page_and_from_the_data_page(self, client, db):
        assert 'href="/match/"' in client.get("/").content.decode()
        assert client.get("/data/").content.decode().count('href="/match/"') == 2

    def test_robots_txt_points_to_the_sitemap(self, client, db):
        text = client.get("/robots.txt").content.decode()
        assert "Disallow: /admin/" in text and "Sitemap: http://testserver/sitemap.xml" in text


def json_ld(response):
    text = response.content.decode()
    start = text.index('<script type="application/ld+json">') + len('<script type="application/ld+json">')
    return json.loads(text[start : text.index("</script>", start)])


@pytest.mark.django_db
class TestCitableRecords:
    @pytest.mark.parametrize("kind", ["institution", "agreement", "programme", "source"])
    def test_every_detail_page_says_how_to_cite(self, client, published, kind):
        record = published[kind]
        text = client.get(record.get_absolute_url()).content.decode()
        assert "Как цитировать" in text
        assert f"http://testserver{record.get_absolute_url()}" in text and "CC BY 4.0" in text

    @pytest.mark.parametrize(
        ("language", "accessed", "source"),
        [
            ("ru", "дата обращения: ", "ТАСС, 12 ноября 2025"),
            ("en", "accessed ", "TASS, 12 November 2025"),
            ("kk", "қаралған күні: ", "ТАСС, 2025 ж. 12 қараша"),
        ],
    )
    def test_the_dates_are_written_the_pages_way(self, client, article, dump_dir, language, accessed, source):
        dumps.write_dump()
        client.cookies["django_language"] = language
        with translation.override(language):
            today = date_format(timezone.localdate())
        assert f"({accessed}{today})" in client.get("/institutions/msu/").content.decode()
        assert source in client.get("/sources/tass-2025-11-12/").content.decode()
        assert f">{today}</time>" in client.get("/data/").content.decode()

    def test_the_licence_comes_from_the_settings(self, client, published, settings):
        settings.DATA_LICENCE = "ODbL"
        assert "Лицензия данных: ODbL" in client.get("/institutions/open-parent/").content.decode()

    def test_an_institution_is_an_educational_organisation_with_its_identifiers(self, client, db):
        record = factories.institution(
            ror_id="010pmpe69", wikidata_id="Q13164", website="https://msu.ru/", city="Москва"
        )
        response = client.get(record.get_absolute_url())
        data = json_ld(response)
        assert data["@type"] == "EducationalOrganization"
        assert data["sameAs"] == [
            "https://ror.org/010pmpe69",
            "https://www.wikidata.org/wiki/Q13164",
            "https://msu.ru/",
        ]
        text = response.content.decode()
        assert '<a href="https://ror.org/010pmpe69"' in text
        assert '<a href="https://www.wikidata.org/wiki/Q13164"' in text

    def test_json_ld_cannot_close_its_script(self, client, db):
        record = factories.institution(name_ru="Вуз </script><script>alert(1)</script>")
        response = client.get(record.get_absolute_url())
        assert "<script>alert(1)" not in response.content.decode()
        assert json_ld(response)["name"] == "Вуз </script><script>alert(1)</script>"


@pytest.mark.django_db
class TestRorChecksum:
    @pytest.mark.parametrize("ror_id", ["010pmpe69", "05dxps055", "02mhbdp94"])
    def test_real_ids_pass(self, ror_id):
        factories.institution(ror_id=ror_id).full_clean()

    def test_a_mistyped_id_is_a_readable_error(self):
        record = factories.institution(ror_id="010pmpe68")
        with pytest.raises(ValidationError) as error:
            record.full_clean()
        assert "контрольная сумма" in error.value.message_dict["ror_id"][0]

    def test_the_fixtures_ids_pass(self, article):
        for record in models.Institution.objects.exclude(ror_id=""):
            assert models.ror_checksum_is_valid(record.ror_id), record.ror_id
