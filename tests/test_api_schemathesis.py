"""The whole API against its own OpenAPI schema, as every kind of caller: no server error, and every answer is
one the schema documents (status code, content type, body).

Schemathesis generates requests from the schema (valid ones, and invalid ones that must be refused cleanly), a
few per operation and the same ones every run, and sends them to the Django application over WSGI inside the
test's transaction. Path parameters are often the ids of real tasks and messages seeded here, so that the
endpoints' work is exercised and not only their 404.
"""

from collections.abc import Iterator
from contextlib import contextmanager, suppress

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup

from accounts.models import Role, User
from accounts.services.api_clients import create_api_client, get_or_create_client_user
from accounts.services.tokens import issue_personal_token
from annotation.models import Report, TaskType
from annotation.services import task_handout
from core.errors import DomainError
from exports.models import ExportJob, JobState
from moderation.models import ModerationAction
from tests.factories import (
    ModerationActionFactory,
    UserFactory,
    make_prompt,
    make_reply,
    make_trees_for_every_task_type,
)

pytestmark = pytest.mark.django_db

EXAMPLES = {GenerationMode.POSITIVE: 6, GenerationMode.NEGATIVE: 3}
CHECKS = [
    not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]


@contextmanager
def _requests_in_test_transaction() -> Iterator[None]:
    """Requests over WSGI share the test's connection: Django must not close it after each request (its test
    client does the same)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _caller(role: str) -> tuple[User, dict[str, str]]:
    """A user of the role and the headers that authenticate as them."""
    if role == "api_client":
        client, token = create_api_client(name="Schema bot")
        user = get_or_create_client_user(client=client, external_id="bot-user-1")
        return user, {"Authorization": f"ApiClient {token}", "X-OASST-User": "bot-user-1"}
    user = UserFactory(role=role, is_staff=role == Role.ADMIN, is_superuser=role == Role.ADMIN)
    return user, {"Authorization": f"Token {issue_personal_token(user=user)}"}


def _seed(user: User) -> dict[str, list[str]]:
    """Trees in every state that offers a task, messages of the caller's own, the caller's open tasks: ids by
    path parameter name."""
    messages = list(make_trees_for_every_task_type().values())
    own = make_prompt(author=user, accepted=False, text="My own unreviewed prompt")
    messages += [own, make_reply(messages[1], author=user), make_reply(own, deleted=True)]
    tasks = []
    for task_type in (TaskType.INITIAL_PROMPT, TaskType.ASSISTANT_REPLY, TaskType.LABEL_ASSISTANT_REPLY):
        with suppress(DomainError):
            tasks.append(task_handout.request_task(user=user, lang="en", task_type=task_type))
    assert tasks, "no task to exercise"
    # Audit log entries, so that the moderators' list answers with rows: one by a moderator, one by the platform.
    ModerationActionFactory(
        kind=ModerationAction.Kind.HIDE_MESSAGE, message=messages[0], tree=messages[0].tree, target_user=user
    )
    ModerationActionFactory(
        moderator=None, kind=ModerationAction.Kind.AUTO, tree=messages[1].tree, details={"skips": 3}
    )
    # A user for the moderators' endpoints (ban, notes, purge), with a prompt, a flagged reply and a hidden one.
    suspect = UserFactory()
    suspect_prompt = make_prompt(author=suspect)
    flagged = make_reply(suspect_prompt, author=suspect)
    Report.objects.create(message=flagged, user=UserFactory(), report_type="red_flag")
    messages += [suspect_prompt, flagged, make_reply(flagged, deleted=True)]
    # Export jobs: the caller's, ready with its file, and someone else's, queued.
    own_export = ExportJob.objects.create(kind="trees", state=JobState.READY, file="job/trees.jsonl", requested_by=user)
    other_export = ExportJob.objects.create(kind="messages", requested_by=suspect)
    return {
        "message_id": [str(m.pk) for m in messages],
        "task_id": [str(t.pk) for t in tasks],
        "tree_id": sorted({str(m.tree_id) for m in messages}),
        "user_id": [str(user.pk), str(suspect.pk), str(messages[0].author_id)],
        "job_id": [str(own_export.pk), str(other_export.pk)],
    }


def _cases(operation: schemathesis.APIOperation, ids: dict[str, list[str]], mode: GenerationMode):
    """Generated cases; valid ones also with each seeded id in the path."""
    strategies = [operation.as_strategy(generation_mode=mode)]
    names = [parameter.name for parameter in operation.path_parameters]
    if mode == GenerationMode.POSITIVE and len(names) == 1:
        strategies += [
            operation.as_strategy(generation_mode=mode, path_parameters={names[0]: value}) for value in ids[names[0]]
        ]
    return st.one_of(*strategies)


@pytest.fixture(autouse=True)
def _export_files(settings, tmp_path):
    """The exports storage in a folder of the test's own, holding the file of the seeded ready export."""
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    (tmp_path / "job").mkdir()
    (tmp_path / "job" / "trees.jsonl").write_text("{}\n")


@pytest.fixture(scope="module")
def openapi_schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


@pytest.mark.parametrize("role", [Role.VOLUNTEER, "api_client", Role.MODERATOR, Role.ADMIN])
def test_every_operation_answers_as_the_schema_says(openapi_schema, role):
    user, headers = _caller(role)
    ids = _seed(user)
    schema = schemathesis.openapi.from_dict(openapi_schema)
    app = get_wsgi_application()
    failures = []
    with _requests_in_test_transaction():
        operations = [result.ok() for result in schema.get_all_operations()]
        # The moderators' actions last: they hide the seeded messages, halt trees and ban users.
        operations.sort(key=lambda operation: operation.path.startswith("/api/v1/moderation/"))
        for operation in operations:
            for mode, examples in EXAMPLES.items():

                @given(case=_cases(operation, ids, mode))
                @settings(
                    max_examples=examples,
                    derandomize=True,
                    database=None,
                    deadline=None,
                    suppress_health_check=list(HealthCheck),
                )
                def answers_as_documented(case: schemathesis.Case) -> None:
                    response = case.call(app=app, headers=headers)
                    case.validate_response(response, checks=CHECKS, headers=headers)

                try:
                    answers_as_documented()
                except FailureGroup as group:
                    failures.append(f"{operation.label} ({mode.value}):\n{group}")
                except Unsatisfiable:
                    # No parameter and no body: nothing that could be invalid.
                    assert mode == GenerationMode.NEGATIVE, operation.label
    assert not failures, "\n\n".join(failures)
