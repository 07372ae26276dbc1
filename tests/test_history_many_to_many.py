"""A version keeps the record's many-to-many values (fields of study, countries, regions), and
reverting to it or restoring it brings them back."""

import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse

from registry import models
from registry.history import M2MHistoryManager, history_of, restore_with_children
from tests import factories
from tests.forms import form_data
from tests.spreadsheets import confirm, upload, xlsx_bytes


def post_form(client, url, **changes):
    """Open the admin form at `url`, change the given fields and save it, as a clerk would."""
    data = {**form_data(client.get(url).content.decode()), **changes}
    return client.post(url, data)


def version_url(record, version):
    info = f"admin:{record._meta.app_label}_{record._meta.model_name}_simple_history"
    return reverse(info, args=[record.pk, version.history_id])


def change_url(record):
    return reverse(f"admin:{record._meta.app_label}_{record._meta.model_name}_change", args=[record.pk])


def pks(related):
    return sorted(related.values_list("pk", flat=True))


def recorded(version, field):
    """Return the primary keys of the records the version holds in the many-to-many field."""
    target = version.instance_type._meta.get_field(field).m2m_reverse_field_name()
    return sorted(getattr(version, field).values_list(target, flat=True))


def last_version(model, pk):
    return model.history.filter(id=pk).exclude(history_type="-").order_by("-history_date").first()


@pytest.fixture
def two_of_each(db):
    """Two fields of study, two countries and two regions, as (first, second) pairs."""
    return {
        "fields": [factories.field_of_study("0111", "Образование"), factories.field_of_study()],
        "countries": [factories.country(), factories.country("RU", "Россия", "Russia")],
        "regions": [factories.region(), factories.region("Оренбургская область", "RU")],
    }


# Each many-to-many field a clerk edits on a record's own admin page: (record, field, what it holds).
EDITED_ON_THEIR_PAGE = [
    ("agreement", "fields", "fields"),
    ("programme", "fields", "fields"),
    ("programme", "target_countries", "countries"),
    ("programme", "target_regions", "regions"),
    ("branch", "fields", "fields"),
    ("indicator", "countries", "countries"),
    ("indicator", "regions", "regions"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("model_name, field, kind", EDITED_ON_THEIR_PAGE)
def test_reverting_to_a_version_brings_back_its_many_to_many_values(
    admin_client, two_of_each, model_name, field, kind
):
    first, second = two_of_each[kind]
    record = factories.record_of(model_name)
    assert post_form(admin_client, change_url(record), **{field: [first.pk]}).status_code == 302
    with_first = record.history.latest()
    assert post_form(admin_client, change_url(record), **{field: [second.pk]}).status_code == 302
    assert pks(getattr(record, field)) == [second.pk]

    page = admin_client.get(version_url(record, with_first))
    assert page.context["adminform"].form[field].value() == [first.pk]
    assert post_form(admin_client, version_url(record, with_first)).status_code == 302

    assert pks(getattr(record, field)) == [first.pk]
    assert recorded(record.history.latest(), field) == [first.pk]


@pytest.mark.django_db
def test_one_edit_is_one_version_that_holds_the_new_values(admin_client, two_of_each):
    teaching, energy = two_of_each["fields"]
    programme = factories.programme()
    programme.fields.set([teaching])
    versions = programme.history.count()

    response = post_form(admin_client, change_url(programme), title="Новое название", fields=[energy.pk])

    assert response.status_code == 302
    assert programme.history.count() == versions + 1
    latest = programme.history.latest()
    assert latest.title == "Новое название"
    assert recorded(latest, "fields") == [energy.pk]


@pytest.mark.django_db
def test_a_version_page_shows_the_values_of_that_version_to_a_viewer(viewer_client, two_of_each):
    teaching, energy = two_of_each["fields"]
    agreement = factories.agreement()
    agreement.fields.set([teaching])
    old = agreement.history.latest()
    agreement.save()
    agreement.fields.set([energy])

    page = viewer_client.get(version_url(agreement, old)).content.decode()

    assert teaching.name_ru in page and energy.name_ru not in page


@pytest.mark.django_db
def test_restoring_a_deleted_agreement_brings_back_its_fields_and_its_parties_regions(
    admin_client, two_of_each
):
    teaching, _ = two_of_each["fields"]
    orenburg = two_of_each["regions"][1]
    agreement = factories.agreement()
    assert post_form(admin_client, change_url(agreement), fields=[teaching.pk]).status_code == 302
    party = agreement.parties.first()
    party.regions.set([orenburg])
    pk = agreement.pk
    delete = reverse("admin:registry_agreement_delete", args=[pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 302
    assert not models.AgreementParty.regions.through.objects.filter(agreementparty_id=party.pk).exists()

    version = last_version(models.Agreement, pk)
    assert post_form(admin_client, version_url(agreement, version)).status_code == 302

    restored = models.Agreement.objects.get(pk=pk)
    assert pks(restored.fields) == [teaching.pk]
    assert pks(models.AgreementParty.objects.get(pk=party.pk).regions) == [orenburg.pk]


@pytest.mark.django_db
def test_restoring_a_programme_brings_back_its_coverage_and_its_participants_regions(two_of_each):
    programme = factories.programme()
    programme.fields.set(two_of_each["fields"])
    programme.target_countries.set(two_of_each["countries"][:1])
    programme.target_regions.set(two_of_each["regions"])
    participant = models.ProgrammeParticipant.objects.create(programme=programme, description="вузы области")
    participant.regions.set(two_of_each["regions"][1:])
    pk = programme.pk
    programme.delete()

    restore_with_children(last_version(models.Programme, pk))

    restored = models.Programme.objects.get(pk=pk)
    assert pks(restored.fields) == sorted(f.pk for f in two_of_each["fields"])
    assert pks(restored.target_countries) == [two_of_each["countries"][0].pk]
    assert pks(restored.target_regions) == sorted(r.pk for r in two_of_each["regions"])
    assert pks(restored.participants.get().regions) == [two_of_each["regions"][1].pk]


@pytest.mark.django_db
def test_the_deletion_keeps_the_values_the_record_had_when_deleted(two_of_each):
    agreement = factories.agreement()
    agreement.fields.set(two_of_each["fields"][:1])
    pk = agreement.pk
    agreement.delete()

    deletion = models.Agreement.history.get(id=pk, history_type="-")
    assert recorded(deletion, "fields") == [two_of_each["fields"][0].pk]


@pytest.mark.django_db
def test_a_value_deleted_since_is_left_out_of_a_revert(admin_client, two_of_each):
    gone = factories.field_of_study("0999", "Упразднённое направление")
    kept = two_of_each["fields"][0]
    agreement = factories.agreement()
    agreement.fields.set([gone, kept])
    version = agreement.history.latest()
    gone.delete()
    agreement.delete()

    restore_with_children(version)

    assert pks(models.Agreement.objects.get(pk=version.id).fields) == [kept.pk]


@pytest.mark.django_db
def test_history_written_in_bulk_keeps_the_many_to_many_values(article):
    # `make run` loads the article, then writes each record's first version in bulk.
    call_command("populate_history", auto=True, stdout=io.StringIO())
    for programme in models.Programme.objects.all():
        first = programme.history.get()
        assert recorded(first, "target_countries") == pks(programme.target_countries)
        assert recorded(first, "fields") == pks(programme.fields)


@pytest.mark.django_db
def test_an_imported_row_is_one_version_with_its_fields_of_study(editor_client, two_of_each):
    agreement = factories.agreement()
    versions = agreement.history.count()
    parties = "; ".join(party.institution.slug for party in agreement.parties.all())
    headers = ["Код записи", "Название", "Вид", "Состояние", "Направления подготовки", "Стороны"]
    row = [agreement.slug, "Новое название", "партнёрство", "подписано", "0111; 0713", parties]

    preview = upload(editor_client, "agreement", "a.xlsx", xlsx_bytes(headers, [row]), "XLSX")
    assert preview.context.get("confirm_form"), preview.context["result"].sheet_errors
    assert confirm(editor_client, "agreement", preview).status_code == 302

    assert agreement.history.count() == versions + 1
    imported = agreement.history.latest()
    assert imported.title == "Новое название"
    assert recorded(imported, "fields") == sorted(f.pk for f in two_of_each["fields"])


@pytest.mark.django_db
def test_a_new_imported_record_is_one_version_with_its_fields_of_study(editor_client, two_of_each):
    parties = "; ".join(factories.institution().slug for _ in range(2))
    headers = ["Код записи", "Название", "Вид", "Состояние", "Направления подготовки", "Стороны"]
    row = ["brand-new", "Новое соглашение", "партнёрство", "подписано", "0111; 0713", parties]

    preview = upload(editor_client, "agreement", "a.xlsx", xlsx_bytes(headers, [row]), "XLSX")
    assert preview.context.get("confirm_form"), preview.context["result"].sheet_errors
    assert confirm(editor_client, "agreement", preview).status_code == 302

    created = models.Agreement.objects.get(slug="brand-new")
    assert created.history.count() == 1
    assert recorded(created.history.get(), "fields") == sorted(f.pk for f in two_of_each["fields"])


@pytest.mark.django_db
def test_loading_a_fixture_writes_no_version(article):
    # Fixtures and backups are loaded as they were; their many-to-many values make no version.
    assert not models.Programme.history.exists()
    assert not models.Indicator.history.exists()


def test_every_many_to_many_field_of_a_record_with_history_is_in_its_history():
    for model in apps.get_app_config("registry").get_models():
        history = history_of(model)
        if history is not None:
            tracked = {field.name for field in history.model._history_m2m_fields}
            assert tracked == {field.name for field in model._meta.many_to_many}, model
            assert isinstance(history, M2MHistoryManager) or not tracked, model


@pytest.mark.django_db
@pytest.mark.parametrize("versions", [3, 60])
def test_the_history_page_shows_what_changed_with_queries_that_do_not_grow(
    admin_client, two_of_each, versions, django_assert_max_num_queries
):
    teaching, energy = two_of_each["fields"]
    programme = factories.programme()
    for number in range(versions):
        programme.title = f"Название {number}"
        programme.save()
        programme.fields.set([(teaching, energy)[number % 2]])
    gone = factories.field_of_study("0999", "Упразднённое направление")
    programme.save()
    programme.fields.add(gone)
    gone.delete()

    with django_assert_max_num_queries(12):
        page = admin_client.get(reverse("admin:registry_programme_history", args=[programme.pk]))

    changes = [
        change
        for version in page.context["page_obj"]
        for change in getattr(version, "history_delta_changes", [])
    ]
    assert {"field": "Направления подготовки", "old": f"[{teaching}]", "new": f"[{energy}]"} in changes
    assert any("Deleted" in change["new"] for change in changes)  # a field of study deleted since
