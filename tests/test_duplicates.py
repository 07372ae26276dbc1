"""Likely duplicate institutions: refused or warned on entry, reported, merged and unmerged."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from registry import duplicates, models
from registry.matching import match
from registry.slugs import resolve_slug
from tests import factories
from tests.spreadsheets import INSTITUTION_HEADERS, institution_row, xlsx_bytes


@pytest.mark.django_db
@pytest.mark.parametrize("field, value", [("ror_id", "010pmpe69"), ("wikidata_id", "Q13164")])
def test_a_second_institution_with_the_same_id_is_refused_with_a_readable_error(field, value):
    factories.institution(slug="msu", **{field: value})
    twin = models.Institution(
        slug="msu-2",
        name="МГУ",
        name_ru="МГУ",
        kind="university",
        country=factories.country(),
        **{field: value},
    )
    with pytest.raises(ValidationError) as refused:
        twin.full_clean()
    assert "msu" in str(refused.value.message_dict[field])


@pytest.mark.django_db
def test_the_admin_refuses_a_duplicate_ror_and_warns_of_a_namesake(admin_client):
    factories.institution(slug="msu", name_ru="Московский университет", ror_id="010pmpe69")
    data = {
        "slug": "msu-2",
        "name": "Московский университет",
        "name_ru": "Московский университет",
        "kind": "university",
        "country": factories.country().pk,
        "ror_id": "010pmpe69",
        "branches-TOTAL_FORMS": "0",
        "branches-INITIAL_FORMS": "0",
        "citations-TOTAL_FORMS": "0",
        "citations-INITIAL_FORMS": "0",
    }
    refused = admin_client.post("/admin/registry/institution/add/", data)
    assert refused.status_code == 200
    assert "010pmpe69" in str(refused.context["adminform"].form.errors["ror_id"])
    saved = admin_client.post("/admin/registry/institution/add/", {**data, "ror_id": ""}, follow=True)
    warnings = [str(m) for m in saved.context["messages"]]
    assert any("уже есть" in m and "msu" in m and "/admin/registry/institution/" in m for m in warnings)


@pytest.mark.django_db
def test_an_import_with_an_existing_ror_id_imports_nothing(tmp_path, superuser):
    factories.country("RU", "Россия", "Russia")
    factories.institution(slug="omgtu-old", ror_id="010pmpe69")
    headers = [*INSTITUTION_HEADERS, "ROR"]
    path = tmp_path / "institutions.xlsx"
    path.write_bytes(xlsx_bytes(headers, [[*institution_row("omgtu"), "010pmpe69"]]))
    with pytest.raises(Exception) as refused:  # CommandError after listing the row errors
        call_command("registry_import", "institution", str(path), "--user", superuser.username)
    assert "Ничего не импортировано" in str(refused.value)
    assert not models.Institution.objects.filter(slug="omgtu").exists()


@pytest.mark.django_db
def test_the_report_lists_pairs_by_website_name_and_similarity():
    # Two records cannot share a ROR or Wikidata id any more (see above); the rest can.
    c = factories.institution(slug="c", name_ru="Бета", website="https://www.beta.kz/")
    d = factories.institution(slug="d", name_ru="Бета-2", website="http://beta.kz")
    e = factories.institution(slug="e", name_ru="Гамма", name_en="Gamma University")
    f = factories.institution(slug="f", name_ru="ГАММА")
    g = factories.institution(slug="g", name_ru="Карагандинский технический университет")
    h = factories.institution(slug="h", name_ru="Карагандинский технчиеский университет")
    found = {(p.first.slug, p.second.slug): p.reasons for p in duplicates.likely_duplicates()}
    assert found[(c.slug, d.slug)] == ["одинаковый сайт"]
    assert found[(e.slug, f.slug)] == ["одинаковое название"]
    assert "похожие названия" in found[(g.slug, h.slug)]
    assert len(found) == 3


@pytest.mark.django_db
def test_merge_moves_references_keeps_names_and_the_code_and_reverts(admin_client, superuser):
    kept = factories.institution(slug="msu", name_ru="Московский университет", acronyms="МГУ")
    dropped = factories.institution(
        slug="mgu-old",
        name_ru="МГУ им. Ломоносова",
        name_en="Lomonosov University",
        acronyms="MSU",
        ror_id="010pmpe69",
    )
    branch = factories.branch(institution=dropped, name="Филиал в Астане")
    agreement = factories.agreement(parties=1)
    party = models.AgreementParty.objects.create(agreement=agreement, institution=dropped)
    citation = models.Citation.objects.create(source=factories.source(), quote="Цитата", institution=dropped)

    response = admin_client.post(
        "/admin/registry/institution/duplicates/", {"keep": kept.pk, "drop": dropped.pk}, follow=True
    )
    assert response.status_code == 200
    kept.refresh_from_db()
    assert not models.Institution.objects.filter(slug="mgu-old").exists()
    assert models.Branch.objects.get(pk=branch.pk).institution == kept
    assert models.AgreementParty.objects.get(pk=party.pk).institution == kept
    assert models.Citation.objects.get(pk=citation.pk).institution == kept
    assert "МГУ им. Ломоносова" in kept.aliases and "Lomonosov University" in kept.aliases
    assert kept.acronym_list == ["МГУ", "MSU"] and kept.ror_id == "010pmpe69"
    assert match(models.Institution, "mgu-old").record == kept  # the old code still leads here
    assert resolve_slug(models.Institution, "mgu-old") == kept.slug
    assert match(models.Institution, "МГУ им. Ломоносова").record == kept
    merge = models.InstitutionMerge.objects.get()
    assert merge.user == superuser and merge.kept == kept

    reverted = admin_client.post(
        "/admin/registry/institutionmerge/",
        {"action": "revert", "_selected_action": [merge.pk]},
        follow=True,
    )
    assert reverted.status_code == 200
    restored = models.Institution.objects.get(slug="mgu-old")
    assert (
        restored.pk == dropped.pk
        and restored.ror_id == "010pmpe69"
        and restored.name_en == "Lomonosov University"
    )
    kept.refresh_from_db()
    assert kept.aliases == "" and kept.acronyms == "МГУ" and kept.ror_id == ""
    assert models.Branch.objects.get(pk=branch.pk).institution == restored
    assert models.AgreementParty.objects.get(pk=party.pk).institution == restored
    assert models.Citation.objects.get(pk=citation.pk).institution == restored
    merge.refresh_from_db()
    assert merge.reverted_at is not None
    assert resolve_slug(models.Institution, "mgu-old") == "mgu-old"


@pytest.mark.django_db
def test_viewers_see_the_report_but_may_not_merge(viewer_client):
    a = factories.institution(name_ru="Дубль")
    b = factories.institution(name_ru="Дубль")
    assert viewer_client.get("/admin/registry/institution/duplicates/").status_code == 200
    assert (
        viewer_client.post(
            "/admin/registry/institution/duplicates/", {"keep": a.pk, "drop": b.pk}
        ).status_code
        == 403
    )
    assert models.Institution.objects.filter(pk=b.pk).exists()


@pytest.mark.django_db
def test_the_institution_list_links_to_the_report(viewer_client):
    page = viewer_client.get("/admin/registry/institution/")
    assert b"/admin/registry/institution/duplicates/" in page.content
