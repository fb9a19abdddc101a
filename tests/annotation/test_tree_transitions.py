import pytest

from annotation.errors import NoTaskAvailable
from annotation.models import Message, Ranking, TaskType, TreeState
from annotation.services import tree_transitions
from annotation.services.submissions import submit_text
from annotation.services.task_handout import request_task
from core.errors import Conflict
from tests.annotation.workers import accept, review, work_until, write_prompt
from tests.factories import UserFactory, make_prompt, make_ranked_tree

pytestmark = pytest.mark.django_db


def test_a_tree_goes_from_prompt_to_export_with_the_default_settings(settings):
    cfg = settings.TREE_MANAGER
    prompt = write_prompt()
    tree = prompt.tree
    assert tree.state == TreeState.INITIAL_PROMPT_REVIEW
    assert (tree.max_depth, tree.max_children_count, tree.goal_tree_size) == (3, 3, 12)

    review(prompt)
    review(prompt)
    tree.refresh_from_db()
    assert tree.state == TreeState.INITIAL_PROMPT_REVIEW
    review(prompt)
    tree.refresh_from_db()
    # Accepted, then the lottery had a free slot right away.
    assert tree.state == TreeState.GROWING and tree.activated_at is not None

    work_until(tree, TreeState.RANKING)
    messages = list(Message.objects.filter(tree=tree))
    accepted = [m for m in messages if m.review_result]
    assert len(accepted) >= cfg.goal_tree_size
    assert all(m.review_result is not None for m in messages)
    assert max(m.depth for m in messages) <= cfg.max_tree_depth
    for parent in messages:
        children = [m for m in messages if m.parent_id == parent.pk]
        limit = cfg.max_children_count if parent.role == "prompter" else cfg.num_prompter_replies
        assert len(children) <= limit

    work_until(tree, TreeState.READY_FOR_EXPORT)
    rankable = [p for p in accepted if sum(1 for m in accepted if m.parent_id == p.pk) >= 2]
    assert rankable
    for parent in rankable:
        assert Ranking.objects.filter(parent=parent).count() == cfg.num_required_rankings
        ranks = sorted(Message.objects.filter(parent=parent, review_result=True).values_list("rank", flat=True))
        assert ranks == list(range(len(ranks)))


def test_a_prompt_flagged_as_spam_is_aborted():
    prompt = write_prompt()
    review(prompt, spam=1)
    review(prompt, spam=1)
    review(prompt, spam=0)
    prompt.refresh_from_db()
    assert prompt.review_result is False
    assert prompt.labels["spam"]["count"] == 3
    assert prompt.tree.__class__.objects.get(pk=prompt.tree_id).state == TreeState.ABORTED_LOW_GRADE


def test_acceptance_counts_language_mismatch_too():
    prompt = write_prompt()
    review(prompt, spam=0, lang_mismatch=1)
    review(prompt, spam=1, lang_mismatch=0)
    review(prompt)
    prompt.refresh_from_db()
    # 1 - (1/3 + 1/3) = 0.33 < 0.6
    assert prompt.review_result is False


def test_a_rejected_reply_frees_its_place(tree_manager):
    tree_manager(max_children_count=1)
    root = make_prompt()
    user = UserFactory()

    task = request_task(user=user, lang="en", task_type=TaskType.ASSISTANT_REPLY)
    reply = submit_text(task=task, user=user, text="Cats like boxes.")
    root.refresh_from_db()
    assert root.children_count == 1
    for _ in range(3):
        review(reply, spam=1)
    root.refresh_from_db()
    reply.refresh_from_db()
    assert reply.review_result is False and root.children_count == 0


def test_halt_and_resume_return_to_the_previous_state():
    prompt = write_prompt()
    tree = tree_transitions.halt_tree(tree=prompt.tree)
    assert tree.state == TreeState.HALTED_BY_MODERATOR
    # No review tasks for a halted tree.

    with pytest.raises(NoTaskAvailable):
        review(prompt)
    tree = tree_transitions.resume_tree(tree=tree)
    assert tree.state == TreeState.INITIAL_PROMPT_REVIEW

    accept(prompt)
    tree.refresh_from_db()
    assert tree.state == TreeState.GROWING
    tree = tree_transitions.halt_tree(tree=tree)
    assert tree.state_before_halt == TreeState.GROWING
    tree = tree_transitions.resume_tree(tree=tree)
    assert tree.state == TreeState.GROWING and tree.state_before_halt == ""


def test_halting_twice_or_resuming_a_running_tree_is_a_conflict():

    tree = make_prompt().tree
    with pytest.raises(Conflict):
        tree_transitions.resume_tree(tree=tree)
    tree_transitions.halt_tree(tree=tree)
    with pytest.raises(Conflict):
        tree_transitions.halt_tree(tree=tree)


def test_resume_re_checks_the_tree():
    root, _ = make_ranked_tree(rankings=0)
    tree = tree_transitions.halt_tree(tree=root.tree)
    assert tree.state_before_halt == TreeState.RANKING
    assert tree_transitions.resume_tree(tree=tree).state == TreeState.RANKING
