"""The import journal is the audit trail: nobody deletes it in the admin; a command prunes old entries."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from registry.models import ImportRecord


def entry(days_ago):
    return ImportRecord.objects.create(
        created_at=timezone.now() - datetime.timedelta(days=days_ago),
        model="registry.Institution",
        file_name=f"{days_ago}.xlsx",
        file_format="xlsx",
        via=ImportRecord.Via.ADMIN,
    )


def prune(*args):
    out = io.StringIO()
    call_command("prune_import_journal", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["admin_client", "editor_client"])
def test_nobody_deletes_the_journal_in_the_admin(request, who):
    client = request.getfixturevalue(who)
    record = entry(1)
    changelist = reverse("admin:registry_importrecord_changelist")
    assert "delete_selected" not in client.get(changelist).content.decode()
    client.post(changelist, {"action": "delete_selected", "_selected_action": [record.pk], "post": "yes"})
    response = client.post(reverse("admin:registry_importrecord_delete", args=[record.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert ImportRecord.objects.filter(pk=record.pk).exists()


@pytest.mark.django_db
def test_pruning_is_a_dry_run_unless_told_to_delete(caplog):
    old, recent = entry(400), entry(10)
    assert "Would delete 1 import-journal entries" in prune("--older-than", "365")
    assert ImportRecord.objects.count() == 2

    caplog.set_level("INFO", logger="registry")
    assert "Deleted 1 import-journal entries" in prune("--older-than", "365", "--delete")
    assert list(ImportRecord.objects.all()) == [recent]
    assert "pruned import-journal entries=1 older_than_days=365" in caplog.text
    assert not ImportRecord.objects.filter(pk=old.pk).exists()


@pytest.mark.django_db
def test_pruning_needs_a_sensible_age():
    with pytest.raises(CommandError):
        prune("--older-than", "0", "--delete")


@pytest.mark.django_db
def test_an_entry_is_named_with_its_time_in_the_sites_time_zone(settings):
    settings.TIME_ZONE = "Asia/Almaty"  # UTC+5
    record = entry(0)
    record.created_at = datetime.datetime(2026, 11, 26, 12, 32, tzinfo=datetime.UTC)
    assert str(record) == "0.xlsx (26.11.2026 17:32)"
