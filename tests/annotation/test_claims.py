import pytest

from annotation.models import Message, TaskState, TaskType
from annotation.services.claims import claim_slot, release_claim
from annotation.services.task_handout import request_task
from tests.factories import UserFactory, make_prompt

pytestmark = pytest.mark.django_db


def test_a_reply_task_claims_its_parent():
    root = make_prompt()
    task = request_task(user=UserFactory(), lang="en", task_type=TaskType.ASSISTANT_REPLY)
    assert claim_slot(task) == (root.pk, "reply_claims")
    prompt_task = request_task(user=UserFactory(), lang="en", task_type=TaskType.INITIAL_PROMPT)
    assert claim_slot(prompt_task) == (None, None)


def test_releasing_gives_the_slot_back_once():
    root = make_prompt()
    task = request_task(user=UserFactory(), lang="en", task_type=TaskType.ASSISTANT_REPLY)
    assert Message.objects.get(pk=root.pk).reply_claims == 1
    release_claim(task=task)
    assert Message.objects.get(pk=root.pk).reply_claims == 0
    # A counter never goes below zero, and a closed task holds no slot.
    release_claim(task=task)
    assert Message.objects.get(pk=root.pk).reply_claims == 0
    task.state = TaskState.EXPIRED
    Message.objects.filter(pk=root.pk).update(reply_claims=1)
    release_claim(task=task)
    assert Message.objects.get(pk=root.pk).reply_claims == 1


def test_releasing_on_a_locked_row_leaves_the_save_to_the_caller():
    root = make_prompt()
    task = request_task(user=UserFactory(), lang="en", task_type=TaskType.ASSISTANT_REPLY)
    row = Message.objects.get(pk=root.pk)
    release_claim(task=task, row=row)
    assert row.reply_claims == 0 and Message.objects.get(pk=root.pk).reply_claims == 1
