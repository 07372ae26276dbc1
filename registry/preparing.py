"""The process that writes public downloads apart from the server process (PUBLIC_DOWNLOADS_APART).

A download of 10 000 records is seconds of Python. Written by a thread of a gunicorn worker, it
holds the interpreter lock that the worker's other threads need for every page they serve: each
page waits its turn, again at every read from the database or the cache, for as long as the
download takes. Written by a process of its own, at a lower CPU priority
(PUBLIC_DOWNLOAD_NICENESS), it takes only what the pages leave of the machine, and the thread
that asked for it waits without holding anything.

Each server process starts its own as it starts (the standard library's ProcessPoolExecutor, a
fresh interpreter by "spawn": forking a threaded server is unsafe), at most
PUBLIC_DOWNLOADS_AT_ONCE of them, and sends each a Job; they end with the server process.
This module imports nothing of Django at the top: the new interpreter sets Django up first.
"""

import contextlib
import multiprocessing
import os
import tempfile
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


def pool():
    """This server process's pool of preparing processes, started on first use."""
    from django.conf import settings

    global _pool
    with _pool_lock:
        if _pool is None or _pool[0] != os.getpid():
            executor = ProcessPoolExecutor(
                max_workers=settings.PUBLIC_DOWNLOADS_AT_ONCE,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=start,
                initargs=(os.getpid(), settings.PUBLIC_DOWNLOAD_NICENESS),
            )
            _pool = (os.getpid(), executor)
        return _pool[1]


def submit(job):
    """Send `job` to this server process's preparing processes; return its Future. A pool whose
    process died (killed, out of memory) is replaced by a new one."""
    global _pool
    try:
        return pool().submit(run, job)
    except BrokenProcessPool:
        with _pool_lock:
            _pool = None
        return pool().submit(run, job)


def start_early():
    """Start a preparing process as the server process starts (config/wsgi.py): a new interpreter
    setting Django up takes seconds on a busy machine, which the first download would wait for
    while every other download to this server process is asked to come back."""
    from django.conf import settings

    if settings.PUBLIC_DOWNLOADS_APART:
        pool().submit(int)  # anything, to make the pool start a process


def start(parent, niceness):
    """Set up a preparing process: Django, a lower priority, and an end when its parent is gone."""
    import django

    django.setup()
    from . import downloads  # what the first job needs, imported before it comes

    # openpyxl's own temporary files too go where downloads are written, and are pruned with
    # them (downloads.prune) if this process is killed while writing one.
    with contextlib.suppress(OSError):
        tempfile.tempdir = str(downloads.work_directory())

    os.nice(niceness)  # only now: set up at a lower priority, it would start late on a busy machine

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
