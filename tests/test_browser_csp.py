"""Under the Content Security Policy nothing on the admin or public pages is blocked."""

import pytest
from django.core.management import call_command

from registry import models
from tests.conftest import ARTICLE_FIXTURES, PASSWORD

pytestmark = pytest.mark.browser

PUBLIC = [
    "/",
    "/institutions/",
    "/institutions/msu/",
    "/branches/",
    "/agreements/",
    "/agreements/orenburg-samara-kz-technical/",
    "/programmes/",
    "/programmes/ru-kz-technical-training/",
    "/sources/",
    "/sources/tass-2025-11-12/",
    "/indicators/kz-students-in-russia/",
]


def admin_pages():
    record = models.Institution.objects.get(slug="msu")
    record.save()  # a version in its history, so the history pages list one
    msu, version = record.pk, record.history.latest().history_id
    agreement = models.Agreement.objects.get(slug="orenburg-samara-kz-technical").pk
    return [
        "/admin/",
        "/admin/registry/institution/",
        f"/admin/registry/institution/{msu}/change/",
        f"/admin/registry/institution/{msu}/history/",
        f"/admin/registry/institution/{msu}/history/{version}/",
        "/admin/registry/institution/import/",
        "/admin/registry/institution/export/",
        f"/admin/registry/agreement/{agreement}/change/",
        "/admin/registry/programme/add/",
        "/admin/registry/importrecord/",
    ]


def test_no_page_breaks_the_policy(page, live_server, transactional_db, django_user_model):
    call_command("loaddata", *ARTICLE_FIXTURES, verbosity=0)
    django_user_model.objects.create_superuser("alice", password=PASSWORD)
    for path in PUBLIC:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        assert "default-src 'self'" in response.headers["content-security-policy"]
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Имя пользователя").fill("alice")
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    for path in admin_pages():
        assert page.goto(f"{live_server.url}{path}").status == 200, path
        page.wait_for_load_state("networkidle")
    assert page.blocked == []
