"""Overlapping the stages of an import or export: the database's work and Python's.

Threads suffice where Python's work is on one side only: a thread that waits on the database releases the GIL,
and PostgreSQL works on its own CPU. An export reads the rows of its chunks in two threads, each with its own
database connection, so PostgreSQL runs one chunk's queries while Python converts another chunk's rows; a
third thread turns rows into lines. A third reading thread gains nothing more and holds another chunk in
memory.

An import reads and encodes its next batch of rows in a helper thread (``read_ahead``) while the caller's
thread waits for PostgreSQL to store the batch before. Only one thread does Python work at a time there:
threads that both format rows only take turns with the GIL, spending more CPU for little time. A large
import therefore reads and encodes its chunks of lines in forked worker processes
instead (``map_in_processes``): Python's work then spreads over the CPUs while the caller's thread feeds
PostgreSQL.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import queue
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

_STOP = object()


def map_in_threads(
    function: Callable[[T], R],
    items: Iterable[T],
    *,
    threads: int = 1,
    on_thread_exit: Callable[[], None] | None = None,
) -> Iterator[R]:
    """``function`` applied to each item in ``threads`` helper threads while the caller makes the next item.

    The results come in the items' order. Item ``i`` goes to thread ``i % threads``, and is handed over only
    once the result of item ``i - threads`` has been taken, so at most ``threads`` items are being worked
    on (memory stays bounded). The first error of ``function`` is raised to the caller. ``on_thread_exit``
    runs in each helper thread as it ends (to close what the thread opened, such as its database
    connection), also when the caller stops early.
    """
    inboxes: list[queue.SimpleQueue] = [queue.SimpleQueue() for _ in range(threads)]
    outboxes: list[queue.SimpleQueue] = [queue.SimpleQueue() for _ in range(threads)]

    def work(inbox: queue.SimpleQueue, outbox: queue.SimpleQueue) -> None:
        try:
            while (item := inbox.get()) is not _STOP:
                try:
                    outbox.put((True, function(item)))
                except BaseException as exc:  # handed to the caller, who raises it
                    outbox.put((False, exc))
        finally:
            if on_thread_exit is not None:
                on_thread_exit()

    def result(index: int) -> R:
        ok, value = outboxes[index % threads].get()
        if not ok:
            raise value
        return value

    workers = [
        threading.Thread(target=work, args=(inbox, outbox), name=f"map-in-threads-{n}", daemon=True)
        for n, (inbox, outbox) in enumerate(zip(inboxes, outboxes, strict=True))
    ]
    for worker in workers:
        worker.start()
    handed = 0
    try:
        for item in items:
            if handed >= threads:
                yield result(handed - threads)
            inboxes[handed % threads].put(item)
            handed += 1
        for index in range(max(handed - threads, 0), handed):
            yield result(index)
    finally:
        for inbox in inboxes:
            inbox.put(_STOP)
        for worker in workers:
            worker.join()


# How long a thread may keep the GIL while another one wants it. Python's default of 5 ms would make the
# thread feeding PostgreSQL wait that long after each of its many short waits on the socket, while the
# database idles.
HANDOVER_SECONDS = 0.0005


def read_ahead(items: Iterable[T], *, depth: int = 1) -> Iterator[T]:
    """The items of ``items``, each made in a helper thread while the caller works on the one before.

    At most ``depth`` items wait to be taken (memory stays bounded). An error raised while making an item
    is raised to the caller in its place. When the caller stops early, the helper stops after the item it
    is making.
    """
    handover: queue.Queue = queue.Queue(maxsize=depth)
    stopped = threading.Event()

    def hand(entry: tuple[bool, object]) -> bool:
        while not stopped.is_set():
            try:
                handover.put(entry, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def make() -> None:
        try:
            for item in items:
                if not hand((True, item)):
                    return
        except BaseException as exc:  # handed to the caller, who raises it
            hand((False, exc))
            return
        hand((False, None))

    helper = threading.Thread(target=make, name="read-ahead", daemon=True)
    with _quick_handover():
        helper.start()
        try:
            while True:
                made, value = handover.get()
                if made:
                    yield value
                elif value is None:
                    return
                else:
                    raise value
        finally:
            stopped.set()
            helper.join()


@contextmanager
def _quick_handover() -> Iterator[None]:
    previous = sys.getswitchinterval()
    sys.setswitchinterval(HANDOVER_SECONDS)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


def processes_available() -> int:
    """How many worker processes ``map_in_processes`` may fork here: one per CPU; none where there is one
    CPU, off Linux (forking is unsafe on macOS, absent on Windows, and a new process would import the whole
    project again), or in a process that may not have children (a daemonic one, such as a job worker's
    pool process)."""
    if not sys.platform.startswith("linux") or multiprocessing.current_process().daemon:
        return 0
    cpus = len(os.sched_getaffinity(0))
    return cpus if cpus > 1 else 0


def map_in_processes(
    function: Callable[[T], R],
    items: Iterable[T],
    *,
    processes: int,
) -> Iterator[tuple[T, R]]:
    """Each item with ``function``'s result for it, computed in ``processes`` forked worker processes.

    The pairs come in the items' order; at most two items per process are handed out ahead of the one
    the caller waits for (memory stays bounded). ``function`` is not pickled (the workers are forked with
    it, so it may be a bound method or a closure), the items and results are. The workers run with the
    cyclic garbage collector off: their objects are rows and parsed JSON, freed by reference counting. The
    first error of ``function`` is raised to the caller; the workers stop when the caller does.
    """
    pool = ProcessPoolExecutor(
        processes, mp_context=multiprocessing.get_context("fork"), initializer=_start_worker, initargs=(function,)
    )
    pending: deque[tuple[T, Future]] = deque()
    try:
        for item in items:
            pending.append((item, pool.submit(_call_worker_function, item)))
            if len(pending) > 2 * processes:
                item, future = pending.popleft()
                yield item, future.result()
        while pending:
            item, future = pending.popleft()
            yield item, future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


# In a worker process: the function it applies (set as it starts).
_worker_function: Callable | None = None


def _start_worker(function: Callable) -> None:
    global _worker_function  # a worker's own copy of the module
    gc.disable()
    _worker_function = function


def _call_worker_function(item: object) -> object:
    assert _worker_function is not None
    return _worker_function(item)
