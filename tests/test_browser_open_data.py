"""In Chromium: JSON-LD breaks no CSP rule, and the API docs render from this site's own files."""

import json

import pytest
from django.core.management import call_command

from tests.conftest import ARTICLE_FIXTURES

pytestmark = pytest.mark.browser


def test_json_ld_is_read_as_data_without_a_csp_violation(page, live_server, transactional_db):
    call_command("loaddata", *ARTICLE_FIXTURES, verbosity=0)
    response = page.goto(f"{live_server.url}/institutions/msu/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    data = json.loads(page.locator('script[type="application/ld+json"]').text_content())
    assert data["@type"] == "EducationalOrganization" and "https://ror.org/010pmpe69" in data["sameAs"]
    page.wait_for_load_state("networkidle")
    assert page.blocked == []


@pytest.mark.parametrize(
    "path, rendered",
    [("/api/docs/", ".swagger-ui .opblock"), ("/api/docs/redoc/", "[data-section-id]")],
)
def test_the_api_docs_render_offline_under_the_policy(page, live_server, transactional_db, path, rendered):
    outside = []
    page.on(
        "requestfinished",
        lambda request: request.url.startswith((live_server.url, "blob:")) or outside.append(request.url),
    )
    assert page.goto(f"{live_server.url}{path}").status == 200
    page.wait_for_selector(rendered, timeout=15000)
    page.wait_for_load_state("networkidle")
    # Redoc's footer hard-codes its logo from cdn.redoc.ly: the policy stops it, so nothing
    # leaves the site, and that is the only thing it stops.
    assert [b for b in page.blocked if "cdn.redoc.ly/redoc/logo-mini.svg" not in b] == []
    assert outside == []
