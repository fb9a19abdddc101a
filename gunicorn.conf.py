"""Gunicorn settings read from this folder (the command line's options come first).

Four worker processes of two threads each. Python code holds one CPU per process at a time, and a task
request is mostly Python: more threads per worker only queue for it. In bench/next_task.py, six interleaved
pairs of runs on 2 CPUs gave a median of 131 task requests/s with 4 workers of 2 threads, against 114
with 4 workers of 8 threads; two threads still keep a CPU busy while the other waits for PostgreSQL.

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
threads = 2


def post_worker_init(worker: object) -> None:
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imports the views)
    gc.collect()
    gc.freeze()
