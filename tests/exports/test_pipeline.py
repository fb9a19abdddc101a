"""The helper thread of the export: order and errors."""

import threading

import pytest

from exports.pipeline import map_behind


def test_map_behind_keeps_the_order_and_runs_beside_the_producer():
    threads = set()

    def work(item):
        threads.add(threading.current_thread().name)
        return item * 2

    assert list(map_behind(work, iter(range(50)))) == [i * 2 for i in range(50)]
    assert threads and threading.current_thread().name not in threads


def test_map_behind_raises_the_workers_error():
    def work(item):
        if item == 3:
            raise ValueError("bad chunk")
        return item

    with pytest.raises(ValueError, match="bad chunk"):
        list(map_behind(work, range(10)))
