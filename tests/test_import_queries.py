"""An import asks the database the same number of questions for 3 rows as for 30: no per-row queries
(the regression `make bench` caught: a query per row for each unique id, even an empty one)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry import models
from tests import factories
from tests.spreadsheets import INSTITUTION_HEADERS, confirm, institution_row, upload, xlsx_bytes

HEADERS = [*INSTITUTION_HEADERS, "ROR", "Wikidata"]


def ror_id(n):
    """A well-formed ROR id with a valid checksum (ISO 7064 mod 97-10)."""
    number = n * 1000 + 777
    body = "".join(models.CROCKFORD_BASE32[number >> shift & 31] for shift in range(25, -1, -5))
    return f"0{body}{98 - number * 100 % 97:02d}"


def rows(count, start=0):
    # Every third row has its own ROR and Wikidata ids; the rest leave them empty.
    return [
        [*institution_row(f"q-{n}"), ror_id(n) if n % 3 == 0 else "", f"Q9{n}" if n % 3 == 0 else ""]
        for n in range(start, start + count)
    ]


def queries_of_import(client, data):
    with CaptureQueriesContext(connection) as preview_queries:
        preview = upload(client, "institution", "q.xlsx", data, "XLSX")
    assert preview.context["result"].sheet_errors == [], preview.context["result"].sheet_errors
    with CaptureQueriesContext(connection) as confirm_queries:
        done = confirm(client, "institution", preview)
    assert done.status_code == 302
    return len(preview_queries), len(confirm_queries)


@pytest.mark.django_db
def test_new_rows_with_and_without_ids_add_no_queries(editor_client, article):
    factories.institution(slug="holder", ror_id=ror_id(9999), wikidata_id="Q1")
    few = queries_of_import(editor_client, xlsx_bytes(HEADERS, rows(3)))
    many = queries_of_import(editor_client, xlsx_bytes(HEADERS, rows(30, start=100)))
    assert few == many
    assert models.Institution.objects.filter(slug__startswith="q-").count() == 33


@pytest.mark.django_db
def test_a_row_taking_an_existing_id_is_still_refused_and_a_record_keeps_its_own(editor_client, article):
    factories.institution(slug="holder", ror_id=ror_id(9999))
    own = [*institution_row("holder"), ror_id(9999), ""]
    taken = [*institution_row("thief"), ror_id(9999), ""]
    preview = upload(editor_client, "institution", "q.xlsx", xlsx_bytes(HEADERS, [own, taken]), "XLSX")
    errors = preview.context["result"].sheet_errors
    assert [(row, column) for row, column, _message in errors] == [(3, "ROR")], errors
    assert "код holder" in errors[0][2]
