"""Gunicorn settings read from this folder (the command line's options come first).

A worker's garbage collector walked every object of the loaded project on each full collection: pauses
of up to 80 ms in the middle of requests, the slowest of the task hand-outs. Objects made while the
project loads live as long as the worker; frozen, the collector leaves them alone.
"""

import gc


def post_worker_init(worker: object) -> None:
    gc.collect()
    gc.freeze()
