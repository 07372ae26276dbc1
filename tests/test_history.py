"""Who changed what and when; revert from the admin; deleted records restorable."""

import pytest
from django.urls import reverse

from registry import models
from tests import factories
from tests.conftest import REGISTRY_MODEL_NAMES


@pytest.mark.django_db
def test_a_change_is_recorded_with_its_author_and_can_be_reverted(admin_client, superuser):
    record = factories.institution(name_ru="Первое имя")
    url = reverse("admin:registry_institution_change", args=[record.pk])
    form = {
        "slug": record.slug,
        "name": record.name,
        "name_ru": "Второе имя",
        "kind": "university",
        "country": record.country_id,
        "is_active": "on",
        "branches-TOTAL_FORMS": "0",
        "branches-INITIAL_FORMS": "0",
        "citations-TOTAL_FORMS": "0",
        "citations-INITIAL_FORMS": "0",
    }
    assert admin_client.post(url, form).status_code == 302
    latest, first = record.history.all()[:2]
    assert latest.history_user == superuser and latest.name_ru == "Второе имя"

    revert_url = reverse("admin:registry_institution_simple_history", args=[record.pk, first.history_id])
    assert admin_client.get(revert_url).status_code == 200
    response = admin_client.post(revert_url, {**form, "name_ru": first.name_ru})
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.name_ru == "Первое имя"


@pytest.mark.django_db
def test_a_deleted_record_can_be_restored_from_its_history(admin_client):
    record = factories.institution(name_ru="Удаляемый")
    pk, slug = record.pk, record.slug
    record.delete()
    assert not models.Institution.objects.filter(pk=pk).exists()

    assert admin_client.get(reverse("admin:registry_institution_history", args=[pk])).status_code == 200
    last = models.Institution.history.filter(id=pk).exclude(history_type="-").first()
    last.instance.save()
    assert models.Institution.objects.get(pk=pk).slug == slug


# --- who may revert and restore (registry/permissions.py) --------------------------------------


def history_form_data(superuser, url):
    """Return the history form's fields as a superuser's browser would post them back."""
    from django.test import Client

    from tests.forms import form_data

    client = Client()
    client.force_login(superuser)
    return form_data(client.get(url).content.decode())


def changed_and_unpublished(**fields):
    """An institution whose first version was a draft and whose current one is published."""
    record = factories.institution(name_ru="Черновое имя", is_published=False, **fields)
    record.name_ru = "Новое имя"
    record.is_published = True
    record.save()
    return record, record.history.earliest()


@pytest.mark.django_db
def test_a_viewer_reads_a_version_but_cannot_post_it_back(viewer_client, superuser):
    record, draft = changed_and_unpublished()
    url = reverse("admin:registry_institution_simple_history", args=[record.pk, draft.history_id])
    page = viewer_client.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert 'name="name_ru"' not in page.content.decode() and "Черновое имя" in page.content.decode()
    versions = record.history.count()

    response = viewer_client.post(url, history_form_data(superuser, url))

    assert response.status_code == 403
    record.refresh_from_db()
    assert (record.name_ru, record.is_published, record.history.count()) == ("Новое имя", True, versions)


@pytest.mark.django_db
def test_a_viewer_cannot_restore_a_deleted_record(viewer_client, superuser):
    record = factories.institution(name_ru="Удаляемый")
    pk, version = record.pk, record.history.latest().history_id
    record.delete()
    url = reverse("admin:registry_institution_simple_history", args=[pk, version])
    data = history_form_data(superuser, url)

    assert viewer_client.post(url, data).status_code == 403
    assert not models.Institution.objects.filter(pk=pk).exists()


@pytest.mark.django_db
def test_restoring_needs_the_add_permission_as_well_as_change(client, superuser, django_user_model):
    from django.contrib.auth.models import Permission

    clerk = django_user_model.objects.create_user("dave", is_staff=True)
    clerk.user_permissions.set(
        Permission.objects.filter(codename__in=["view_institution", "change_institution"])
    )
    client.force_login(clerk)
    record = factories.institution(name_ru="Удаляемый")
    pk, version = record.pk, record.history.latest().history_id
    record.delete()
    url = reverse("admin:registry_institution_simple_history", args=[pk, version])
    data = history_form_data(superuser, url)
    assert 'name="_save"' not in client.get(url).content.decode()

    assert client.post(url, data).status_code == 403
    assert not models.Institution.objects.filter(pk=pk).exists()


@pytest.mark.django_db
def test_an_editor_restores_a_deleted_record_from_its_history(editor_client, superuser, editor):
    record = factories.institution(name_ru="Удаляемый")
    pk, version = record.pk, record.history.latest().history_id
    record.delete()
    url = reverse("admin:registry_institution_simple_history", args=[pk, version])

    assert editor_client.post(url, history_form_data(superuser, url)).status_code == 302
    restored = models.Institution.objects.get(pk=pk)
    assert restored.name_ru == "Удаляемый" and restored.history.latest().history_user == editor


@pytest.mark.django_db
def test_a_revert_that_unpublishes_is_logged_like_the_action(editor_client, superuser, caplog):
    import logging

    caplog.set_level(logging.INFO, logger="registry")
    record, draft = changed_and_unpublished(slug="reverted")
    url = reverse("admin:registry_institution_simple_history", args=[record.pk, draft.history_id])

    assert editor_client.post(url, history_form_data(superuser, url)).status_code == 302

    record.refresh_from_db()
    assert (record.name_ru, record.is_published) == ("Черновое имя", False)
    # The history says it was a revert (and its diff that it unpublished); the log, as the action.
    assert record.history.latest().history_change_reason.startswith("reverted to ")
    lines = [r.getMessage() for r in caplog.records if r.name == "registry.admin"]
    assert "unpublished model=registry.Institution slug=reverted user=bob" in lines


@pytest.mark.django_db
@pytest.mark.parametrize("model", REGISTRY_MODEL_NAMES)
def test_a_history_url_with_a_malformed_id_is_not_found(admin_client, model):
    assert admin_client.get(f"/admin/registry/{model}/abc/history/").status_code == 404
    assert admin_client.get(f"/admin/registry/{model}/1/history/abc/").status_code == 404
    assert admin_client.post(f"/admin/registry/{model}/1/history/abc/").status_code == 404


@pytest.mark.django_db
def test_history_pages_carry_no_inline_style_for_the_content_security_policy(admin_client):
    record = factories.institution()
    record.save()
    pages = [
        reverse("admin:registry_institution_history", args=[record.pk]),
        reverse(
            "admin:registry_institution_simple_history", args=[record.pk, record.history.latest().history_id]
        ),
    ]
    for url in pages:
        page = admin_client.get(url).content.decode()
        assert " style=" not in page and "<style" not in page, url
    assert "history-paginator" in admin_client.get(pages[0]).content.decode()
