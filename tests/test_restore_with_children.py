"""Restoring a deleted record restores the parties, steps, quotes and branches deleted with it."""

import datetime

import pytest
from django.urls import reverse

from registry import models
from registry.history import restore_with_children
from tests import factories


def form_data(form):
    """Return the POST data a browser would send for an unchanged admin form."""
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        if isinstance(value, (list, tuple)):
            value = [str(getattr(item, "pk", item)) for item in value]
        elif isinstance(value, datetime.date):
            value = value.strftime("%d.%m.%Y")
        elif value is True:
            value = "on"
        data[name] = value
    return data


def last_version(model, pk):
    return model.history.filter(id=pk).exclude(history_type="-").order_by("-history_date").first()


@pytest.mark.django_db
def test_restoring_an_agreement_from_its_history_page_restores_its_parties_steps_and_quotes(admin_client):
    source = factories.source()
    agreement = factories.agreement()
    models.AgreementStatusStep.objects.create(
        agreement=agreement, status="signed", date=datetime.date(2025, 11, 12), source=source
    )
    models.Citation.objects.create(agreement=agreement, source=source, quote="Подписали.")
    pk = agreement.pk
    delete_url = reverse("admin:registry_agreement_delete", args=[pk])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 302
    assert not models.AgreementParty.objects.filter(agreement_id=pk).exists()

    history_page = admin_client.get(reverse("admin:registry_agreement_history", args=[pk]))
    assert history_page.status_code == 200
    version = last_version(models.Agreement, pk)
    url = reverse("admin:registry_agreement_simple_history", args=[pk, version.history_id])
    form = admin_client.get(url).context["adminform"].form
    response = admin_client.post(url, form_data(form), follow=True)
    assert response.status_code == 200
    assert "восстановлено связанных строк: 4" in response.content.decode()

    restored = models.Agreement.objects.get(pk=pk)
    assert restored.parties.count() == 2
    assert restored.status_steps.get().status == "signed"
    assert restored.citations.get().quote == "Подписали."
    assert restored.citations.get().history.first().history_change_reason == "restored"


@pytest.mark.django_db
def test_restoring_a_programme_restores_its_participants_steps_and_quotes():
    source = factories.source()
    programme = factories.programme()
    models.ProgrammeParticipant.objects.create(programme=programme, description="вузы Самарской области")
    models.ProgrammeStatusStep.objects.create(
        programme=programme, status="proposed", date=datetime.date(2025, 11, 12), source=source
    )
    models.Citation.objects.create(programme=programme, source=source, quote="Предложил.")
    pk = programme.pk
    programme.delete()

    restore_with_children(last_version(models.Programme, pk))
    restored = models.Programme.objects.get(pk=pk)
    assert restored.participants.get().description == "вузы Самарской области"
    assert restored.status_steps.count() == 1
    assert restored.citations.count() == 1


@pytest.mark.django_db
def test_restoring_an_institution_restores_its_branches_and_their_quotes():
    source = factories.source()
    institution = factories.institution()
    branch = factories.branch(institution=institution)
    models.Citation.objects.create(institution=institution, source=source, quote="Университет.")
    models.Citation.objects.create(branch=branch, source=source, quote="Филиал.")
    pk = institution.pk
    # A branch protects its institution: staff delete the branches first, then the institution.
    branch.delete()
    institution.delete()

    restore_with_children(last_version(models.Institution, pk))
    restored = models.Institution.objects.get(pk=pk)
    assert restored.citations.get().quote == "Университет."
    assert restored.branches.get().citations.get().quote == "Филиал."


@pytest.mark.django_db
def test_a_party_removed_long_before_the_deletion_stays_removed():
    agreement = factories.agreement(parties=3)
    removed = agreement.parties.first().pk
    models.AgreementParty.objects.get(pk=removed).delete()
    models.AgreementParty.history.filter(id=removed, history_type="-").update(
        history_date=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    )
    pk = agreement.pk
    agreement.delete()

    restore_with_children(last_version(models.Agreement, pk))
    assert models.Agreement.objects.get(pk=pk).parties.count() == 2
    assert not models.AgreementParty.objects.filter(pk=removed).exists()


@pytest.mark.django_db
def test_a_row_whose_other_record_is_still_deleted_stays_deleted():
    agreement = factories.agreement()
    institution_pk = agreement.parties.first().institution_id
    agreement_pk = agreement.pk
    agreement.delete()
    # In the same minute, once the agreement no longer protects it.
    models.Institution.objects.get(pk=institution_pk).delete()

    restore_with_children(last_version(models.Institution, institution_pk))
    assert models.Institution.objects.filter(pk=institution_pk).exists()
    assert not models.AgreementParty.objects.filter(agreement_id=agreement_pk).exists()
