"""Overlapping the Python side of an import or export with the database's side.

An import parses lines while PostgreSQL stores the previous batch; an export builds lines while
PostgreSQL runs the next chunk's queries. Threads suffice: whichever side waits on the database
releases the GIL. The database work stays on the caller's thread, and so on its connection and in its
transaction; only pure Python work moves to the helper thread.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

_DONE = object()


def read_ahead(items: Iterable[T], *, batch: int = 100, batches: int = 40) -> Iterator[T]:
    """The items of ``items``, produced by a helper thread up to ``batch * batches`` items ahead.

    Whatever the producer raises is raised here, at the point it was reached. Leaving the loop early
    stops the producer.
    """
    handoff: queue.Queue = queue.Queue(maxsize=batches)
    stop = threading.Event()

    def put(value: object) -> bool:
        while not stop.is_set():
            try:
                handoff.put(value, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        pending: list[T] = []
        try:
            for item in items:
                pending.append(item)
                if len(pending) >= batch:
                    if not put(pending):
                        return
                    pending = []
            if pending and not put(pending):
                return
            put(_DONE)
        except BaseException as exc:  # handed over to the consumer, who raises it after the items before it
            if not pending or put(pending):
                put(exc)

    producer = threading.Thread(target=produce, name="read-ahead", daemon=True)
    producer.start()
    try:
        while True:
            received = handoff.get()
            if received is _DONE:
                return
            if isinstance(received, BaseException):
                raise received
            yield from received
    finally:
        stop.set()
        producer.join()


def map_behind(function: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
    """``function`` applied to each item in a helper thread while the next item is being produced here.

    The results come in order; at most one item is being worked on while the next one is made.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="map-behind") as pool:
        pending: Future[R] | None = None
        for item in items:
            following = pool.submit(function, item)
            if pending is not None:
                yield pending.result()
            pending = following
        if pending is not None:
            yield pending.result()
