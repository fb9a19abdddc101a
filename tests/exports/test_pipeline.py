"""The helper threads of the export: order, bounds, errors, clean-up."""

import threading
import time

import pytest

from exports.pipeline import map_in_threads


def test_results_keep_the_order_and_come_from_helper_threads():
    threads = set()

    def work(item):
        threads.add(threading.current_thread().name)
        time.sleep(0.001 * (item % 3))  # finish out of order
        return item * 2

    assert list(map_in_threads(work, iter(range(50)), threads=3)) == [i * 2 for i in range(50)]
    assert len(threads) == 3 and threading.current_thread().name not in threads


def test_at_most_one_item_per_thread_is_handed_out_ahead():
    made = []

    def items():
        for i in range(20):
            made.append(i)
            yield i

    results = map_in_threads(lambda item: item, items(), threads=2)
    assert next(results) == 0
    # Item 2 was made while item 0 was being worked on; item 3 waits until result 1 is taken.
    assert made == [0, 1, 2]
    results.close()


def test_the_first_error_is_raised_and_every_thread_cleans_up():
    exits = []

    def work(item):
        if item == 3:
            raise ValueError("bad chunk")
        return item

    with pytest.raises(ValueError, match="bad chunk"):
        list(map_in_threads(work, range(10), threads=2, on_thread_exit=lambda: exits.append(1)))
    assert len(exits) == 2


def test_threads_end_when_the_caller_stops_early():
    exits = []
    results = map_in_threads(lambda item: item, range(100), threads=2, on_thread_exit=lambda: exits.append(1))
    assert next(results) == 0
    results.close()
    assert len(exits) == 2
    assert not [t for t in threading.enumerate() if t.name.startswith("map-in-threads")]
