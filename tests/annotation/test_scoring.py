import pytest

from annotation.models import Message, MessageTree, Ranking, TreeState
from annotation.services import ranking as ranking_service
from annotation.services import tree_checks, tree_transitions
from tests.factories import UserFactory, make_prompt, make_ranked_tree, make_reply

pytestmark = pytest.mark.django_db


def test_scoring_writes_ranks_from_the_rankings():
    root, (first, second) = make_ranked_tree()
    for _ in range(3):
        Ranking.objects.create(
            parent=root,
            tree=root.tree,
            user=UserFactory(),
            ranked_message_ids=[str(first.pk), str(second.pk)],
            ranking=[1, 0],
        )
    tree = tree_transitions.sync_tree(tree_id=root.tree_id)
    assert tree.state == TreeState.READY_FOR_EXPORT
    first.refresh_from_db()
    second.refresh_from_db()
    assert (second.rank, first.rank) == (0, 1)


def test_a_scoring_error_leaves_the_tree_in_scoring_failed_and_it_is_retried(monkeypatch):
    root, _replies = make_ranked_tree(rankings=3)

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(ranking_service, "ranked_pairs", broken)
    tree = tree_transitions.sync_tree(tree_id=root.tree_id)
    assert tree.state == TreeState.SCORING_FAILED
    assert not Message.objects.filter(tree=tree, rank__isnull=False).exists()

    monkeypatch.undo()
    (check,) = tree_checks.recheck_trees(fix=True)
    assert check.state == TreeState.SCORING_FAILED and check.fixed
    tree.refresh_from_db()
    assert tree.state == TreeState.READY_FOR_EXPORT


def test_a_tree_without_siblings_to_rank_is_exported_right_away():
    root = make_prompt(state=TreeState.GROWING)
    MessageTree.objects.filter(pk=root.tree_id).update(goal_tree_size=2, max_depth=1, max_children_count=1)
    make_reply(root)
    assert tree_transitions.sync_tree(tree_id=root.tree_id).state == TreeState.READY_FOR_EXPORT
