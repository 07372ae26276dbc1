"""Two staff edit one record: the second save does not silently overwrite the first."""

import pytest
from django.urls import reverse
from django.utils import formats, timezone

from registry import models
from tests import factories


def form_data(response):
    """The change form's fields as the browser would post them."""
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = "on" if value is True else value
    for formset in response.context.get("inline_admin_formsets", []):
        management = formset.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management[name].value()
    return data


@pytest.mark.django_db
def test_the_second_of_two_concurrent_saves_is_refused(client, django_user_model):
    record = factories.institution(name_ru="Исходное имя")
    url = reverse("admin:registry_institution_change", args=[record.pk])
    alice = django_user_model.objects.create_superuser("alice", password="x")
    bob = django_user_model.objects.create_superuser("bob", password="x")

    client.force_login(alice)
    alice_form = form_data(client.get(url))
    client.force_login(bob)
    bob_form = form_data(client.get(url))

    client.force_login(alice)
    assert client.post(url, {**alice_form, "name_ru": "Имя от Алисы"}).status_code == 302

    client.force_login(bob)
    response = client.post(url, {**bob_form, "name_ru": "Имя от Боба"})
    assert response.status_code == 200
    assert "сохранил другой сотрудник" in response.content.decode()
    record.refresh_from_db()
    assert record.name_ru == "Имя от Алисы"
    # When, in the site's time zone as every other time in the admin, not in UTC.
    assert f"({formats.localize(timezone.localtime(record.updated_at))})" in response.content.decode()

    # Reopened, Bob's form carries the new version and saves.
    response = client.post(url, {**form_data(client.get(url)), "name_ru": "Имя от Боба"})
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.name_ru == "Имя от Боба"


@pytest.mark.django_db
def test_reverting_to_an_old_version_is_not_mistaken_for_a_conflict(admin_client):
    record = factories.institution(name_ru="Первое")
    record.name_ru = "Второе"
    record.save()
    old = record.history.earliest()
    url = reverse("admin:registry_institution_simple_history", args=[record.pk, old.history_id])
    response = admin_client.post(url, form_data(admin_client.get(url)))
    assert response.status_code == 302
    assert models.Institution.objects.get(pk=record.pk).name_ru == "Первое"
