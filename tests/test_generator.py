import pytest

from benchmarks.generate import generate, institution_rows
from registry import models


def test_the_generator_is_deterministic():
    assert list(institution_rows(50, seed=7)) == list(institution_rows(50, seed=7))
    assert list(institution_rows(5, seed=7)) != list(institution_rows(5, seed=8))


@pytest.mark.django_db
def test_generated_records_are_searchable_and_related():
    counts = generate(40, seed=3)
    assert counts == {"institutions": 40, "branches": 10, "agreements": 10, "programmes": 4}
    first = models.Institution.objects.get(slug="gen-3-0")
    acronym = first.acronym_list[0].lower()
    assert models.Institution.objects.search(acronym).filter(pk=first.pk).exists()
    assert models.AgreementParty.objects.count() == 20
