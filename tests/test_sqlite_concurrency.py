"""The embedded SQLite takes concurrent writers without "database is locked" (WAL, IMMEDIATE, timeout)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_threads_and_an_import_write_at_once(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'concurrent.sqlite3'}"}
    result = subprocess.run(
        [sys.executable, "tests/scripts/sqlite_writers.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "errors: []" in result.stdout
    assert "rows: 540" in result.stdout
