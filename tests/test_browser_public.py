"""The public pages in real headless Chromium against a live server."""

import io
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command

from tests.browser import screenshot
from tests.conftest import ARTICLE_FIXTURES

pytestmark = pytest.mark.browser


@pytest.fixture
def live_article(transactional_db, live_server):
    call_command("loaddata", *ARTICLE_FIXTURES, verbosity=0)
    return live_server


def test_filter_search_open_a_record_and_download(page, live_article):
    page.goto(f"{live_article.url}/")
    assert page.locator("h1").inner_text() == "Сотрудничество России и Казахстана в образовании"
    screenshot(page, "home")

    page.get_by_role("link", name="Учреждения").first.click()
    page.get_by_label("Страна", exact=True).select_option("RU")
    page.get_by_label("Поиск").fill("МГУ")
    page.get_by_role("button", name="Показать").click()
    page.wait_for_url("**/institutions/?*")
    assert "Найдена 1 запись" in page.locator(".count").inner_text()
    screenshot(page, "institutions")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="XLSX").click()
    workbook = openpyxl.load_workbook(io.BytesIO(Path(download_info.value.path()).read_bytes()))
    assert [row[0] for row in workbook.active.iter_rows(min_row=2, values_only=True)] == ["msu"]

    page.get_by_role("link", name="Московский государственный университет имени М. В. Ломоносова").click()
    assert page.locator("h1").inner_text().startswith("Московский государственный университет")
    assert page.locator("blockquote").first.inner_text().startswith("Касым-Жомарт Кемелевич")
    page.get_by_role("link", name="Филиал МГУ в Казахстане").click()
    assert "город неизвестен" in page.locator(".facts").inner_text()
    assert page.blocked == []


def test_switching_to_english_and_back(page, live_article):
    page.goto(f"{live_article.url}/programmes/")
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Programmes"
    assert (
        page.get_by_role(
            "link", name="Joint Russia–Kazakhstan programme for training technical personnel"
        ).count()
        == 1
    )
    page.get_by_role(
        "link", name="Joint Russia–Kazakhstan programme for training technical personnel"
    ).click()
    assert "Modelled on" in page.locator(".facts").inner_text()
    page.get_by_role("button", name="Русский").click()
    page.wait_for_load_state()
    assert "По образцу" in page.locator(".facts").inner_text()


def test_sorting_by_a_column_header(page, live_article):
    page.goto(f"{live_article.url}/institutions/")
    page.get_by_role("link", name="Год основания").click()
    page.wait_for_url("**ordering=founded*")
    first = page.locator("tbody tr").first.locator("td").nth(4).inner_text()
    assert first == "1755"
