from datetime import timedelta

import pytest
from django.utils import timezone

from annotation.errors import NotTaskOwner, TaskClosed, WrongTaskKind
from annotation.models import Draft, TaskState, TaskType
from annotation.services.drafts import discard_drafts, draft_for, save_draft
from annotation.services.submissions import submit_text
from annotation.services.task_handout import expire_stale_tasks, release_task, request_task, skip_task
from tests.factories import UserFactory, make_trees_for_every_task_type

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    make_trees_for_every_task_type()
    return UserFactory()


def test_save_keeps_one_draft_per_task_with_its_parent(user):
    task = request_task(user=user, lang="en", task_type=TaskType.ASSISTANT_REPLY)
    save_draft(user=user, task=task, text="first")
    draft = save_draft(user=user, task=task, text="second")
    assert Draft.objects.get() == draft
    assert (draft.text, draft.parent_message_id, draft.task_type) == ("second", task.parent_message_id, task.type)
    assert draft_for(user=user, task=task) == draft


def test_only_the_owner_of_a_writing_task_has_drafts(user):
    task = request_task(user=user, lang="en", task_type=TaskType.ASSISTANT_REPLY)
    with pytest.raises(NotTaskOwner):
        save_draft(user=UserFactory(), task=task, text="x")
    review = request_task(user=user, lang="en", task_type=TaskType.LABEL_ASSISTANT_REPLY)
    with pytest.raises(WrongTaskKind):
        save_draft(user=user, task=review, text="x")
    assert draft_for(user=UserFactory(), task=task) is None


def test_a_submitted_task_takes_no_more_drafts(user):
    task = request_task(user=user, lang="en", task_type=TaskType.INITIAL_PROMPT)
    task.state = TaskState.DONE
    task.save()
    with pytest.raises(TaskClosed):
        save_draft(user=user, task=task, text="late keystrokes")


def test_the_text_of_an_expired_task_is_offered_on_the_next_task_for_the_same_parent(user):
    task = request_task(user=user, lang="en", task_type=TaskType.PROMPTER_REPLY)
    save_draft(user=user, task=task, text="keep me")
    expire_stale_tasks(now=timezone.now() + timedelta(hours=1))
    save_draft(user=user, task=task, text="keep me, typed after expiry")
    again = request_task(user=user, lang="en", task_type=TaskType.PROMPTER_REPLY)
    assert draft_for(user=user, task=again).text == "keep me, typed after expiry"


def test_unsent_initial_prompts_carry_over_but_skipped_ones_do_not(user):
    first = request_task(user=user, lang="en", task_type=TaskType.INITIAL_PROMPT)
    save_draft(user=user, task=first, text="an idea")
    # Asking for a prompt again gives back the one held, with its text.
    assert request_task(user=user, lang="en", task_type=TaskType.INITIAL_PROMPT) == first
    # A prompt that lost its claim leaves its text to the next one.
    release_task(task=first, user=user)
    second = request_task(user=user, lang="en", task_type=TaskType.INITIAL_PROMPT)
    assert second != first and draft_for(user=user, task=second).text == "an idea"
    save_draft(user=user, task=second, text="another idea")
    skip_task(task=second, user=user, reason="other")
    third = request_task(user=user, lang="en", task_type=TaskType.INITIAL_PROMPT)
    assert draft_for(user=user, task=third) is None
    # The skipped task keeps its own text on its page; what was offered to it is gone.
    assert draft_for(user=user, task=second).text == "another idea"
    assert draft_for(user=user, task=first) is None


def test_discard_forgets_the_drafts_for_the_same_parent(user):
    task = request_task(user=user, lang="en", task_type=TaskType.PROMPTER_REPLY)
    save_draft(user=user, task=task, text="sent")
    other = request_task(user=user, lang="en", task_type=TaskType.INITIAL_PROMPT)
    save_draft(user=user, task=other, text="still mine")
    assert discard_drafts(user=user, task=task) == 1
    assert list(Draft.objects.values_list("text", flat=True)) == ["still mine"]


def test_the_text_of_another_open_task_is_never_offered(user):
    english = request_task(user=user, lang="en", task_type=TaskType.INITIAL_PROMPT)
    save_draft(user=user, task=english, text="still being written")
    german = request_task(user=user, lang="de", task_type=TaskType.INITIAL_PROMPT)
    assert german != english and draft_for(user=user, task=german) is None


def test_a_sent_prompt_leaves_nothing_for_the_next_one(user):
    lost = request_task(user=user, lang="en", task_type=TaskType.INITIAL_PROMPT)
    save_draft(user=user, task=lost, text="from a lost claim")
    expire_stale_tasks(now=timezone.now() + timedelta(days=3))
    sent = request_task(user=user, lang="en", task_type=TaskType.INITIAL_PROMPT)
    assert draft_for(user=user, task=sent).text == "from a lost claim"
    save_draft(user=user, task=sent, text="from a lost claim, finished")
    submit_text(task=sent, user=user, text="from a lost claim, finished")
    # Sending took both along: the task's own draft and the one it was offered.
    assert not Draft.objects.filter(user=user).exists()
    following = request_task(user=user, lang="en", task_type=TaskType.INITIAL_PROMPT)
    assert draft_for(user=user, task=following) is None


def test_a_skip_drops_the_texts_offered_to_it_but_keeps_its_own(user):
    task = request_task(user=user, lang="en", task_type=TaskType.PROMPTER_REPLY)
    save_draft(user=user, task=task, text="lost claim")
    release_task(task=task, user=user)
    again = request_task(user=user, lang="en", task_type=TaskType.PROMPTER_REPLY)
    assert again.parent_message_id == task.parent_message_id
    save_draft(user=user, task=again, text="second try")
    skip_task(task=again, user=user, reason="other")
    assert list(Draft.objects.values_list("text", flat=True)) == ["second try"]
    assert draft_for(user=user, task=again).text == "second try"
