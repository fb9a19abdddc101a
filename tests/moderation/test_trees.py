import pytest

from annotation.models import MessageTree, TreeState
from core.errors import Conflict
from moderation.errors import NotModerator
from moderation.models import ModerationAction
from moderation.services.trees import halt_tree, resume_tree
from tests.factories import UserFactory, make_prompt, make_reply

pytestmark = pytest.mark.django_db


def test_halt_and_resume_are_recorded_with_the_states(moderator):
    root = make_prompt()
    make_reply(root, accepted=False)
    tree = halt_tree(moderator=moderator, tree=root.tree, reason="looks like a raid")
    assert MessageTree.objects.get(pk=root.tree_id).state == TreeState.HALTED_BY_MODERATOR
    resume_tree(moderator=moderator, tree=tree, reason="all clear")
    assert MessageTree.objects.get(pk=root.tree_id).state == TreeState.GROWING
    halt, resume = ModerationAction.objects.order_by("created_at")
    assert (halt.kind, halt.reason, halt.tree_id, halt.moderator) == (
        "halt_tree",
        "looks like a raid",
        tree.pk,
        moderator,
    )
    assert halt.details == {"state": {"before": "growing", "after": "halted_by_moderator"}}
    assert resume.details == {"state": {"before": "halted_by_moderator", "after": "growing"}}


def test_resume_rechecks_the_tree(moderator, tree_manager):
    tree_manager(goal_tree_size=3)
    root = make_prompt()
    MessageTree.objects.filter(pk=root.tree_id).update(goal_tree_size=3, max_depth=1)
    make_reply(root)
    make_reply(root)
    tree = halt_tree(moderator=moderator, tree=MessageTree.objects.get(pk=root.tree_id), reason="")
    # While halted the tree got what it needed; resuming moves it on.
    resume_tree(moderator=moderator, tree=tree, reason="")
    assert MessageTree.objects.get(pk=root.tree_id).state == TreeState.RANKING


def test_halting_twice_or_resuming_a_running_tree_is_refused_and_not_recorded(moderator):
    root = make_prompt()
    with pytest.raises(Conflict):
        resume_tree(moderator=moderator, tree=root.tree, reason="")
    halt_tree(moderator=moderator, tree=root.tree, reason="")
    with pytest.raises(Conflict):
        halt_tree(moderator=moderator, tree=root.tree, reason="")
    assert ModerationAction.objects.count() == 1
    with pytest.raises(NotModerator):
        resume_tree(moderator=UserFactory(), tree=root.tree, reason="")
