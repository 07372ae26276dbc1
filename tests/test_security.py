"""Who may do what, lockout of password guessing, escaping of user text, and the audit log."""

import logging

import pytest
from django.test import Client
from django.urls import reverse

from registry import models
from tests import factories
from tests.conftest import PASSWORD, REGISTRY_MODEL_NAMES

ALLOWED, DENIED, LOGIN = 200, 403, 302


def expected(persona, view):
    if persona == "anonymous":
        return LOGIN
    if persona == "superuser":
        return ALLOWED
    if view in {"changelist", "change", "history", "export"}:
        return ALLOWED
    if persona == "editor":
        return ALLOWED
    return DENIED  # a viewer may not add, delete or import


@pytest.fixture
def personas(db, superuser, editor, viewer):
    clients = {"anonymous": Client()}
    for name, user in [("superuser", superuser), ("editor", editor), ("viewer", viewer)]:
        clients[name] = Client()
        clients[name].force_login(user)
    return clients


@pytest.mark.django_db
@pytest.mark.parametrize("model", REGISTRY_MODEL_NAMES)
@pytest.mark.parametrize("persona", ["anonymous", "viewer", "editor", "superuser"])
def test_admin_permission_matrix(personas, persona, model):
    record = factories.record_of(model)
    client = personas[persona]
    urls = {
        "changelist": reverse(f"admin:registry_{model}_changelist"),
        "add": reverse(f"admin:registry_{model}_add"),
        "change": reverse(f"admin:registry_{model}_change", args=[record.pk]),
        "delete": reverse(f"admin:registry_{model}_delete", args=[record.pk]),
        "history": reverse(f"admin:registry_{model}_history", args=[record.pk]),
        "import": reverse(f"admin:registry_{model}_import"),
        "export": reverse(f"admin:registry_{model}_export"),
    }
    got = {view: client.get(url).status_code for view, url in urls.items()}
    assert got == {view: expected(persona, view) for view in urls}


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["anonymous", "viewer"])
def test_public_pages_are_the_same_for_everyone_and_never_show_drafts(personas, persona, article):
    draft = factories.institution(slug="draft", name_ru="Черновик", is_published=False)
    client = personas[persona]
    for name in [
        "home",
        "institution_list",
        "branch_list",
        "agreement_list",
        "programme_list",
        "source_list",
    ]:
        response = client.get(reverse(f"registry:{name}"))
        assert response.status_code == 200 and "Черновик" not in response.content.decode()
    assert client.get(reverse("registry:institution_detail", args=[draft.slug])).status_code == 404
    assert client.get(reverse("registry:institution_detail", args=["msu"])).status_code == 200


@pytest.mark.django_db
def test_password_guessing_is_locked_out(superuser):
    client = Client(REMOTE_ADDR="203.0.113.7")
    login = reverse("admin:login")
    statuses = [client.post(login, {"username": "alice", "password": "wrong"}).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    response = client.post(login, {"username": "alice", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another address is not locked out with it.
    other = Client(REMOTE_ADDR="198.51.100.9")
    assert other.post(login, {"username": "alice", "password": PASSWORD}).status_code == 302


SCRIPT = "<script>alert(1)</script>"


@pytest.mark.django_db
def test_user_text_is_escaped_everywhere(admin_client, client):
    institution = factories.institution(
        slug="xss", name_ru=SCRIPT, acronyms=SCRIPT, notes=SCRIPT, city=SCRIPT
    )
    branch = factories.branch(slug="xss-branch", name=SCRIPT, institution=institution)
    agreement = factories.agreement(slug="xss-agreement", title=SCRIPT, notes=SCRIPT)
    models.AgreementParty.objects.create(agreement=agreement, description=SCRIPT)
    models.Citation.objects.create(
        source=factories.source(title=SCRIPT), quote=SCRIPT, institution=institution
    )
    pages = [
        (client, reverse("registry:home")),
        (client, reverse("registry:institution_list")),
        (client, reverse("registry:institution_detail", args=["xss"])),
        (client, reverse("registry:branch_list")),
        (client, reverse("registry:branch_detail", args=["xss-branch"])),
        (client, reverse("registry:agreement_list")),
        (client, reverse("registry:agreement_detail", args=["xss-agreement"])),
        (client, reverse("registry:source_list")),
        (admin_client, reverse("admin:registry_institution_changelist")),
        (admin_client, reverse("admin:registry_institution_change", args=[institution.pk])),
        (admin_client, reverse("admin:registry_institution_history", args=[institution.pk])),
        (admin_client, reverse("admin:registry_branch_changelist")),
        (admin_client, reverse("admin:registry_agreement_change", args=[agreement.pk])),
        (admin_client, reverse("admin:registry_citation_changelist")),
    ]
    for who, url in pages:
        page = who.get(url).content.decode()
        assert SCRIPT not in page, url
        assert "&lt;script&gt;" in page, url
    assert branch.pk


@pytest.mark.django_db
def test_import_publish_and_delete_leave_a_log_line_with_the_user(admin_client, caplog, article):
    from tests.spreadsheets import INSTITUTION_HEADERS, institution_row, xlsx_bytes
    from tests.test_import_admin import import_file

    caplog.set_level(logging.INFO)
    import_file(
        admin_client, "institution", "a.xlsx", xlsx_bytes(INSTITUTION_HEADERS, [institution_row()]), "XLSX"
    )
    record = models.Institution.objects.get(slug="omgtu")
    admin_client.post(
        reverse("admin:registry_institution_changelist"),
        {"action": "publish", "_selected_action": [record.pk]},
    )
    admin_client.post(reverse("admin:registry_institution_delete", args=[record.pk]), {"post": "yes"})
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("registry")]
    assert any(
        line.startswith("import model=registry.Institution") and "user=alice" in line for line in lines
    )
    assert any(
        line.startswith("published model=registry.Institution slug=omgtu user=alice") for line in lines
    )
    assert any(
        line.startswith("deleted model=registry.Institution") and "user=alice" in line for line in lines
    )
