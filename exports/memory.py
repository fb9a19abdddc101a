"""Garbage collection tuned for the dataset jobs.

An import or export allocates millions of small objects that hold no reference cycles (parsed JSON,
row tuples, strings). Python's cyclic collector runs a pass every 700 net allocations and now and then
walks the whole heap: a noticeable share of an import's or export's time, spent finding nothing.
Reference counting still frees these objects at once; the collector is only needed for cycles, and
rarer passes still find them without raising peak memory. An import, whose reading is all parsed lines and
rows, turns the collector off instead: even rare passes cost it a noticeable share of its reading time.
"""

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# Young objects are examined every 100,000 allocations instead of 700, the whole heap almost never.
BULK_THRESHOLDS = (100_000, 50, 1000)


@contextmanager
def rare_garbage_collection() -> Iterator[None]:
    """Collect cycles rarely while the block runs; the previous thresholds come back afterwards."""
    previous = gc.get_threshold()
    gc.set_threshold(*BULK_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*previous)


@contextmanager
def no_cyclic_garbage_collection() -> Iterator[None]:
    """No cyclic collection while the block runs (an import: its objects are parsed lines and rows, without
    cycles; even rare passes cost it a tenth of its reading time). Turned back on afterwards, if it was on."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
