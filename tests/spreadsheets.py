"""Real spreadsheet files, made the way staff make them."""

import csv
import io
import json

import openpyxl

from benchmarks.generate import INSTITUTION_HEADERS, xlsx_bytes  # noqa: F401  (re-exported)


def csv_bytes(headers, rows, delimiter=";", encoding="cp1251"):
    """A CSV as Russian-locale Excel writes it: Windows-1251 and `;` unless told otherwise."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def read_xlsx(data):
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    return list(workbook.active.iter_rows())


def institution_row(slug="omgtu", **overrides):
    row = {
        "Код записи": slug,
        "Официальное название": "Омский государственный технический университет",
        "Название по-русски": "Омский государственный технический университет",
        "Название по-английски": "Omsk State Technical University",
        "Сокращения": "ОмГТУ",
        "Вид": "университет",
        "Страна": "RU",
        "Регион": "",
        "Город": "Омск",
        "Год основания": "1942",
        "Действует": "да",
        "Опубликовано": "нет",
        **overrides,
    }
    return [row[h] for h in INSTITUTION_HEADERS]


def upload(client, model, name, data, file_format):
    """Post a file to the admin's import form, as staff do; return the preview (or the form)."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from registry.spreadsheets import IMPORT_FORMATS

    index = [cls.__name__ for cls in IMPORT_FORMATS].index(file_format)
    return client.post(
        reverse(f"admin:registry_{model}_import"),
        {"resource": "0", "format": str(index), "import_file": SimpleUploadedFile(name, data)},
    )


def confirm(client, model, preview):
    """Confirm an import preview as the button on the preview page does."""
    from django.urls import reverse

    form = preview.context["confirm_form"]
    return client.post(reverse(f"admin:registry_{model}_process_import"), form.initial)


def form_errors(response):
    """Return the import form's error messages as one string."""
    form = response.context["form"]
    return " ".join(str(message) for messages in form.errors.values() for message in messages)


def replace_member(data, name, content):
    """Return a copy of a zip (XLSX, ODS) with one member's content replaced."""
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, content if info.filename == name else source.read(info.filename))
    return out.getvalue()


def admin_export(client, model, file_format):
    """Post the admin's export form with every column ticked; return the file."""
    from django.urls import reverse

    from registry.spreadsheets import FORMATS, resource_for

    resource = resource_for(model)
    columns = {f"{resource.__name__.lower()}_{name}": "on" for name in resource().get_export_order()}
    index = [cls.__name__ for cls in FORMATS].index(file_format)
    response = client.post(
        reverse(f"admin:registry_{model}_export"), {"format": str(index), "resource": "0", **columns}
    )
    assert response.get("Content-Disposition", "").startswith("attachment"), response.content[:500]
    return response.content


def registry_rows():
    """Return every registry record as dumpdata writes it, less the bookkeeping an import itself
    writes (its journal entry, its waiting preview): what an import that changes nothing keeps."""
    from django.core.management import call_command

    out = io.StringIO()
    call_command(
        "dumpdata",
        "registry",
        natural_foreign=True,
        natural_primary=True,
        stdout=out,
        exclude=["registry.importrecord", "registry.pendingimport"],
    )
    return json.loads(out.getvalue())
