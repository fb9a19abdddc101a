"""The API's error contract: what the exception handler makes of each kind of error, and hostile bodies sent to
every operation of the schema that reads one."""

import json
import logging

import pytest
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404
from drf_spectacular.generators import SchemaGenerator
from rest_framework import exceptions
from rest_framework.test import APIRequestFactory

from accounts.models import Role
from core.api.errors import error_body, exception_handler
from core.errors import Conflict, InvalidInput
from tests.factories import UserFactory, api_client_for

pytestmark = pytest.mark.django_db


def handle(exc: Exception) -> tuple[int, dict]:
    request = APIRequestFactory().post("/api/v1/tasks/")
    response = exception_handler(exc, {"request": request})
    return response.status_code, response.data


class TeapotError(Conflict):
    code = "teapot"


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (TeapotError("I am a teapot.", pot=1), 409, "teapot"),
        (InvalidInput(), 400, "invalid_input"),
        (Http404(), 404, "not_found"),
        (DjangoValidationError("bad"), 400, "invalid_input"),
        (exceptions.ValidationError({"text": ["required"]}), 400, "invalid_input"),
        (exceptions.Throttled(wait=3), 429, "rate_limited"),
        (exceptions.UnsupportedMediaType("text/plain"), 415, "unsupported_media_type"),
        (RequestDataTooBig("too big"), 413, "request_too_large"),
        (TooManyFieldsSent("too many"), 400, "bad_request"),
        (SuspiciousOperation("odd"), 400, "bad_request"),
        (OperationalError("server closed the connection unexpectedly"), 503, "database_unavailable"),
        (InterfaceError("connection already closed"), 503, "database_unavailable"),
    ],
)
def test_errors_become_the_contract(exc, status, code):
    got_status, body = handle(exc)
    assert (got_status, body["error_code"]) == (status, code)
    assert isinstance(body["message"], str) and body["message"]
    assert set(body) <= {"error_code", "message", "details", "request_id"}


def test_the_database_away_asks_to_retry_and_tells_nothing_of_the_driver():
    response = exception_handler(OperationalError("FATAL: terminating connection"), {"request": None})
    assert (response.status_code, response["Retry-After"]) == (503, "10")
    assert "FATAL" not in json.dumps(response.data)


def test_details_say_which_fields_and_values():
    assert handle(TeapotError(pot=1))[1]["details"] == {"pot": 1}
    assert handle(exceptions.ValidationError({"text": ["required"]}))[1]["details"] == {"text": ["required"]}
    assert "details" not in error_body("not_found", "No.", {})


def test_an_unexpected_error_is_a_logged_500_that_tells_nothing_of_it(caplog):
    with caplog.at_level(logging.ERROR, logger="api"):
        status, body = handle(RuntimeError("a bug"))
    assert (status, body["error_code"]) == (500, "server_error")
    assert "a bug" not in json.dumps(body)
    assert any(r.name == "api" and r.exc_info for r in caplog.records)


def _operations_with_a_body() -> list[tuple[str, str]]:
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    return sorted(
        (method, path)
        for path, operations in paths.items()
        for method, operation in operations.items()
        if "requestBody" in operation
    )


@pytest.mark.parametrize(("method", "path"), _operations_with_a_body())
def test_every_operation_with_a_body_refuses_hostile_bodies_in_the_contract(settings, method, path):
    """With made-up ids: an operation may answer 404 before it reads the body, but never a server error."""
    # The moderators' and the datasets' endpoints refuse anyone else before reading the body.
    role = Role.VOLUNTEER
    if path.startswith("/api/v1/moderation/"):
        role = Role.MODERATOR
    elif path.startswith("/api/v1/exports/"):
        role = Role.RESEARCHER
    api = api_client_for(UserFactory(role=role))
    url = path.replace("{", "").replace("}", "")
    for name in ("task_id", "message_id", "tree_id", "user_id"):
        url = url.replace(name, "00000000-0000-4000-8000-000000000000")
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    for content_type, body, refusals in [
        ("application/json", "[" * 5_000 + "]" * 5_000, {400, 404}),
        ("application/json", json.dumps({"text": "x" * 10_000}), {413, 404}),
        ("application/x-www-form-urlencoded", "text=x", {415, 404}),
        ("multipart/form-data; boundary=B", "--B\r\n", {415, 404}),
        ("application/json", b"\xff", {400, 404}),
    ]:
        response = getattr(api, method)(url, body, content_type=content_type)
        assert response.status_code in refusals, (content_type, response.content)
        assert response["Content-Type"] == "application/json"
        assert response.json()["error_code"] and response.json()["message"]
