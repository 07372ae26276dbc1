"""A new record and its quotes are saved in one go from the admin's add form."""

import pytest
from django.urls import reverse

from registry import models
from tests import factories


def empty_formsets(*prefixes):
    return {key: "0" for prefix in prefixes for key in (f"{prefix}-TOTAL_FORMS", f"{prefix}-INITIAL_FORMS")}


def one_quote(source):
    return {
        "citations-TOTAL_FORMS": "1",
        "citations-INITIAL_FORMS": "0",
        "citations-0-source": source.pk,
        "citations-0-quote": "Стороны договорились о сотрудничестве.",
    }


@pytest.mark.django_db
def test_a_new_agreement_is_saved_with_two_parties_and_a_quote(admin_client):
    source = factories.source()
    first, second = factories.institution(), factories.institution()
    response = admin_client.post(
        reverse("admin:registry_agreement_add"),
        {
            "slug": "new-agreement",
            "title": "Новое соглашение",
            "kind": "memorandum",
            "status": "signed",
            "parties-TOTAL_FORMS": "2",
            "parties-INITIAL_FORMS": "0",
            "parties-0-institution": first.pk,
            "parties-1-institution": second.pk,
            "status_steps-TOTAL_FORMS": "1",
            "status_steps-INITIAL_FORMS": "0",
            "status_steps-0-status": "signed",
            "status_steps-0-date": "12.11.2025",
            "status_steps-0-date_meaning": "happened_on",
            "status_steps-0-source": source.pk,
            **one_quote(source),
        },
    )
    assert response.status_code == 302, response.context["errors"]
    agreement = models.Agreement.objects.get(slug="new-agreement")
    assert agreement.parties.count() == 2
    assert agreement.citations.get().quote == "Стороны договорились о сотрудничестве."


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model", "fields", "formsets"),
    [
        (
            "institution",
            {"name": "Новый вуз", "name_ru": "Новый вуз", "kind": "university", "is_active": "on"},
            ["branches"],
        ),
        ("branch", {"name": "Новый филиал", "status": "unknown"}, []),
        (
            "programme",
            {
                "title": "Новая программа",
                "kind": "training",
                "status": "proposed",
                "status_steps-TOTAL_FORMS": "1",
                "status_steps-INITIAL_FORMS": "0",
                "status_steps-0-status": "proposed",
                "status_steps-0-date": "12.11.2025",
                "status_steps-0-date_meaning": "happened_on",
            },
            ["participants"],
        ),
        ("indicator", {"title": "Число студентов", "value": "10", "as_of": "12.11.2025"}, []),
    ],
)
def test_every_record_with_a_quote_inline_is_saved_with_its_quote(admin_client, model, fields, formsets):
    source = factories.source()
    country = factories.country()
    data = {"slug": f"new-{model}", **fields, **empty_formsets(*formsets), **one_quote(source)}
    if model in ("institution", "branch"):
        data["country"] = country.pk
    if model == "programme":
        data["status_steps-0-source"] = source.pk
    if model == "branch":
        data["institution"] = factories.institution().pk
    response = admin_client.post(reverse(f"admin:registry_{model}_add"), data)
    assert response.status_code == 302, response.context["errors"]
    record = models.Citation.objects.get().cited_record
    assert record.slug == f"new-{model}"
