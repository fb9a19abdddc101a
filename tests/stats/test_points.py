from datetime import timedelta
from itertools import pairwise

import pytest
from django.utils import timezone

from accounts.models import TimeFrame, UserStats
from accounts.services.activity import record_activity
from annotation.models import Ranking, Review
from stats.services.points import (
    LEVEL_THRESHOLDS,
    MAX_LEVEL,
    SCORE_TERMS,
    count_activity,
    leader_score,
    level_for,
    refresh_user_stats,
    score_breakdown,
)
from tests.factories import UserFactory, make_prompt, make_reply


def test_leader_score_follows_the_formula():
    counts = {
        "prompts": 19,  # 0.1 each, floored: 1
        "replies_assistant": 2,  # 8
        "replies_prompter": 3,  # 3
        "labels_simple": 5,  # 5
        "labels_full": 2,  # 4
        "rankings_total": 4,  # 4
        "rankings_good": 2,  # 2
        "accepted_prompts": 9,  # floored: 0
        "accepted_replies_assistant": 1,  # 4
        "accepted_replies_prompter": 2,  # 2
        "reply_ranked_1": 1,  # 9
        "reply_ranked_2": 1,  # 3
        "reply_ranked_3": 1,  # 1
    }
    assert leader_score(counts) == 1 + 8 + 3 + 5 + 4 + 4 + 2 + 0 + 4 + 2 + 9 + 3 + 1
    lines = score_breakdown(counts)
    assert [line.term for line in lines] == list(SCORE_TERMS)
    assert sum(line.points for line in lines) == leader_score(counts)
    assert lines[0].count == 19 and lines[0].points == 1


def test_leader_score_of_nothing_is_zero():
    assert leader_score({}) == 0


def test_levels_grow_from_zero_to_one_hundred():
    assert len(LEVEL_THRESHOLDS) == MAX_LEVEL + 1
    assert LEVEL_THRESHOLDS[0] == 0
    assert all(a < b for a, b in pairwise(LEVEL_THRESHOLDS))
    assert level_for(0).level == 0
    assert level_for(LEVEL_THRESHOLDS[1] - 1).level == 0
    assert level_for(LEVEL_THRESHOLDS[1]).level == 1
    assert level_for(LEVEL_THRESHOLDS[37] + 1).level == 37
    top = level_for(10**9)
    assert top.level == MAX_LEVEL and top.next_threshold is None and top.progress_percent == 100


def test_level_progress_is_measured_within_the_level():
    halfway = (LEVEL_THRESHOLDS[5] + LEVEL_THRESHOLDS[6]) // 2
    level = level_for(halfway)
    assert level.level == 5
    assert 40 <= level.progress_percent <= 60


@pytest.mark.django_db
def test_refresh_ends_stale_streaks():
    now = timezone.now()
    stale, fresh = UserFactory(), UserFactory()
    record_activity(user=stale, now=now - timedelta(hours=40))
    record_activity(user=fresh, now=now - timedelta(hours=20))
    refresh_user_stats(now=now)
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.streak_days == 0
    assert fresh.streak_days == 1


def _rank(ranker, parent, order, *, not_rankable=False):
    """A ranking of parent's children; `order` lists them best first."""
    shown = list(parent.children.order_by("created_at"))
    return Ranking.objects.create(
        parent=parent,
        tree=parent.tree,
        user=ranker,
        ranked_message_ids=[str(m.pk) for m in shown],
        ranking=[] if not_rankable else [shown.index(m) for m in order],
        not_rankable=not_rankable,
    )


@pytest.fixture
def activity():
    """A small tree: a writer, a reviewer and a ranker, with one old contribution."""
    now = timezone.now()
    writer, other, reviewer, ranker = UserFactory(), UserFactory(), UserFactory(), UserFactory()
    prompt = make_prompt(author=writer)
    best = make_reply(prompt, author=writer, rank=0)
    second = make_reply(prompt, author=other, rank=1)
    third = make_reply(prompt, author=other, rank=2, accepted=False)
    make_reply(best, author=writer)  # a prompter follow-up
    make_reply(prompt, author=writer, deleted=True)  # deleted: not counted
    old = make_prompt(author=writer, created_at=now - timedelta(days=10))

    Review.objects.create(message=best, reviewer=reviewer, full=True, values={"spam": 0})
    Review.objects.create(message=second, reviewer=reviewer, full=False, values={"spam": 0})
    old_review = Review.objects.create(message=old, reviewer=reviewer, full=False, values={"spam": 0})
    Review.objects.filter(pk=old_review.pk).update(created_at=now - timedelta(days=10))

    _rank(ranker, prompt, [best, second, third])  # good
    _rank(ranker, prompt, [second, best, third])  # not good
    _rank(ranker, prompt, [], not_rankable=True)  # counted, never good
    good_old = _rank(reviewer, prompt, [best, third, second])
    Ranking.objects.filter(pk=good_old.pk).update(created_at=now - timedelta(days=3))
    return {"now": now, "writer": writer, "other": other, "reviewer": reviewer, "ranker": ranker}


@pytest.mark.django_db
def test_count_activity_counts_each_term_per_time_frame(activity):
    counts = count_activity(now=activity["now"])

    writer = counts[activity["writer"].pk]
    assert writer[TimeFrame.TOTAL]["prompts"] == 2
    assert writer[TimeFrame.WEEK]["prompts"] == 1
    assert writer[TimeFrame.TOTAL]["accepted_prompts"] == 2
    assert writer[TimeFrame.DAY]["replies_assistant"] == 1
    assert writer[TimeFrame.DAY]["accepted_replies_assistant"] == 1
    assert writer[TimeFrame.DAY]["replies_prompter"] == 1
    assert writer[TimeFrame.DAY]["reply_ranked_1"] == 1

    other = counts[activity["other"].pk][TimeFrame.DAY]
    assert other["replies_assistant"] == 2
    assert other["accepted_replies_assistant"] == 1
    assert (other["reply_ranked_1"], other["reply_ranked_2"], other["reply_ranked_3"]) == (0, 1, 1)

    reviewer = counts[activity["reviewer"].pk]
    assert reviewer[TimeFrame.DAY]["labels_full"] == 1
    assert reviewer[TimeFrame.DAY]["labels_simple"] == 1
    assert reviewer[TimeFrame.MONTH]["labels_simple"] == 2
    assert reviewer[TimeFrame.DAY]["rankings_good"] == 0
    assert reviewer[TimeFrame.WEEK]["rankings_good"] == 1
    assert reviewer[TimeFrame.WEEK]["rankings_total"] == 1

    ranker = counts[activity["ranker"].pk][TimeFrame.DAY]
    assert ranker["rankings_total"] == 3
    assert ranker["rankings_good"] == 1


@pytest.mark.django_db
def test_count_activity_for_some_users_only(activity):
    counts = count_activity(now=activity["now"], user_ids=[activity["ranker"].pk])
    assert set(counts) == {activity["ranker"].pk}


@pytest.mark.django_db
def test_refresh_writes_scores_and_ranks(activity):
    hidden = activity["other"]
    hidden.show_on_leaderboard = False
    hidden.save()

    written = refresh_user_stats(now=activity["now"])

    assert written == 4 * len(TimeFrame.values)
    rows = {(row.user_id, row.time_frame): row for row in UserStats.objects.all()}
    writer = rows[(activity["writer"].pk, TimeFrame.TOTAL)]
    # 2 prompts (0) + 1 assistant reply (4) + 1 prompter reply (1) + 2 accepted prompts (0)
    # + accepted assistant reply (4) + accepted prompter reply (1) + ranked 1st (9)
    assert writer.leader_score == 19
    assert writer.rank == 1
    assert rows[(hidden.pk, TimeFrame.TOTAL)].rank is None
    assert rows[(hidden.pk, TimeFrame.TOTAL)].leader_score > 0
    ranker = rows[(activity["ranker"].pk, TimeFrame.DAY)]
    assert ranker.leader_score == 3 + 1
    # A second refresh replaces the rows rather than adding to them.
    assert refresh_user_stats(now=activity["now"]) == written
    assert UserStats.objects.count() == written


@pytest.mark.django_db
def test_equal_scores_share_a_rank():
    now = timezone.now()
    a, b, c = UserFactory(), UserFactory(), UserFactory()
    for author, replies in ((a, 2), (b, 2), (c, 1)):
        prompt = make_prompt(author=UserFactory(is_placeholder=True))
        for _ in range(replies):
            make_reply(prompt, author=author, accepted=False)
    refresh_user_stats(now=now)
    ranks = dict(UserStats.objects.filter(time_frame=TimeFrame.TOTAL).values_list("user_id", "rank"))
    assert (ranks[a.pk], ranks[b.pk], ranks[c.pk]) == (1, 1, 3)
