"""Who gets what: every page of the site (GET) and every operation of the API schema, for a visitor, a volunteer,
a banned volunteer, a researcher, a moderator and an admin. Also: no answer to a volunteer holds a hidden message's
text, and no answer to anyone but an admin holds another user's e-mail address.

To add a page, add a ``Page`` to ``PAGES``; API operations come from the OpenAPI schema, so a new endpoint fails
here until ``API_EXPECTATIONS`` says who may call it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from accounts.models import Role, User
from annotation.models import Message, Report, Task, TaskType
from annotation.services.task_handout import request_task
from exports.models import ExportJob, JobState, Release, ReleaseState
from tests.factories import UserFactory, api_client_for, make_prompt, make_reply

pytestmark = pytest.mark.django_db

ACTORS = ("anonymous", "volunteer", "banned", "researcher", "moderator", "admin")
HIDDEN_TEXT = "Hidden message text that only moderators may read"

# --- The world every request is made in -------------------------------------------------------


@dataclass
class World:
    users: dict[str, User]
    author: User
    root: Message
    reply: Message
    hidden: Message
    tasks: dict[str, Task]
    export: ExportJob  # the researcher's, with its file

    def actor(self, name: str) -> User | None:
        return self.users.get(name)

    def task_of(self, name: str) -> Task:
        """The actor's own open task; visitors and the banned user ask for the volunteer's."""
        return self.tasks.get(name, self.tasks["volunteer"])


def _user(username: str, **fields) -> User:
    # No password: the tests log in with force_login or a token, and hashing one is most of a test's time.
    return UserFactory(username=username, email=f"{username}-address@example.org", password=None, **fields)


@pytest.fixture
def world(settings, tmp_path) -> World:
    users = {
        "volunteer": _user("volunteer"),
        "banned": _user("banned", enabled=False),
        "researcher": _user("researcher", role=Role.RESEARCHER),
        "moderator": _user("moderator", role=Role.MODERATOR),
        "admin": _user("admin", role=Role.ADMIN),
    }
    author = _user("author")
    root = make_prompt(author=author, text="A visible prompt")
    reply = make_reply(root, author=author, text="A visible reply")
    hidden = make_reply(reply, author=author, text=HIDDEN_TEXT, deleted=True)
    # A dismissed red flag: the reply has an item in the flag queue and no open flag to dismiss.
    Report.objects.create(message=reply, user=_user("reporter"), report_type="red_flag", resolved_at=timezone.now())
    for _ in range(4):
        make_prompt(author=author)  # room for the tasks below
    tasks = {
        name: request_task(user=users[name], lang="en", task_type=TaskType.ASSISTANT_REPLY)
        for name in ("volunteer", "researcher", "moderator", "admin")
    }
    return World(
        users=users,
        author=author,
        root=root,
        reply=reply,
        hidden=hidden,
        tasks=tasks,
        export=_export(settings, tmp_path),
    )


def _export(settings, tmp_path) -> ExportJob:
    """A ready export of the researcher's, its file in a folder of the test's own, and a release."""
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    (tmp_path / "job").mkdir()
    (tmp_path / "job" / "trees.jsonl").write_text("{}\n")
    Release.objects.create(state=ReleaseState.READY)
    return ExportJob.objects.create(
        kind="trees",
        filters={"states": ["ready_for_export"]},
        state=JobState.READY,
        file="job/trees.jsonl",
        requested_by=User.objects.get(username="researcher"),
    )


# --- Pages ------------------------------------------------------------------------------------

LOGIN = "login"  # a redirect to the login page


@dataclass(frozen=True)
class Page:
    name: str
    url: Callable[[World, str], str]
    # Status per actor; LOGIN is a 302 to the login page.
    expected: dict[str, int | str]


VOLUNTEER_PAGE = {
    "anonymous": LOGIN,
    "volunteer": 200,
    "banned": LOGIN,
    "researcher": 200,
    "moderator": 200,
    "admin": 200,
}
MODERATION_PAGE = {**VOLUNTEER_PAGE, "volunteer": 403, "researcher": 403}
DATASETS_PAGE = {**VOLUNTEER_PAGE, "volunteer": 403}

PAGES = [
    # Probes for operators: open to anyone, no session needed (tests/core/test_health.py).
    Page("liveness", lambda w, a: "/healthz", dict.fromkeys(ACTORS, 200)),
    Page("readiness", lambda w, a: "/readyz", dict.fromkeys(ACTORS, 200)),
    # Only for a bearer of METRICS_TOKEN (tests/core/test_metrics.py), which is not set here.
    Page("metrics", lambda w, a: "/metrics", dict.fromkeys(ACTORS, 404)),
    # A visitor (and a banned user, logged out on the way) gets the landing page; the others their dashboard.
    Page("dashboard", lambda w, a: "/", dict.fromkeys(ACTORS, 200)),
    Page("terms", lambda w, a: "/terms/", dict.fromkeys(ACTORS, 200)),
    # Choosing a colour scheme is a POST (on the account, or a cookie for visitors); nothing to GET.
    Page("colour scheme", lambda w, a: "/theme/", dict.fromkeys(ACTORS, 405)),
    # The guidelines are open to everyone, volunteers or not.
    Page("guidelines", lambda w, a: "/guidelines/", dict.fromkeys(ACTORS, 200)),
    Page("guideline of a task kind", lambda w, a: "/guidelines/assistant-reply/", dict.fromkeys(ACTORS, 200)),
    Page("profile", lambda w, a: "/profile/", VOLUNTEER_PAGE),
    Page("leaderboard", lambda w, a: "/leaderboard/", VOLUNTEER_PAGE),
    Page("my stats", lambda w, a: "/stats/", VOLUNTEER_PAGE),
    Page("task chooser", lambda w, a: "/tasks/chooser/", VOLUNTEER_PAGE),
    Page("my work", lambda w, a: "/my/work/", VOLUNTEER_PAGE),
    Page("my work, reviews", lambda w, a: "/my/work/?kind=reviews&q=x", VOLUNTEER_PAGE),
    # A task is acknowledged once done, and only to its owner.
    Page(
        "acknowledgement of an open task",
        lambda w, a: f"/my/done/{w.task_of(a).pk}/",
        {**VOLUNTEER_PAGE, "volunteer": 404, "researcher": 404, "moderator": 404, "admin": 404},
    ),
    # Whoever holds an open task is sent back to it.
    Page(
        "new task",
        lambda w, a: "/tasks/new/",
        {**VOLUNTEER_PAGE, "volunteer": 302, "researcher": 302, "moderator": 302, "admin": 302},
    ),
    Page("own task", lambda w, a: f"/tasks/{w.task_of(a).pk}/", VOLUNTEER_PAGE),
    Page(
        "somebody else's task",
        lambda w, a: f"/tasks/{w.tasks['moderator' if a == 'volunteer' else 'volunteer'].pk}/",
        {**VOLUNTEER_PAGE, "volunteer": 404, "researcher": 404, "moderator": 404, "admin": 404},
    ),
    Page("browse", lambda w, a: "/browse/", VOLUNTEER_PAGE),
    # A search for the hidden message's words finds it for moderators only (checked with every answer's body).
    Page("browse search", lambda w, a: "/browse/?q=Hidden+message+text+moderators", VOLUNTEER_PAGE),
    Page("tree", lambda w, a: f"/trees/{w.root.tree_id}/", VOLUNTEER_PAGE),
    Page("message", lambda w, a: f"/messages/{w.reply.pk}/", VOLUNTEER_PAGE),
    Page(
        "hidden message",
        lambda w, a: f"/messages/{w.hidden.pk}/",
        {**VOLUNTEER_PAGE, "volunteer": 404, "researcher": 404},
    ),
    Page("trollboard", lambda w, a: "/moderation/trollboard/", MODERATION_PAGE),
    Page("audit log", lambda w, a: "/moderation/audit/", MODERATION_PAGE),
    Page("flag queue", lambda w, a: "/moderation/queue/", MODERATION_PAGE),
    Page("flag queue item's edit form", lambda w, a: f"/moderation/queue/{w.reply.pk}/edit/", MODERATION_PAGE),
    Page("flag queue item's reviews", lambda w, a: f"/moderation/queue/{w.hidden.pk}/reviews/", MODERATION_PAGE),
    Page("user page", lambda w, a: f"/moderation/users/{w.author.pk}/", MODERATION_PAGE),
    Page("user page of an admin", lambda w, a: f"/moderation/users/{w.users['admin'].pk}/", MODERATION_PAGE),
    Page("datasets", lambda w, a: "/datasets/", DATASETS_PAGE),
    Page("datasets of everybody", lambda w, a: "/datasets/?all=1", DATASETS_PAGE),
    Page("an export's row", lambda w, a: f"/datasets/jobs/{w.export.pk}/", DATASETS_PAGE),
    Page("an export's download", lambda w, a: f"/datasets/jobs/{w.export.pk}/download/", DATASETS_PAGE),
]


def _body(response) -> str:
    """The text of an answer, streamed (a downloaded file) or not."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def _assert_nothing_leaks(world: World, actor: str, body: str) -> None:
    if actor not in ("moderator", "admin"):
        assert HIDDEN_TEXT not in body
    if actor != "admin":
        me = world.actor(actor)
        for user in [*world.users.values(), world.author]:
            if me is None or user.pk != me.pk:
                assert user.email not in body, f"{user.email} shown to {actor}"


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_pages(client, world, page, actor):
    if world.actor(actor) is not None:
        client.force_login(world.actor(actor))
    response = client.get(page.url(world, actor))
    expected = page.expected[actor]
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))
    elif expected == 302:
        assert response.status_code == 302 and response["Location"] == f"/tasks/{world.task_of(actor).pk}/"
    else:
        assert response.status_code == expected
    _assert_nothing_leaks(world, actor, _body(response))


# --- The API ----------------------------------------------------------------------------------


@cache
def _schema_operations() -> list[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return sorted((method.upper(), path) for path, operations in schema["paths"].items() for method in operations)


# A valid body per operation that takes one; the others are sent empty.
API_BODIES = {
    ("POST", "/api/v1/tasks/"): {"type": "assistant_reply", "lang": "en"},
    ("POST", "/api/v1/tasks/{task_id}/submit/"): {"text": "An answer written for the authorisation matrix."},
    ("POST", "/api/v1/tasks/{task_id}/skip/"): {"reason": ""},
    ("POST", "/api/v1/messages/{message_id}/emojis/"): {"emoji": "+1"},
    ("POST", "/api/v1/messages/{message_id}/reports/"): {"report_type": "spam", "reason": "matrix"},
    ("PATCH", "/api/v1/messages/{message_id}/"): {"text": "A new text"},
    ("POST", "/api/v1/moderation/messages/{message_id}/edit/"): {"text": "Edited by a moderator", "reason": "matrix"},
    ("POST", "/api/v1/moderation/users/{user_id}/notes/"): {"note": "A note from the matrix"},
    ("POST", "/api/v1/moderation/users/{user_id}/leaderboard/"): {"visible": False, "reason": "matrix"},
    ("POST", "/api/v1/exports/"): {"kind": "trees", "langs": ["en"]},
}

API_USER = {"anonymous": 401, "volunteer": 200, "banned": 403, "researcher": 200, "moderator": 200, "admin": 200}
API_MODERATOR = {**API_USER, "volunteer": 403, "researcher": 403}
API_EXPORTER = {**API_USER, "volunteer": 403}
# Allowed, but refused by the service for the world's state (nothing to restore, resume, dismiss or unban).
API_MODERATOR_CONFLICT = {**API_MODERATOR, "moderator": 409, "admin": 409}

API_EXPECTATIONS: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/api/v1/health/"): dict.fromkeys(ACTORS, 200),
    ("GET", "/api/v1/me/stats/"): API_USER,
    ("GET", "/api/v1/messages/{message_id}/"): API_USER,
    # Only its author may edit a message.
    ("PATCH", "/api/v1/messages/{message_id}/"): {
        **API_USER,
        "volunteer": 403,
        "researcher": 403,
        "moderator": 403,
        "admin": 403,
    },
    ("GET", "/api/v1/messages/{message_id}/children/"): API_USER,
    ("POST", "/api/v1/messages/{message_id}/emojis/"): API_USER,
    ("POST", "/api/v1/messages/{message_id}/reports/"): {
        **API_USER,
        "volunteer": 201,
        "researcher": 201,
        "moderator": 201,
        "admin": 201,
    },
    ("GET", "/api/v1/messages/{message_id}/thread/"): API_USER,
    ("GET", "/api/v1/messages/{message_id}/tree/"): API_USER,
    ("GET", "/api/v1/moderation/actions/"): API_MODERATOR,
    ("GET", "/api/v1/moderation/trollboard/"): API_MODERATOR,
    ("GET", "/api/v1/moderation/queue/"): API_MODERATOR,
    ("GET", "/api/v1/moderation/queue/{message_id}/"): API_MODERATOR,
    ("POST", "/api/v1/moderation/messages/{message_id}/hide/"): API_MODERATOR,
    ("POST", "/api/v1/moderation/messages/{message_id}/restore/"): API_MODERATOR_CONFLICT,
    ("POST", "/api/v1/moderation/messages/{message_id}/edit/"): API_MODERATOR,
    ("POST", "/api/v1/moderation/messages/{message_id}/dismiss-flags/"): API_MODERATOR_CONFLICT,
    ("POST", "/api/v1/moderation/trees/{tree_id}/halt/"): API_MODERATOR,
    ("POST", "/api/v1/moderation/trees/{tree_id}/resume/"): API_MODERATOR_CONFLICT,
    ("GET", "/api/v1/moderation/users/{user_id}/"): API_MODERATOR,
    ("POST", "/api/v1/moderation/users/{user_id}/ban/"): API_MODERATOR,
    ("POST", "/api/v1/moderation/users/{user_id}/unban/"): API_MODERATOR_CONFLICT,
    ("POST", "/api/v1/moderation/users/{user_id}/notes/"): API_MODERATOR,
    ("POST", "/api/v1/moderation/users/{user_id}/leaderboard/"): API_MODERATOR,
    ("GET", "/api/v1/moderation/users/{user_id}/purge-preview/"): API_MODERATOR,
    ("POST", "/api/v1/moderation/users/{user_id}/purge/"): API_MODERATOR,
    ("GET", "/api/v1/tasks/"): API_USER,
    ("POST", "/api/v1/tasks/"): {**API_USER, "volunteer": 201, "researcher": 201, "moderator": 201, "admin": 201},
    ("GET", "/api/v1/tasks/{task_id}/"): API_USER,
    ("POST", "/api/v1/tasks/{task_id}/ack/"): API_USER,
    ("POST", "/api/v1/tasks/{task_id}/release/"): API_USER,
    ("POST", "/api/v1/tasks/{task_id}/renew/"): API_USER,
    ("POST", "/api/v1/tasks/{task_id}/skip/"): API_USER,
    ("POST", "/api/v1/tasks/{task_id}/submit/"): {
        **API_USER,
        "volunteer": 201,
        "researcher": 201,
        "moderator": 201,
        "admin": 201,
    },
    ("GET", "/api/v1/tasks/availability/"): API_USER,
    ("POST", "/api/v1/tasks/release/"): API_USER,
    ("GET", "/api/v1/exports/"): API_EXPORTER,
    ("POST", "/api/v1/exports/"): {**API_EXPORTER, "researcher": 201, "moderator": 201, "admin": 201},
    ("GET", "/api/v1/exports/{job_id}/"): API_EXPORTER,
    ("GET", "/api/v1/exports/{job_id}/download/"): API_EXPORTER,
    ("GET", "/api/v1/releases/"): API_EXPORTER,
}


def test_every_schema_operation_has_expectations():
    assert set(_schema_operations()) == set(API_EXPECTATIONS)


def _api_path(template: str, world: World, actor: str) -> str:
    return (
        template.replace("{task_id}", str(world.task_of(actor).pk))
        .replace("{message_id}", str(world.reply.pk))
        .replace("{tree_id}", str(world.root.tree_id))
        .replace("{user_id}", str(world.author.pk))
        .replace("{job_id}", str(world.export.pk))
    )


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("operation", sorted(API_EXPECTATIONS), ids=lambda op: f"{op[0]} {op[1]}")
def test_api(world, operation, actor):
    method, template = operation
    user = world.actor(actor)
    client = api_client_for(user) if user is not None else APIClient()
    body = API_BODIES.get(operation)
    response = getattr(client, method.lower())(_api_path(template, world, actor), body, format="json")
    assert response.status_code == API_EXPECTATIONS[operation][actor], _body(response)
    _assert_nothing_leaks(world, actor, _body(response))


@pytest.mark.parametrize("actor", ("volunteer", "moderator"))
def test_the_api_hides_hidden_messages_from_volunteers(world, actor):
    client = api_client_for(world.actor(actor))
    for path in (f"/api/v1/messages/{world.hidden.pk}/", f"/api/v1/messages/{world.hidden.pk}/thread/"):
        response = client.get(path)
        if actor == "volunteer":
            assert response.status_code == 404 and HIDDEN_TEXT not in response.content.decode()
        else:
            assert response.status_code == 200 and HIDDEN_TEXT in response.content.decode()
