"""Drafts inside published records never reach a public page, count, chart, filter, search or download."""

import io
import json

import openpyxl
import pytest
from django.urls import reverse

from registry import models
from tests import factories

SECRET = "Тайн"
LISTS = ["institution_list", "branch_list", "agreement_list", "programme_list", "source_list"]


def text_of(response):
    content = response.getvalue()  # read to the end, the test client closes it
    if content.startswith(b"PK"):
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        return repr(list(sheet.iter_rows(values_only=True)))
    text = content.decode("utf-8-sig")
    if response["Content-Type"].startswith("application/json"):
        text = json.dumps(json.loads(text), ensure_ascii=False)
    return text


def assert_no_draft(text):
    assert SECRET not in text and "tainy" not in text.lower()


@pytest.fixture
def published(db):
    return factories.drafts_inside_published_records()


@pytest.mark.django_db
class TestDraftsInsidePublishedRecords:
    @pytest.mark.parametrize("name", ["home", *LISTS])
    def test_no_page_or_chart_shows_them(self, client, published, name):
        assert_no_draft(client.get(reverse(f"registry:{name}")).content.decode())

    @pytest.mark.parametrize("kind", ["institution", "agreement", "programme", "source"])
    def test_no_detail_page_shows_them(self, client, published, kind):
        response = client.get(published[kind].get_absolute_url())
        assert response.status_code == 200
        assert_no_draft(response.content.decode())

    @pytest.mark.parametrize("name", LISTS)
    @pytest.mark.parametrize("download", ["csv", "xlsx", "json"])
    def test_no_download_shows_them(self, client, published, name, download):
        response = client.get(reverse(f"registry:{name}"), {"download": download})
        assert response.status_code == 200
        assert_no_draft(text_of(response))

    def test_the_counts_leave_them_out(self, client, published):
        counts = {c["url_name"]: c["total"] for c in client.get("/").context["counts"]}
        assert counts == {"institution_list": 1, "branch_list": 0, "agreement_list": 1, "programme_list": 1}

    def test_search_and_filters_do_not_find_records_through_them(self, client, published):
        for name in LISTS:
            assert list(client.get(reverse(f"registry:{name}"), {"q": "тайн"}).context["object_list"]) == []
        # The only link between the parent and field 0788 is a draft branch.
        found = client.get("/institutions/", {"field": "0788"}).context["object_list"]
        assert list(found) == []
        assert list(client.get("/branches/", {"institution": "tainy-uni"}).context["object_list"]) == []

    def test_the_year_of_a_step_only_a_draft_source_backs_finds_nothing(self, client, published):
        # Those steps (2031) are the only thing dated that year: their year must not find the record.
        for name in ("agreement_list", "programme_list"):
            assert list(client.get(reverse(f"registry:{name}"), {"year": 2031}).context["object_list"]) == []
            download = client.get(reverse(f"registry:{name}"), {"year": 2031, "download": "json"})
            body = b"".join(download.streaming_content if download.streaming else [download.content])
            assert json.loads(body) == []
        for endpoint in ("agreements", "programmes"):
            assert client.get(f"/api/v1/{endpoint}/", {"year": 2031}).json()["count"] == 0

    def test_the_institution_suggestions_leave_them_out(self, client, published):
        assert client.get("/institutions/suggest/", {"q": "тайный"}).json() == {"results": []}

    def test_a_draft_source_of_a_status_step_is_not_linked(self, client, published):
        page = client.get(published["agreement"].get_absolute_url()).content.decode()
        assert "подписано" in page and "/sources/tainy-source/" not in page

    def test_drafts_and_their_branches_are_404(self, client, published):
        for url in [
            "/institutions/tainy-uni/",
            "/branches/tainy-branch/",
            "/branches/tainy-orphan/",
            "/programmes/tainy-model/",
            "/indicators/tainy-indicator/",
            "/sources/tainy-source/",
        ]:
            assert client.get(url).status_code == 404, url

    def test_the_published_queryset_of_each_kind_leaves_them_out(self, published):
        assert not models.Citation.objects.published().filter(quote__contains="Тайная").exists()
        assert models.AgreementParty.objects.published().count() == 1
        assert not models.ProgrammeParticipant.objects.published().exists()
        assert not models.Branch.objects.published().exists()


@pytest.mark.django_db
def test_staff_find_a_published_agreement_through_its_draft_party_and_readers_do_not():
    published = factories.drafts_inside_published_records()
    agreements = models.Agreement.objects.published()
    assert list(agreements.search("тайный вуз")) == []
    assert list(agreements.search("тайный вуз", through_drafts=True)) == [published["agreement"]]
