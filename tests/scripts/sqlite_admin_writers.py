"""Staff write through the admin while something holds the embedded SQLite's write lock.

Run by tests/test_sqlite_concurrency.py with DATABASE_URL naming a migrated file and a scenario;
prints one JSON line of what it saw, for the test to assert on:

- `import-and-action`: the confirmation of a long admin import writes in one thread; once its
  transaction holds the write lock, the Publish action is posted from another, which must wait
  for the import (SQLITE_BUSY_TIMEOUT) and then do its work.
- `locked-beyond-timeout` (with SQLITE_BUSY_TIMEOUT=1): a raw connection holds the lock longer
  than that; the action, a change-form save and `registry_import` must give up cleanly and change
  nothing, and the action must work once the lock is gone.
"""

import json
import os
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

import django

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import CommandError, call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from registry import models  # noqa: E402
from tests import factories  # noqa: E402
from tests.forms import form_data  # noqa: E402
from tests.spreadsheets import (  # noqa: E402
    INSTITUTION_HEADERS,
    confirm,
    institution_row,
    registry_rows,
    upload,
    xlsx_bytes,
)

DATABASE = settings.DATABASES["default"]["NAME"]
BUSY = "Реестр занят: идёт долгая запись (например, импорт). Повторите через минуту."
BUSY_EN = "The registry is busy with a long write (an import, for example). Try again in a minute."

setup_test_environment()  # responses carry their context, as in the tests
call_command("migrate", verbosity=0)
superuser = get_user_model().objects.create_superuser("alice", password="correct-horse-battery-staple")
factories.country("RU", "Россия", "Russia")


def staff_client(language="ru"):
    client = Client()
    client.force_login(superuser)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def publish(client, record):
    return client.post(
        reverse("admin:registry_institution_changelist"),
        {"action": "publish", "_selected_action": [record.pk]},
    )


def rows(count):
    return [
        institution_row(
            f"long-{i}",
            **{
                "Официальное название": f"Долгий вуз {i}",
                "Название по-русски": f"Долгий вуз {i}",
                "Название по-английски": f"Long university {i}",
                "Сокращения": "",
            },
        )
        for i in range(count)
    ]


def wait_for_a_long_write(held_for=0.3, deadline=120):
    """Return once another connection has held the write lock for `held_for` seconds.

    Probes with BEGIN IMMEDIATE and no busy timeout, as a writer would ask for the lock; a probe
    that gets it lets it go at once.
    """
    probe = sqlite3.connect(DATABASE, timeout=0, isolation_level=None)
    locked_since, give_up = None, time.monotonic() + deadline
    try:
        while time.monotonic() < give_up:
            try:
                probe.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as error:
                assert "database is locked" in str(error), error
                locked_since = locked_since or time.monotonic()
                if time.monotonic() - locked_since >= held_for:
                    return True
            else:
                probe.execute("ROLLBACK")
                locked_since = None
            time.sleep(0.01)
        return False
    finally:
        probe.close()


def import_and_action(count):
    target = factories.institution(is_published=False)
    importer, publisher = staff_client(), staff_client()
    preview = upload(
        importer, "institution", "long.xlsx", xlsx_bytes(INSTITUTION_HEADERS, rows(count)), "XLSX"
    )
    assert "confirm_form" in preview.context, preview.context["result"].sheet_errors[:3]
    seen = {}

    def confirm_import():
        started = time.monotonic()
        try:
            seen["import"] = confirm(importer, "institution", preview).status_code
        finally:
            seen["import_seconds"] = round(time.monotonic() - started, 1)
            connection.close()

    thread = threading.Thread(target=confirm_import)
    thread.start()
    seen["lock_held_by_the_import"] = wait_for_a_long_write()
    action_sent = timezone.now()
    started = time.monotonic()
    seen["action"] = publish(publisher, target).status_code
    seen["action_seconds"] = round(time.monotonic() - started, 1)
    thread.join()
    journal = models.ImportRecord.objects.get()
    seen["imported"] = models.Institution.objects.filter(slug__startswith="long-").count()
    seen["published"] = models.Institution.objects.get(pk=target.pk).is_published
    # Sent while the import was writing, written after it had committed: the action waited.
    seen["action_sent_during_the_import"] = action_sent < journal.created_at
    seen["action_written_after_the_import"] = target.history.latest().history_date > journal.created_at
    return seen


def locked_beyond_timeout():
    target = factories.institution(is_published=False, name_ru="Исходное имя")
    russian, english = staff_client("ru"), staff_client("en")
    change_url = reverse("admin:registry_institution_change", args=[target.pk])
    form = form_data(english.get(change_url).content.decode())
    spreadsheet = Path(tempfile.mkdtemp()) / "one.xlsx"
    spreadsheet.write_bytes(xlsx_bytes(INSTITUTION_HEADERS, rows(1)))
    before = registry_rows()
    seen = {}

    holder = sqlite3.connect(DATABASE, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        action = publish(russian, target)
        change = english.post(change_url, {**form, "name_ru": "Новое имя"})
        try:
            call_command("registry_import", "institution", str(spreadsheet))
            seen["command"] = "imported"
        except CommandError as error:
            seen["command"] = str(error)
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    for name, response in [("action", action), ("change", change)]:
        page = response.content.decode()
        seen[name] = response.status_code
        seen[f"{name}_retry_after"] = response.get("Retry-After")
        seen[f"{name}_says_busy"] = BUSY in page if name == "action" else BUSY_EN in page
    seen["unchanged"] = registry_rows() == before
    seen["action_after_the_lock"] = publish(russian, target).status_code
    seen["published_after_the_lock"] = models.Institution.objects.get(pk=target.pk).is_published
    return seen


if __name__ == "__main__":
    scenario = sys.argv[1]
    if scenario == "import-and-action":
        print(json.dumps(import_and_action(int(sys.argv[2]))))
    elif scenario == "locked-beyond-timeout":
        print(json.dumps(locked_beyond_timeout(), ensure_ascii=False))
    else:
        sys.exit(f"unknown scenario {scenario!r}")
