import pytest

from annotation.models import MessageTree, TaskType, TreeState
from annotation.services.task_handout import request_task, skip_task
from moderation.models import ModerationAction
from tests.factories import UserFactory, make_prompt

pytestmark = pytest.mark.django_db


def test_a_tree_whose_replies_are_skipped_too_often_is_halted(tree_manager, django_capture_on_commit_callbacks):
    tree_manager(auto_mod_max_skip_reply=2)
    root = make_prompt()
    for _ in range(2):
        user = UserFactory()
        # Auto-moderation acts once the skip is committed.
        with django_capture_on_commit_callbacks(execute=True):
            skip_task(
                task=request_task(user=user, lang="en", task_type=TaskType.ASSISTANT_REPLY), user=user, reason="x"
            )
    assert MessageTree.objects.get(pk=root.tree_id).state == TreeState.HALTED_BY_MODERATOR
    action = ModerationAction.objects.get(tree_id=root.tree_id)
    assert action.kind == ModerationAction.Kind.AUTO and action.moderator is None


def test_skipped_reviews_do_not_halt_a_tree(tree_manager, django_capture_on_commit_callbacks):
    tree_manager(auto_mod_max_skip_reply=1)
    pending = make_prompt(state=TreeState.INITIAL_PROMPT_REVIEW, accepted=False)
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        skip_task(task=request_task(user=user, lang="en", task_type=TaskType.LABEL_INITIAL_PROMPT), user=user)
    assert MessageTree.objects.get(pk=pending.tree_id).state == TreeState.INITIAL_PROMPT_REVIEW
    assert not ModerationAction.objects.exists()


def test_the_skip_is_announced_only_once_committed(tree_manager, django_capture_on_commit_callbacks):
    tree_manager(auto_mod_max_skip_reply=1)
    root = make_prompt()
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        skip_task(task=request_task(user=user, lang="en", task_type=TaskType.ASSISTANT_REPLY), user=user)
        assert MessageTree.objects.get(pk=root.tree_id).state == TreeState.GROWING
    assert len(callbacks) == 1
    callbacks[0]()
    assert MessageTree.objects.get(pk=root.tree_id).state == TreeState.HALTED_BY_MODERATOR
