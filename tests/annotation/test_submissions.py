from datetime import timedelta

import pytest
from django.utils import timezone

from annotation.errors import (
    AlreadyReplied,
    DuplicateText,
    InvalidLabels,
    InvalidRanking,
    NotTaskOwner,
    TaskClosed,
    TextBlank,
    TextTooLong,
    TreeNotOpen,
    WrongTaskKind,
)
from annotation.models import Message, MessageTree, Ranking, Review, TaskState, TaskType, TreeState
from annotation.services import tree_transitions
from annotation.services.submissions import submit_ranking, submit_review, submit_text
from annotation.services.task_handout import request_task, skip_task
from core.errors import RateLimited, UserDisabled
from tests.factories import UserFactory, make_prompt, make_ranking_tree, make_reply

pytestmark = pytest.mark.django_db


def reply_task(user=None, task_type=TaskType.ASSISTANT_REPLY):
    user = user or UserFactory()
    return request_task(user=user, lang="en", task_type=task_type), user


def test_a_reply_is_added_under_its_parent_and_the_claim_becomes_a_child():
    root = make_prompt()
    task, user = reply_task()
    reply = submit_text(task=task, user=user, text="  Call it Whiskers.  ")
    assert (reply.parent_id, reply.role, reply.depth, reply.text) == (root.pk, "assistant", 1, "Call it Whiskers.")
    assert reply.review_result is None and reply.author == user
    root.refresh_from_db()
    task.refresh_from_db()
    assert (root.children_count, root.reply_claims) == (1, 0)
    assert task.state == TaskState.DONE and task.result_message_id == reply.pk
    user.refresh_from_db()
    assert user.last_activity_at is not None


def test_a_second_submission_of_the_same_task_returns_the_first_message():
    make_prompt()
    task, user = reply_task()
    first = submit_text(task=task, user=user, text="One answer.")
    again = submit_text(task=task, user=user, text="A different retry.")
    assert again.pk == first.pk
    assert Message.objects.filter(author=user).count() == 1


def test_an_initial_prompt_starts_a_tree_with_the_current_limits(tree_manager):
    tree_manager(max_tree_depth=5, goal_tree_size=15)
    user = UserFactory()
    task = request_task(user=user, lang="en", task_type=TaskType.INITIAL_PROMPT)
    prompt = submit_text(task=task, user=user, text="Explain tides.", lang="pt-BR")
    tree = MessageTree.objects.get(pk=prompt.pk)
    assert (tree.state, tree.lang, tree.max_depth, tree.goal_tree_size) == ("initial_prompt_review", "pt-BR", 5, 15)
    assert tree.origin == "web" and prompt.lang == "pt-BR" and prompt.depth == 0
    assert submit_text(task=task, user=user, text="Explain tides.").pk == prompt.pk


@pytest.mark.parametrize(("text", "error"), [("", TextBlank), ("   \n ", TextBlank), ("x" * 2001, TextTooLong)])
def test_blank_or_too_long_texts_are_refused(text, error):
    make_prompt()
    task, user = reply_task()
    with pytest.raises(error):
        submit_text(task=task, user=user, text=text)
    task.refresh_from_db()
    assert task.state == TaskState.OPEN


def test_the_same_text_twice_within_two_hours_is_refused():
    make_prompt()
    make_prompt()
    user = UserFactory()
    first, _ = reply_task(user)
    submit_text(task=first, user=user, text="Same words.")
    second, _ = reply_task(user)
    with pytest.raises(DuplicateText):
        submit_text(task=second, user=user, text="Same words.")
    Message.objects.filter(author=user).update(created_at=timezone.now() - timedelta(hours=3))
    assert submit_text(task=second, user=user, text="Same words.")


def test_one_reply_per_user_per_parent():
    root = make_prompt()
    task, user = reply_task()
    make_reply(root, author=user)
    with pytest.raises(AlreadyReplied):
        submit_text(task=task, user=user, text="Another one.")


def test_assistant_replies_are_rate_limited(tree_manager):
    tree_manager(rate_limit_assistant_replies=1)
    make_prompt()
    make_prompt()
    user = UserFactory()
    submit_text(task=reply_task(user)[0], user=user, text="First reply.")
    with pytest.raises(RateLimited):
        submit_text(task=reply_task(user)[0], user=user, text="Second reply.")


def test_prompter_replies_have_their_own_rate_limit(tree_manager):
    tree_manager(rate_limit_prompter_replies=1, rate_limit_assistant_replies=1)
    make_reply(make_prompt())
    make_reply(make_prompt())
    user = UserFactory()
    submit_text(task=reply_task(user, TaskType.PROMPTER_REPLY)[0], user=user, text="Thanks! And why?")
    with pytest.raises(RateLimited):
        submit_text(task=reply_task(user, TaskType.PROMPTER_REPLY)[0], user=user, text="More please.")


def test_only_the_owner_of_an_open_task_of_the_right_kind_may_submit():
    make_prompt()
    task, user = reply_task()
    with pytest.raises(NotTaskOwner):
        submit_text(task=task, user=UserFactory(), text="Not mine.")
    with pytest.raises(WrongTaskKind):
        submit_review(task=task, user=user, values={"spam": 0})
    skip_task(task=task, user=user, reason="")
    with pytest.raises(TaskClosed):
        submit_text(task=task, user=user, text="After the skip.")
    user.enabled = False
    with pytest.raises(UserDisabled):
        submit_text(task=task, user=user, text="Banned.")


def test_a_reply_to_a_halted_tree_is_refused_and_frees_the_slot():
    root = make_prompt()
    task, user = reply_task()
    tree_transitions.halt_tree(tree=root.tree)
    with pytest.raises(TreeNotOpen):
        submit_text(task=task, user=user, text="Too late.")
    task.refresh_from_db()
    root.refresh_from_db()
    assert task.state == TaskState.EXPIRED and root.reply_claims == 0


def test_reviews_keep_the_label_aggregate_and_count_in_step():
    prompt = make_prompt(state=TreeState.INITIAL_PROMPT_REVIEW, accepted=False)
    values = [{"spam": 0, "quality": 1}, {"spam": 1, "quality": 0.5, "pii": 1}]
    for value in values:
        user = UserFactory()
        task = request_task(user=user, lang="en", task_type=TaskType.LABEL_INITIAL_PROMPT)
        review = submit_review(task=task, user=user, values=value, comment=" fine ")
        assert submit_review(task=task, user=user, values={"spam": 1}).pk == review.pk
    prompt.refresh_from_db()
    assert prompt.review_count == 2 and prompt.review_claims == 0 and prompt.review_result is None
    assert prompt.labels == {
        "spam": {"value": 0.5, "count": 2},
        "quality": {"value": 0.75, "count": 2},
        "pii": {"value": 1.0, "count": 1},
    }
    assert Review.objects.filter(message=prompt).count() == 2
    assert Review.objects.first().comment == "fine" and Review.objects.first().full is True


@pytest.mark.parametrize(
    "values",
    [{"quality": 1}, {"spam": 2}, {"spam": -0.1}, {"spam": "no"}, {"spam": 0, "helpfulness": 1}, ["spam"]],
)
def test_invalid_label_values_are_refused(values):
    make_prompt(state=TreeState.INITIAL_PROMPT_REVIEW, accepted=False)
    user = UserFactory()
    task = request_task(user=user, lang="en", task_type=TaskType.LABEL_INITIAL_PROMPT)
    with pytest.raises(InvalidLabels):
        submit_review(task=task, user=user, values=values)


def ranking_task():
    root = make_ranking_tree(replies=3)
    user = UserFactory()
    return request_task(user=user, lang="en", task_type=TaskType.RANK_ASSISTANT_REPLIES), user, root


def test_a_ranking_is_stored_as_indices_into_the_shown_replies():
    task, user, root = ranking_task()
    shown = task.payload["replies"]
    best_first = [shown[2], shown[0], shown[1]]
    ranking = submit_ranking(task=task, user=user, ranking=best_first)
    assert ranking.ranked_message_ids == shown and ranking.ranking == [2, 0, 1] and not ranking.not_rankable
    assert submit_ranking(task=task, user=user, ranking=list(reversed(best_first))).pk == ranking.pk
    root.refresh_from_db()
    assert (root.ranking_count, root.ranking_claims) == (1, 0)


@pytest.mark.parametrize("mangle", ["missing", "duplicate", "extra", "none"])
def test_a_ranking_must_be_a_permutation_of_exactly_the_shown_replies(mangle):
    task, user, _root = ranking_task()
    shown = task.payload["replies"]
    ranking = {
        "missing": shown[:2],
        "duplicate": [shown[0], shown[0], shown[1]],
        "extra": [*shown, str(make_prompt().pk)],
        "none": None,
    }[mangle]
    with pytest.raises(InvalidRanking):
        submit_ranking(task=task, user=user, ranking=ranking)
    assert not Ranking.objects.exists()


def test_not_rankable_counts_towards_the_required_rankings():
    task, user, root = ranking_task()
    ranking = submit_ranking(task=task, user=user, ranking=None, not_rankable=True)
    assert ranking.not_rankable and ranking.ranking == []
    root.refresh_from_db()
    assert root.ranking_count == 1


def test_only_the_last_required_ranking_of_a_parent_moves_the_tree(tree_manager, monkeypatch):
    tree_manager(num_required_rankings=2)
    synced = []
    monkeypatch.setattr(tree_transitions, "sync_tree", lambda **kwargs: synced.append(kwargs["tree_id"]))
    root = make_ranking_tree(replies=2)
    for _ in range(2):
        user = UserFactory()
        task = request_task(user=user, lang="en", task_type=TaskType.RANK_ASSISTANT_REPLIES)
        submit_ranking(task=task, user=user, ranking=list(reversed(task.payload["replies"])))
    assert synced == [root.tree_id]
