"""The process that writes public downloads apart from the server process (PUBLIC_DOWNLOADS_APART).

A download of 10 000 records is seconds of Python. Written by a thread of a gunicorn worker, it
holds the interpreter lock that the worker's other threads need for every page they serve: each
page waits its turn, again at every read from the database or the cache, for as long as the
download takes. Written by a process of its own, at a lower CPU priority
(PUBLIC_DOWNLOAD_NICENESS), it takes only what the pages leave of the machine, and the thread
that asked for it waits without holding anything.

Each server process starts its own on its first download (the standard library's
ProcessPoolExecutor, a fresh interpreter by "spawn": forking a threaded server is unsafe), at
most PUBLIC_DOWNLOADS_AT_ONCE of them, and sends each a Job; they end with the server process.
This module imports nothing of Django at the top: the new interpreter sets Django up first.
"""

import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass


@dataclass(frozen=True)
class Job:
    """A download to write: what registry.downloads.write() needs, nothing tied to a request."""

    model: str  # "registry.Institution"
    query: bytes  # the filtered queryset's query, pickled: Django's documented way to send one
    file_format: str
    language: str
    base_url: str  # the site's address as the reader asked for it, for the links in the file
    path: str  # where to write it


_pool = None  # (the process that started it, the pool): a forked copy starts its own
_pool_lock = threading.Lock()


def submit(job):
    """Send `job` to this server process's preparing processes; return its Future."""
    from django.conf import settings

    global _pool
    with _pool_lock:
        if _pool is None or _pool[0] != os.getpid():
            pool = ProcessPoolExecutor(
                max_workers=settings.PUBLIC_DOWNLOADS_AT_ONCE,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=start,
                initargs=(os.getpid(), settings.PUBLIC_DOWNLOAD_NICENESS),
            )
            _pool = (os.getpid(), pool)
        try:
            return _pool[1].submit(run, job)
        except BrokenProcessPool:  # a preparing process died (killed, out of memory): start anew
            _pool = None
            raise


def start(parent, niceness):
    """Set up a preparing process: lower priority, Django, and an end when its parent is gone."""
    os.nice(niceness)
    import django

    django.setup()
    threading.Thread(target=watch, args=(parent,), daemon=True).start()


def watch(parent):
    # A server process killed outright cannot tell its pool to stop; its orphan notices.
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)


def run(job):
    from django.db import close_old_connections

    from .downloads import write

    # No request starts or ends here: connections are checked around each job as Django does
    # around each request (CONN_MAX_AGE, CONN_HEALTH_CHECKS).
    close_old_connections()
    try:
        write(job)
    finally:
        close_old_connections()
