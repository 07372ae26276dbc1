"""Downloads written apart from the server process, as deployed: gunicorn on loopback, each worker's
preparing process (registry/preparing.py) reading the same database, at a lower CPU priority.

The rest of the suite writes downloads in the test's own process (its database is its own):
these are the same writers, here reached through the preparing process and a pickled query."""

import csv
import http.client
import io
import json
import time
from pathlib import Path

import openpyxl
import pytest

from benchmarks import load


def children(pid):
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def niceness(pid):
    # /proc/<pid>/stat: the 19th field, after the command in parentheses.
    return int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[16])


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    """The article in a SQLite file, as gunicorn's settings."""
    folder = tmp_path_factory.mktemp("apart")
    env = {
        **load.server_env(f"sqlite:///{folder / 'apart.sqlite3'}"),
        "PUBLIC_DOWNLOAD_CACHE_DIR": str(folder / "downloads"),
        "PUBLIC_DOWNLOAD_NICENESS": "7",
    }
    load.prepare(env, 0)
    return env


@pytest.fixture(scope="module")
def server(registry):
    with load.serving(registry, workers=1, threads=4) as port:
        yield port


def get(port, path, language="ru"):
    conn = http.client.HTTPConnection(load.HOST, port, timeout=60)
    try:
        conn.request("GET", path, headers={"Cookie": f"django_language={language}"})
        response = conn.getresponse()
        return response, response.read()
    finally:
        conn.close()


def test_a_download_is_written_by_a_lower_priority_process_of_the_worker(server):
    response, content = get(server, "/institutions/?q=%D0%BC%D0%B3%D1%83&download=csv")
    assert response.status == 200 and response.getheader("Content-Type") == "text/csv; charset=utf-8"
    assert int(response.getheader("Content-Length")) == len(content)
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert [row["slug"] for row in rows] == ["msu"]  # the search went with the query
    assert rows[0]["url"] == f"http://{load.HOST}:{server}/institutions/msu/"
    preparing = preparing_processes(server)
    assert preparing and all(niceness(pid) == 7 for pid in preparing)


def preparing_processes(port):
    """The processes the server's workers write downloads with (spawned by multiprocessing)."""
    return [
        child
        for worker in children_of_server(port)
        for child in children(worker)
        if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()
    ]


def children_of_server(port):
    """The gunicorn workers listening on `port` (the master's children)."""
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                command = (proc / "cmdline").read_bytes()
            except OSError:
                continue
            if b"gunicorn" in command and f"{load.HOST}:{port}".encode() in command:
                return children(int(proc.name))
    return []


def test_each_format_and_language_comes_out_as_written_in_the_server(server):
    response, content = get(server, "/agreements/?status=signed&download=xlsx", language="en")
    assert response.status == 200
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["Agreements"]
    response, content = get(server, "/programmes/?download=json", language="kk")
    assert response.status == 200
    programmes = json.loads(content)
    assert programmes and all(p["url"].startswith(f"http://{load.HOST}:{server}/") for p in programmes)
    response, content = get(server, "/institutions/?country=XX&download=csv")
    assert response.status == 400  # the filters are still checked in the server process


def test_a_download_not_written_in_time_is_kept_for_the_reader_who_comes_back(registry):
    impatient = {**registry, "PUBLIC_DOWNLOAD_WAIT_SECONDS": "0", "REDIS_URL": ""}
    with load.serving(impatient, workers=1, threads=4) as port:
        response, content = get(port, "/programmes/?download=csv")
        assert response.status == 503 and response.getheader("Retry-After") == "60"
        for _ in range(100):  # written meanwhile, then kept: the reader's retry is served at once
            response, content = get(port, "/programmes/?download=csv")
            if response.status == 200:
                break
            time.sleep(0.1)
        assert response.status == 200 and "ru-kz-technical-training" in content.decode("utf-8-sig")
        response, _ = get(port, "/programmes/?download=json")  # not kept: asked to come back, as told
        assert response.status == 503


def test_a_preparing_process_that_died_is_replaced(server):
    import os
    import signal

    (first,) = preparing_processes(server)
    os.kill(first, signal.SIGKILL)  # killed (out of memory, say) between two downloads
    time.sleep(0.5)
    response, content = get(server, "/sources/?download=csv")
    assert response.status == 200 and content.startswith(b"\xef\xbb\xbfslug")
    assert preparing_processes(server) and first not in preparing_processes(server)
