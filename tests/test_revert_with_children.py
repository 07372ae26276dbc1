"""Reverting a record to a version brings back the rows it had then: an agreement's parties, a
programme's participants, status steps and quotes, with their regions — rows added since are
deleted, rows changed since get their values back, all in the revert's one action."""

import datetime

import pytest
from django.urls import reverse

from registry import models
from tests import factories
from tests.forms import form_data
from tests.spreadsheets import confirm, upload, xlsx_bytes

AGREEMENT_HEADERS = ["Код записи", "Название", "Вид", "Состояние", "Стороны", "Опубликовано"]


def change_url(record):
    return reverse(f"admin:registry_{record._meta.model_name}_change", args=[record.pk])


def version_url(record, version):
    return reverse(
        f"admin:registry_{record._meta.model_name}_simple_history", args=[version.id, version.history_id]
    )


def first_version(record):
    return record.history.order_by("history_date", "history_id").first()


def edit_in_admin(client, record, **changes):
    """Open the record's change form, apply `changes` (field name: value, None to delete an inline
    row's DELETE box) and save it, as a clerk would."""
    data = form_data(client.get(change_url(record)).content.decode())
    data.update(changes)
    response = client.post(change_url(record), data)
    assert response.status_code == 302, response.context["errors"]


def new_inline_rows(client, record, prefix, *rows):
    """Return the form's fields for new inline rows under `prefix`, filled from the empty row."""
    data = form_data(client.get(change_url(record)).content.decode())
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    fields = {}
    for offset, row in enumerate(rows):
        empty = {
            key.removeprefix(f"{prefix}-__prefix__-"): value
            for key, value in data.items()
            if key.startswith(f"{prefix}-__prefix__-")
        }
        for name, value in {**empty, **row}.items():
            fields[f"{prefix}-{total + offset}-{name}"] = value
    fields[f"{prefix}-TOTAL_FORMS"] = str(total + len(rows))
    return fields


def revert(client, record, version):
    """Open the version from the record's history and press «Вернуть эту версию»."""
    page = client.get(version_url(record, version))
    assert page.status_code == 200
    return client.post(version_url(record, version), form_data(page.content.decode()), follow=True)


def parties_of(agreement):
    return [
        (
            p.institution.slug if p.institution_id else p.description,
            p.role,
            sorted(r.name for r in p.regions.all()),
        )
        for p in agreement.parties.order_by("id")
    ]


@pytest.fixture
def orenburg_agreement(db):
    """An agreement of MSU with «вузы Оренбургской области» (RU, the Orenburg region), as first recorded."""
    russia = factories.country("RU", "Россия", "Russia")
    orenburg = factories.region("Оренбургская область", "RU", kind=models.Region.Kind.OBLAST)
    factories.region("Самарская область", "RU", kind=models.Region.Kind.OBLAST)
    msu = factories.institution(slug="msu", country=russia)
    factories.institution(slug="atu")
    agreement = factories.agreement(parties=0, slug="ogu-kz", title="Соглашение ОГУ", status="signed")
    models.AgreementParty.objects.create(agreement=agreement, institution=msu, role="координатор")
    group = models.AgreementParty.objects.create(
        agreement=agreement, description="вузы Оренбургской области", country=russia, role="участники"
    )
    group.regions.set([orenburg])
    return agreement


@pytest.fixture
def signed_agreement(db):
    """An agreement signed on 10.01.2025, with that step and its source: (agreement, source)."""
    source = factories.source()
    agreement = factories.agreement(status="signed")
    models.AgreementStatusStep.objects.create(
        agreement=agreement, status="signed", date=datetime.date(2025, 1, 10), source=source
    )
    return agreement, source


@pytest.mark.django_db
def test_reverting_an_agreement_after_an_import_brings_back_its_parties(
    editor_client, editor, orenburg_agreement
):
    agreement = orenburg_agreement
    first = first_version(agreement)
    expected = parties_of(agreement)
    kept_group = agreement.parties.get(description="вузы Оренбургской области")
    row = [
        "ogu-kz",
        "Соглашение ОГУ и АТУ",
        "партнёрство",
        "подписано",
        "msu; atu; «вузы Самарской области» (RU)",
        "да",
    ]
    preview = upload(editor_client, "agreement", "s.xlsx", xlsx_bytes(AGREEMENT_HEADERS, [row]), "XLSX")
    assert confirm(editor_client, "agreement", preview).status_code == 302
    assert [slug for slug, _, _ in parties_of(agreement)] == ["msu", "atu", "вузы Самарской области"]

    response = revert(editor_client, agreement, first)

    assert response.status_code == 200
    agreement.refresh_from_db()
    assert agreement.title == "Соглашение ОГУ"
    assert parties_of(agreement) == expected
    assert agreement.parties.filter(pk=kept_group.pk).exists()  # the same row, brought back
    gone = models.AgreementParty.history.filter(history_type="-", history_user=editor, description="")
    assert [entry.institution.slug for entry in gone] == ["atu"]
    back = models.AgreementParty.history.filter(id=kept_group.pk).latest()
    assert back.history_type == "+" and back.history_user == editor
    assert back.history_change_reason.startswith("reverted to ")
    assert agreement.history.latest().history_change_reason == back.history_change_reason


@pytest.mark.django_db
def test_reverting_brings_back_a_changed_partys_values_and_regions(editor_client, editor, orenburg_agreement):
    agreement = orenburg_agreement
    first = first_version(agreement)
    expected = parties_of(agreement)
    samara = models.Region.objects.get(name="Самарская область")
    edit_in_admin(
        editor_client, agreement, **{"parties-0-role": "ведущий вуз", "parties-1-regions": [str(samara.pk)]}
    )
    assert parties_of(agreement) != expected

    revert(editor_client, agreement, first)

    assert parties_of(agreement) == expected
    group = agreement.parties.get(description="вузы Оренбургской области")
    latest = group.history.latest()
    assert latest.history_user == editor and latest.history_change_reason.startswith("reverted to ")
    assert [link.region.name for link in latest.regions.all()] == ["Оренбургская область"]


@pytest.mark.django_db
def test_reverting_a_programme_brings_back_its_participants(editor_client, editor):
    programme = factories.programme(title="Программа")
    kazakh = factories.institution(slug="kaznu")
    models.ProgrammeParticipant.objects.create(programme=programme, institution=kazakh, role="вуз-партнёр")
    first = first_version(programme)
    added = new_inline_rows(editor_client, programme, "participants", {"description": "колледжи Алматы"})
    edit_in_admin(editor_client, programme, title="Программа 2", **{"participants-0-DELETE": "on"}, **added)
    assert [str(p) for p in programme.participants.all()] == ["колледжи Алматы"]

    revert(editor_client, programme, first)

    programme.refresh_from_db()
    assert programme.title == "Программа"
    assert [(p.institution, p.role) for p in programme.participants.all()] == [(kazakh, "вуз-партнёр")]
    removed = models.ProgrammeParticipant.history.filter(
        history_type="-", description="колледжи Алматы"
    ).get()
    assert removed.history_user == editor and removed.history_change_reason.startswith("reverted to ")


@pytest.mark.django_db
def test_reverting_brings_back_status_steps_and_quotes_without_extra_versions(
    editor_client, signed_agreement
):
    agreement, source = signed_agreement
    quote = models.Citation.objects.create(agreement=agreement, source=source, quote="Подписали.")
    first = agreement.history.latest()
    added = {
        **new_inline_rows(
            editor_client,
            agreement,
            "status_steps",
            {"status": "active", "date": "12.11.2025", "source": str(source.pk)},
        ),
        **new_inline_rows(
            editor_client, agreement, "citations", {"source": str(source.pk), "quote": "Действует."}
        ),
    }
    edit_in_admin(editor_client, agreement, **{"citations-0-DELETE": "on"}, **added)
    agreement.refresh_from_db()
    assert agreement.status == "active" and [c.quote for c in agreement.citations.all()] == ["Действует."]
    versions = agreement.history.count()

    revert(editor_client, agreement, first)

    agreement.refresh_from_db()
    assert agreement.status == "signed"
    assert [step.status for step in agreement.status_steps.all()] == ["signed"]
    assert [c.pk for c in agreement.citations.all()] == [quote.pk]
    assert agreement.history.count() == versions + 1  # the revert, and no "status step" version


@pytest.mark.django_db
def test_reverting_to_the_latest_version_changes_no_rows(editor_client, orenburg_agreement):
    agreement = orenburg_agreement
    edit_in_admin(editor_client, agreement, title="Новое название")
    party_versions = models.AgreementParty.history.count()

    revert(editor_client, agreement, agreement.history.latest())

    assert models.AgreementParty.history.count() == party_versions


@pytest.mark.django_db
def test_the_version_page_lists_the_parties_that_version_had(editor_client, orenburg_agreement):
    agreement = orenburg_agreement
    first = first_version(agreement)
    added = new_inline_rows(editor_client, agreement, "parties", {"description": "вузы Самарской области"})
    edit_in_admin(editor_client, agreement, **{"parties-1-DELETE": "on"}, **added)

    page = editor_client.get(version_url(agreement, first)).content.decode()

    assert "Стороны соглашения" in page
    assert "вузы Оренбургской области" in page and "Оренбургская область" in page
    assert "вузы Самарской области" not in page


@pytest.mark.django_db
def test_a_deleted_agreements_version_lists_its_parties_and_restores_them_as_they_were(
    editor_client, orenburg_agreement
):
    agreement = orenburg_agreement
    first = first_version(agreement)
    expected = parties_of(agreement)
    added = new_inline_rows(editor_client, agreement, "parties", {"description": "вузы Самарской области"})
    edit_in_admin(editor_client, agreement, **{"parties-1-DELETE": "on"}, **added)
    pk = agreement.pk
    assert (
        editor_client.post(reverse("admin:registry_agreement_delete", args=[pk]), {"post": "yes"}).status_code
        == 302
    )

    page = editor_client.get(version_url(agreement, first)).content.decode()
    assert "вузы Оренбургской области" in page and "вузы Самарской области" not in page
    response = revert(editor_client, agreement, first)

    assert "восстановлена" in response.content.decode()
    assert parties_of(models.Agreement.objects.get(pk=pk)) == expected


@pytest.mark.django_db
def test_a_revert_leaves_the_status_its_latest_step_has(editor_client, signed_agreement):
    agreement, source = signed_agreement
    step = {"status": "active", "date": "12.11.2025", "source": str(source.pk)}
    edit_in_admin(editor_client, agreement, **new_inline_rows(editor_client, agreement, "status_steps", step))
    # The form's save, then the status following its new step: two versions of one edit.
    form_save, followed = agreement.history.order_by("-history_date")[1], agreement.history.latest()
    assert (form_save.status, followed.status) == ("signed", "active")

    revert(editor_client, agreement, form_save)

    agreement.refresh_from_db()
    assert agreement.status == agreement.status_steps.last().status == "active"
