"""The periodic jobs run through a real Celery worker on Redis, against the test database."""

import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from celery import Celery
from django.db import connection
from django.utils import timezone

from annotation.models import Task, TaskState
from annotation.services.task_handout import request_task
from tests.factories import UserFactory, make_prompt

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker(redis_url):
    """A worker on a queue of its own, so no other process can take (or miss) the test's jobs."""
    queue = f"test-{uuid.uuid4().hex}"
    db = connection.settings_dict
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="oasst.settings",
        SECRET_KEY="worker-test",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        REDIS_URL=redis_url,
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "oasst", "worker", "--pool=solo", "--loglevel=WARNING", "-Q", queue],
        cwd=ROOT,
        env=env,
    )
    # A client app of its own: the suite's app runs jobs eagerly and has no broker.
    client = Celery(broker=redis_url, backend=redis_url, set_as_current=False)
    send = lambda name: client.send_task(name, queue=queue)  # noqa: E731
    send.queue = queue
    try:
        yield send
    finally:
        process.terminate()
        process.wait(timeout=20)


def _readiness(client, settings, redis_url: str, queue: str):
    """/readyz of a site whose broker and cache are this Redis and whose worker check wants ``queue``."""
    settings.REDIS_URL = redis_url
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.HEALTH_WORKER_QUEUES = [queue]
    return client.get("/readyz")


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_expires_stale_claims_and_makes_the_site_ready(worker, client, settings, redis_url):
    assert _readiness(client, settings, redis_url, f"test-{uuid.uuid4().hex}").status_code == 503  # nobody there
    make_prompt(accepted=False, state="initial_prompt_review")
    task = request_task(user=UserFactory(), lang="en", task_type="label_initial_prompt")
    Task.objects.filter(pk=task.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    expired = worker("annotation.jobs.expire_stale_tasks").get(timeout=120)

    assert expired == 1
    assert Task.objects.get(pk=task.pk).state == TaskState.EXPIRED
    # Its heartbeat (core.health) makes /readyz pass for its queue.
    deadline = time.monotonic() + 15
    while (response := _readiness(client, settings, redis_url, worker.queue)).status_code != 200:
        assert time.monotonic() < deadline, response.json()
        time.sleep(0.2)
