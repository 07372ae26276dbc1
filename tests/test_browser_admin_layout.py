"""The admin fits the screen: no page a clerk uses scrolls sideways at 1366 px, and it stays
usable on a 390 px phone. Screenshots go to tests/artifacts/admin-<page>-<width>.png."""

import pytest
from django.core.management import call_command

from registry import models
from tests.browser import screenshot
from tests.conftest import ARTICLE_FIXTURES, PASSWORD
from tests.spreadsheets import INSTITUTION_HEADERS, institution_row, xlsx_bytes

pytestmark = pytest.mark.browser

WIDTHS = [1366, 390]


def page_width(page):
    return page.evaluate("document.documentElement.scrollWidth")


def log_in(page, live_server, django_user_model):
    django_user_model.objects.create_superuser("alice", password=PASSWORD)
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Имя пользователя").fill("alice")
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url("**/admin/")


def admin_pages():
    msu = models.Institution.objects.get(slug="msu")
    # Two versions in its history: one from an import, one saved by hand.
    msu._change_reason = "import"
    msu.save()
    del msu._change_reason
    msu.city = "Москва (Воробьёвы горы)"
    msu.save()
    first_version = msu.history.last()
    agreement = models.Agreement.objects.get(slug="skoltech-kz-partners")
    programme = models.Programme.objects.first()
    return {
        "index": "/admin/",
        "institution-list": "/admin/registry/institution/",
        "institution-form": f"/admin/registry/institution/{msu.pk}/change/",
        "institution-history": f"/admin/registry/institution/{msu.pk}/history/",
        "institution-revert": f"/admin/registry/institution/{msu.pk}/history/{first_version.pk}/",
        "agreement-form": f"/admin/registry/agreement/{agreement.pk}/change/",
        "agreement-add": "/admin/registry/agreement/add/",
        "programme-form": f"/admin/registry/programme/{programme.pk}/change/",
        "institution-export": "/admin/registry/institution/export/",
    }


def test_no_admin_page_scrolls_sideways(page, live_server, transactional_db, django_user_model):
    call_command("loaddata", *ARTICLE_FIXTURES, verbosity=0)
    log_in(page, live_server, django_user_model)
    too_wide = {}
    for name, path in admin_pages().items():
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(f"{live_server.url}{path}")
            screenshot(page, f"admin-{name}-{width}")
            if page_width(page) > width:
                too_wide[f"{name} at {width}"] = page_width(page)
    assert too_wide == {}, too_wide
    assert page.blocked == []


def test_the_import_preview_fits_the_screen(page, live_server, transactional_db, django_user_model, tmp_path):
    call_command("loaddata", *ARTICLE_FIXTURES, verbosity=0)
    log_in(page, live_server, django_user_model)
    spreadsheet = tmp_path / "вузы.xlsx"
    renamed = {"Название по-русски": "Московский университет", "Город": "Москва"}
    rows = [institution_row(), institution_row(slug="msu", **renamed)]
    spreadsheet.write_bytes(xlsx_bytes(INSTITUTION_HEADERS, rows))
    too_wide = {}
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/admin/registry/institution/import/")
        page.locator("input[type=file]").set_input_files(str(spreadsheet))
        page.get_by_role("button", name="Отправить").click()
        page.get_by_role("button", name="Подтвердить импорт").wait_for()
        screenshot(page, f"admin-import-preview-{width}")
        if page_width(page) > width:
            too_wide[width] = page_width(page)
    assert too_wide == {}, too_wide


def test_date_fields_carry_no_time_zone_warning(browser, live_server, transactional_db, django_user_model):
    """A clerk in Astana (UTC+5) sees no "you are 2 hours ahead of server time" beside a date."""
    call_command("loaddata", *ARTICLE_FIXTURES, verbosity=0)
    context = browser.new_context(timezone_id="Asia/Almaty", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    try:
        log_in(page, live_server, django_user_model)
        agreement = models.Agreement.objects.get(slug="skoltech-kz-partners")
        page.goto(f"{live_server.url}/admin/registry/agreement/{agreement.pk}/change/")
        warnings = page.locator(".timezonewarning")
        assert warnings.count() > 0  # Django adds them; they stay hidden beside date-only fields
        assert all(not warnings.nth(n).is_visible() for n in range(warnings.count()))
        assert "Время указано по часовому поясу Europe/Moscow" in page.locator("#footer").inner_text()
    finally:
        context.close()
