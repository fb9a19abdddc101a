"""The task engine's policies: each action's rule, for visitors, volunteers, banned users and moderators."""

import pytest
from django.contrib.auth.models import AnonymousUser

from annotation.models import TaskType
from annotation.policies import (
    can_act_on_task,
    can_edit_message,
    can_request_task,
    can_see_deleted_messages,
    can_vote_on,
)
from annotation.services.task_handout import request_task
from tests.factories import UserFactory, make_prompt

pytestmark = pytest.mark.django_db


def test_only_enabled_users_are_handed_tasks_and_only_owners_act_on_them():
    owner, other = UserFactory(), UserFactory()
    task = request_task(user=owner, lang="en", task_type=TaskType.INITIAL_PROMPT)
    assert can_request_task(owner) and can_act_on_task(owner, task)
    assert not can_act_on_task(other, task) and not can_act_on_task(AnonymousUser(), task)
    assert not can_request_task(AnonymousUser()) and not can_request_task(UserFactory(enabled=False))


def test_deleted_messages_are_for_moderators_and_admins():
    assert can_see_deleted_messages(UserFactory(role="moderator"))
    assert can_see_deleted_messages(UserFactory(role="admin"))
    assert not can_see_deleted_messages(UserFactory())
    assert not can_see_deleted_messages(AnonymousUser())


def test_authors_edit_their_messages_and_vote_only_on_others():
    prompt = make_prompt()
    other = UserFactory()
    assert can_edit_message(prompt.author, prompt) and not can_edit_message(other, prompt)
    assert can_vote_on(other, prompt) and not can_vote_on(prompt.author, prompt)
    assert not can_vote_on(AnonymousUser(), prompt) and not can_edit_message(AnonymousUser(), prompt)
