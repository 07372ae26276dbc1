"""What the public sees: published records only, filtered, searched, sorted, paged, downloaded."""

import csv
import io
import json

import openpyxl
import pytest
from django.db.models import Q
from django.urls import reverse

from registry import models
from tests import factories

LISTS = ["institution_list", "branch_list", "agreement_list", "programme_list", "source_list"]
DETAILS = [
    ("institution_detail", "msu"),
    ("branch_detail", "msu-kazakhstan"),
    ("agreement_detail", "orenburg-samara-kz-technical"),
    ("programme_detail", "ru-kz-technical-training"),
    ("indicator_detail", "kz-students-in-russia"),
    ("source_detail", "tass-2025-11-12"),
]


def url(name, *args):
    return reverse(f"registry:{name}", args=args)


def body(response):
    """Return a download's bytes, streamed or not.

    Reading a streamed response to the end closes it through the test client, which keeps the
    test's database connection open (closing it ourselves would fire request_finished).
    """
    return response.getvalue()


def slugs(response):
    return [obj.slug for obj in response.context["object_list"]]


@pytest.mark.django_db
class TestPagesOpen:
    @pytest.mark.parametrize("name", ["home", *LISTS])
    def test_every_list_opens_for_an_anonymous_visitor(self, client, article, name):
        response = client.get(url(name))
        assert response.status_code == 200
        assert response.headers["Content-Language"] == "ru"

    @pytest.mark.parametrize("name, slug", DETAILS)
    def test_every_detail_opens_with_its_quote(self, client, article, name, slug):
        response = client.get(url(name, slug))
        assert response.status_code == 200
        assert "ТАСС" in response.content.decode()

    def test_the_home_page_shows_indicators_counts_and_charts(self, client, article):
        page = client.get(url("home")).content.decode()
        assert "55" in page and "000" in page and "8 филиалов" in page
        assert 'class="bar"' in page

    def test_the_home_agreement_count_adds_up_to_the_list_it_links(self, client, article):
        item = next(c for c in client.get(url("home")).context["counts"] if c["url_name"] == "agreement_list")
        listed = client.get(url("agreement_list")).context["paginator"].count
        unstated = models.Agreement.objects.filter(kind=models.Agreement.Kind.UNSTATED).count()
        assert unstated and item["total"] + unstated == listed
        assert item["extra"] == f"и {unstated} сотрудничество без названного соглашения"
        page = client.get(url("home")).content.decode()
        assert f"{item['total']}</strong> соглашение и 1 сотрудничество без названного соглашения</a>" in page

    def test_a_programme_links_its_model_and_status_history(self, client, article):
        page = client.get(url("programme_detail", "ru-kz-technical-training")).content.decode()
        assert url("programme_detail", "professionalitet") in page
        assert "предложено" in page and "12 ноября 2025" in page
        assert "для регионов обеих стран" in page

    def test_an_institution_links_its_branches(self, client, article):
        page = client.get(url("institution_detail", "msu")).content.decode()
        assert url("branch_detail", "msu-kazakhstan") in page


@pytest.mark.django_db
class TestFilters:
    @pytest.mark.parametrize(
        "name, query, expected",
        [
            ("institution_list", {"country": "KZ"}, ["atu"]),
            ("institution_list", {"kind": "academy"}, ["ranepa"]),
            ("institution_list", {"kind": "institute", "country": "RU"}, ["skoltech"]),
            ("institution_list", {"field": "0713"}, ["atu"]),
            ("institution_list", {"founded": "1755"}, ["msu"]),
            ("branch_list", {"institution": "muctr"}, ["muctr-kazakhstan"]),
            ("branch_list", {"status": "closed"}, []),
            ("agreement_list", {"status": "agreed"}, ["orenburg-samara-kz-technical"]),
            ("agreement_list", {"kind": "unstated"}, ["skoltech-kz-partners"]),
            ("agreement_list", {"country": "RU", "year": "2025"}, ["orenburg-samara-kz-technical"]),
            ("programme_list", {"kind": "federal_project"}, ["professionalitet"]),
            ("programme_list", {"field": "0413"}, ["ranepa-kz-managers"]),
            ("programme_list", {"status": "proposed", "country": "KZ"}, ["ru-kz-technical-training"]),
            ("source_list", {"year": "2025"}, ["tass-2025-11-12"]),
            ("source_list", {"year": "2024"}, []),
        ],
    )
    def test_each_filter_narrows(self, client, article, name, query, expected):
        response = client.get(url(name), query)
        assert sorted(slugs(response)) == sorted(expected)

    @pytest.mark.parametrize("query", ["мгу", "МГУ", "мГу", "ломоносова", "MOSCOW STATE"])
    def test_q_finds_msu_in_any_case(self, client, article, query):
        assert slugs(client.get(url("institution_list"), {"q": query})) == ["msu"]

    def test_q_folds_yo(self, client, article):
        factories.institution(slug="yo", name_ru="Учёный университет")
        assert slugs(client.get(url("institution_list"), {"q": "УЧЕНЫЙ"})) == ["yo"]
        assert slugs(client.get(url("institution_list"), {"q": "учёный"})) == ["yo"]

    def test_q_on_programmes_and_branches(self, client, article):
        assert slugs(client.get(url("programme_list"), {"q": "профессионалитет"})) == ["professionalitet"]
        assert slugs(client.get(url("branch_list"), {"q": "мифи"})) == ["mephi-kazakhstan"]

    def test_an_empty_result_says_so(self, client, article):
        response = client.get(url("institution_list"), {"q": "несуществующий"})
        assert "Ничего не найдено" in response.content.decode()

    @pytest.mark.parametrize("name", ["institution_list", "branch_list", "agreement_list", "programme_list"])
    def test_a_country_code_is_read_in_any_case(self, client, article, name):
        lower = client.get(url(name), {"country": "kz"})
        assert lower.status_code == 200
        assert slugs(lower) == slugs(client.get(url(name), {"country": "KZ"}))

    @pytest.mark.parametrize("name", ["institution_list", "branch_list", "agreement_list", "programme_list"])
    def test_only_fields_of_study_the_lists_records_use_are_offered(self, client, db, name):
        used = factories.field_of_study("0713")
        factories.field_of_study("0531", "Химия", "Chemistry")
        drafted = factories.field_of_study("0111", "Педагогика", "Education")
        for make in (factories.branch, factories.agreement, factories.programme):
            make().fields.add(used)
            make(is_published=False).fields.add(drafted)
        form = client.get(url(name)).context["filter"].form
        assert [str(code) for code, _label in form.fields["field"].choices if str(code)] == ["0713"]

    @pytest.mark.parametrize("name", ["institution_list", "branch_list", "agreement_list", "programme_list"])
    def test_an_unused_known_field_finds_nothing_and_an_unknown_one_is_an_error(self, client, db, name):
        factories.field_of_study("0531", "Химия", "Chemistry")
        factories.agreement().fields.add(factories.field_of_study("0713"))
        unused = client.get(url(name), {"field": "0531"})
        assert unused.status_code == 200 and slugs(unused) == []
        download = client.get(url(name), {"field": "0531", "download": "csv"})
        assert download.status_code == 200 and download.getvalue().startswith(b"\xef\xbb\xbfslug")
        api = name.removesuffix("_list").replace("branch", "branche") + "s"
        assert client.get(f"/api/v1/{api}/", {"field": "0531"}).json()["results"] == []
        assert client.get(url(name), {"field": "9999"}).status_code == 400

    def test_a_bad_filter_value_is_a_form_error_with_no_records(self, client, article):
        response = client.get(url("institution_list"), {"country": "ZZ", "founded": "abc"})
        assert response.status_code == 400
        assert slugs(response) == []
        assert 'class="error"' in response.content.decode()


@pytest.mark.django_db
class TestSortingAndPaging:
    def test_sorting_by_a_visible_column(self, client, article):
        assert slugs(client.get(url("institution_list"), {"ordering": "founded"}))[0] == "msu"
        assert slugs(client.get(url("institution_list"), {"ordering": "-founded"}))[0] == "skoltech"

    def test_the_order_reads_as_usual_even_after_the_api_schema_was_built(self, client, article):
        assert client.get("/api/v1/schema/").status_code == 200
        form = client.get(url("institution_list")).context["filter"].form
        assert dict(form.fields["ordering"].choices)[""] == "как обычно"
        assert dict(form.fields["country"].choices)[""] == "Все"

    @pytest.mark.parametrize(
        "language, expected",
        [("ru", ["ranepa", "mendeleev", "no-english"]), ("en", ["mendeleev", "ranepa", "no-english"])],
    )
    def test_sorting_by_name_follows_the_name_shown_in_the_language(self, client, db, language, expected):
        factories.institution(slug="ranepa", name_ru="Российская академия", name_en="Russian Academy")
        factories.institution(slug="mendeleev", name_ru="Университет Менделеева", name_en="D. Mendeleev")
        factories.institution(slug="no-english", name_ru="Якутский университет", name_en="")
        client.cookies["django_language"] = language
        assert slugs(client.get(url("institution_list"), {"ordering": "name"})) == expected
        assert slugs(client.get(url("institution_list"), {"ordering": "-name"})) == expected[::-1]

    def test_branches_sort_by_their_english_names_in_english(self, client, db):
        factories.branch(slug="b-first", name="Филиал Б", name_en="A branch")
        factories.branch(slug="a-second", name="Филиал А", name_en="B branch")
        client.cookies["django_language"] = "en"
        assert slugs(client.get(url("branch_list"), {"ordering": "name"})) == ["b-first", "a-second"]

    def test_records_with_equal_values_keep_one_order_from_page_to_page(self, client, db):
        # 30 institutions founded the same year: sorted by year, then by name, whatever the page.
        for n in range(30):
            factories.institution(slug=f"i-{n:02d}", name_ru=f"Институт {n:02d}", founded_year=1990)
        pages = [
            slugs(client.get(url("institution_list"), {"ordering": "founded", "page": page}))
            for page in (1, 2)
        ]
        assert pages[0] + pages[1] == [f"i-{n:02d}" for n in range(30)]
        descending = [
            slugs(client.get(url("institution_list"), {"ordering": "-founded", "page": page}))
            for page in (1, 2)
        ]
        assert descending[0] + descending[1] == [f"i-{n:02d}" for n in reversed(range(30))]

    @pytest.mark.parametrize(
        "make, list_name, field, column, values",
        [
            (factories.institution, "institution_list", "founded", "founded_year", [1990, None, 1950]),
            (
                factories.agreement,
                "agreement_list",
                "signed",
                "signed_on",
                ["2020-02-02", None, "2010-02-02"],
            ),
        ],
    )
    def test_records_without_a_value_sort_last_and_first_descending_on_every_database(
        self, client, db, make, list_name, field, column, values
    ):
        for n, value in enumerate(values):
            make(slug=f"r-{n}", **{column: value})
        assert slugs(client.get(url(list_name), {"ordering": field})) == ["r-2", "r-0", "r-1"]
        assert slugs(client.get(url(list_name), {"ordering": f"-{field}"})) == ["r-1", "r-0", "r-2"]

    @pytest.mark.parametrize("page", ["2", "last"])
    def test_a_deep_page_shows_its_own_published_records_in_order(self, client, db, page):
        for n in range(60):
            factories.institution(slug=f"i-{n:02d}", name_ru=f"Институт {n:02d}", is_published=n % 2 == 0)
        response = client.get(url("institution_list"), {"kind": "university", "page": page})
        assert slugs(response) == [f"i-{n:02d}" for n in range(50, 60, 2)]
        assert response.context["paginator"].count == 30

    @pytest.mark.parametrize("name", ["institution_list", "branch_list", "agreement_list", "programme_list"])
    def test_a_deep_page_asks_as_many_queries_as_the_first(self, client, db, name):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        fill(30)
        counts = []
        for page in ("1", "last"):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url(name), {"page": page}).status_code == 200
            counts.append(len(queries))
        assert counts[0] == counts[1]

    def test_every_column_a_public_list_sorts_by_has_an_index_in_that_order(self):
        from registry import filters

        for filterset in (
            filters.InstitutionFilter,
            filters.BranchFilter,
            filters.AgreementFilter,
            filters.ProgrammeFilter,
        ):
            model = filterset._meta.model
            ordering = filterset.base_filters["ordering"]
            usual = [name for name in model._meta.ordering if name != "id"]
            indexed = {
                tuple(index.fields)
                for index in model._meta.indexes
                if index.condition == Q(is_published=True) or index.fields[:1] == ["is_published"]
            }
            for column in ordering.param_map.values():
                if "__" in column:
                    continue  # sorted by a related record's name: no index can hold that order
                expected = [*usual, "id"] if column in usual else [column, *usual, "id"]
                assert tuple(expected) in indexed or ("is_published", *expected) in indexed, (model, column)

    def test_a_middle_page_links_the_first_and_the_last(self, client, db):
        country = factories.country()
        models.Institution.objects.bulk_create(
            models.Institution(slug=f"i-{n}", name_ru=f"Институт {n}", country=country, is_published=True)
            for n in range(150)
        )
        third = client.get(url("institution_list"), {"ordering": "-founded", "page": 3}).content.decode()
        assert "ordering=-founded&amp;page=1" in third and "ordering=-founded&amp;page=6" in third
        assert "Первая" in third and "Последняя" in third
        first = client.get(url("institution_list")).content.decode()
        assert "Первая" not in first and "Последняя" in first

    def test_pagination_keeps_filters(self, client, article):
        for n in range(30):
            factories.institution(slug=f"kz-{n:02d}", country=factories.country("KZ"))
        response = client.get(url("institution_list"), {"country": "KZ", "ordering": "name"})
        assert response.context["paginator"].count == 31
        page = response.content.decode()
        assert "country=KZ" in page and "page=2" in page
        second = client.get(url("institution_list"), {"country": "KZ", "ordering": "name", "page": 2})
        assert len(second.context["object_list"]) == 6
        assert all(obj.country.code == "KZ" for obj in second.context["object_list"])


@pytest.mark.django_db
class TestDownloads:
    def test_xlsx_holds_exactly_the_filtered_published_rows(self, client, article):
        factories.institution(slug="draft-kz", is_published=False, country=factories.country("KZ"))
        response = client.get(url("institution_list"), {"country": "KZ", "download": "xlsx"})
        sheet = openpyxl.load_workbook(io.BytesIO(body(response))).active
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][0] == "slug"
        assert [row[0] for row in rows[1:]] == ["atu"]

    def test_csv_is_utf8_with_bom_and_formula_safe(self, client, article):
        factories.institution(slug="evil", name_ru='=HYPERLINK("x")', country=factories.country("KZ"))
        response = client.get(url("institution_list"), {"q": "hyperlink", "download": "csv"})
        content = body(response)
        assert content.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        assert len(rows) == 2 and "'=HYPERLINK" in ",".join(rows[1])

    def test_json_download_of_a_search(self, client, article):
        response = client.get(url("programme_list"), {"q": "ранхигс", "download": "json"})
        data = json.loads(body(response))
        assert [row["slug"] for row in data] == ["ranepa-kz-managers"]


@pytest.mark.django_db
class TestDraftsNeverLeak:
    @pytest.fixture
    def drafts(self, article):
        institution = factories.institution(slug="secret-uni", name_ru="Секретный вуз", is_published=False)
        factories.branch(slug="secret-branch", name="Секретный филиал", is_published=False)
        factories.branch(slug="branch-of-draft", name="Филиал черновика", institution=institution)
        factories.agreement(slug="secret-agreement", title="Секретное соглашение", is_published=False)
        factories.programme(slug="secret-programme", title="Секретная программа", is_published=False)
        factories.indicator(slug="secret-indicator", title="Секретный показатель", is_published=False)
        factories.source(slug="secret-source", title="Секретный источник", is_published=False)

    @pytest.mark.parametrize("name", ["home", *LISTS])
    def test_not_in_lists_counts_or_charts(self, client, drafts, name):
        page = client.get(url(name)).content.decode()
        assert "Секрет" not in page and "черновика" not in page

    @pytest.mark.parametrize(
        "name, slug",
        [
            ("institution_detail", "secret-uni"),
            ("branch_detail", "secret-branch"),
            ("branch_detail", "branch-of-draft"),
            ("agreement_detail", "secret-agreement"),
            ("programme_detail", "secret-programme"),
            ("indicator_detail", "secret-indicator"),
            ("source_detail", "secret-source"),
        ],
    )
    def test_a_drafts_url_is_404(self, client, drafts, name, slug):
        assert client.get(url(name, slug)).status_code == 404

    @pytest.mark.parametrize("name", LISTS)
    @pytest.mark.parametrize("download", ["csv", "xlsx", "json"])
    def test_not_in_downloads(self, client, drafts, name, download):
        content = body(client.get(url(name), {"download": download}))
        if download == "xlsx":
            sheet = openpyxl.load_workbook(io.BytesIO(content)).active
            content = repr(list(sheet.iter_rows(values_only=True))).encode()
        text = content.decode("utf-8-sig", errors="replace")
        assert "secret" not in text and "Секрет" not in text and "\\u0421\\u0435\\u043a" not in text

    def test_the_home_counts_only_published(self, client, drafts):
        counts = {c["url_name"]: c["total"] for c in client.get(url("home")).context["counts"]}
        assert counts == {
            "institution_list": models.Institution.objects.filter(is_published=True).count(),
            "branch_list": 3,
            "agreement_list": 1,
            "programme_list": 4,
        }


@pytest.mark.django_db
class TestLanguage:
    def test_the_english_switch_translates_chrome_and_names(self, client, article):
        response = client.post(reverse("set_language"), {"language": "en", "next": url("institution_list")})
        assert response.status_code == 302
        page = client.get(url("institution_list")).content.decode()
        assert "Institutions" in page and "Lomonosov Moscow State University" in page
        assert "records found" in page
        detail = client.get(url("institution_detail", "msu")).content.decode()
        assert "Founded" in detail and "Russia" in detail

    def test_russian_is_the_default_whatever_the_browser_says(self, client, article):
        page = client.get(url("institution_list"), HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
        assert "Учреждения" in page and "Московский государственный университет" in page

    def test_a_record_without_an_english_name_falls_back_to_the_original(self, client, article):
        factories.institution(slug="only-ru", name_ru="Только по-русски", name_en="")
        client.cookies["django_language"] = "en"
        assert "Только по-русски" in client.get(url("institution_list")).content.decode()


def fill(rows):
    """Make `rows` published records of every kind, with all the relations the pages show."""
    ru = factories.country("RU", "Россия", "Russia")
    field = factories.field_of_study()
    source = factories.source()
    previous = None
    for _ in range(rows):
        institution = factories.institution(country=ru, region=factories.region("Москва", "RU"))
        branch = factories.branch(institution=institution)
        branch.fields.add(field)
        agreement = factories.agreement()
        agreement.fields.add(field)
        models.AgreementStatusStep.objects.create(
            agreement=agreement, status="signed", date="2025-01-01", source=source
        )
        programme = factories.programme(modelled_on=previous)
        programme.target_countries.add(ru)
        programme.fields.add(field)
        models.ProgrammeParticipant.objects.create(programme=programme, institution=institution)
        for record in (institution, branch, agreement, programme):
            models.Citation.objects.create(source=source, quote="q", **{record._meta.model_name: record})
        previous = programme
    return institution, branch, agreement, programme, source


#: Every public list with every filter it has, and each download format.
LIST_QUERIES = [
    ("institution_list", {}),
    ("institution_list", {"q": "номер", "ordering": "-name"}),
    ("institution_list", {"country": "RU", "kind": "university", "is_active": "true", "field": "0713"}),
    ("institution_list", {"founded": "2000", "region": "{region}"}),
    ("branch_list", {}),
    ("branch_list", {"country": "KZ", "status": "unknown", "field": "0713", "opened": "2020"}),
    ("branch_list", {"institution": "номер", "ordering": "institution"}),
    ("agreement_list", {}),
    ("agreement_list", {"kind": "partnership", "status": "signed", "field": "0713", "country": "KZ"}),
    ("agreement_list", {"year": "2025", "q": "номер"}),
    ("programme_list", {}),
    ("programme_list", {"kind": "training", "status": "proposed", "field": "0713", "country": "RU"}),
    ("programme_list", {"year": "2025", "ordering": "-title"}),
    ("source_list", {}),
    ("source_list", {"publisher": "ТАСС", "language": "ru", "year": "2025"}),
]


def public_query_counts(client, records):
    """Count the queries of every public page and download."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    institution, branch, agreement, programme, source = records
    requests = [("home", (), {})]
    region = str(models.Region.objects.get(name="Москва").pk)
    requests += [
        (name, (), {key: value.replace("{region}", region) for key, value in query.items()})
        for name, query in LIST_QUERIES
    ]
    requests += [(name, (), {"download": fmt}) for name in LISTS for fmt in ("csv", "xlsx", "json")]
    requests += [
        ("institution_detail", (institution.slug,), {}),
        ("branch_detail", (branch.slug,), {}),
        ("agreement_detail", (agreement.slug,), {}),
        ("programme_detail", (programme.slug,), {}),
        ("source_detail", (source.slug,), {}),
    ]
    counts = {}
    for name, args, query in requests:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url(name, *args), query)
            assert response.status_code == 200, (name, query)
            body(response)
        counts[(name, tuple(sorted(query.items())))] = len(queries)
    return counts


@pytest.mark.django_db
def test_every_public_page_runs_the_same_number_of_queries_at_any_size(client):
    records = fill(3)
    public_query_counts(client, records)  # warm the per-process caches (search index names)
    small = public_query_counts(client, records)
    large = public_query_counts(client, fill(60))
    assert large == small


@pytest.mark.django_db
class TestParentInstitutionFilter:
    def test_it_is_a_text_field_with_suggestions_not_a_select_of_every_institution(self, client, article):
        page = client.get(url("branch_list")).content.decode()
        assert 'name="institution"' in page and 'list="institution-suggestions"' in page
        assert "registry/suggest.js" in page
        assert "<select" not in page.split('name="institution"')[0].rsplit("<div", 1)[-1]
        assert 'value="msu"' not in page

    def test_suggestions_name_published_institutions_by_any_of_their_names(self, client, article):
        results = client.get(url("institution_suggest"), {"q": "мифи"}).json()["results"]
        assert results == [
            {"slug": "mephi", "name": "Национальный исследовательский ядерный университет «МИФИ»"}
        ]
        assert client.get(url("institution_suggest"), {"q": " ".join(["мгу"] * 2000)}).status_code == 200

    @pytest.mark.parametrize("value", ["muctr", "рхту", "Менделеева"])
    def test_branches_filter_by_the_parents_code_or_words(self, client, article, value):
        assert slugs(client.get(url("branch_list"), {"institution": value})) == ["muctr-kazakhstan"]

    def test_the_english_pages_say_as_of_and_assigned_by_the_registry(self, client, article):
        client.cookies["django_language"] = "en"
        assert (
            "as of 12 November 2025"
            in client.get(url("agreement_detail", "orenburg-samara-kz-technical")).content.decode()
        )
        assert (
            "assigned by the registry"
            in client.get(url("programme_detail", "atu-specialists")).content.decode()
        )
        assert "Reference data" in client.get(url("institution_detail", "msu")).content.decode()


@pytest.mark.django_db
def test_a_country_code_in_any_case_is_shown_chosen_and_an_invalid_filter_opens_the_panel(client):
    factories.institution(name_ru="Казахстанский вуз")
    page = client.get("/institutions/", {"country": "kz"}).content.decode()
    assert '<option value="KZ" selected>' in page and "Казахстанский вуз" in page
    assert '<details class="filter-panel">' in page  # folded on a phone when all is well
    refused = client.get("/institutions/", {"founded": "1e10"})
    assert refused.status_code == 400
    assert '<details class="filter-panel" open>' in refused.content.decode()
