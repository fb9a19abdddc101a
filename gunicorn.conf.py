"""Gunicorn settings read from this folder (the command line's options come first).

Four worker processes of eight threads each. Fewer threads per worker spend less CPU queueing for the GIL,
but under saturation they gave no more throughput in all, and at ordinary load a burst of requests on one
worker then waits for its few threads: latency at ordinary load matters more.

A worker's garbage collector walks every object of the loaded project on each full collection, in the
middle of a request. Objects made while the project loads live as long as the worker; frozen, the
collector leaves them alone, which shortens the longest collections. The URL configuration, and with it
every view and serializer, is loaded first, so that those objects are frozen too and a worker's first
requests do not pay for the imports.
"""

import gc
import os

worker_class = "gthread"
workers = 4
threads = 8


def post_worker_init(worker: object) -> None:
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imports the views)
    gc.collect()
    gc.freeze()


def child_exit(server: object, worker: object) -> None:
    """In Prometheus's multiprocess mode (PROMETHEUS_MULTIPROC_DIR), a dead worker's live gauges are dropped."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
