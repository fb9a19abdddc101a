"""Hostile bodies on every endpoint of the annotation API that reads one: each is refused in the JSON error
contract with a 4xx, never a server error, and nothing is written."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotation.models import EmojiReaction, Message, MessageRevision, Report, Task, TaskState, TreeState
from core.api.parsers import MAX_NESTING
from tests.factories import UserFactory, api_client_for, make_prompt, make_ranking_tree

pytestmark = pytest.mark.django_db

# Endpoints that read a body: method, path with {task} / {own} / {other} for the ids of the fixture's objects.
ENDPOINTS = [
    ("post", "/api/v1/tasks/"),
    ("post", "/api/v1/tasks/{task}/skip/"),
    ("post", "/api/v1/tasks/{task}/submit/"),
    ("patch", "/api/v1/messages/{own}/"),
    ("post", "/api/v1/messages/{other}/emojis/"),
    ("post", "/api/v1/messages/{other}/reports/"),
]


def deep(depth: int) -> object:
    value: object = 1
    for _ in range(depth):
        value = [value]
    return value


class Setup:
    def __init__(self) -> None:
        self.user = UserFactory()
        self.api = api_client_for(self.user)
        self.task = self.api.post("/api/v1/tasks/", {"type": "initial_prompt"}, format="json").json()
        self.own = make_prompt(author=self.user, accepted=False)
        self.other = make_prompt()

    def url(self, path: str) -> str:
        return path.format(task=self.task["id"], own=self.own.id, other=self.other.id)

    def send(self, method: str, path: str, body: bytes | str, content_type: str = "application/json"):
        return getattr(self.api, method)(self.url(path), body, content_type=content_type)

    def assert_nothing_written(self) -> None:
        assert Task.objects.get(pk=self.task["id"]).state == TaskState.OPEN
        assert Task.objects.count() == 1
        assert Message.objects.filter(author=self.user).count() == 1
        assert not (Report.objects.exists() or EmojiReaction.objects.exists() or MessageRevision.objects.exists())


@pytest.fixture
def setup() -> Setup:
    return Setup()


def assert_error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["error_code"] == code and body["message"], body


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_json_nested_thousands_of_levels_deep_is_a_parse_error(setup, method, path, depth):
    assert_error(setup.send(method, path, "[" * depth + "]" * depth), 400, "parse_error")
    assert_error(setup.send(method, path, '{"text": ' + "[" * depth + "]" * depth + "}"), 400, "parse_error")
    setup.assert_nothing_written()


# Every field of each body holding a value nested as deep as the parser lets through.
DEEP_FIELDS = {
    "/api/v1/tasks/": ["type", "lang"],
    "/api/v1/tasks/{task}/skip/": ["reason"],
    "/api/v1/tasks/{task}/submit/": ["text", "lang"],
    "/api/v1/messages/{own}/": ["text"],
    "/api/v1/messages/{other}/emojis/": ["emoji", "on"],
    "/api/v1/messages/{other}/reports/": ["report_type", "reason", "labels"],
}


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_deep_values_in_fields_are_invalid_input(setup, method, path):
    for field in DEEP_FIELDS[path]:
        body = json.dumps({field: deep(MAX_NESTING - 1)})
        assert_error(setup.send(method, path, body), 400, "invalid_input")
    assert_error(setup.send(method, path, json.dumps(deep(MAX_NESTING))), 400, "invalid_input")
    setup.assert_nothing_written()


def test_deep_values_in_label_values_and_rankings_are_invalid_input():
    user = UserFactory()
    api = api_client_for(user)
    for task_type, body in [
        ("label_initial_prompt", {"values": {"spam": deep(MAX_NESTING - 2)}}),
        ("label_initial_prompt", {"values": deep(MAX_NESTING - 1), "comment": deep(MAX_NESTING - 1)}),
        ("rank_assistant_replies", {"ranking": [deep(MAX_NESTING - 2)]}),
        ("rank_assistant_replies", {"ranking": deep(MAX_NESTING - 1), "not_rankable": deep(MAX_NESTING - 1)}),
    ]:
        if task_type == "label_initial_prompt":
            make_prompt(state=TreeState.INITIAL_PROMPT_REVIEW, accepted=False)
        else:
            make_ranking_tree()
        task = api.post("/api/v1/tasks/", {"type": task_type}, format="json").json()
        assert_error(api.post(f"/api/v1/tasks/{task['id']}/submit/", body, format="json"), 400, "invalid_input")
        assert Task.objects.get(pk=task["id"]).state == TaskState.OPEN


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_a_body_over_the_size_limit_is_413(setup, settings, method, path):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    body = json.dumps({"text": "x" * 1_000, "type": "initial_prompt", "emoji": "+1", "reason": "r"})
    assert_error(setup.send(method, path, body), 413, "request_too_large")
    setup.assert_nothing_written()


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", "text=hi&type=initial_prompt&emoji=%2B1&labels=pii"),
        ("multipart/form-data; boundary=BoUnDaRy", '--BoUnDaRy\r\nContent-Disposition: form-data; name="text"'),
        ("text/plain", "hi"),
    ],
)
def test_bodies_that_are_not_json_are_415(setup, method, path, content_type, body):
    assert_error(setup.send(method, path, body, content_type=content_type), 415, "unsupported_media_type")
    setup.assert_nothing_written()


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
@pytest.mark.parametrize(
    "body",
    [b'{"text": "caf\xe9", "reason": "\xff"}', '{"text": "\\udc00", "emoji": "\\ud800"}', '{"labels": {"\\udfff": 1}}'],
)
def test_invalid_utf8_and_lone_surrogates_are_parse_errors(setup, method, path, body):
    assert_error(setup.send(method, path, body), 400, "parse_error")
    setup.assert_nothing_written()


def test_hostile_bodies_are_refused_before_any_work(setup):
    """Authentication only: the token's one query, then the refusal."""
    for body, content_type in [
        ("[" * 10_000 + "]" * 10_000, "application/json"),
        (json.dumps(deep(MAX_NESTING + 1)), "application/json"),
        ("type=initial_prompt", "application/x-www-form-urlencoded"),
    ]:
        with CaptureQueriesContext(connection) as queries:
            response = setup.api.post("/api/v1/tasks/", body, content_type=content_type)
        assert response.status_code in (400, 415)
        assert len(queries) == 1, [q["sql"] for q in queries]
