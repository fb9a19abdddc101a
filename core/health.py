"""Liveness and readiness for operators: ``/healthz`` answers while the process does, ``/readyz`` while the
database, Redis (when ``REDIS_URL`` is set), the cache, the local broker folder (without Redis) and a worker for
each queue of ``HEALTH_WORKER_QUEUES`` answer.

A worker proves it is alive with a heartbeat: a thread of the worker's main process writes the time into the cache
for each queue it consumes every ``HEARTBEAT_SECONDS`` (``start_worker_heartbeat``, called on Celery's
``worker_ready``); a heartbeat older than ``HEALTH_WORKER_MAX_AGE`` seconds fails readiness. A thread rather than
the worker's event loop, so that a long job on a solo pool does not look like a dead worker.

The answers never say more than a check's name, whether it passed, its latency and the class of its error.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 10
HEARTBEAT_KEY = "health:worker-heartbeat:{queue}"
REDIS_TIMEOUT_SECONDS = 1.0


def heartbeat_key(queue: str) -> str:
    return HEARTBEAT_KEY.format(queue=queue)


def record_worker_heartbeat(*, queues: Iterable[str], now: float | None = None) -> None:
    """Writes the time of a worker's heartbeat for each queue it consumes."""
    stamp = time.time() if now is None else now
    cache.set_many({heartbeat_key(queue): stamp for queue in queues}, timeout=None)


def start_worker_heartbeat(*, queues: Iterable[str], interval: float = HEARTBEAT_SECONDS) -> threading.Thread:
    """A daemon thread that records a heartbeat now and then every ``interval`` seconds, for the process's life."""
    queues = sorted(queues)

    def beat() -> None:
        while True:
            try:
                record_worker_heartbeat(queues=queues)
            except Exception as error:  # a cache that is away now may be back at the next beat
                logger.warning("worker heartbeat not recorded: %s", type(error).__name__)
            time.sleep(interval)

    thread = threading.Thread(target=beat, name="worker-heartbeat", daemon=True)
    thread.start()
    return thread


# --- Checks: each returns nothing or raises -----------------------------------------------------


def check_database() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_redis() -> None:
    import redis

    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=REDIS_TIMEOUT_SECONDS, socket_timeout=REDIS_TIMEOUT_SECONDS
    )
    try:
        client.ping()
    finally:
        client.close()


def check_cache() -> None:
    cache.get("health:probe")


def check_broker_folder() -> None:
    """The local broker (no Redis): its message folder exists and can be written."""
    folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]
    if not os.access(folder, os.W_OK):
        raise FileNotFoundError(folder)


class StaleHeartbeat(Exception):
    pass


def worker_check(queue: str) -> Callable[[], None]:
    def check() -> None:
        stamp = cache.get(heartbeat_key(queue))
        if stamp is None or time.time() - float(stamp) > settings.HEALTH_WORKER_MAX_AGE:
            raise StaleHeartbeat

    return check


def readiness_checks() -> dict[str, Callable[[], None]]:
    checks: dict[str, Callable[[], None]] = {"database": check_database}
    # Jobs run in the web process when eager: no broker is used and there is no worker to wait for.
    eager = settings.CELERY_TASK_ALWAYS_EAGER
    if settings.REDIS_URL:
        checks["redis"] = check_redis
    elif not eager:
        checks["broker"] = check_broker_folder
    checks["cache"] = check_cache
    if settings.HEALTH_WORKER_MAX_AGE > 0 and not eager:
        for queue in settings.HEALTH_WORKER_QUEUES:
            checks[f"worker:{queue}"] = worker_check(queue)
    return checks


def run_checks(checks: dict[str, Callable[[], None]]) -> tuple[bool, dict[str, dict]]:
    results = {}
    for name, check in checks.items():
        started = time.perf_counter()
        try:
            check()
        except Exception as error:
            result = {"ok": False, "error": type(error).__name__}
        else:
            result = {"ok": True}
        result["latency_ms"] = round((time.perf_counter() - started) * 1000, 2)
        results[name] = result
    return all(result["ok"] for result in results.values()), results


# --- Views --------------------------------------------------------------------------------------


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@require_safe
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    ready, results = run_checks(readiness_checks())
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": results}, status=200 if ready else 503)
