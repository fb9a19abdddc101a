"""The platform's own Prometheus metrics, in one place; django-prometheus adds the requests, database and cache.

Services count what they did with ``transaction.on_commit``, so that a rolled-back transaction counts nothing.
Queue lengths are read from the broker when ``/metrics`` is scraped. Job durations are observed around every
Celery job (``task_prerun`` / ``task_postrun``), eager ones included: in a worker, only a ``/metrics`` that reads
the same ``PROMETHEUS_MULTIPROC_DIR`` reports them (README, "Operations").
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Iterator

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import REGISTRY, GaugeMetricFamily, Metric

TASKS_HANDED_OUT = Counter(
    "oasst_tasks_handed_out", "Tasks handed out to volunteers, by task type and language.", ["kind", "lang"]
)
SUBMISSIONS = Counter(
    "oasst_submissions",
    "Task submissions, by task type and outcome (accepted, or the error code of a refusal).",
    ["kind", "outcome"],
)
JOB_DURATION = Histogram(
    "oasst_job_duration_seconds",
    "Run time of background jobs, by job name.",
    ["job"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, float("inf")),
)
# Kombu's Redis transport keeps a queue's messages of priority p > 0 in a list of its own, "<queue>\x06\x16<p>".
REDIS_PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")


def task_handed_out(*, kind: str, lang: str) -> None:
    transaction.on_commit(lambda: TASKS_HANDED_OUT.labels(kind=kind, lang=lang).inc())


def submission_accepted(*, kind: str) -> None:
    transaction.on_commit(lambda: SUBMISSIONS.labels(kind=kind, outcome="accepted").inc())


def submission_refused(*, kind: str, code: str) -> None:
    """A refusal is counted at once: its transaction, if any, is the one that refused."""
    SUBMISSIONS.labels(kind=kind, outcome=code).inc()


# --- Job durations ------------------------------------------------------------------------------

_job_started: dict[str, float] = {}


def job_started(task_id: str | None, **kwargs: object) -> None:
    if task_id:
        _job_started[task_id] = time.perf_counter()


def job_finished(task_id: str | None, task: object = None, **kwargs: object) -> None:
    started = _job_started.pop(task_id, None) if task_id else None
    if started is not None:
        JOB_DURATION.labels(job=getattr(task, "name", "?")).observe(time.perf_counter() - started)


def connect_job_signals() -> None:
    from celery.signals import task_postrun, task_prerun

    task_prerun.connect(job_started, weak=False, dispatch_uid="core.metrics.job_started")
    task_postrun.connect(job_finished, weak=False, dispatch_uid="core.metrics.job_finished")


# --- Queue lengths, read on scrape ----------------------------------------------------------------


def watched_queues() -> list[str]:
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values() if "queue" in route}
    return sorted({getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery"), *routed})


def queue_lengths() -> dict[str, int]:
    queues = watched_queues()
    if settings.REDIS_URL:
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        try:
            with client.pipeline(transaction=False) as pipe:
                for queue in queues:
                    for suffix in REDIS_PRIORITY_SUFFIXES:
                        pipe.llen(queue + suffix)
                counts = pipe.execute()
        finally:
            client.close()
        step = len(REDIS_PRIORITY_SUFFIXES)
        return {queue: sum(counts[i * step : (i + 1) * step]) for i, queue in enumerate(queues)}
    # The local broker: one file per message, named "<time>_<id>.<queue>.msg".
    folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        names = []
    return {queue: sum(name.endswith(f".{queue}.msg") for name in names) for queue in queues}


class QueueLengthCollector:
    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily("oasst_celery_queue_length", "Jobs waiting in each Celery queue.", labels=["queue"])
        try:
            lengths = queue_lengths()
        except Exception:  # a broker that is away: no sample rather than a failed scrape
            lengths = {}
        for queue, length in lengths.items():
            family.add_metric([queue], length)
        yield family

    def describe(self) -> list[Metric]:
        return []  # so that registering does not read the broker


def registry() -> CollectorRegistry:
    """What /metrics exposes: this process's metrics, or every process's in multiprocess mode."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    merged = CollectorRegistry()
    multiprocess.MultiProcessCollector(merged)
    merged.register(QueueLengthCollector())
    return merged


_registered = False


def register_collectors() -> None:
    global _registered
    if not _registered and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        REGISTRY.register(QueueLengthCollector())
    _registered = True


@require_safe
@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus's scrape, for a bearer of ``METRICS_TOKEN``; without a token set there is no such page."""
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if not token or not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        raise Http404
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
