"""/healthz and /readyz: the database, Redis, the cache and a worker heartbeat per queue."""

import socket
import time
import uuid

import pytest
from django.db import OperationalError, connections

from core import health


@pytest.fixture
def ready_world(settings, redis_url):
    """Redis as the deployment's broker and cache, a worker check on, and fresh heartbeats for its queues."""
    settings.REDIS_URL = redis_url
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.HEALTH_WORKER_MAX_AGE = 60
    settings.HEALTH_WORKER_QUEUES = [f"test-{uuid.uuid4().hex}"]
    health.record_worker_heartbeat(queues=settings.HEALTH_WORKER_QUEUES)
    return settings


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens once the socket is closed


def test_liveness_needs_nothing(client):
    response = client.get("/healthz")  # no database access is allowed here
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.redis
@pytest.mark.django_db
def test_ready_when_everything_answers(client, ready_world):
    response = client.get("/readyz")

    assert response.status_code == 200, response.json()
    body = response.json()
    queue = ready_world.HEALTH_WORKER_QUEUES[0]
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "redis", "cache", f"worker:{queue}"}
    assert all(check["ok"] and check["latency_ms"] >= 0 for check in body["checks"].values())


@pytest.mark.redis
@pytest.mark.django_db
def test_not_ready_when_the_database_fails(client, ready_world, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection to server at 10.0.0.1 failed: password authentication failed")

    monkeypatch.setattr(connections["default"], "cursor", refuse)
    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["database"] == {
        "ok": False,
        "error": "OperationalError",
        "latency_ms": response.json()["checks"]["database"]["latency_ms"],
    }
    assert b"password" not in response.content and b"10.0.0.1" not in response.content
    assert response.json()["checks"]["redis"]["ok"]


@pytest.mark.redis
@pytest.mark.django_db
def test_not_ready_when_redis_is_unreachable(client, ready_world):
    ready_world.REDIS_URL = f"redis://127.0.0.1:{_closed_port()}/0"

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["redis"]["ok"] is False
    assert response.json()["checks"]["redis"]["error"] == "ConnectionError"
    assert response.json()["checks"]["database"]["ok"] is True


@pytest.mark.redis
@pytest.mark.django_db
def test_not_ready_when_the_worker_heartbeat_is_stale(client, ready_world):
    queue = ready_world.HEALTH_WORKER_QUEUES[0]
    health.record_worker_heartbeat(queues=[queue], now=time.time() - 61)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"][f"worker:{queue}"] == {
        "ok": False,
        "error": "StaleHeartbeat",
        "latency_ms": response.json()["checks"][f"worker:{queue}"]["latency_ms"],
    }


@pytest.mark.django_db
def test_without_redis_the_local_broker_folder_is_checked(client, settings, tmp_path):
    settings.REDIS_URL = ""
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(tmp_path / "missing")}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.HEALTH_WORKER_MAX_AGE = 0  # no worker check

    response = client.get("/readyz")

    assert response.status_code == 503
    assert set(response.json()["checks"]) == {"database", "broker", "cache"}
    assert response.json()["checks"]["broker"]["error"] == "FileNotFoundError"
    (tmp_path / "missing").mkdir()
    assert client.get("/readyz").status_code == 200


@pytest.mark.django_db
def test_eager_jobs_need_neither_broker_nor_worker(client, settings):
    settings.REDIS_URL = ""
    settings.CELERY_TASK_ALWAYS_EAGER = True

    response = client.get("/readyz")

    assert response.status_code == 200
    assert set(response.json()["checks"]) == {"database", "cache"}


# A real worker's heartbeat: tests/annotation/test_worker.py, beside the other jobs a real worker runs.
