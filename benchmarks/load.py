"""`make load`: gunicorn serving the registry, driven by concurrent clients on loopback only.

Loads the article and generated records into a fresh database (a SQLite file, or the PostgreSQL
database DATABASE_URL names, which is flushed first), starts gunicorn as `make serve` does, and
runs --clients threads against public list, detail, search and download URLs for --seconds
(bounded also by --max-requests). Prints requests/s, p50/p95 latency and the error count; exits
non-zero on any error.

--records takes one size or several separated by commas, run one after the other on a fresh
database each: `--records 0,20000` measures the article alone and the article with 20 000
generated institutions, and prints how the p95 grew (the goal: at most 2x). --rounds repeats the
sizes in turn and compares the median p95 of each: on a shared 2-core machine one 30-second run's
p95 varies by up to half from one run to the next.

The cache is what the settings say: Redis when REDIS_URL is set (as deployed with several
workers), else each worker's own local memory.
"""

import argparse
import contextlib
import http.client
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
HOST = "127.0.0.1"

from benchmarks.generate import institution_rows  # noqa: E402  (needs no Django set-up)


def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def server_env(database_url):
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": "load-test-only-" + "k" * 40,
        "ALLOWED_HOSTS": HOST,
        # Plain http on loopback: the HTTPS-only protections would redirect every request.
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "SECURE_HSTS_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
    }


def manage(env, *args):
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )


def prepare(env, records):
    manage(env, "migrate", "--no-input")
    manage(env, "flush", "--no-input")
    manage(env, "loaddata", "fixtures/reference.json", "fixtures/tass-2025-11-12.json")
    if records:
        manage(env, "shell", "-c", f"from benchmarks.generate import generate; generate({records}, seed=5)")
    manage(env, "collectstatic", "--no-input")
    if env["DATABASE_URL"].startswith("postgres"):
        # Write what generating left in memory to disk now, so that a checkpoint does not fall
        # inside the round that follows and slow it (every five minutes by default).
        checkpoint = "from django.db import connection; connection.cursor().execute('CHECKPOINT')"
        manage(env, "shell", "-c", checkpoint)


def urls(records):
    """A realistic mix of what visitors ask for."""
    published = [row["slug"] for row in institution_rows(records, seed=5) if row["is_published"]]
    slugs = published[:: max(1, len(published) // 200)] or ["msu", "atu", "skoltech"]
    pages = max(1, len(published) // 25)
    words = ["энергетики", "мгу", "college", "Алматы", "транспорта", "ранхигс"]
    mix = [
        lambda: "/",
        lambda: "/institutions/",
        lambda: "/institutions/?country=KZ&ordering=-founded",
        lambda: "/branches/",
        lambda: "/agreements/?status=signed",
        lambda: "/programmes/",
        lambda: f"/institutions/?q={quote(random.choice(words))}",
        lambda: f"/institutions/?page={random.randint(1, pages)}",
        lambda: f"/institutions/{random.choice(slugs)}/",
        lambda: "/institutions/msu/",
        lambda: "/programmes/ru-kz-technical-training/",
        lambda: f"/institutions/?q={quote(random.choice(words))}&download=csv",
        lambda: "/agreements/?status=signed&kind=memorandum&download=xlsx",
    ]
    return lambda: random.choice(mix)()


def kind_of(url):
    """Name a URL's kind for the per-kind figures: downloads, searches, pages of a list…"""
    path, _, query = url.partition("?")
    if "download=" in query:
        return "download"
    if "q=" in query:
        return "search"
    if "page=" in query:
        return "list page N"
    return "detail" if path.count("/") > 2 else "list or overview"


def wait_until_up(port, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        conn = http.client.HTTPConnection(HOST, port, timeout=2)
        try:
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
        finally:
            conn.close()
    raise SystemExit("gunicorn did not answer /healthz in time")


def drive(port, next_url, seconds, clients, max_requests):
    latencies, errors, lock = [], [], threading.Lock()
    by_kind, deferred = {}, []
    stop_at = time.monotonic() + seconds

    def client():
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        while time.monotonic() < stop_at:
            with lock:
                if len(latencies) + len(errors) >= max_requests:
                    return
            url = next_url()
            start = time.perf_counter()
            try:
                conn.request("GET", url)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
                if response.status == 503 and response.getheader("Retry-After") and "download=" in url:
                    with lock:  # the process's downloads are all taken: asked to come back, by design
                        deferred.append(url)
                    continue
            except (OSError, http.client.HTTPException) as error:
                ok, response = False, error
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=30)
            elapsed = time.perf_counter() - start
            with lock:
                if ok:
                    latencies.append(elapsed)
                    by_kind.setdefault(kind_of(url), []).append(elapsed)
                else:
                    errors.append(f"{url}: {getattr(response, 'status', response)}")

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors, time.monotonic() - began, by_kind, len(deferred)


@contextlib.contextmanager
def serving(env, workers=2, threads=4):
    """Run gunicorn as `make serve` does on a free loopback port; yield the port."""
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--timeout",
            "60",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_until_up(port)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def run(args, database_url, records):
    """Serve a registry of `records` generated institutions and drive it; return its figures."""
    env = server_env(database_url)
    prepare(env, records)
    with serving(env, args.workers, args.threads) as port:
        latencies, errors, elapsed, by_kind, deferred = drive(
            port, urls(records), args.seconds, args.clients, args.max_requests
        )
    database = "PostgreSQL" if database_url.startswith("postgres") else "SQLite"
    done = len(latencies)
    p50 = statistics.median(latencies) * 1000 if latencies else 0
    p95 = statistics.quantiles(latencies, n=20)[18] * 1000 if len(latencies) >= 20 else 0
    print(
        f"{database}: {args.clients} clients for {elapsed:.1f}s, "
        f"{args.workers} workers x {args.threads} threads, {records} generated records"
    )
    print(
        f"requests={done + len(errors)} rps={done / elapsed:.1f} p50_ms={p50:.1f} p95_ms={p95:.1f} "
        f"errors={len(errors)}",
        flush=True,
    )
    for kind, times in sorted(by_kind.items()):
        kind_p95 = statistics.quantiles(times, n=20)[18] * 1000 if len(times) >= 20 else max(times) * 1000
        p50_kind = statistics.median(times) * 1000
        print(f"  {kind}: {len(times)} requests, p50_ms={p50_kind:.1f} p95_ms={kind_p95:.1f}")
    print(f"  downloads asked to come back (503): {deferred}")
    for error in errors[:10]:
        print("  error:", error)
    return p95, errors


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--records", default="3000", help="generated institutions; several: 0,20000")
    parser.add_argument("--max-requests", type=int, default=200_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=1, help="repeat the sizes in turn; medians compared")
    args = parser.parse_args(argv)

    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{Path(tempfile.mkdtemp()) / 'load.sqlite3'}"
    cache = "Redis" if os.environ.get("REDIS_URL") else "local memory (each worker its own)"
    print(f"cache: {cache}")
    sizes = [int(size) for size in args.records.split(",")]
    rounds = []
    for number in range(1, args.rounds + 1):
        if args.rounds > 1:
            print(f"--- round {number} of {args.rounds}")
        rounds.append([run(args, database_url, records) for records in sizes])
    p95s = [statistics.median(results[index][0] for results in rounds) for index in range(len(sizes))]
    if args.rounds > 1:
        for index, records in enumerate(sizes):
            each = ", ".join(f"{results[index][0]:.1f}" for results in rounds)
            print(f"median p95 at {records} records: {p95s[index]:.1f} ms (rounds: {each})")
    if len(sizes) > 1 and p95s[0]:
        ratio = p95s[-1] / p95s[0]
        print(f"p95 at {sizes[-1]} records / p95 at {sizes[0]}: {ratio:.2f}x (goal <= 2x)")
    return 1 if any(errors for results in rounds for _, errors in results) else 0


if __name__ == "__main__":
    sys.exit(main())
