"""Moderator actions racing volunteers' submissions on PostgreSQL, with real concurrent connections: every path
takes a task's row before the rows of messages, so neither side can hold what the other waits for."""

import threading
import time
import traceback

import pytest
from django.db import connection

from annotation.models import Message, Review, Task, TaskState, TaskType, TreeState
from annotation.services import submissions
from annotation.services.task_handout import request_task
from annotation.services.tree_checks import recheck_trees
from moderation.models import ModerationAction
from moderation.services.messages import hide_message
from tests.annotation.workers import answered
from tests.factories import UserFactory, make_prompt, make_reply

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WAIT = 20


def _waits_for_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return row is not None and row[0] == "Lock"


def _submission(kind: str):
    """A tree, a volunteer's open task in it and the submission of that task: a reply to the prompt, or a review of
    a reply under it. Returns (prompt, task, submit)."""
    prompt = make_prompt(state=TreeState.GROWING)
    volunteer = UserFactory()
    if kind == "reply":
        task = request_task(user=volunteer, lang="en", task_type=TaskType.ASSISTANT_REPLY)
        assert task.parent_message_id == prompt.pk
        return prompt, task, lambda: submissions.submit_text(task=task, user=volunteer, text="A reply written now")
    reply = make_reply(prompt, accepted=False, review_count=0, review_result=None)
    task = request_task(user=volunteer, lang="en", task_type=TaskType.LABEL_ASSISTANT_REPLY)
    assert task.message_id == reply.pk
    values = answered(task, {"spam": 0.0, "quality": 0.5})
    return prompt, task, lambda: submissions.submit_review(task=task, user=volunteer, values=values)


@pytest.mark.parametrize("kind", ["reply", "review"])
def test_hiding_a_message_while_a_task_under_it_is_being_submitted_does_not_deadlock(monkeypatch, kind):
    """The submission holds its task and is about to lock the message the task is about when the moderator hides
    the prompt above it: the hide waits for the task before it takes the tree and its messages, then hides what
    the submission wrote with the rest."""
    prompt, task, submit = _submission(kind)
    moderator = UserFactory(role="moderator")

    holds_task, go = threading.Event(), threading.Event()
    lock_task = submissions.lock_task

    def lock_task_then_wait(**kwargs):
        locked = lock_task(**kwargs)
        holds_task.set()
        assert go.wait(WAIT)
        return locked

    monkeypatch.setattr(submissions, "lock_task", lock_task_then_wait)
    errors: list[str] = []
    results: dict[str, object] = {}
    hide_pid: list[int] = []

    def run_submission() -> None:
        try:
            results["submitted"] = submit()
        except Exception:
            errors.append(traceback.format_exc())
        finally:
            connection.close()

    def hide() -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                hide_pid.append(cursor.fetchone()[0])
            results["hidden"] = hide_message(moderator=moderator, message=prompt, reason="spam")
        except Exception:
            errors.append(traceback.format_exc())
        finally:
            connection.close()

    submitter = threading.Thread(target=run_submission)
    submitter.start()
    assert holds_task.wait(WAIT)
    hider = threading.Thread(target=hide)
    hider.start()
    # The hide waits for a row lock (the task's, once the order is right); then the submission goes on.
    deadline = time.monotonic() + WAIT
    while not (hide_pid and _waits_for_a_lock(hide_pid[0])):
        assert time.monotonic() < deadline and hider.is_alive(), errors
        time.sleep(0.02)
    go.set()
    submitter.join(WAIT)
    hider.join(WAIT)
    assert not submitter.is_alive() and not hider.is_alive()

    assert not errors, errors[0]
    assert Task.objects.get(pk=task.pk).state == TaskState.DONE
    live = Message.objects.filter(tree_id=prompt.tree_id, deleted=False)
    assert not live.exists() and set(results["hidden"]) == set(
        Message.objects.filter(tree_id=prompt.tree_id).values_list("pk", flat=True)
    )
    if kind == "reply":
        assert results["submitted"].pk in results["hidden"]
    else:
        assert Review.objects.filter(pk=results["submitted"].pk).exists()
    assert ModerationAction.objects.get().kind == "hide_message"
    assert not recheck_trees(), "counters or states drifted"
