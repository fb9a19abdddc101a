import pytest
from django.core.management import call_command

from annotation.models import Message, MessageTree, Ranking, TreeState
from annotation.services.tree_checks import recheck_trees
from annotation.services.tree_state import derived_state, tree_facts
from annotation.services.tree_transitions import sync_tree
from tests.factories import UserFactory, make_prompt, make_ranked_tree, make_reply

pytestmark = pytest.mark.django_db


def test_check_trees_fix_repairs_a_corrupted_state_and_counters(capsys):
    root = make_prompt(state=TreeState.GROWING)
    reply = make_reply(root)
    MessageTree.objects.filter(pk=root.tree_id).update(state=TreeState.READY_FOR_SCORING)
    Message.objects.filter(pk=root.pk).update(children_count=3, reply_claims=2)
    waiting = make_prompt(state=TreeState.INITIAL_PROMPT_REVIEW)  # accepted already: belongs in the lottery

    call_command("check_trees")
    out = capsys.readouterr().out
    assert f"{root.tree_id}: ready_for_scoring -> growing" in out
    assert "2 of 2 trees" in out
    assert MessageTree.objects.get(pk=root.tree_id).state == TreeState.READY_FOR_SCORING

    call_command("check_trees", fix=True)
    assert MessageTree.objects.get(pk=root.tree_id).state == TreeState.GROWING
    assert MessageTree.objects.get(pk=waiting.tree_id).state == TreeState.GROWING  # won the lottery at once
    root.refresh_from_db()
    assert (root.children_count, root.reply_claims) == (1, 0)
    assert reply.tree_id == root.tree_id
    call_command("check_trees")
    assert "0 of 2 trees" in capsys.readouterr().out


def test_an_undecided_reply_holds_a_growing_tree_but_sends_no_tree_back_from_ranking():
    root, replies = make_ranked_tree()
    undecided = make_reply(root, accepted=False)
    tree = MessageTree.objects.get(pk=root.tree_id)
    assert derived_state(tree, tree_facts(tree)) == TreeState.RANKING
    assert recheck_trees() == []
    tree.state = TreeState.GROWING
    assert derived_state(tree, tree_facts(tree)) == TreeState.GROWING

    # Ranked without it: only accepted replies are ranked.
    for _ in range(3):
        Ranking.objects.create(
            parent=root,
            tree=root.tree,
            user=UserFactory(),
            ranked_message_ids=[str(r.pk) for r in replies],
            ranking=[0, 1],
        )
    assert sync_tree(tree_id=root.tree_id).state == TreeState.READY_FOR_EXPORT
    for message in (*replies, undecided):
        message.refresh_from_db()
    assert [message.rank for message in (*replies, undecided)] == [0, 1, None]
