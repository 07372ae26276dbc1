"""`make load-downloads`: pages served beside a download being written, in the worker or apart.

One gunicorn worker of four threads serves 20 000 generated institutions; for --seconds, one
client downloads a search that finds about 3 600 of them again and again (nothing kept, so each is
written afresh) while three clients read a record's page. Run with the downloads written in the
worker (PUBLIC_DOWNLOADS_APART=0) and apart from it (=1, as deployed), it prints the pages' p50 and
p95, how many were served, and the downloads' times.
"""

import argparse
import http.client
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks import load


def measure(env, seconds):
    with load.serving(env, workers=1, threads=4) as port:
        stop = time.monotonic() + seconds
        pages, downloads = [], []

        def read(url, times):
            conn = http.client.HTTPConnection(load.HOST, port, timeout=120)
            while time.monotonic() < stop:
                start = time.perf_counter()
                conn.request("GET", url)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    raise SystemExit(f"{url}: {response.status}")
                times.append(time.perf_counter() - start)
            conn.close()

        search = "/institutions/?q=college&download=csv"
        clients = [threading.Thread(target=read, args=("/institutions/msu/", pages)) for _ in range(3)]
        clients.append(threading.Thread(target=read, args=(search, downloads)))
        for client in clients:
            client.start()
        for client in clients:
            client.join()
    return pages, downloads


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--records", type=int, default=20000)
    args = parser.parse_args(argv)
    database = f"sqlite:///{Path(tempfile.mkdtemp()) / 'apart.sqlite3'}"
    base = load.server_env(database)
    load.prepare(base, args.records)
    p95s = {}
    for apart in ("0", "1"):
        env = {**base, "PUBLIC_DOWNLOADS_APART": apart, "PUBLIC_DOWNLOAD_CACHE_BYTES": "0", "REDIS_URL": ""}
        pages, downloads = measure(env, args.seconds)
        p95s[apart] = statistics.quantiles(pages, n=20)[18] * 1000
        where = "apart" if apart == "1" else "in the worker"
        print(
            f"downloads written {where}: {len(pages)} pages, p50_ms={statistics.median(pages) * 1000:.1f} "
            f"p95_ms={p95s[apart]:.1f}; {len(downloads)} downloads, "
            f"each {', '.join(f'{d:.1f}' for d in downloads)} s",
            flush=True,
        )
    print(f"pages' p95 with downloads in the worker / apart: {p95s['0'] / p95s['1']:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
