"""Who changed what and when; revert from the admin; deleted records restorable."""

import pytest
from django.urls import reverse

from registry import models
from tests import factories


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
