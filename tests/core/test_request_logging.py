"""Structured logs: a request's lines share its id, answered in X-Request-ID; JSON lines with DEBUG off."""

import io
import json
import logging
import logging.config
import uuid

import pytest
import structlog
from django.conf import settings

from tests.factories import UserFactory, api_client_for


@pytest.fixture
def log_lines():
    """What the configured ``structured`` formatter writes for every record of the test (JSON: DEBUG is off)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(_formatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def _formatter() -> logging.Formatter:
    config = dict(settings.LOGGING["formatters"]["structured"])
    factory = config.pop("()")
    return factory(**config)


@pytest.mark.django_db
def test_every_line_of_a_request_carries_its_id_user_and_address(client, log_lines):
    user = UserFactory()
    client.force_login(user)

    response = client.get("/api/v1/no-such-endpoint/")  # also logged by the API's own logger (stdlib logging)

    request_id = response["X-Request-ID"]
    uuid.UUID(request_id)
    lines = log_lines()
    assert {line["event"] for line in lines} >= {"request_started", "request_finished"}
    assert any(line["logger"] == "api" for line in lines)
    for line in lines:
        assert (line["request_id"], line["user_id"], line["ip"]) == (request_id, str(user.pk), "127.0.0.1")
        assert line["timestamp"] and line["level"]


@pytest.mark.django_db
def test_an_incoming_request_id_is_kept_and_a_hostile_one_replaced(client, log_lines):
    kept = client.get("/healthz", HTTP_X_REQUEST_ID="proxy-1234.abc")
    assert kept["X-Request-ID"] == "proxy-1234.abc"
    assert {line["request_id"] for line in log_lines()} == {"proxy-1234.abc"}

    replaced = client.get("/healthz", HTTP_X_REQUEST_ID='x" injected\nline')
    assert replaced["X-Request-ID"] != 'x" injected\nline'
    uuid.UUID(replaced["X-Request-ID"])


@pytest.mark.django_db
def test_an_api_error_names_the_request_id(log_lines):
    api = api_client_for(UserFactory())

    response = api.post("/api/v1/tasks/", {"type": "no-such-type", "lang": "en"}, format="json")

    assert response.status_code == 400
    assert response.json()["request_id"] == response["X-Request-ID"]


def test_a_log_record_is_one_json_object_with_debug_off(log_lines):
    assert settings.LOG_FORMAT == "json"
    with structlog.contextvars.bound_contextvars(request_id="r-1"):
        logging.getLogger("annotation.services").warning("%d tasks expired", 3, extra={"queue": "celery"})

    (line,) = log_lines()
    assert line["event"] == "3 tasks expired"
    assert (line["level"], line["logger"], line["request_id"], line["queue"]) == (
        "warning",
        "annotation.services",
        "r-1",
        "celery",
    )


def test_a_job_enqueued_by_a_request_carries_its_request_id(monkeypatch):
    """django-structlog puts the request's context in the job's headers; its worker step binds them again."""
    from celery.signals import before_task_publish

    from annotation.jobs import expire_stale_tasks
    from oasst.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", False)
    sent = []

    def capture(headers=None, **kwargs):
        sent.append(headers)

    before_task_publish.connect(capture)
    try:
        with (
            structlog.contextvars.bound_contextvars(request_id="req-42", user_id="u-1"),
            app.connection_for_write("memory://") as connection,
        ):
            expire_stale_tasks.apply_async(connection=connection, queue="test-request-id")
    finally:
        before_task_publish.disconnect(capture)

    (headers,) = sent
    assert headers["__django_structlog__"]["request_id"] == "req-42"
