"""The embedded SQLite takes concurrent writers without "database is locked" (WAL, IMMEDIATE, timeout),
and a writer that waits longer than SQLITE_BUSY_TIMEOUT is told the registry is busy, not a 500.

Each test runs a script in a subprocess on a SQLite file of its own, whatever DATABASE_URL the suite
runs on: pytest-django's SQLite test database lives in memory, where a held lock is an immediate
error, not a wait."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: Enough rows for the import's transaction to outlast the probe that sees it hold the lock (~3 s).
IMPORT_ROWS = 1500


def run(*args, database, **env):
    # SQLITE_BUSY_TIMEOUT only as a test sets it: the others check the configured default.
    environ = {name: value for name, value in os.environ.items() if name != "SQLITE_BUSY_TIMEOUT"}
    result = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**environ, "DATABASE_URL": f"sqlite:///{database}", **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def seen_by(scenario, *args, database, **env):
    """Run a scenario of tests/scripts/sqlite_admin_writers.py; return what it saw."""
    out = run("tests/scripts/sqlite_admin_writers.py", scenario, *args, database=database, **env)
    return json.loads(out.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    """A freshly migrated SQLite file, made once for the module: migrating takes ~10 s."""
    path = tmp_path_factory.mktemp("sqlite") / "migrated.sqlite3"
    run("manage.py", "migrate", "--no-input", "-v0", database=path)
    return path


@pytest.fixture
def database(migrated, tmp_path):
    return shutil.copy(migrated, tmp_path / "registry.sqlite3")


def test_threads_and_an_import_write_at_once(database):
    out = run("tests/scripts/sqlite_writers.py", database=database)
    assert "errors: []" in out
    assert "rows: 540" in out


def test_an_admin_action_posted_during_a_long_admin_import_waits_for_it_and_succeeds(database):
    seen = seen_by("import-and-action", str(IMPORT_ROWS), database=database)
    assert seen["lock_held_by_the_import"], seen
    # Sent while the import's transaction held the lock, written after it committed.
    assert seen["action_sent_during_the_import"] and seen["action_written_after_the_import"], seen
    assert (seen["action"], seen["import"]) == (302, 302), seen
    assert seen["published"], seen
    assert seen["imported"] == IMPORT_ROWS, seen


def test_a_write_locked_out_longer_than_the_busy_timeout_is_a_503_and_changes_nothing(database):
    seen = seen_by("locked-beyond-timeout", database=database, SQLITE_BUSY_TIMEOUT="1")
    assert (seen["action"], seen["change"]) == (503, 503), seen
    assert seen["action_retry_after"] == seen["change_retry_after"] == "60", seen
    assert seen["action_says_busy"] and seen["change_says_busy"], seen  # in Russian, in English
    assert seen["unchanged"], seen
    assert seen["command"] == (
        "База данных оставалась занятой другой записью (например, импортом в админке) дольше "
        "SQLITE_BUSY_TIMEOUT (1 с). Ничего не импортировано; запустите команду снова, "
        "когда та запись закончится."
    )
    # Asking again once the lock is gone works, as the page says.
    assert (seen["action_after_the_lock"], seen["published_after_the_lock"]) == (302, True), seen


@pytest.mark.django_db
def test_a_locked_database_is_logged_once_as_a_warning_not_as_an_error(client, monkeypatch, caplog):
    from django.db import OperationalError

    from registry import views

    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(views.HomeView, "get", locked)
    with caplog.at_level("INFO"):
        response = client.get("/")
    assert response.status_code == 503 and response["Retry-After"] == "60"
    logged = [(r.name, r.levelname) for r in caplog.records if r.levelno >= 20]
    assert logged == [("registry.busy", "WARNING")]
