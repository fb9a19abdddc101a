"""The REST API's tasks endpoints, its error shapes and its schema."""

import json
import logging

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts.models import UserStats
from annotation.models import Message, Ranking, Review, Task, TaskState, TreeState
from tests.factories import UserFactory, api_client_for, make_prompt, make_reply

pytestmark = pytest.mark.django_db

TASKS = "/api/v1/tasks/"


@pytest.fixture
def user():
    return UserFactory()


@pytest.fixture
def api(user):
    return api_client_for(user)


def request_task(api: APIClient, task_type: str = "random", lang: str = "en"):
    return api.post(TASKS, {"type": task_type, "lang": lang}, format="json")


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["error_code"] == code and isinstance(body["message"], str) and body["message"]
    return body


# --- Health, schema, error shapes -------------------------------------------------------------


def test_health_needs_no_login_and_no_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        response = APIClient().get("/api/v1/health/")
    assert (response.status_code, response.json()) == (200, {"ok": True})


def test_schema_lists_the_endpoints_and_generates_without_warnings(tmp_path):
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = json.loads(response.content)["paths"]
    for path in [
        "/api/v1/tasks/",
        "/api/v1/tasks/availability/",
        "/api/v1/tasks/release/",
        "/api/v1/tasks/{task_id}/release/",
        "/api/v1/tasks/{task_id}/submit/",
        "/api/v1/messages/{message_id}/tree/",
        "/api/v1/messages/{message_id}/emojis/",
        "/api/v1/me/stats/",
    ]:
        assert path in paths
    call_command("spectacular", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert APIClient().get("/api/docs/").status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "body", "content_type", "status", "code"),
    [
        ("get", "/api/v1/nowhere/", None, None, 404, "not_found"),
        ("get", "/api/v1/tasks/not-a-uuid/", None, None, 404, "not_found"),
        ("get", "/api/v1/tasks/00000000-0000-0000-0000-000000000000/", None, None, 404, "not_found"),
        ("delete", TASKS, None, None, 405, "method_not_allowed"),
        ("post", TASKS, "{not json", "application/json", 400, "parse_error"),
        # A lone surrogate, which the choice error would quote and no response could encode.
        ("post", TASKS, '{"type": "\\ud800"}', "application/json", 400, "parse_error"),
        ("post", TASKS, "type=random", "text/plain", 415, "unsupported_media_type"),
        ("post", TASKS, json.dumps([1, 2]), "application/json", 400, "invalid_input"),
        ("post", TASKS, json.dumps({"type": "write_a_poem"}), "application/json", 400, "invalid_input"),
        ("post", TASKS, json.dumps({"type": ["random"]}), "application/json", 400, "invalid_input"),
        ("post", TASKS, json.dumps({"lang": "not a language"}), "application/json", 400, "invalid_input"),
        ("get", "/api/v1/tasks/availability/?lang=%00", None, None, 400, "invalid_input"),
    ],
)
def test_client_mistakes_get_json_errors(api, caplog, method, path, body, content_type, status, code):
    kwargs = {"data": body, "content_type": content_type} if body is not None else {}
    with caplog.at_level(logging.INFO, logger="api"):
        response = getattr(api, method)(path, **kwargs)
    assert_error(response, status, code)
    assert any(r.name == "api" for r in caplog.records)


def test_escaped_surrogate_pairs_are_ordinary_characters(api):
    task = request_task(api, "initial_prompt").json()
    body = '{"text": "Which emoji is this: \\ud83d\\ude00?", "lang": "en"}'
    response = api.post(f"{TASKS}{task['id']}/submit/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert Message.objects.get(pk=response.json()["message"]["id"]).text == "Which emoji is this: \U0001f600?"


def test_validation_errors_say_which_field(api):
    body = assert_error(request_task(api, task_type="write_a_poem"), 400, "invalid_input")
    assert "type" in body["details"]


# --- Tasks -----------------------------------------------------------------------------------


def test_initial_prompt_task_from_request_to_submission(api, user):
    response = request_task(api, "initial_prompt")
    assert response.status_code == 201
    task = response.json()
    assert (task["type"], task["state"], task["lang"], task["thread"]) == ("initial_prompt", "open", "en", [])
    assert "hint" in task and task["expires_at"]

    assert api.get(f"{TASKS}{task['id']}/").json()["id"] == task["id"]
    assert [t["id"] for t in api.get(TASKS).json()] == [task["id"]]
    assert api.post(f"{TASKS}{task['id']}/ack/").json()["acknowledged_at"]
    assert api.post(f"{TASKS}{task['id']}/renew/").status_code == 200

    submit = f"{TASKS}{task['id']}/submit/"
    response = api.post(submit, {"text": "How do tides work?", "lang": "en"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["task"]["state"] == "done" and body["review"] is None and body["ranking"] is None
    assert body["message"]["text"] == "How do tides work?" and body["message"]["role"] == "prompter"
    # A retried submission gives the first result back, never a second message.
    again = api.post(submit, {"text": "How do tides work?", "lang": "en"}, format="json")
    assert again.json()["message"]["id"] == body["message"]["id"]
    assert Message.objects.filter(author=user).count() == 1
    assert api.get(TASKS).json() == []


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 400, "invalid_input"),
        ({"text": ""}, 400, "text_blank"),
        ({"text": "   \n "}, 400, "text_blank"),
        ({"text": None}, 400, "invalid_input"),
        ({"text": "x" * 2001}, 400, "text_too_long"),
        ({"text": "Fine", "lang": 5}, 400, "invalid_input"),
    ],
)
def test_text_submission_errors(api, body, status, code):
    task = request_task(api, "initial_prompt").json()
    assert_error(api.post(f"{TASKS}{task['id']}/submit/", body, format="json"), status, code)
    assert Task.objects.get(pk=task["id"]).state == TaskState.OPEN


def test_skip_closes_the_task(api):
    task = request_task(api, "initial_prompt").json()
    response = api.post(f"{TASKS}{task['id']}/skip/", {"reason": "no idea"}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "skipped"
    assert Task.objects.get(pk=task["id"]).skip_reason == "no idea"
    assert api.post(f"{TASKS}{task['id']}/submit/", {"text": "late"}, format="json").status_code >= 400
    assert_error(api.post(f"{TASKS}{task['id']}/skip/", {"reason": 3 * ["x"]}, format="json"), 400, "invalid_input")


def test_tasks_of_others_are_not_found(api):
    task = request_task(api, "initial_prompt").json()
    other = api_client_for(UserFactory())
    for suffix, body in [("", None), ("ack/", None), ("renew/", None), ("skip/", {}), ("submit/", {"text": "mine"})]:
        method = other.get if suffix == "" else other.post
        assert_error(method(f"{TASKS}{task['id']}/{suffix}", body, format="json"), 404, "not_found")


def test_no_task_available_and_rate_limit(api, tree_manager):
    assert_error(request_task(api, "rank_assistant_replies"), 404, "no_task_available")
    tree_manager(rate_limit_task_requests=2)
    for _ in range(2):
        response = request_task(api, "initial_prompt")
        assert response.status_code == 201
        # Skipped, so that the next request is not answered with the task held.
        api.post(f"{TASKS}{response.json()['id']}/skip/", {}, format="json")
    assert_error(request_task(api, "initial_prompt"), 429, "rate_limited")


def test_too_many_pending_tasks(api, tree_manager):
    tree_manager(max_pending_tasks_per_user=1)
    assert request_task(api, "initial_prompt").status_code == 201
    # In another language, so that the task held is not what the request gives back.
    assert_error(request_task(api, "initial_prompt", lang="de"), 409, "too_many_pending_tasks")


def test_asking_again_gives_back_the_task_held_and_release_frees_it(api, user, django_assert_num_queries):
    prompt = make_prompt(state=TreeState.INITIAL_PROMPT_REVIEW, accepted=False)
    first = request_task(api, "label_initial_prompt")
    assert first.status_code == 201
    api.post(f"{TASKS}{first.json()['id']}/ack/")
    for task_type in ("label_initial_prompt", "random"):
        again = request_task(api, task_type)
        assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert Task.objects.filter(user=user).count() == 1
    prompt.refresh_from_db()
    assert prompt.review_claims == 1

    # The token with its user (1); a savepoint, the tasks locked, the claim freed, the tasks closed, the
    # savepoint released (5).
    with django_assert_num_queries(6):
        response = api.post(f"{TASKS}release/")
    assert (response.status_code, response.json()) == (200, {"released": 1})
    prompt.refresh_from_db()
    assert prompt.review_claims == 0 and prompt.emojis == {}
    assert Task.objects.get(pk=first.json()["id"]).state == TaskState.EXPIRED
    assert api.post(f"{TASKS}release/").json() == {"released": 0}


def test_release_one_task(api, user, django_assert_num_queries):
    make_prompt(state=TreeState.INITIAL_PROMPT_REVIEW, accepted=False)
    review = request_task(api, "label_initial_prompt").json()
    prompt = request_task(api, "initial_prompt").json()
    # The token with its user (1), the task (1); a savepoint, the task locked, the claim freed, the task closed,
    # the savepoint released (5); the task's thread (1).
    with django_assert_num_queries(8):
        response = api.post(f"{TASKS}{review['id']}/release/")
    assert response.status_code == 200 and response.json()["state"] == "expired"
    assert Task.objects.get(pk=prompt["id"]).state == TaskState.OPEN
    assert_error(api_client_for(UserFactory()).post(f"{TASKS}{prompt['id']}/release/"), 404, "not_found")


def test_availability(api):
    make_prompt(state=TreeState.INITIAL_PROMPT_REVIEW, accepted=False)
    counts = api.get("/api/v1/tasks/availability/?lang=en").json()
    assert counts["label_initial_prompt"] == 1
    assert counts["initial_prompt"] >= 1
    assert counts["rank_assistant_replies"] == 0


def test_review_task(api):
    prompt = make_prompt(state=TreeState.INITIAL_PROMPT_REVIEW, accepted=False, text="Tell me a joke")
    task = request_task(api, "label_initial_prompt").json()
    assert task["message_id"] == str(prompt.id)
    assert [m["text"] for m in task["thread"]] == ["Tell me a joke"]
    assert task["full_labels"] is True and "spam" in task["label_names"]

    submit = f"{TASKS}{task['id']}/submit/"
    assert_error(api.post(submit, {"values": {"spam": 2}}, format="json"), 400, "invalid_input")
    assert_error(api.post(submit, {"values": {"no_such_label": 1}}, format="json"), 400, "invalid_labels")
    assert_error(api.post(submit, {"text": "wrong body"}, format="json"), 400, "invalid_input")
    values = {"spam": 0, "lang_mismatch": 0, "quality": 0.75}
    response = api.post(submit, {"values": values, "comment": "ok"}, format="json")
    assert response.status_code == 201
    assert response.json()["review"]["message_id"] == str(prompt.id)
    assert Review.objects.get(message=prompt).comment == "ok"


def test_ranking_task(api):
    prompt = make_prompt(state=TreeState.RANKING)
    replies = {str(make_reply(prompt).id) for _ in range(3)}
    task = request_task(api, "rank_assistant_replies").json()
    assert task["parent_message_id"] == str(prompt.id)
    assert {r["id"] for r in task["replies"]} == replies

    submit = f"{TASKS}{task['id']}/submit/"
    shown = [r["id"] for r in task["replies"]]
    assert_error(api.post(submit, {}, format="json"), 400, "invalid_input")
    assert_error(api.post(submit, {"ranking": shown[:2]}, format="json"), 400, "invalid_ranking")
    assert_error(api.post(submit, {"ranking": ["nope", *shown[1:]]}, format="json"), 400, "invalid_input")
    best_first = list(reversed(shown))
    response = api.post(submit, {"ranking": best_first}, format="json")
    assert response.status_code == 201
    assert response.json()["ranking"]["ranking"] == best_first
    assert Ranking.objects.get(parent=prompt).not_rankable is False


def test_ranking_can_say_none_is_acceptable(api):
    prompt = make_prompt(state=TreeState.RANKING)
    for _ in range(2):
        make_reply(prompt)
    task = request_task(api, "rank_assistant_replies").json()
    response = api.post(f"{TASKS}{task['id']}/submit/", {"not_rankable": True}, format="json")
    assert response.status_code == 201 and response.json()["ranking"]["not_rankable"] is True


# --- The current user ------------------------------------------------------------------------


def test_my_stats(api, user):
    UserStats.objects.create(user=user, time_frame="total", leader_score=42, prompts=3)
    body = api.get("/api/v1/me/stats/").json()
    assert body["frames"]["total"]["leader_score"] == 42 and body["frames"]["total"]["prompts"] == 3
    assert body["frames"]["day"] is None
    assert "streak_days" in body


ODD_BODIES = [
    [],
    "text",
    7,
    None,
    {"text": {"a": 1}},
    {"values": {"spam": {"a": 1}}},
    {"values": "spam"},
    {"ranking": [1, 2]},
    {"ranking": "abc"},
    {"not_rankable": "perhaps"},
    {"emoji": None, "on": []},
    {"labels": {"pii": None}},
    {"reason": {"x": 1}},
]


@pytest.mark.parametrize("body", ODD_BODIES)
def test_odd_bodies_never_cause_a_server_error(api, body):
    prompt = make_prompt(state=TreeState.RANKING)
    for _ in range(2):
        make_reply(prompt)
    make_prompt(state=TreeState.INITIAL_PROMPT_REVIEW, accepted=False)
    tasks = [request_task(api, kind).json()["id"] for kind in ("initial_prompt", "label_initial_prompt")]
    tasks.append(request_task(api, "rank_assistant_replies").json()["id"])
    paths = [f"{TASKS}{task_id}/{action}/" for task_id in tasks for action in ("submit", "skip")]
    paths += [TASKS, f"/api/v1/messages/{prompt.id}/emojis/", f"/api/v1/messages/{prompt.id}/reports/"]
    for path in paths:
        response = api.post(path, json.dumps(body), content_type="application/json")
        assert response.status_code < 500, (path, response.content)
        assert response.status_code < 300 or "error_code" in response.json()
    response = api.patch(f"/api/v1/messages/{prompt.id}/", json.dumps(body), content_type="application/json")
    assert 400 <= response.status_code < 500
