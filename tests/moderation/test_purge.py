import pytest

from annotation.models import Message, MessageTree, Report, TreeState
from moderation.errors import PurgePlanChanged
from moderation.models import ModerationAction
from moderation.services.purge import purge_preview, purge_user
from tests.factories import UserFactory, make_prompt, make_reply

pytestmark = pytest.mark.django_db


def test_purge_hides_exactly_the_preview_and_rechecks_the_trees(moderator):
    troll = UserFactory()
    own_prompt = make_prompt(author=troll)
    under_own_prompt = make_reply(own_prompt)
    other_root = make_prompt()
    troll_reply = make_reply(other_root, author=troll)
    under_troll_reply = make_reply(troll_reply)
    kept_sibling = make_reply(other_root)
    already_hidden = make_reply(other_root, author=troll, deleted=True)
    untouched = make_prompt()
    Report.objects.create(message=troll_reply, user=UserFactory())

    plan = purge_preview(user=troll)
    assert set(plan.message_ids) == {own_prompt.pk, under_own_prompt.pk, troll_reply.pk, under_troll_reply.pk}
    assert set(plan.authored_ids) == {own_prompt.pk, troll_reply.pk}
    assert set(plan.tree_ids) == {own_prompt.tree_id, other_root.tree_id}

    done = purge_user(moderator=moderator, user=troll, reason="spam account")
    assert done == plan
    hidden_now = set(Message.objects.filter(deleted=True).values_list("pk", flat=True))
    assert hidden_now == set(plan.message_ids) | {already_hidden.pk}
    assert not Message.objects.get(pk=kept_sibling.pk).deleted and not Message.objects.get(pk=untouched.pk).deleted
    # Trees re-checked: the troll's prompt aborts its tree, the other tree has one live reply left.
    assert MessageTree.objects.get(pk=own_prompt.tree_id).state == TreeState.ABORTED_LOW_GRADE
    assert Message.objects.get(pk=other_root.pk).children_count == 1
    assert not Report.objects.filter(resolved_at__isnull=True).exists()
    action = ModerationAction.objects.get()
    assert (action.kind, action.target_user, action.reason) == ("purge_user", troll, "spam account")
    assert (action.details["hidden_messages"], action.details["authored_messages"]) == (4, 2)
    assert action.details["trees_rechecked"] == 2
    assert purge_preview(user=troll).message_ids == ()


def test_a_purge_of_a_confirmed_preview_refuses_a_changed_plan(moderator):
    troll = UserFactory()
    first = make_prompt(author=troll)
    preview = purge_preview(user=troll)
    make_reply(make_prompt(), author=troll)
    with pytest.raises(PurgePlanChanged):
        purge_user(moderator=moderator, user=troll, reason="", expected_message_ids=preview.message_ids)
    assert not Message.objects.filter(deleted=True).exists() and not ModerationAction.objects.exists()
    done = purge_user(
        moderator=moderator, user=troll, reason="", expected_message_ids=purge_preview(user=troll).message_ids
    )
    assert first.pk in done.message_ids and len(done.message_ids) == 2
