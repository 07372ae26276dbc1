"""Exports read as values (registry/spreadsheets/exports.py) write exactly the cells the library's
own record-by-record rendering writes — every model, every format the admin offers, every kind of
value — and ask the database the same number of questions for 5 rows as for 50."""

import io
import json
import os
from unittest import mock

import openpyxl
import pytest
import tablib
from django.contrib import admin
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from registry import models
from registry.spreadsheets import FORMATS, resource_for
from registry.spreadsheets.exports import ExportRows
from tests import factories
from tests.conftest import REGISTRY_MODEL_NAMES
from tests.spreadsheets import admin_export

FORMAT_NAMES = [cls.__name__ for cls in FORMATS]


def model_named(name):
    return next(model for model in admin.site._registry if model._meta.model_name == name)


def admin_queryset(model, user):
    """The records the admin's export reads, in its order: the unfiltered changelist's."""
    request = RequestFactory().get("/")
    request.user = user
    return admin.site._registry[model].get_export_queryset(request)


def rendered_by_the_library(resource, queryset, force_native_type):
    """Return the rows as django-import-export renders them, one record and one Field at a time."""
    fields = resource.get_export_fields()
    return [
        [field.export(record, force_native_type=force_native_type) for field in fields] for record in queryset
    ]


def cells_of(data, file_format):
    """Return what a file holds, read back without taking the formula guard off."""
    if file_format == "XLSX":
        rows = openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows()
        return [[(type(cell.value), cell.value) for cell in row] for row in rows]
    if file_format == "ODS":
        return [list(row) for row in tablib.Dataset().load(data, format="ods")]
    return data.encode() if isinstance(data, str) else data  # CSV and JSON: the very bytes


@pytest.fixture
def every_value(article):
    factories.every_kind_of_value()


@pytest.mark.django_db
@pytest.mark.parametrize("model_name", REGISTRY_MODEL_NAMES)
@pytest.mark.parametrize("file_format", FORMAT_NAMES)
def test_the_admin_export_writes_the_cells_the_library_renders(
    admin_client, superuser, every_value, model_name, file_format
):
    model, resource = model_named(model_name), resource_for(model_name)()
    format_ = FORMATS[FORMAT_NAMES.index(file_format)]()
    rows = rendered_by_the_library(resource, admin_queryset(model, superuser), format_.native_types)
    expected = format_.export_data(tablib.Dataset(*rows, headers=resource.get_export_headers()))

    exported = admin_export(admin_client, model_name, file_format)

    assert cells_of(exported, file_format) == cells_of(expected, file_format)


@pytest.mark.django_db
@pytest.mark.parametrize("model_name", REGISTRY_MODEL_NAMES)
@pytest.mark.parametrize("force_native_type", [True, False])
def test_each_cell_is_the_value_the_library_renders_of_the_same_type(
    every_value, model_name, force_native_type
):
    model, resource = model_named(model_name), resource_for(model_name)()
    queryset = model.objects.all()
    rows = resource.export(queryset, force_native_type=force_native_type, streamed=True)
    assert isinstance(rows, ExportRows), "read record by record: a column cannot be read as values"
    cells = [[(type(cell), cell) for cell in row] for row in rows]
    expected = rendered_by_the_library(resource, queryset, force_native_type)
    assert cells == [[(type(cell), cell) for cell in row] for row in expected]
    assert len(rows) == len(expected) > 0


@pytest.mark.django_db
def test_the_export_as_a_dataset_is_the_streamed_export(every_value):
    resource = resource_for("agreement")()
    dataset = resource.export()
    assert isinstance(dataset, tablib.Dataset)
    assert dataset.headers == resource.get_export_headers()
    assert [list(row) for row in dataset] == list(resource_for("agreement")().export(streamed=True))


@pytest.mark.django_db
def test_selected_columns_are_exported_in_the_resource_order(admin_client, every_value):
    resource = resource_for("programme")
    columns = {f"programmeresource_{name}": "on" for name in ("participants", "slug", "target_regions")}
    response = admin_client.post(
        "/admin/registry/programme/export/",
        {"format": str(FORMAT_NAMES.index("JSON")), "resource": "0", **columns},
    )
    [record] = [row for row in json.loads(response.content) if row["Код записи"] == "every-programme"]
    assert record == {
        "Код записи": "every-programme",
        "Для регионов": "KZ: Алматы; RU: Оренбургская область",
        "Участники": "every-value; «школы» (RU)",
    }
    assert list(record) == [h for h in resource().get_export_headers() if h in record]


def add_records(model_name, count):
    """Add `count` records of a model, each with every relation its export reads filled in."""
    kz, almaty, energy = factories.country(), factories.region(), factories.field_of_study()
    source = factories.source()
    model = models.Programme.objects.get_or_create(
        slug="the-model", defaults={"title": "Образец", "kind": "other", "status": "proposed"}
    )[0]
    for _ in range(count):
        if model_name == "institution":
            factories.institution(region=almaty)
        elif model_name == "branch":
            factories.branch(region=almaty).fields.add(energy)
        elif model_name == "agreement":
            agreement = factories.agreement(parties=2)
            agreement.fields.add(energy)
            models.AgreementParty.objects.create(agreement=agreement, description="вузы", country=kz)
        elif model_name == "programme":
            programme = factories.programme(modelled_on=model)
            programme.fields.add(energy)
            programme.target_countries.add(kz)
            programme.target_regions.add(almaty)
            models.ProgrammeParticipant.objects.create(
                programme=programme, institution=factories.institution()
            )
        elif model_name == "indicator":
            indicator = factories.indicator()
            indicator.countries.add(kz)
            indicator.regions.add(almaty)
        elif model_name == "citation":
            models.Citation.objects.create(source=source, quote="Цитата", branch=factories.branch())
        elif model_name == "source":
            factories.source()


def queries_of_export(client, model_name, file_format):
    with CaptureQueriesContext(connection) as queries:
        admin_export(client, model_name, file_format)
    return len(queries)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "model_name", ["source", "institution", "branch", "agreement", "programme", "indicator", "citation"]
)
@pytest.mark.parametrize("file_format", ["XLSX", "CSV"])
def test_an_export_of_50_rows_asks_as_many_queries_as_one_of_5(admin_client, model_name, file_format):
    model = model_named(model_name)
    add_records(model_name, 5)
    few = queries_of_export(admin_client, model_name, file_format)
    add_records(model_name, 45)
    assert model.objects.count() >= 50
    assert queries_of_export(admin_client, model_name, file_format) == few


@pytest.mark.django_db
def test_the_floor_make_bench_compares_against_writes_the_same_file(article):
    """`make bench` times the export against a floor with the same columns and cell formatting:
    were it to write less, the comparison would flatter neither side honestly."""
    from benchmarks import generate
    from registry.spreadsheets.formats import CSV, XLSX

    with mock.patch.dict(os.environ):  # the bench sets LOG_LEVEL, which subprocesses would inherit
        from benchmarks import run

    generate.reference_data()
    generate.generate(30, seed=5)
    factories.institution(slug="floor-formula", name_ru="=1+1", notes="-2+3", city="@A1", founded_year=None)

    assert run.baseline_csv() == run.our_export(CSV())
    floor = io.BytesIO()
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for values in run.export_values():
        sheet.append(values)
    workbook.save(floor)
    blank = {"": None}  # an empty text cell and no cell read back alike
    assert [
        [blank.get(value, value) for _type, value in row] for row in cells_of(floor.getvalue(), "XLSX")
    ] == [
        [blank.get(value, value) for _type, value in row] for row in cells_of(run.our_export(XLSX()), "XLSX")
    ]


@pytest.mark.django_db
def test_records_given_as_a_list_are_exported_by_the_library(every_value):
    records = list(models.Branch.objects.all())
    dataset = resource_for("branch")().export(records)
    assert [list(row) for row in dataset] == rendered_by_the_library(resource_for("branch")(), records, False)
