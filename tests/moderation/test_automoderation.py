import pytest

from annotation.models import Message, MessageTree, Report, TaskType, TreeState
from annotation.services.reactions import report_message, set_emoji
from annotation.services.task_handout import request_task, skip_task
from moderation.models import ModerationAction
from moderation.services.automoderation import moderate_flagged_message, red_flag_count
from moderation.services.flags import dismiss_flags
from tests.factories import UserFactory, make_prompt, make_reply

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
    task = request_task(user=user, lang="en", task_type=TaskType.ASSISTANT_REPLY)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        skip_task(task=task, user=user)
        assert MessageTree.objects.get(pk=root.tree_id).state == TreeState.GROWING
    assert len(callbacks) == 1
    callbacks[0]()
    assert MessageTree.objects.get(pk=root.tree_id).state == TreeState.HALTED_BY_MODERATOR


def test_a_prompt_with_enough_red_flags_aborts_its_tree(django_capture_on_commit_callbacks):
    root = make_prompt()
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            set_emoji(user=UserFactory(), message=root, emoji="red_flag")
    assert MessageTree.objects.get(pk=root.tree_id).state == TreeState.GROWING
    with django_capture_on_commit_callbacks(execute=True):
        report_message(user=UserFactory(), message=root, report_type="offensive", reason="slur")
    assert MessageTree.objects.get(pk=root.tree_id).state == TreeState.ABORTED_LOW_GRADE
    action = ModerationAction.objects.get()
    assert (action.kind, action.moderator, action.message_id) == ("auto", None, root.pk)
    assert action.details["rule"] == "auto_mod_red_flags" and action.details["red_flags"] == 4
    assert action.details["state"] == {"before": "growing", "after": "aborted_low_grade"}


def test_a_reply_with_enough_red_flags_is_hidden_with_its_subtree(tree_manager, django_capture_on_commit_callbacks):
    tree_manager(auto_mod_red_flags=2)
    root = make_prompt()
    reply = make_reply(root)
    under = make_reply(reply)
    with django_capture_on_commit_callbacks(execute=True):
        set_emoji(user=UserFactory(), message=reply, emoji="red_flag")
    assert not Message.objects.get(pk=reply.pk).deleted
    with django_capture_on_commit_callbacks(execute=True):
        set_emoji(user=UserFactory(), message=reply, emoji="red_flag")
    assert Message.objects.get(pk=reply.pk).deleted and Message.objects.get(pk=under.pk).deleted
    assert Message.objects.get(pk=root.pk).children_count == 0
    assert MessageTree.objects.get(pk=root.tree_id).state == TreeState.GROWING
    action = ModerationAction.objects.get()
    assert action.kind == "auto" and action.moderator is None and action.details["action"] == "hide_message"


def test_flag_moderation_is_idempotent(tree_manager):
    tree_manager(auto_mod_red_flags=2)
    reply = make_reply(make_prompt())
    root = make_prompt()
    for message in (reply, root):
        for _ in range(2):
            Report.objects.create(message=message, user=UserFactory(), report_type="red_flag")
    assert moderate_flagged_message(message_id=reply.pk) == "hide_message"
    assert moderate_flagged_message(message_id=root.pk) == "abort_tree"
    assert moderate_flagged_message(message_id=reply.pk) is None
    assert moderate_flagged_message(message_id=root.pk) is None
    assert ModerationAction.objects.count() == 2


def test_dismissed_flags_no_longer_count(tree_manager, django_capture_on_commit_callbacks):
    tree_manager(auto_mod_red_flags=2)
    reply = make_reply(make_prompt())
    with django_capture_on_commit_callbacks(execute=True):
        set_emoji(user=UserFactory(), message=reply, emoji="red_flag")
    dismiss_flags(moderator=UserFactory(role="moderator"), message=reply, reason="fine")
    with django_capture_on_commit_callbacks(execute=True):
        set_emoji(user=UserFactory(), message=reply, emoji="red_flag")
    assert not Message.objects.get(pk=reply.pk).deleted
    # Only the flag raised after the dismissal counts.
    assert red_flag_count(reply.pk) == 1


def test_the_flag_is_announced_only_once_committed(tree_manager, django_capture_on_commit_callbacks):
    tree_manager(auto_mod_red_flags=1)
    reply = make_reply(make_prompt())
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        set_emoji(user=UserFactory(), message=reply, emoji="red_flag")
        assert not Message.objects.get(pk=reply.pk).deleted
    assert len(callbacks) == 1
    callbacks[0]()
    assert Message.objects.get(pk=reply.pk).deleted


def test_a_hidden_reply_does_not_reset_the_skip_count(tree_manager):
    from moderation.services.automoderation import halt_if_skipped_too_often

    tree_manager(auto_mod_max_skip_reply=1, auto_mod_red_flags=1)
    root = make_prompt()
    user = UserFactory()
    skip_task(task=request_task(user=user, lang="en", task_type=TaskType.ASSISTANT_REPLY), user=user)
    reply = make_reply(root)
    Report.objects.create(message=reply, user=UserFactory())
    assert moderate_flagged_message(message_id=reply.pk) == "hide_message"
    assert halt_if_skipped_too_often(tree_id=root.tree_id)
