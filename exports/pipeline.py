"""Overlapping the Python side of an export with the database's side.

An export builds and writes the lines of a chunk while PostgreSQL runs the next chunk's queries.
A thread suffices: the side that waits on the database releases the GIL. The database work stays on
the caller's thread, and so on its connection and in its transaction; only pure Python work moves to
the helper thread.

(An import does not use it: there both sides are Python work, reading lines and formatting rows, and
threads only took turns with the GIL; measured, two writer threads cost 40% more CPU for little time.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


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
