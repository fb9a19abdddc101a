"""The Celery application; jobs live in each app's jobs.py and only call services."""

import logging
import logging.config
import os

from celery import Celery
from celery.signals import setup_logging, worker_process_shutdown, worker_ready
from django_structlog.celery.steps import DjangoStructLogInitStep

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oasst.settings")

app = Celery("oasst")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(related_name="jobs")
# A job's log lines carry the request_id of the request that enqueued it (django-structlog).
app.steps["worker"].add(DjangoStructLogInitStep)


@setup_logging.connect
def configure_logging(loglevel: int | str | None = None, **kwargs) -> None:
    """The worker logs as the web process does (settings.LOGGING, structured), at its --loglevel."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
    if loglevel:
        logging.getLogger().setLevel(loglevel)


@worker_ready.connect
def start_heartbeat(sender, **kwargs) -> None:
    """The worker's heartbeat for /readyz, for each queue this worker consumes (core.health)."""
    from core.health import start_worker_heartbeat

    start_worker_heartbeat(queues=list(sender.app.amqp.queues.consume_from))


@worker_process_shutdown.connect
def forget_process_metrics(pid: int | None = None, **kwargs) -> None:
    """In Prometheus's multiprocess mode (PROMETHEUS_MULTIPROC_DIR), a pool process's live gauges end with it."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid or os.getpid())
