"""Gunicorn settings read from this folder (the command line's options come first).

Four worker processes of eight threads each. Fewer threads per worker spend less CPU queueing for the GIL:
six interleaved pairs of 15 s saturated runs (the volunteers of bench/next_task.py) gave a median of 131
task requests/s with two threads against 114 with eight. But the whole bench then gave the same throughput
(130.5 against 130.0 requests/s, median of 3), and at half load the hand-out's p99 rose from 61 to 80 ms:
a burst of requests on one worker waits for its two threads. Latency at ordinary load matters more.

A worker's garbage collector walks every object of the loaded project on each full collection, in the
middle of a request. Objects made while the project loads live as long as the worker; frozen, the
collector leaves them alone (measured in one process handing out and submitting 300 tasks: the longest
collection fell from 76 ms to 38 ms). The URL configuration, and with it every view and serializer, is
loaded first, so that those objects are frozen too and a worker's first requests do not pay for the imports
(in bench/next_task.py they took 110-200 ms each).
"""

import gc

worker_class = "gthread"
workers = 4
threads = 8


def post_worker_init(worker: object) -> None:
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imports the views)
    gc.collect()
    gc.freeze()
