"""Finishing the demo trees once the import has stored them (see annotation.demo_trees).

An oasst1 file carries a tree's messages, mean labels and rankings, not who gave which label values, when
a ranking was made, nor a moderator's halt; those are written here, through the services a volunteer's or a
moderator's action goes through wherever there is one: reactions (``set_emoji``), scoring (``score_tree``),
halts (``halt_tree``) and streaks (``record_activity``).
"""

from collections import defaultdict
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services.activity import record_activity
from annotation.demo_trees import DemoTree
from annotation.models import Message, MessageTree, Ranking, Review, TreeState
from annotation.services.reactions import set_emoji
from annotation.services.scoring import score_tree
from annotation.services.tree_state_changes import lock_tree
from annotation.services.tree_transitions import halt_tree


@transaction.atomic
def finish_demo_trees(*, trees: list[DemoTree], users: dict[str, User], now: datetime | None = None) -> None:
    """Give imported demo trees their reviews, ranking dates, ranks, halts, reactions and their authors'
    streaks. Called once, right after the import that stored the trees."""
    now = now or timezone.now()
    _add_reviews(trees, users)
    _date_rankings(trees, users)
    for tree in trees:
        if tree.loaded_state == tree.state:
            continue
        if tree.state == TreeState.READY_FOR_EXPORT:
            score_tree(tree=lock_tree(tree.id), now=now)
        elif tree.state == TreeState.HALTED_BY_MODERATOR:
            halt_tree(tree=MessageTree.objects.get(pk=tree.id), now=now)
    _add_reactions(trees, users)
    _replay_activity(trees, users)


def _add_reviews(trees: list[DemoTree], users: dict[str, User]) -> None:
    planned = [review for tree in trees for review in tree.reviews]
    reviews = Review.objects.bulk_create(
        Review(message_id=r.message_id, reviewer=users[r.username], values=r.values, full=r.full) for r in planned
    )
    # created_at is set on insert (auto_now_add): the planned dates go in afterwards.
    for review, plan in zip(reviews, planned, strict=True):
        review.created_at = plan.created_at
    Review.objects.bulk_update(reviews, ["created_at"], batch_size=500)


def _date_rankings(trees: list[DemoTree], users: dict[str, User]) -> None:
    """An imported ranking is dated like the message it sits on; the demo's come after the replies' reviews."""
    moments = {
        (parent_id, users[username].pk): moment
        for tree in trees
        for (parent_id, username), moment in tree.ranking_times.items()
    }
    rankings = list(Ranking.objects.filter(tree_id__in=[tree.id for tree in trees]))
    for ranking in rankings:
        ranking.created_at = moments.get((str(ranking.parent_id), ranking.user_id), ranking.created_at)
    Ranking.objects.bulk_update(rankings, ["created_at"], batch_size=500)


def _add_reactions(trees: list[DemoTree], users: dict[str, User]) -> None:
    planned = [reaction for tree in trees for reaction in tree.reactions]
    messages = Message.objects.in_bulk([reaction.message_id for reaction in planned])
    by_id = {str(pk): message for pk, message in messages.items()}
    for reaction in planned:
        set_emoji(user=users[reaction.username], message=by_id[reaction.message_id], emoji=reaction.emoji)


def _replay_activity(trees: list[DemoTree], users: dict[str, User]) -> None:
    """Each user's messages, reviews and rankings in time order, as if they had been made then: streaks."""
    moments: dict[str, list[datetime]] = defaultdict(list)
    for tree in trees:
        for username, moment in tree.activity:
            moments[username].append(moment)
    for username, user_moments in sorted(moments.items()):
        user = users[username]
        for moment in sorted(user_moments):
            if user.last_activity_at is None or moment > user.last_activity_at:
                record_activity(user=user, now=moment)
