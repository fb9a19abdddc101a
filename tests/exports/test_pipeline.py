"""The helper threads and worker processes of the import and export: order, bounds, errors, clean-up."""

import gc
import multiprocessing
import os
import sys
import threading
import time

import pytest

from exports.pipeline import map_in_processes, map_in_threads, processes_available, read_ahead


def _recorded(count: int, made: list[int]):
    """The numbers up to ``count``, each noted in ``made`` as it is taken."""
    for item in range(count):
        made.append(item)
        yield item


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
    results = map_in_threads(lambda item: item, _recorded(20, made), threads=2)
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


def _counted(made: list, count: int):
    for i in range(count):
        made.append((i, threading.current_thread().name))
        yield i


def test_read_ahead_makes_the_items_in_order_in_a_helper_thread():
    made = []
    assert list(read_ahead(_counted(made, 30))) == list(range(30))
    assert {name for _, name in made} == {"read-ahead"}


def test_read_ahead_makes_one_item_ahead_of_the_caller():
    made = []
    items = read_ahead(_counted(made, 20))
    assert next(items) == 0
    time.sleep(0.2)
    # Item 1 waits to be taken and item 2 is made; item 3 waits for room.
    assert [i for i, _ in made] == [0, 1, 2]
    items.close()


def test_read_ahead_raises_the_error_of_the_items_in_their_place():
    def items():
        yield 1
        raise ValueError("line 2 is broken")

    results = read_ahead(items())
    assert next(results) == 1
    with pytest.raises(ValueError, match="line 2 is broken"):
        next(results)


def test_read_ahead_stops_its_helper_when_the_caller_stops_early():
    made = []
    items = read_ahead(_counted(made, 1000))
    assert next(items) == 0
    items.close()
    assert not [t for t in threading.enumerate() if t.name == "read-ahead"]
    assert len(made) < 5


def _pid_and_collector(item):
    return item, os.getpid(), gc.isenabled()


def test_processes_keep_the_order_and_work_in_forked_processes_without_the_collector():
    handed = []
    pairs = []
    for item, result in map_in_processes(_pid_and_collector, _recorded(12, handed), processes=2):
        pairs.append((item, result))
        # At most two items per process are handed out ahead of the one taken.
        assert len(handed) <= item + 1 + 4
    assert [item for item, _ in pairs] == list(range(12))
    assert [result[0] for _, result in pairs] == list(range(12))
    pids = {result[1] for _, result in pairs}
    assert os.getpid() not in pids and 1 <= len(pids) <= 2
    assert not any(result[2] for _, result in pairs)
    assert gc.isenabled()


def test_processes_take_closures_unpickled_and_two_maps_at_once_keep_their_own():
    doubled = map_in_processes(lambda item: item * 2, range(6), processes=2)
    negated = map_in_processes(lambda item: -item, range(6), processes=2)
    assert [(a, b) for (_, a), (_, b) in zip(doubled, negated, strict=True)] == [(i * 2, -i) for i in range(6)]


def _fail_on_three(item):
    if item == 3:
        raise ValueError("three")
    return item


def test_processes_raise_the_first_error_and_stop():
    taken = []
    with pytest.raises(ValueError, match="three"):
        for _, result in map_in_processes(_fail_on_three, range(100), processes=2):
            taken.append(result)
    assert taken == [0, 1, 2]


def test_no_processes_in_a_daemonic_process_on_one_cpu_or_off_linux(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0})
    assert processes_available() == 0
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2})
    assert processes_available() == 3
    monkeypatch.setattr(sys, "platform", "darwin")
    assert processes_available() == 0
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(multiprocessing.current_process(), "daemon", True, raising=False)
    assert processes_available() == 0
