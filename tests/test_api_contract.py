"""Every endpoint the OpenAPI schema documents answers what the schema says."""

import pytest
from django.core.cache import cache
from drf_spectacular.generators import SchemaGenerator
from jsonschema import Draft202012Validator

from registry import models
from tests import factories


def json_schema(node):
    """Turn OpenAPI 3.0's `nullable` and boolean exclusive bounds into JSON Schema, all the way down."""
    if isinstance(node, list):
        return [json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: json_schema(value) for key, value in node.items()}
    for bound in ("Maximum", "Minimum"):
        if node.get(f"exclusive{bound}") is True:
            node[f"exclusive{bound}"] = node.pop(bound.lower())
    if node.pop("nullable", False):
        return {"anyOf": [node, {"type": "null"}]}
    return node


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def validator(schema, operation):
    body = operation["responses"]["200"]["content"]["application/json"]["schema"]
    return Draft202012Validator({**json_schema(body), "components": json_schema(schema["components"])})


@pytest.fixture
def records(article):
    cache.clear()
    factories.drafts_inside_published_records()
    factories.indicator(slug="one-indicator")


@pytest.mark.django_db
def test_every_documented_endpoint_answers_what_the_schema_says(client, schema, records):
    checked = []
    lists = {path: item for path, item in schema["paths"].items() if "{" not in path}
    for path, item in lists.items():
        response = client.get(path)
        assert response.status_code == 200, path
        validator(schema, item["get"]).validate(response.json())
        first = response.json()["results"][0]
        detail_path = next(p for p in schema["paths"] if p.startswith(path) and "{" in p)
        key = detail_path[len(path) :].strip("{}/")
        value = models.Region.objects.order_by("pk").first().pk if key == "id" else first[key]
        detail = client.get(detail_path.replace(f"{{{key}}}", str(value)))
        assert detail.status_code == 200, detail_path
        validator(schema, schema["paths"][detail_path]["get"]).validate(detail.json())
        checked += [path, detail_path]
    assert sorted(checked) == sorted(schema["paths"])


def test_the_schema_documents_filters_paging_and_updated_since(schema):
    names = {p["name"] for p in schema["paths"]["/api/v1/institutions/"]["get"]["parameters"]}
    assert {"q", "country", "ordering", "page", "page_size", "updated_since"} <= names


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/docs/", "/api/docs/redoc/", "/api/v1/schema/"])
def test_the_docs_are_served_from_this_site(client, path):
    response = client.get(path)
    assert response.status_code == 200
    text = response.content.decode()
    assert "cdn" not in text.lower() and "googleapis" not in text
