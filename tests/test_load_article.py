"""`make run` loads the article into an empty registry only: staff edits and deletions stay."""

import pytest
from django.core.management import call_command

from registry import models


def load_article():
    call_command("load_article", verbosity=0)


@pytest.mark.django_db
def test_the_article_is_loaded_into_an_empty_registry():
    load_article()
    assert models.Institution.objects.filter(slug="msu").exists()
    assert models.Country.objects.filter(code="KZ").exists()


@pytest.mark.django_db
def test_a_staff_edit_survives_a_second_start():
    load_article()
    msu = models.Institution.objects.get(slug="msu")
    msu.city = "Звенигород"
    msu.notes = "Проверено по сайту университета."
    msu.save()
    load_article()
    msu.refresh_from_db()
    assert (msu.city, msu.notes) == ("Звенигород", "Проверено по сайту университета.")


@pytest.mark.django_db
def test_a_deleted_fixture_record_does_not_come_back():
    load_article()
    indicator = models.Indicator.objects.first()
    indicator.delete()
    load_article()
    assert not models.Indicator.objects.filter(slug=indicator.slug).exists()


@pytest.mark.django_db
def test_a_second_start_says_why_nothing_was_loaded(capsys):
    load_article()
    call_command("load_article")
    assert "make reset" in capsys.readouterr().out
