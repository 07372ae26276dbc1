"""A clerk imports a spreadsheet through the admin in real headless Chromium."""

import pytest
from django.core.management import call_command

from registry import models
from tests.browser import screenshot
from tests.conftest import ARTICLE_FIXTURES, PASSWORD
from tests.spreadsheets import INSTITUTION_HEADERS, institution_row, xlsx_bytes

pytestmark = pytest.mark.browser


def test_an_editor_logs_in_imports_an_xlsx_and_sees_the_new_record(
    page, live_server, transactional_db, django_user_model, tmp_path
):
    call_command("loaddata", *ARTICLE_FIXTURES, verbosity=0)
    from django.contrib.auth.models import Group

    editor = django_user_model.objects.create_user("bob", password=PASSWORD, is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    spreadsheet = tmp_path / "новые вузы.xlsx"
    spreadsheet.write_bytes(xlsx_bytes(INSTITUTION_HEADERS, [institution_row()]))

    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Имя пользователя").fill("bob")
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.get_by_role("link", name="Учреждения").first.click()
    page.get_by_role("link", name="Импорт", exact=True).click()
    page.locator("input[type=file]").set_input_files(str(spreadsheet))
    page.locator("select[name=format]").select_option(label="xlsx")
    page.get_by_role("button", name="Отправить").click()
    assert "Новых записей: 1" in page.locator(".import-totals").inner_text()
    screenshot(page, "admin-import-preview")
    page.get_by_role("button", name="Подтвердить импорт").click()
    page.wait_for_url("**/admin/registry/institution/")
    assert page.get_by_role("link", name="Омский государственный технический университет").count() == 1
    assert models.Institution.objects.filter(slug="omgtu", is_published=False).exists()
    assert page.blocked == []
