"""The load script's short form: gunicorn on loopback, a few clients for a few seconds, no errors."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_a_short_load_run_has_no_errors(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'load.sqlite3'}"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.load",
            "--seconds",
            "4",
            "--clients",
            "4",
            "--records",
            "0,200",
            "--max-requests",
            "2000",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("errors=0") == 2
    assert "p95 at 200 records / p95 at 0" in result.stdout
