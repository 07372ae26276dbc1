"""A record's status and its dated status steps agree."""

import datetime

import pytest
from django.urls import reverse

from registry import models
from tests import factories


def agreement_form(agreement, **changes):
    parties = list(agreement.parties.all())
    steps = list(agreement.status_steps.all())
    data = {
        "slug": agreement.slug,
        "title": agreement.title,
        "kind": agreement.kind,
        "status": agreement.status,
        "is_published": "on",
        "loaded_version": agreement.updated_at.isoformat(),
        "parties-TOTAL_FORMS": str(len(parties)),
        "parties-INITIAL_FORMS": str(len(parties)),
        "status_steps-TOTAL_FORMS": str(len(steps)),
        "status_steps-INITIAL_FORMS": str(len(steps)),
        "citations-TOTAL_FORMS": "0",
        "citations-INITIAL_FORMS": "0",
    }
    for n, party in enumerate(parties):
        data.update({f"parties-{n}-id": party.pk, f"parties-{n}-institution": party.institution_id})
    for n, step in enumerate(steps):
        data.update(
            {
                f"status_steps-{n}-id": step.pk,
                f"status_steps-{n}-status": step.status,
                f"status_steps-{n}-date": step.date.strftime("%d.%m.%Y"),
                f"status_steps-{n}-date_meaning": step.date_meaning,
                f"status_steps-{n}-source": step.source_id,
            }
        )
    return {**data, **changes}


@pytest.fixture
def agreed():
    agreement = factories.agreement(status=models.Status.AGREED)
    models.AgreementStatusStep.objects.create(
        agreement=agreement, status="agreed", date=datetime.date(2025, 11, 12), source=factories.source()
    )
    agreement.refresh_from_db()
    return agreement


@pytest.mark.django_db
def test_adding_a_step_updates_the_status(agreed):
    models.AgreementStatusStep.objects.create(
        agreement=agreed, status="signed", date=datetime.date(2025, 12, 1), source=factories.source()
    )
    agreed.refresh_from_db()
    assert agreed.status == "signed"
    assert agreed.history.first().history_change_reason == "status step"


@pytest.mark.django_db
def test_an_earlier_step_does_not_override_the_latest(agreed):
    models.AgreementStatusStep.objects.create(
        agreement=agreed, status="proposed", date=datetime.date(2025, 1, 1), source=factories.source()
    )
    agreed.refresh_from_db()
    assert agreed.status == "agreed"


@pytest.mark.django_db
def test_adding_a_step_in_the_admin_updates_the_status(admin_client, agreed):
    source = factories.source()
    data = agreement_form(agreed, **{"status_steps-TOTAL_FORMS": "2"})
    data.update(
        {
            "status_steps-1-status": "ended",
            "status_steps-1-date": "01.12.2025",
            "status_steps-1-date_meaning": "happened_on",
            "status_steps-1-source": source.pk,
        }
    )
    response = admin_client.post(reverse("admin:registry_agreement_change", args=[agreed.pk]), data)
    assert response.status_code == 302, response.context["errors"]
    agreed.refresh_from_db()
    assert agreed.status == "ended"


@pytest.mark.django_db
def test_changing_the_status_without_a_step_asks_for_one(admin_client, agreed):
    data = agreement_form(agreed, status="ended")
    response = admin_client.post(reverse("admin:registry_agreement_change", args=[agreed.pk]), data)
    assert response.status_code == 200
    assert "добавьте в «Историю состояний» этап «завершено»" in response.content.decode()
    agreed.refresh_from_db()
    assert agreed.status == "agreed"


@pytest.mark.django_db
def test_an_empty_status_is_only_a_required_field_not_a_step_to_add(admin_client, agreed):
    data = agreement_form(agreed, status="")
    response = admin_client.post(reverse("admin:registry_agreement_change", args=[agreed.pk]), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["status"] == ["Обязательное поле."]
    assert "нужно подтвердить" not in response.content.decode()  # not «Состояние «» нужно…»


@pytest.mark.django_db
def test_changing_the_status_with_its_dated_step_saves_both(admin_client, agreed):
    source = factories.source()
    data = agreement_form(agreed, status="ended", **{"status_steps-TOTAL_FORMS": "2"})
    data.update(
        {
            "status_steps-1-status": "ended",
            "status_steps-1-date": "01.12.2025",
            "status_steps-1-date_meaning": "happened_on",
            "status_steps-1-source": source.pk,
        }
    )
    response = admin_client.post(reverse("admin:registry_agreement_change", args=[agreed.pk]), data)
    assert response.status_code == 302, response.context["errors"]
    assert [step.status for step in agreed.status_steps.all()] == ["agreed", "ended"]


@pytest.mark.django_db
def test_a_new_agreement_without_a_step_is_refused(admin_client):
    first, second = factories.institution(), factories.institution()
    response = admin_client.post(
        reverse("admin:registry_agreement_add"),
        {
            "slug": "unbacked",
            "title": "Без этапа",
            "kind": "memorandum",
            "status": "signed",
            "parties-TOTAL_FORMS": "2",
            "parties-INITIAL_FORMS": "0",
            "parties-0-institution": first.pk,
            "parties-1-institution": second.pk,
            "status_steps-TOTAL_FORMS": "0",
            "status_steps-INITIAL_FORMS": "0",
            "citations-TOTAL_FORMS": "0",
            "citations-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert not models.Agreement.objects.filter(slug="unbacked").exists()


@pytest.mark.django_db
def test_the_public_page_shows_the_status_of_a_record_without_steps(client):
    programme = factories.programme(status=models.Status.IN_DEVELOPMENT)
    page = client.get(programme.get_absolute_url()).content.decode()
    assert "Этапы не записаны" not in page
    assert "в проработке" in page


@pytest.mark.django_db
def test_an_import_cannot_set_a_status_no_step_backs(editor_client, article):
    from registry.spreadsheets import RESOURCES
    from tests.spreadsheets import upload

    agreements = models.Agreement.objects.filter(slug="orenburg-samara-kz-technical")
    dataset = RESOURCES[models.Agreement]().export(agreements)
    dataset[0] = [
        models.Status.SIGNED.label if header == "Состояние" else value
        for header, value in zip(dataset.headers, dataset[0], strict=True)
    ]
    preview = upload(editor_client, "agreement", "agreements.xlsx", dataset.export("xlsx"), "XLSX")
    [(row, column, message)] = preview.context["result"].sheet_errors
    assert (row, column) == (2, "Состояние") and "нужно подтвердить" in message
    assert agreements.get().status == models.Status.AGREED
