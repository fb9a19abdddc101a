import pytest

from annotation.models import Message, MessageTree, TreeState
from annotation.services import tree_transitions
from tests.factories import make_prompt, make_ranked_tree, make_reply

pytestmark = pytest.mark.django_db


def test_a_finished_tree_may_activate_a_backlog_tree_of_its_language(tree_manager, monkeypatch):
    tree_manager(p_activate_backlog_tree=1.0)
    root, _replies = make_ranked_tree(rankings=3)
    backlog_root = make_prompt(state=TreeState.BACKLOG_RANKING)
    backlog_children = [make_reply(backlog_root), make_reply(backlog_root)]
    # Imported trees have no counters yet.
    Message.objects.filter(pk=backlog_root.pk).update(children_count=0)
    other_lang = make_prompt(state=TreeState.BACKLOG_RANKING, lang="fr")

    tree = tree_transitions.sync_tree(tree_id=root.tree_id)
    assert tree.state == TreeState.READY_FOR_EXPORT
    assert MessageTree.objects.get(pk=backlog_root.tree_id).state == TreeState.RANKING
    assert MessageTree.objects.get(pk=other_lang.tree_id).state == TreeState.BACKLOG_RANKING
    backlog_root.refresh_from_db()
    assert backlog_root.children_count == len(backlog_children)


def test_no_backlog_activation_when_the_draw_says_no(tree_manager):
    tree_manager(p_activate_backlog_tree=0.0)
    root, _ = make_ranked_tree(rankings=3)
    backlog = make_prompt(state=TreeState.BACKLOG_RANKING)
    tree_transitions.sync_tree(tree_id=root.tree_id)
    assert MessageTree.objects.get(pk=backlog.tree_id).state == TreeState.BACKLOG_RANKING
