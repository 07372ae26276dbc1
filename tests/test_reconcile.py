"""The reconciliation service answers OpenRefine's requests as OpenRefine sends them."""

import io
import json
from urllib.parse import urlencode

import openpyxl
import pytest
from django.utils import timezone

from tests import factories

FORM = "application/x-www-form-urlencoded"


def post_queries(client, queries):
    # OpenRefine posts the batch as one form field, `queries`, holding JSON.
    return client.post("/reconcile", urlencode({"queries": json.dumps(queries)}), content_type=FORM)


@pytest.mark.django_db
def test_the_manifest_names_the_service_its_types_and_view(client):
    response = client.get("/reconcile")
    assert response.status_code == 200
    body = response.json()
    assert "0.2" in body["versions"]
    assert body["name"]
    assert body["identifierSpace"] and body["schemaSpace"]
    assert {t["id"] for t in body["defaultTypes"]} >= {"institution", "branch", "agreement", "programme"}
    assert body["view"]["url"].endswith("/reconcile/view/{{id}}")
    assert response["Access-Control-Allow-Origin"] == "*"


@pytest.mark.django_db
def test_openrefine_guesses_types_with_a_batch_without_type(client, article):
    response = post_queries(
        client, {"q0": {"query": "МГУ", "limit": 3}, "q1": {"query": "Skoltech", "limit": 3}}
    )
    body = response.json()
    assert body["q0"]["result"][0]["id"] == "msu"
    assert body["q0"]["result"][0]["type"] == [{"id": "institution", "name": "Учреждение"}]
    assert body["q1"]["result"][0]["id"] == "skoltech"


@pytest.mark.django_db
def test_a_batch_query_as_openrefine_posts_it(client, article):
    queries = {
        "q0": {"query": "Lomonosov Moscow State University", "type": "institution", "type_strict": "should"},
        "q1": {"query": "Алматы технологиялык университети", "type": "institution", "type_strict": "should"},
        "q2": {
            "query": "МГУ",
            "type": "institution",
            "type_strict": "should",
            "properties": [{"pid": "country", "v": "KZ"}],
        },
        "q3": {"query": "Ломоносва", "type": "institution", "type_strict": "should"},
        "q4": {"query": "Казахстан", "type": "country", "type_strict": "should"},
    }
    body = post_queries(client, queries).json()
    assert body["q0"]["result"][0] == {
        "id": "msu",
        "name": "Московский государственный университет имени М. В. Ломоносова",
        "score": 100.0,
        "match": True,
        "type": [{"id": "institution", "name": "Учреждение"}],
    }
    assert body["q1"]["result"][0]["id"] == "atu" and body["q1"]["result"][0]["match"] is True
    assert body["q2"]["result"] == []  # MSU is in Russia: narrowed away
    nearest = body["q3"]["result"]
    assert nearest[0]["id"] == "msu" and nearest[0]["match"] is False and nearest[0]["score"] < 100
    assert body["q4"]["result"][0]["id"] == "KZ"


@pytest.mark.django_db
def test_the_same_batch_in_a_get_request_and_the_single_query_form(client, article):
    response = client.get("/reconcile", {"queries": json.dumps({"q0": {"query": "mgu"}})})
    assert response.json()["q0"]["result"][0]["id"] == "msu"
    assert client.get("/reconcile", {"query": "mgu"}).json()["result"][0]["id"] == "msu"


@pytest.mark.django_db
def test_drafts_are_never_candidates(client):
    factories.institution(slug="draft", name_ru="Черновой университет", is_published=False)
    assert post_queries(client, {"q0": {"query": "Черновой университет"}}).json()["q0"]["result"] == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "queries, says",
    [
        ("{not json", "JSON"),
        ("[1, 2]", "объектом"),
        (json.dumps({"q0": {"query": None}}), "query"),
        (json.dumps({"q0": "МГУ"}), "query"),
        (json.dumps({"q0": {"query": "МГУ", "type": "planet"}}), "planet"),
        (json.dumps({"q0": {"query": "МГУ", "limit": "many"}}), "limit"),
        (json.dumps({"q0": {"query": "МГУ", "limit": -1}}), "limit"),
        (json.dumps({"q0": {"query": "МГУ", "limit": 2.5}}), "limit"),
        (json.dumps({"q0": {"query": "МГУ", "properties": {"country": "KZ"}}}), "properties"),
        (json.dumps({f"q{n}": {"query": "МГУ"} for n in range(101)}), "100"),
        (json.dumps({"q0": {"query": "М\x00ГУ"}}), "ноль-байт"),
        (json.dumps({"q0": {"query": "МГУ", "properties": [{"pid": "city", "v": "\x00"}]}}), "ноль-байт"),
    ],
)
def test_bad_input_is_a_json_error_in_russian(client, queries, says):
    response = client.post("/reconcile", urlencode({"queries": queries}), content_type=FORM)
    assert response.status_code == 400
    assert says in response.json()["error"]


@pytest.mark.django_db
def test_an_empty_cell_in_a_batch_gets_no_candidates_and_the_others_are_answered(client, article):
    queries = {"q0": {"query": "МГУ"}, "q1": {"query": "  "}, "q2": {"query": ""}, "q3": {"query": "msu"}}
    answers = post_queries(client, queries).json()
    assert answers["q1"]["result"] == answers["q2"]["result"] == []
    assert answers["q0"]["result"][0]["id"] == answers["q3"]["result"][0]["id"] == "msu"


@pytest.mark.django_db
def test_the_view_link_opens_the_public_page(client, article):
    response = client.get("/reconcile/view/msu")
    assert response.status_code == 302 and response["Location"] == "/institutions/msu/"
    assert client.get("/reconcile/view/nothing").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kind, text, opens",
    [
        ("country", "Казахстан", "/institutions/?country=KZ"),
        ("fieldofstudy", "Электротехника и энергетика", "/institutions/?field=0713"),
        ("region", "Алматы", "/institutions/?region={region}"),
    ],
)
def test_every_id_the_service_returns_has_a_view(client, kind, text, opens):
    factories.field_of_study()
    region = factories.region()
    found = post_queries(client, {"q0": {"query": text, "type": kind}}).json()["q0"]["result"][0]
    assert found["match"] is True
    response = client.get(f"/reconcile/view/{found['id']}")
    assert response.status_code == 302 and response["Location"] == opens.format(region=region.pk)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "how, expected",
    [
        ({}, "Московский государственный университет"),
        ({"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}, "Moscow State University"),
        ({"lang": "en"}, "Moscow State University"),
        ({"lang": "kk"}, "Мәскеу мемлекеттік университеті"),
        ({"HTTP_ACCEPT_LANGUAGE": "kk"}, "Мәскеу мемлекеттік университеті"),
    ],
)
def test_names_come_in_the_language_asked_for_russian_by_default(client, how, expected):
    factories.institution(
        slug="msu",
        name_ru="Московский государственный университет",
        name_en="Moscow State University",
        name_kk="Мәскеу мемлекеттік университеті",
    )
    headers = {key: value for key, value in how.items() if key.startswith("HTTP_")}
    lang = {key: value for key, value in how.items() if key == "lang"}
    params = {"queries": json.dumps({"q0": {"query": "msu"}}), **lang}
    body = client.get("/reconcile", params, **headers).json()
    assert body["q0"]["result"][0]["name"] == expected


@pytest.mark.django_db
def test_a_name_without_a_translation_comes_in_russian(client):
    factories.institution(slug="only-ru", name_ru="Только по-русски", name_en="")
    query = json.dumps({"q0": {"query": "only-ru"}})
    body = client.get("/reconcile", {"queries": query, "lang": "en"}).json()
    assert body["q0"]["result"][0]["name"] == "Только по-русски"


@pytest.mark.django_db
def test_common_words_neither_match_nor_lift_unrelated_records(client, article):
    texts = ["Казахский национальный университет имени аль-Фараби", "Moscow State University", "Әл-Фараби"]
    body = post_queries(client, {f"q{n}": {"query": text} for n, text in enumerate(texts)}).json()
    results = [candidate for answer in body.values() for candidate in answer["result"]]
    assert not any(candidate["match"] for candidate in results)
    assert [c["id"] for c in results if c["score"] >= 70] == ["msu"]  # from "Moscow State University"


@pytest.mark.django_db
def test_a_pasted_column_is_matched_and_downloads_as_xlsx(client, article):
    names = "МГУ\nSkolkovo Institute of Science and Technology\nЛомоносва\n=1+2\nНичего похожего"
    page = client.post("/match/", {"names": names, "kind": "institution"})
    assert page.status_code == 200
    rows = page.context["rows"]
    assert [row["code"] for row in rows] == ["msu", "skoltech", "", "", ""]
    assert "msu" in rows[2]["candidates"]
    download = client.post("/match/", {"names": names, "kind": "institution", "download": "xlsx"})
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(download.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[1][:3] == ["МГУ", "найдено", "msu"]
    assert values[4][0] == "=1+2"  # as pasted: an XLSX text cell is never run
    assert sheet.cell(row=5, column=1).data_type == "s"
    assert values[5][1] == "не найдено"
    day = timezone.localdate()
    assert download["Content-Disposition"].startswith(f'attachment; filename="Matches-{day:%Y-%m-%d}.xlsx"; ')


@pytest.mark.django_db
def test_an_empty_paste_is_a_form_error(client):
    page = client.post("/match/", {"names": "  \n ", "kind": "institution"})
    assert page.status_code == 200 and page.context["form"].errors
    assert client.get("/match/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/reconcile/view/%00", "/reconcile/view/a%00b"])
def test_a_view_link_with_a_nul_is_not_found(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.django_db
def test_a_single_query_with_a_nul_is_a_json_error(client):
    response = client.get("/reconcile", {"query": "М\x00ГУ"})
    assert response.status_code == 400
    assert "ноль-байт" in response.json()["error"]


@pytest.mark.django_db
def test_a_body_too_large_is_a_json_error_not_an_html_page(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    queries = json.dumps({f"q{n}": {"query": "МГУ " * 20} for n in range(20)})
    response = client.post("/reconcile", urlencode({"queries": queries}), content_type=FORM)
    assert response.status_code == 400
    assert "слишком велик" in response.json()["error"]
