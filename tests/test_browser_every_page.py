"""Every public page fits a phone and a laptop screen, in Russian, English and Kazakh."""

import pytest
from django.core.management import call_command

from registry import models
from tests.browser import screenshot
from tests.conftest import ARTICLE_FIXTURES

pytestmark = pytest.mark.browser

WIDTHS = {"phone": 390, "laptop": 1366}
HEADINGS = {"ru": "Учреждения", "en": "Institutions", "kk": "Мекемелер"}


@pytest.fixture
def live_registry(transactional_db, live_server):
    call_command("loaddata", *ARTICLE_FIXTURES, verbosity=0)
    # A branch whose city is known, so the map draws a parent → branch line too.
    msu = models.Institution.objects.get(slug="msu")
    models.Branch.objects.create(
        slug="msu-astana",
        name="Филиал МГУ в Астане",
        institution=msu,
        country=models.Country.objects.get(code="KZ"),
        city="Астана",
        is_published=True,
    )
    return live_server


def public_pages():
    """Home, every list, one record of each kind, the map."""
    pages = ["/", "/institutions/", "/branches/", "/agreements/", "/programmes/", "/sources/", "/indicators/"]
    for model in (
        models.Institution,
        models.Branch,
        models.Agreement,
        models.Programme,
        models.Indicator,
        models.Source,
    ):
        pages.append(model.objects.published().order_by("pk").first().get_absolute_url())
    return [*pages, "/map/"]


@pytest.mark.parametrize("language", ["ru", "en", "kk"])
def test_no_public_page_is_wider_than_the_screen(browser, live_registry, language):
    pages = public_pages()
    for device, width in WIDTHS.items():
        context = browser.new_context(viewport={"width": width, "height": 844})
        context.add_cookies([{"name": "django_language", "value": language, "url": live_registry.url}])
        page = context.new_page()
        errors = []
        page.on("console", lambda message, seen=errors: message.type == "error" and seen.append(message.text))
        for path in pages:
            page.goto(f"{live_registry.url}{path}")
            assert page.locator("html").get_attribute("lang") == language
            document_width = page.evaluate("document.documentElement.scrollWidth")
            assert document_width <= width, f"{path} is {document_width} px wide at {width} px ({language})"
            name = path.strip("/").replace("/", "-") or "home"
            screenshot(page, f"{language}-{device}-{name}")
        assert errors == []
        context.close()


def test_a_long_unbroken_name_wraps_instead_of_widening_a_page(browser, live_registry):
    name = '=HYPERLINK("http://example.org/a-very-long-address-without-spaces","click")'
    models.Institution.objects.create(
        slug="long-name",
        name=name,
        name_ru=name,
        kind=models.Institution.Kind.UNIVERSITY,
        country=models.Country.objects.get(code="KZ"),
        city="Алматы",
        is_published=True,
    )
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    for path in ["/", "/institutions/long-name/", "/institutions/", "/changes/", "/map/"]:
        page.goto(f"{live_registry.url}{path}")
        assert "a-very-long-address-without-spaces" in page.content()
        document_width = page.evaluate("document.documentElement.scrollWidth")
        assert document_width <= 390, f"{path} is {document_width} px wide at 390 px"
    context.close()


def test_on_a_phone_the_filters_fold_behind_one_button_above_the_results(browser, live_registry):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{live_registry.url}/institutions/")
    search = page.get_by_label("Поиск")
    assert not search.is_visible()
    first_row = page.locator("tbody tr").first.bounding_box()
    assert first_row["y"] < 844, "results start on the first screen"
    page.get_by_text("Фильтры", exact=True).click()
    assert search.is_visible()
    search.fill("МГУ")
    page.get_by_role("button", name="Показать").click()
    page.wait_for_url("**/institutions/?*")
    # Empty filters are not sent: the address holds only what the reader chose.
    assert page.url.endswith("/institutions/?q=%D0%9C%D0%93%D0%A3")
    context.close()


def test_on_a_laptop_the_filters_show_without_a_button(page, live_registry):
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_registry.url}/branches/")
    assert page.get_by_label("Поиск").is_visible()
    assert not page.get_by_text("Фильтры", exact=True).is_visible()
    assert page.locator("nav a[aria-current=page]").inner_text() == "Филиалы"


def test_the_language_switch_offers_three_languages(page, live_registry):
    page.goto(f"{live_registry.url}/institutions/")
    page.get_by_role("button", name="Қазақша").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == HEADINGS["kk"]
    assert (
        page.get_by_role("link", name="М. В. Ломоносов атындағы Мәскеу мемлекеттік университеті").count() == 1
    )
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == HEADINGS["en"]
    page.get_by_role("button", name="Русский").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == HEADINGS["ru"]
