import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from registry import models
from tests import factories


@pytest.mark.django_db
class TestAgreementDates:
    def test_it_refuses_valid_until_before_valid_from_in_clean(self):
        agreement = factories.agreement(
            valid_from=datetime.date(2026, 1, 1), valid_until=datetime.date(2026, 1, 1)
        )
        agreement.valid_until = datetime.date(2025, 12, 31)
        with pytest.raises(ValidationError) as caught:
            agreement.full_clean()
        assert "valid_until" in caught.value.message_dict

    def test_the_database_refuses_it_too(self):
        agreement = factories.agreement()
        agreement.valid_from, agreement.valid_until = datetime.date(2026, 1, 2), datetime.date(2026, 1, 1)
        with pytest.raises(IntegrityError), transaction.atomic():
            agreement.save()


@pytest.mark.django_db
class TestParty:
    def test_it_needs_an_institution_or_a_description(self):
        agreement = factories.agreement(parties=0)
        party = models.AgreementParty(agreement=agreement)
        with pytest.raises(ValidationError):
            party.full_clean()
        with pytest.raises(IntegrityError), transaction.atomic():
            party.save()

    def test_it_may_not_have_both(self):
        agreement = factories.agreement(parties=0)
        party = models.AgreementParty(
            agreement=agreement, institution=factories.institution(), description="вузы"
        )
        with pytest.raises(ValidationError):
            party.full_clean()

    def test_a_collective_party_keeps_its_regions(self):
        agreement = factories.agreement(parties=0)
        party = models.AgreementParty.objects.create(
            agreement=agreement, description="вузы Оренбургской области", country=factories.country("RU")
        )
        party.regions.add(factories.region("Оренбургская область", "RU", models.Region.Kind.OBLAST))
        assert str(party) == "вузы Оренбургской области"


def with_ids(**ids):
    record = factories.institution()
    for name, value in ids.items():
        setattr(record, name, value)
    return record


@pytest.mark.django_db
class TestIdentifiers:
    @pytest.mark.parametrize("ror", ["010pmpe69", "04w8z7f34"])
    def test_it_accepts_a_ror_id(self, ror):
        with_ids(ror_id=ror).full_clean()

    @pytest.mark.parametrize("ror", ["10pmpe69", "https://ror.org/010pmpe69", "0lopmpe69"])
    def test_it_rejects_a_malformed_ror_id(self, ror):
        with pytest.raises(ValidationError) as caught:
            with_ids(ror_id=ror).full_clean()
        assert "ror_id" in caught.value.message_dict

    @pytest.mark.parametrize("qid", ["Q0", "13164", "q13164", "Q13164x"])
    def test_it_rejects_a_malformed_wikidata_id(self, qid):
        with pytest.raises(ValidationError) as caught:
            with_ids(wikidata_id=qid).full_clean()
        assert "wikidata_id" in caught.value.message_dict


@pytest.mark.django_db
class TestIndicator:
    def test_it_needs_a_number_or_a_statement(self):
        indicator = factories.indicator(value=None, statement="один из лидеров")
        indicator.statement = ""
        with pytest.raises(ValidationError):
            indicator.full_clean()
        with pytest.raises(IntegrityError), transaction.atomic():
            indicator.save()

    def test_it_rejects_unknown_institution_kinds(self):
        indicator = factories.indicator(institution_kinds="university; school")
        with pytest.raises(ValidationError) as caught:
            indicator.full_clean()
        assert "school" in str(caught.value)


@pytest.mark.django_db
class TestCitation:
    def test_it_cites_exactly_one_record(self):
        source = factories.source()
        citation = models.Citation(source=source, quote="цитата")
        with pytest.raises(ValidationError):
            citation.full_clean()
        with pytest.raises(IntegrityError), transaction.atomic():
            citation.save()
        citation = models.Citation(
            source=source, quote="цитата", institution=factories.institution(), branch=factories.branch()
        )
        with pytest.raises(IntegrityError), transaction.atomic():
            citation.save()

    def test_it_reports_the_cited_record(self):
        institution = factories.institution()
        citation = models.Citation.objects.create(
            source=factories.source(), quote="q", institution=institution
        )
        assert citation.cited_record == institution


@pytest.mark.django_db
class TestProtect:
    def test_an_institution_with_branches_cannot_be_deleted(self):
        branch = factories.branch()
        with pytest.raises(ProtectedError):
            branch.institution.delete()

    def test_a_cited_source_cannot_be_deleted(self):
        source = factories.source()
        models.Citation.objects.create(source=source, quote="q", institution=factories.institution())
        with pytest.raises(ProtectedError):
            source.delete()

    def test_a_country_in_use_cannot_be_deleted(self):
        factories.institution()
        with pytest.raises(ProtectedError):
            models.Country.objects.get(code="KZ").delete()

    def test_a_model_programme_cannot_be_deleted_while_copied(self):
        model = factories.programme()
        factories.programme(modelled_on=model)
        with pytest.raises(ProtectedError):
            model.delete()


@pytest.mark.django_db
def test_published_returns_only_published_records():
    shown = factories.institution()
    factories.institution(is_published=False)
    assert list(models.Institution.objects.published()) == [shown]


@pytest.mark.django_db
def test_new_records_start_as_drafts():
    assert models.Institution().is_published is False


@pytest.mark.django_db
def test_a_choice_is_shown_by_its_label_in_the_readers_language_and_an_unknown_value_as_it_is():
    from django.utils import translation

    institution = factories.institution(kind="college")
    agreement = models.Agreement(status=models.Status.SIGNED)  # an inherited field
    with translation.override("ru"):
        assert institution.get_kind_display() == "колледж"
        assert agreement.get_status_display() == "подписано"
    with translation.override("en"):
        assert institution.get_kind_display() == "college"
        assert agreement.get_status_display() == "signed"
    institution.kind = "no-such-kind"
    assert institution.get_kind_display() == "no-such-kind"
    institution.kind = None
    assert institution.get_kind_display() is None


@pytest.mark.parametrize(
    "model_name", ["institution", "branch", "agreement", "programme", "indicator", "source"]
)
def test_a_records_address_is_what_reverse_gives_under_any_script_prefix(model_name):
    from django.urls import NoReverseMatch, reverse, set_script_prefix

    try:
        for prefix in ("/", "/registry/"):
            set_script_prefix(prefix)
            expected = reverse(f"registry:{model_name}_detail", args=["msu-astana"])
            assert models.record_url(model_name, "msu-astana") == expected
            assert expected.startswith(prefix)
    finally:
        set_script_prefix("/")
    with pytest.raises(NoReverseMatch):  # not a code: reverse() itself decides
        models.record_url(model_name, "no such/code")
