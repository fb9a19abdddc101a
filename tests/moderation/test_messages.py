import pytest
from django.utils import timezone

from annotation.errors import TextBlank
from annotation.models import Message, MessageRevision, MessageTree, Report, TreeState
from moderation.errors import AlreadyHidden, NotHidden, NotModerator, TextUnchanged
from moderation.models import ModerationAction
from moderation.services import audit
from moderation.services.messages import edit_message, hide_message, restore_message
from tests.factories import UserFactory, make_prompt, make_reply

pytestmark = pytest.mark.django_db


def _refresh(*messages):
    for message in messages:
        message.refresh_from_db()


def _chain():
    """prompt -> answer -> question -> answer2, plus a sibling answer under the prompt."""
    root = make_prompt()
    answer = make_reply(root)
    sibling = make_reply(root)
    question = make_reply(answer)
    answer2 = make_reply(question)
    return root, answer, sibling, question, answer2


def test_hide_is_recursive_frees_the_parents_slot_and_is_recorded(moderator):
    root, answer, sibling, question, answer2 = _chain()
    Report.objects.create(message=answer, user=UserFactory(), report_type="spam")
    Report.objects.create(message=question, user=UserFactory(), report_type="spam")
    hidden = hide_message(moderator=moderator, message=answer, reason="off topic")
    _refresh(root, answer, sibling, question, answer2)
    assert set(hidden) == {answer.pk, question.pk, answer2.pk}
    assert answer.deleted and question.deleted and answer2.deleted
    assert not root.deleted and not sibling.deleted
    # The hidden reply no longer holds a place under the prompt.
    assert root.children_count == 1
    assert not Report.objects.filter(resolved_at__isnull=True).exists()
    assert Report.objects.filter(message=answer, resolved_by=moderator).exists()
    action = ModerationAction.objects.get()
    assert (action.kind, action.moderator, action.reason, action.message_id) == (
        ModerationAction.Kind.HIDE_MESSAGE,
        moderator,
        "off topic",
        answer.pk,
    )
    assert set(action.details["hidden_ids"]) == {str(pk) for pk in hidden}
    assert action.details["tree_state"] == {"before": TreeState.GROWING, "after": TreeState.GROWING}


def test_hiding_a_prompt_aborts_its_tree_and_restoring_it_brings_the_tree_back(moderator):
    root = make_prompt()
    reply = make_reply(root)
    hide_message(moderator=moderator, message=root, reason="spam")
    assert MessageTree.objects.get(pk=root.tree_id).state == TreeState.ABORTED_LOW_GRADE
    assert Message.objects.get(pk=reply.pk).deleted
    restore_message(moderator=moderator, message=root, reason="was fine")
    tree = MessageTree.objects.get(pk=root.tree_id)
    assert tree.state == TreeState.GROWING
    # Only the prompt came back: the reply under it stays hidden until restored itself.
    assert not Message.objects.get(pk=root.pk).deleted and Message.objects.get(pk=reply.pk).deleted


def test_restore_brings_back_the_ancestors_but_not_the_descendants(moderator):
    root, answer, _sibling, question, answer2 = _chain()
    hide_message(moderator=moderator, message=answer, reason="x")
    restored = restore_message(moderator=moderator, message=question, reason="fine after all")
    _refresh(root, answer, question, answer2)
    assert set(restored) == {question.pk, answer.pk}
    assert not answer.deleted and not question.deleted and answer2.deleted
    assert root.children_count == 2 and answer.children_count == 1
    action = ModerationAction.objects.filter(kind=ModerationAction.Kind.RESTORE_MESSAGE).get()
    assert set(action.details["restored_ids"]) == {str(question.pk), str(answer.pk)}


def test_hide_and_restore_refuse_what_is_already_so(moderator):
    root = make_prompt()
    reply = make_reply(root)
    with pytest.raises(NotHidden):
        restore_message(moderator=moderator, message=reply, reason="")
    hide_message(moderator=moderator, message=reply, reason="")
    with pytest.raises(AlreadyHidden):
        hide_message(moderator=moderator, message=reply, reason="")
    assert ModerationAction.objects.count() == 1


def test_only_moderators_act(moderator):
    reply = make_reply(make_prompt())
    for actor in (UserFactory(), UserFactory(role="moderator", enabled=False)):
        with pytest.raises(NotModerator) as caught:
            hide_message(moderator=actor, message=reply, reason="")
        assert caught.value.code == "not_moderator" and caught.value.http_status == 403
    assert not Message.objects.get(pk=reply.pk).deleted and not ModerationAction.objects.exists()


def test_hiding_the_last_open_reply_of_a_full_tree_moves_it_to_ranking(moderator, tree_manager):
    tree_manager(goal_tree_size=3)
    root = make_prompt()
    MessageTree.objects.filter(pk=root.tree_id).update(goal_tree_size=3, max_depth=1)
    keep = [make_reply(root), make_reply(root)]
    pending = make_reply(root, accepted=False)
    hide_message(moderator=moderator, message=pending, reason="spam")
    assert MessageTree.objects.get(pk=root.tree_id).state == TreeState.RANKING
    assert Message.objects.get(pk=root.pk).children_count == len(keep)


def test_edit_keeps_the_old_text_as_a_revision(moderator):
    reply = make_reply(make_prompt(), text="old words")
    before = timezone.now()
    edit_message(moderator=moderator, message=reply, text="  new words  ", reason="typo")
    reply.refresh_from_db()
    assert reply.text == "new words" and reply.edited_at >= before
    revision = MessageRevision.objects.get(message=reply)
    assert (revision.text, revision.edited_by) == ("old words", moderator) and revision.created_at >= before
    action = ModerationAction.objects.get()
    assert action.kind == ModerationAction.Kind.EDIT_MESSAGE
    assert action.details == {"text": {"before": "old words", "after": "new words"}}


def test_edit_checks_the_text_by_the_common_rule(moderator):
    reply = make_reply(make_prompt(), text="same")
    with pytest.raises(TextBlank):
        edit_message(moderator=moderator, message=reply, text="\u200b ", reason="")
    with pytest.raises(TextUnchanged):
        edit_message(moderator=moderator, message=reply, text="same", reason="")
    assert not MessageRevision.objects.exists() and not ModerationAction.objects.exists()


def test_the_audit_row_and_the_action_stand_or_fall_together(moderator, monkeypatch):
    reply = make_reply(make_prompt())
    real_create = audit.ModerationAction.objects.create

    def create_then_fail(**kwargs):
        real_create(**kwargs)
        raise RuntimeError("the database went away")

    monkeypatch.setattr(audit.ModerationAction.objects, "create", create_then_fail)
    with pytest.raises(RuntimeError):
        hide_message(moderator=moderator, message=reply, reason="x")
    assert not ModerationAction.objects.exists()
    assert not Message.objects.get(pk=reply.pk).deleted
    assert Message.objects.get(pk=reply.parent_id).children_count == 1


def test_the_action_failing_after_its_changes_leaves_no_audit_row(moderator, monkeypatch):
    from moderation.services import messages

    reply = make_reply(make_prompt())

    def failing_recheck(**kwargs):
        raise RuntimeError("re-check failed")

    monkeypatch.setattr(messages, "recheck_affected_trees", failing_recheck)
    with pytest.raises(RuntimeError):
        hide_message(moderator=moderator, message=reply, reason="x")
    assert not Message.objects.get(pk=reply.pk).deleted and not ModerationAction.objects.exists()


def test_hiding_releases_the_open_tasks_about_the_hidden_messages(moderator):
    from annotation.models import Task, TaskState, TaskType
    from annotation.services.task_handout import request_task

    root = make_prompt()
    hidden = make_reply(root)
    # Somebody is answering the reply that is about to be hidden.
    writer = UserFactory()
    task = request_task(user=writer, lang="en", task_type=TaskType.PROMPTER_REPLY)
    assert task.parent_message_id == hidden.pk
    hide_message(moderator=moderator, message=hidden, reason="x")
    assert Task.objects.get(pk=task.pk).state == TaskState.EXPIRED
    assert Message.objects.get(pk=hidden.pk).reply_claims == 0
    # Re-checked: counters from the rows again, and the tree still has room to grow.
    assert Message.objects.get(pk=root.pk).children_count == 0
    assert MessageTree.objects.get(pk=root.tree_id).state == TreeState.GROWING
