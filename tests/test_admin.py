"""The admin as staff use it: every page renders, permissions hold, query counts stay constant."""

import pytest
from django.urls import reverse

from registry import models
from tests import factories

REGISTRY_MODELS = [
    models.Country,
    models.Region,
    models.FieldOfStudy,
    models.Source,
    models.Institution,
    models.Branch,
    models.Agreement,
    models.Programme,
    models.Indicator,
    models.Citation,
]


def admin_url(model, view, *args):
    return reverse(f"admin:registry_{model._meta.model_name}_{view}", args=args)


@pytest.mark.django_db
@pytest.mark.parametrize("model", REGISTRY_MODELS, ids=lambda m: m.__name__)
def test_every_changelist_add_change_and_history_page_renders(admin_client, article, model):
    assert admin_client.get(admin_url(model, "changelist")).status_code == 200
    assert admin_client.get(admin_url(model, "add")).status_code == 200
    record = model.objects.first()
    assert admin_client.get(admin_url(model, "change", record.pk)).status_code == 200
    assert admin_client.get(admin_url(model, "history", record.pk)).status_code == 200


@pytest.mark.django_db
def test_a_viewer_sees_but_cannot_change_or_delete(viewer_client, article):
    msu = models.Institution.objects.get(slug="msu")
    assert viewer_client.get(admin_url(models.Institution, "changelist")).status_code == 200
    assert viewer_client.get(admin_url(models.Institution, "change", msu.pk)).status_code == 200
    assert viewer_client.get(admin_url(models.Institution, "add")).status_code == 403
    assert (
        viewer_client.post(admin_url(models.Institution, "delete", msu.pk), {"post": "yes"}).status_code
        == 403
    )
    response = viewer_client.post(admin_url(models.Institution, "change", msu.pk), {"name_ru": "Взлом"})
    assert response.status_code == 403
    msu.refresh_from_db()
    assert msu.name_ru.startswith("Московский")


@pytest.mark.django_db
def test_an_editor_can_add_a_draft_institution(editor_client, article):
    response = editor_client.post(
        admin_url(models.Institution, "add"),
        {
            "slug": "omgtu",
            "name": "Омский государственный технический университет",
            "name_ru": "Омский государственный технический университет",
            "acronyms": "ОмГТУ",
            "kind": "university",
            "country": models.Country.objects.get(code="RU").pk,
            "is_active": "on",
            "branches-TOTAL_FORMS": "0",
            "branches-INITIAL_FORMS": "0",
            "citations-TOTAL_FORMS": "0",
            "citations-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].errors
    created = models.Institution.objects.get(slug="omgtu")
    assert created.is_published is False
    assert models.Institution.objects.search("омгту").get() == created


@pytest.mark.django_db
def test_an_editor_can_delete_an_unreferenced_record(editor_client):
    record = factories.institution()
    response = editor_client.post(admin_url(models.Institution, "delete", record.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not models.Institution.objects.filter(pk=record.pk).exists()


@pytest.mark.django_db
def test_the_admin_explains_a_protected_deletion(admin_client):
    branch = factories.branch()
    response = admin_client.get(admin_url(models.Institution, "delete", branch.institution.pk))
    assert response.status_code == 200
    assert response.context["protected"]
    admin_client.post(admin_url(models.Institution, "delete", branch.institution.pk), {"post": "yes"})
    assert models.Institution.objects.filter(pk=branch.institution.pk).exists()


@pytest.mark.django_db
def test_an_agreement_needs_two_parties(admin_client, article):
    response = admin_client.post(
        admin_url(models.Agreement, "add"),
        {
            "slug": "lonely",
            "title": "Одинокое соглашение",
            "kind": "memorandum",
            "status": "proposed",
            "parties-TOTAL_FORMS": "1",
            "parties-INITIAL_FORMS": "0",
            "parties-0-description": "одна сторона",
            "status_steps-TOTAL_FORMS": "0",
            "status_steps-INITIAL_FORMS": "0",
            "citations-TOTAL_FORMS": "0",
            "citations-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "не менее двух сторон" in response.content.decode()
    assert not models.Agreement.objects.filter(slug="lonely").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("model, prefix", [(models.Agreement, "parties"), (models.Programme, "participants")])
def test_the_same_institution_cannot_be_a_party_twice(admin_client, article, model, prefix):
    msu = models.Institution.objects.get(slug="msu")
    data = {
        "slug": "twice",
        "title": "Дважды одна сторона",
        "kind": "memorandum" if model is models.Agreement else "training",
        "status": "proposed",
        f"{prefix}-TOTAL_FORMS": "2",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-0-institution": msu.pk,
        f"{prefix}-1-institution": msu.pk,
        "status_steps-TOTAL_FORMS": "0",
        "status_steps-INITIAL_FORMS": "0",
        "citations-TOTAL_FORMS": "0",
        "citations-INITIAL_FORMS": "0",
    }
    response = admin_client.post(admin_url(model, "add"), data)
    assert response.status_code == 200
    assert f"«{msu}» указано дважды. Оставьте одно." in response.content.decode()
    assert not model.objects.filter(slug="twice").exists()


@pytest.mark.django_db
def test_publish_action_publishes_and_records_history(admin_client):
    drafts = [factories.institution(is_published=False) for _ in range(2)]
    response = admin_client.post(
        admin_url(models.Institution, "changelist"),
        {"action": "publish", "_selected_action": [d.pk for d in drafts]},
    )
    assert response.status_code == 302
    assert models.Institution.objects.published().count() == 2
    assert drafts[0].history.first().history_change_reason == "published"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "model, make",
    [
        (models.Institution, lambda: factories.institution(region=factories.region())),
        (models.Branch, factories.branch),
        (models.Agreement, factories.agreement),
        (models.Programme, lambda: factories.programme(modelled_on=factories.programme())),
        (models.Indicator, factories.indicator),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
@pytest.mark.parametrize("rows", [5, 200])
def test_changelist_queries_do_not_grow_with_rows(
    admin_client, django_assert_max_num_queries, model, make, rows
):
    for _ in range(rows):
        make()
    with django_assert_max_num_queries(12):
        response = admin_client.get(admin_url(model, "changelist"))
    assert response.status_code == 200
