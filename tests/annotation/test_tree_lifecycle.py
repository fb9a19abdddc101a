import random

import pytest
from django.core.management import call_command

from annotation.errors import NoTaskAvailable
from annotation.models import Message, MessageTree, Ranking, TaskType, TreeState
from annotation.services import ranking as ranking_service
from annotation.services import tree_lifecycle
from annotation.services.submissions import submit_text
from annotation.services.task_handout import request_task
from core.errors import Conflict
from tests.annotation.workers import accept, review, work_until, write_prompt
from tests.factories import UserFactory, make_prompt, make_ranking_tree, make_reply

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


def test_the_lottery_keeps_at_most_max_active_trees_growing_per_language(tree_manager):
    tree_manager(max_active_trees=2)
    prompts = []
    for text in ["English prompt 1", "English prompt 2", "English prompt 3", "English prompt 4"]:
        prompts.append(write_prompt(text=text))
        accept(prompts[-1])
    german = write_prompt(lang="de", text="Ein deutscher Prompt")
    accept(german)
    states = {p.pk: MessageTree.objects.get(pk=p.tree_id).state for p in prompts}
    assert sorted(states.values()) == [TreeState.GROWING] * 2 + [TreeState.PROMPT_LOTTERY_WAITING] * 2
    assert MessageTree.objects.get(pk=german.tree_id).state == TreeState.GROWING

    # A growing tree stops (halted): a waiting one takes its slot.
    growing = MessageTree.objects.filter(state=TreeState.GROWING, lang="en").first()
    tree_lifecycle.halt_tree(tree=growing)
    assert MessageTree.objects.filter(state=TreeState.GROWING, lang="en").count() == 2
    assert MessageTree.objects.filter(state=TreeState.PROMPT_LOTTERY_WAITING, lang="en").count() == 1


def test_the_lottery_favours_authors_with_first_places(tree_manager, monkeypatch):

    tree_manager(max_active_trees=1)
    star, newcomer = UserFactory(), UserFactory()
    for _ in range(9):  # nine first places this month: weight 10 against 1
        winner = make_reply(make_prompt(state=TreeState.READY_FOR_EXPORT), author=star)
        Message.objects.filter(pk=winner.pk).update(rank=0)
    wins = {star.pk: 0, newcomer.pk: 0}
    for seed in range(40):
        monkeypatch.setattr(tree_lifecycle, "rng", random.Random(seed))
        MessageTree.objects.filter(state=TreeState.GROWING).delete()
        MessageTree.objects.filter(state=TreeState.PROMPT_LOTTERY_WAITING).delete()
        make_prompt(state=TreeState.PROMPT_LOTTERY_WAITING, author=star)
        make_prompt(state=TreeState.PROMPT_LOTTERY_WAITING, author=newcomer)
        (won,) = tree_lifecycle.run_lottery(lang="en")
        wins[Message.objects.get(pk=won.pk).author_id] += 1
    assert wins[star.pk] > 30 and wins[newcomer.pk] >= 1


def test_halt_and_resume_return_to_the_previous_state():
    prompt = write_prompt()
    tree = tree_lifecycle.halt_tree(tree=prompt.tree)
    assert tree.state == TreeState.HALTED_BY_MODERATOR
    # No review tasks for a halted tree.

    with pytest.raises(NoTaskAvailable):
        review(prompt)
    tree = tree_lifecycle.resume_tree(tree=tree)
    assert tree.state == TreeState.INITIAL_PROMPT_REVIEW

    accept(prompt)
    tree.refresh_from_db()
    assert tree.state == TreeState.GROWING
    tree = tree_lifecycle.halt_tree(tree=tree)
    assert tree.state_before_halt == TreeState.GROWING
    tree = tree_lifecycle.resume_tree(tree=tree)
    assert tree.state == TreeState.GROWING and tree.state_before_halt == ""


def test_halting_twice_or_resuming_a_running_tree_is_a_conflict():

    tree = make_prompt().tree
    with pytest.raises(Conflict):
        tree_lifecycle.resume_tree(tree=tree)
    tree_lifecycle.halt_tree(tree=tree)
    with pytest.raises(Conflict):
        tree_lifecycle.halt_tree(tree=tree)


def _ready_for_ranking(rankings: int = 0):
    """A complete tree in ranking: a prompt with two accepted replies, and some rankings of them."""
    root = make_ranking_tree()
    replies = list(Message.objects.filter(parent=root).order_by("created_at"))
    for i in range(rankings):
        Ranking.objects.create(
            parent=root,
            tree=root.tree,
            user=UserFactory(),
            ranked_message_ids=[str(r.pk) for r in replies],
            ranking=[i % 2, 1 - i % 2],
        )
    return root, replies


def test_a_finished_tree_may_activate_a_backlog_tree_of_its_language(tree_manager, monkeypatch):
    tree_manager(p_activate_backlog_tree=1.0)
    root, _replies = _ready_for_ranking(rankings=3)
    backlog_root = make_prompt(state=TreeState.BACKLOG_RANKING)
    backlog_children = [make_reply(backlog_root), make_reply(backlog_root)]
    # Imported trees have no counters yet.
    Message.objects.filter(pk=backlog_root.pk).update(children_count=0)
    other_lang = make_prompt(state=TreeState.BACKLOG_RANKING, lang="fr")

    tree = tree_lifecycle.sync_tree(tree_id=root.tree_id)
    assert tree.state == TreeState.READY_FOR_EXPORT
    assert MessageTree.objects.get(pk=backlog_root.tree_id).state == TreeState.RANKING
    assert MessageTree.objects.get(pk=other_lang.tree_id).state == TreeState.BACKLOG_RANKING
    backlog_root.refresh_from_db()
    assert backlog_root.children_count == len(backlog_children)


def test_no_backlog_activation_when_the_draw_says_no(tree_manager):
    tree_manager(p_activate_backlog_tree=0.0)
    root, _ = _ready_for_ranking(rankings=3)
    backlog = make_prompt(state=TreeState.BACKLOG_RANKING)
    tree_lifecycle.sync_tree(tree_id=root.tree_id)
    assert MessageTree.objects.get(pk=backlog.tree_id).state == TreeState.BACKLOG_RANKING


def test_scoring_writes_ranks_from_the_rankings():
    root, (first, second) = _ready_for_ranking()
    for _ in range(3):
        Ranking.objects.create(
            parent=root,
            tree=root.tree,
            user=UserFactory(),
            ranked_message_ids=[str(first.pk), str(second.pk)],
            ranking=[1, 0],
        )
    tree = tree_lifecycle.sync_tree(tree_id=root.tree_id)
    assert tree.state == TreeState.READY_FOR_EXPORT
    first.refresh_from_db()
    second.refresh_from_db()
    assert (second.rank, first.rank) == (0, 1)


def test_a_scoring_error_leaves_the_tree_in_scoring_failed_and_it_is_retried(monkeypatch):
    root, _replies = _ready_for_ranking(rankings=3)

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(ranking_service, "ranked_pairs", broken)
    tree = tree_lifecycle.sync_tree(tree_id=root.tree_id)
    assert tree.state == TreeState.SCORING_FAILED
    assert not Message.objects.filter(tree=tree, rank__isnull=False).exists()

    monkeypatch.undo()
    (check,) = tree_lifecycle.recheck_trees(fix=True)
    assert check.state == TreeState.SCORING_FAILED and check.fixed
    tree.refresh_from_db()
    assert tree.state == TreeState.READY_FOR_EXPORT


def test_a_tree_without_siblings_to_rank_is_exported_right_away():
    root = make_prompt(state=TreeState.GROWING)
    MessageTree.objects.filter(pk=root.tree_id).update(goal_tree_size=2, max_depth=1, max_children_count=1)
    make_reply(root)
    assert tree_lifecycle.sync_tree(tree_id=root.tree_id).state == TreeState.READY_FOR_EXPORT


def test_an_undecided_reply_holds_a_growing_tree_but_sends_no_tree_back_from_ranking():
    root, replies = _ready_for_ranking()
    undecided = make_reply(root, accepted=False)
    tree = MessageTree.objects.get(pk=root.tree_id)
    assert tree_lifecycle.derive_state(tree=tree) == TreeState.RANKING
    assert tree_lifecycle.recheck_trees() == []
    tree.state = TreeState.GROWING
    assert tree_lifecycle.derive_state(tree=tree) == TreeState.GROWING

    # Ranked without it: only accepted replies are ranked.
    for _ in range(3):
        Ranking.objects.create(
            parent=root,
            tree=root.tree,
            user=UserFactory(),
            ranked_message_ids=[str(r.pk) for r in replies],
            ranking=[0, 1],
        )
    assert tree_lifecycle.sync_tree(tree_id=root.tree_id).state == TreeState.READY_FOR_EXPORT
    for message in (*replies, undecided):
        message.refresh_from_db()
    assert [message.rank for message in (*replies, undecided)] == [0, 1, None]


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


def test_resume_re_checks_the_tree():
    root, _ = _ready_for_ranking(rankings=0)
    tree = tree_lifecycle.halt_tree(tree=root.tree)
    assert tree.state_before_halt == TreeState.RANKING
    assert tree_lifecycle.resume_tree(tree=tree).state == TreeState.RANKING
