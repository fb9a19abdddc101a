"""Gunicorn settings read from this folder (the command line's options come first).

A worker's garbage collector walks every object of the loaded project on each full collection, in the
middle of a request. Objects made while the project loads live as long as the worker; frozen, the
collector leaves them alone (measured in one process handing out and submitting 300 tasks: the longest
collection fell from 76 ms to 38 ms). The URL configuration, and with it every view and serializer, is
loaded first, so that those objects are frozen too and a worker's first requests do not pay for the imports
(in bench/next_task.py they took 110-200 ms each).
"""

import gc


def post_worker_init(worker: object) -> None:
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imports the views)
    gc.collect()
    gc.freeze()
