"""The helper threads of import and export: order, errors and early exits."""

import threading

import pytest

from exports.pipeline import map_behind, read_ahead


def test_read_ahead_gives_every_item_in_order():
    assert list(read_ahead(range(1000), batch=7, batches=2)) == list(range(1000))
    assert list(read_ahead([], batch=7)) == []


def test_read_ahead_raises_the_producers_error_where_it_was_reached():
    def items():
        yield from range(5)
        raise OSError("disk gone")

    received = []
    with pytest.raises(OSError, match="disk gone"):
        for item in read_ahead(items(), batch=2):
            received.append(item)
    assert received == [0, 1, 2, 3, 4]


def test_leaving_read_ahead_early_stops_its_producer():
    produced = []

    def items():
        for i in range(1_000_000):
            produced.append(i)
            yield i

    for item in read_ahead(items(), batch=10, batches=2):
        if item == 3:
            break
    assert not any(thread.name == "read-ahead" for thread in threading.enumerate())
    assert len(produced) < 100


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
