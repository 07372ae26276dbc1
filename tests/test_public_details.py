"""Smaller things readers noticed: the indicators list, more filters, plain empty choices, links."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from registry import models
from tests import factories


def html_of(response):
    return response.content.decode()


@pytest.mark.django_db
class TestIndicators:
    def test_the_indicators_list_shows_published_indicators(self, client, article):
        factories.indicator(slug="draft-indicator", is_published=False)
        response = client.get(reverse("registry:indicator_list"))
        slugs = [indicator.slug for indicator in response.context["object_list"]]
        assert sorted(slugs) == sorted(models.Indicator.objects.published().values_list("slug", flat=True))
        assert "draft-indicator" not in slugs

    def test_the_breadcrumb_leads_back_to_the_indicators_list(self, client, article):
        html = html_of(client.get("/indicators/kz-students-in-russia/"))
        breadcrumbs = html[html.index('class="breadcrumbs"') :]
        assert f'<a href="{reverse("registry:indicator_list")}">Показатели</a>' in breadcrumbs


@pytest.mark.django_db
class TestFilters:
    def test_agreements_filter_by_an_institution_among_their_parties(self, client):
        university = factories.institution(slug="party-university")
        with_it = factories.agreement(slug="with-it", parties=1)
        models.AgreementParty.objects.create(agreement=with_it, institution=university)
        factories.agreement(slug="without-it")
        response = client.get(reverse("registry:agreement_list"), {"institution": "party-university"})
        assert [agreement.slug for agreement in response.context["object_list"]] == ["with-it"]

    def test_programmes_filter_by_an_institution_among_their_participants(self, client):
        university = factories.institution(slug="participant")
        with_it = factories.programme(slug="with-it")
        models.ProgrammeParticipant.objects.create(programme=with_it, institution=university)
        factories.programme(slug="without-it")
        response = client.get(reverse("registry:programme_list"), {"institution": "participant"})
        assert [programme.slug for programme in response.context["object_list"]] == ["with-it"]

    def test_branches_filter_by_the_country_of_their_parent(self, client):
        russia = factories.country("RU", "Россия", "Russia")
        factories.branch(slug="russian-parent", institution=factories.institution(country=russia))
        factories.branch(slug="kazakh-parent", institution=factories.institution())
        response = client.get(reverse("registry:branch_list"), {"parent_country": "RU"})
        assert [branch.slug for branch in response.context["object_list"]] == ["russian-parent"]

    @pytest.mark.parametrize("name", ["institution_list", "branch_list", "agreement_list", "programme_list"])
    def test_empty_choices_read_all_not_dashes(self, client, article, name):
        html = html_of(client.get(reverse(f"registry:{name}")))
        assert "---------" not in html
        assert '<option value="" selected>Все</option>' in html

    def test_the_active_filter_offers_all_yes_no_not_unknown(self, client, article):
        html = html_of(client.get(reverse("registry:institution_list")))
        select = re.search(r'<select name="is_active".*?</select>', html, flags=re.S).group(0)
        assert re.findall(r">([^<]+)</option>", select) == ["Все", "Да", "Нет"]
        active = client.get(reverse("registry:institution_list"), {"is_active": "false"})
        assert list(active.context["object_list"]) == []

    def test_english_pages_say_all(self, client, article):
        client.cookies["django_language"] = "en"
        html = html_of(client.get(reverse("registry:branch_list")))
        assert '<option value="" selected>All</option>' in html


@pytest.mark.django_db
class TestPages:
    def test_institutions_and_branches_are_charted_on_separate_scales(self, client, article):
        context = client.get(reverse("registry:home")).context
        assert [row["label"] for row in context["institution_country_bars"]] == ["Казахстан", "Россия"]
        assert [row["label"] for row in context["branch_country_bars"]] == ["Казахстан"]
        assert context["branch_country_bars"][0]["width"] == 100

    def test_ror_wikidata_and_website_are_links(self, client, article):
        html = html_of(client.get("/institutions/msu/"))
        assert '<a href="https://ror.org/010pmpe69"' in html
        assert '<a href="https://www.wikidata.org/wiki/Q13164"' in html
        assert '<a href="https://www.msu.ru/"' in html

    @pytest.mark.parametrize(
        ("path", "section"),
        [("/branches/", "Филиалы"), ("/branches/msu-kazakhstan/", "Филиалы"), ("/map/", "Карта")],
    )
    def test_the_navigation_marks_the_current_section(self, client, article, path, section):
        html = html_of(client.get(path))
        assert re.findall(r'aria-current="page">([^<]+)</a>', html) == [section]

    def test_a_region_that_is_the_city_itself_is_written_once(self, client, db):
        almaty = factories.region("Алматы")
        oblast = factories.region("Алматинская область", kind=models.Region.Kind.OBLAST)
        factories.institution(slug="in-almaty", region=almaty, city="Алматы")
        factories.institution(slug="in-oblast", region=oblast, city="Талгар")
        factories.branch(slug="branch-in-almaty", region=almaty, city="Алматы")
        assert "<dd>Казахстан, Алматы</dd>" in html_of(client.get("/institutions/in-almaty/"))
        assert "<dd>Казахстан, Алматинская область, Талгар</dd>" in html_of(
            client.get("/institutions/in-oblast/")
        )
        assert "<dd>Казахстан, Алматы</dd>" in html_of(client.get("/branches/branch-in-almaty/"))

    def test_branches_say_when_the_source_is_silent(self, client, article):
        html = html_of(client.get(reverse("registry:branch_list")))
        rows = html[html.index("<tbody>") :]
        assert rows.count("не указано в источнике") == 2 * models.Branch.objects.published().count()


def relative_luminance(hex_colour):
    if len(hex_colour) == 4:  # #fff
        hex_colour = "#" + "".join(c * 2 for c in hex_colour[1:])
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_the_focus_ring_has_at_least_three_to_one_contrast_on_every_background():
    css = Path("registry/static/registry/site.css").read_text()
    variables = dict(re.findall(r"--([\w-]+): (#[0-9a-f]{6}|#[0-9a-f]{3})\b", css))
    rule = re.search(r":focus-visible \{ outline: 3px solid var\(--([\w-]+)\)", css)
    ring = relative_luminance(variables[rule.group(1)])
    for background in ("paper", "tint"):
        light = relative_luminance(variables[background])
        assert (light + 0.05) / (ring + 0.05) >= 3


@pytest.mark.django_db
def test_empty_parameters_are_dropped_from_the_address(client):
    response = client.get(reverse("registry:institution_list"), {"q": "", "country": "KZ", "kind": ""})
    assert response.status_code == 302
    assert response.headers["Location"] == f"{reverse('registry:institution_list')}?country=KZ"
    everything_empty = client.get(reverse("registry:branch_list"), {"q": "", "country": ""})
    assert everything_empty.headers["Location"] == reverse("registry:branch_list")


@pytest.mark.django_db
def test_a_list_opens_the_map_with_its_filters(client, article):
    html = html_of(client.get(reverse("registry:branch_list"), {"country": "KZ"}))
    assert f'href="{reverse("registry:map")}?country=KZ&amp;show=branch"' in html
