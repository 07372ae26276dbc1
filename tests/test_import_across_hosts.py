"""A preview and its confirmation may reach different workers or hosts behind a load balancer:
what the preview parsed waits in the database, never in a local folder."""

import tempfile

import pytest
from django.test import Client

from registry import models
from tests.spreadsheets import INSTITUTION_HEADERS, confirm, institution_row, upload, xlsx_bytes


@pytest.mark.django_db
def test_a_preview_on_one_host_is_confirmed_on_another(editor, editor_client, article, tmp_path, monkeypatch):
    # The first host's temporary folder: nothing of the preview may stay there.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    data = xlsx_bytes(INSTITUTION_HEADERS, [institution_row("omgtu"), institution_row("samgtu")])
    preview = upload(editor_client, "institution", "a.xlsx", data, "XLSX")
    assert preview.context["result"].totals["new"] == 2
    assert list(tmp_path.iterdir()) == []

    # Another host: its own process state and session, the same database.
    other_host = Client()
    other_host.force_login(editor)
    done = confirm(other_host, "institution", preview)
    assert done.status_code == 302
    assert set(
        models.Institution.objects.filter(slug__in=["omgtu", "samgtu"]).values_list("slug", flat=True)
    ) == {
        "omgtu",
        "samgtu",
    }
    assert models.PendingImport.objects.count() == 0


@pytest.mark.django_db
def test_confirming_twice_is_a_message_not_an_error(editor_client, article):
    preview = upload(
        editor_client, "institution", "a.xlsx", xlsx_bytes(INSTITUTION_HEADERS, [institution_row()]), "XLSX"
    )
    confirm(editor_client, "institution", preview)
    again = confirm(editor_client, "institution", preview)
    assert again.status_code == 302
    response = editor_client.get(again["Location"])
    assert "Этот предпросмотр уже подтверждён или устарел" in response.content.decode()
    assert models.ImportRecord.objects.count() == 1
