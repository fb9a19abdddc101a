"""Leaderboard scores and levels (SPEC 6); streaks are the accounts app's (accounts.services.activity).

Counts come from a few aggregate queries over messages, reviews and rankings (one GROUP BY per
table, every time frame at once): a refresh makes the same few queries however many users there are.
"""

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import TimeFrame, User, UserStats
from accounts.services.activity import end_lapsed_streaks
from accounts.time_frames import frame_starts
from annotation.models import RANKING_TASK_TYPES, REVIEW_TASK_TYPES, Message, Ranking, Review, Task
from annotation.models import Role as MessageRole


@dataclass(frozen=True)
class ScoreTerm:
    """One term of the leader score: a UserStats counter times a weight, floored."""

    field: str
    label: str | Promise
    weight: Decimal

    def points(self, count: int) -> int:
        numerator, denominator = self.weight.as_integer_ratio()
        return count * numerator // denominator


# The leader score formula of SPEC 6, term by term, in the order the stats page shows it.
SCORE_TERMS: tuple[ScoreTerm, ...] = (
    ScoreTerm("prompts", _("Prompts written"), Decimal("0.1")),
    ScoreTerm("replies_assistant", _("Assistant replies written"), Decimal(4)),
    ScoreTerm("replies_prompter", _("User replies written"), Decimal(1)),
    ScoreTerm("labels_simple", _("Simple reviews"), Decimal(1)),
    ScoreTerm("labels_full", _("Full reviews"), Decimal(2)),
    ScoreTerm("rankings_total", _("Rankings"), Decimal(1)),
    ScoreTerm("rankings_good", _("Good rankings (your first choice was the consensus best)"), Decimal(1)),
    ScoreTerm("accepted_prompts", _("Accepted prompts"), Decimal("0.1")),
    ScoreTerm("accepted_replies_assistant", _("Accepted assistant replies"), Decimal(4)),
    ScoreTerm("accepted_replies_prompter", _("Accepted user replies"), Decimal(1)),
    ScoreTerm("reply_ranked_1", _("Replies ranked 1st"), Decimal(9)),
    ScoreTerm("reply_ranked_2", _("Replies ranked 2nd"), Decimal(3)),
    ScoreTerm("reply_ranked_3", _("Replies ranked 3rd"), Decimal(1)),
)
COUNTER_FIELDS: tuple[str, ...] = tuple(term.field for term in SCORE_TERMS)

# Levels 0-100. Reaching level 1 takes LEVEL_FIRST_STEP points and every further level takes
# LEVEL_GROWTH times the points of the one before (a geometric series): level 10 at 145 points,
# level 25 at 731, level 50 at 5,737, level 100 at about 275,000.
LEVEL_FIRST_STEP = 10
LEVEL_GROWTH = 1.08
MAX_LEVEL = 100
LEVEL_THRESHOLDS: tuple[int, ...] = tuple(
    round(LEVEL_FIRST_STEP * (LEVEL_GROWTH**n - 1) / (LEVEL_GROWTH - 1)) for n in range(MAX_LEVEL + 1)
)


@dataclass(frozen=True)
class ScoreLine:
    term: ScoreTerm
    count: int
    points: int


@dataclass(frozen=True)
class Level:
    level: int
    score: int
    # Points at which this level starts, and the next one (None at the top level).
    threshold: int
    next_threshold: int | None

    @property
    def progress_percent(self) -> int:
        """How far the score has come from this level towards the next one."""
        if self.next_threshold is None:
            return 100
        return int(100 * (self.score - self.threshold) / (self.next_threshold - self.threshold))


def leader_score(counts: Mapping[str, int]) -> int:
    return sum(term.points(counts.get(term.field, 0)) for term in SCORE_TERMS)


def score_breakdown(counts: Mapping[str, int]) -> list[ScoreLine]:
    """Each term of the formula with its count and the points it gives."""
    return [
        ScoreLine(term=term, count=counts.get(term.field, 0), points=term.points(counts.get(term.field, 0)))
        for term in SCORE_TERMS
    ]


def level_for(score: int) -> Level:
    level = max(bisect_right(LEVEL_THRESHOLDS, score) - 1, 0)
    next_threshold = LEVEL_THRESHOLDS[level + 1] if level < MAX_LEVEL else None
    return Level(level=level, score=score, threshold=LEVEL_THRESHOLDS[level], next_threshold=next_threshold)


def points_earned(*, counts: Mapping[str, int], counter: str) -> int:
    """What the latest unit of one counter brought: the score with it minus the score without it.

    Terms with a fractional weight are floored on the total, so a prompt may bring 0 points or 1.
    """
    before = {**counts, counter: max(counts.get(counter, 0) - 1, 0)}
    return leader_score(counts) - leader_score(before)


def task_counter(*, task: Task) -> str | None:
    """The counter a done task added one to; None when it produced nothing that counts."""
    if task.type in RANKING_TASK_TYPES:
        return "rankings_total"
    if task.type in REVIEW_TASK_TYPES:
        full = Review.objects.filter(task=task).values_list("full", flat=True).first()
        return None if full is None else ("labels_full" if full else "labels_simple")
    message = task.result_message
    if message is None:
        return None
    # The same conditions as the leaderboard's counters, asked of this one message in one query.
    written = ("prompts", "replies_assistant", "replies_prompter")
    found = Message.objects.filter(pk=message.pk).aggregate(
        **{field: Count("pk", filter=_MESSAGE_COUNTERS[field]) for field in written}
    )
    return next((field for field in written if found[field]), None)


# What each message counter counts (on live, non-synthetic messages the user wrote).
_MESSAGE_COUNTERS: dict[str, Q] = {
    "prompts": Q(parent__isnull=True),
    "replies_assistant": Q(parent__isnull=False, role=MessageRole.ASSISTANT),
    "replies_prompter": Q(parent__isnull=False, role=MessageRole.PROMPTER),
    "accepted_prompts": Q(parent__isnull=True, review_result=True),
    "accepted_replies_assistant": Q(parent__isnull=False, role=MessageRole.ASSISTANT, review_result=True),
    "accepted_replies_prompter": Q(parent__isnull=False, role=MessageRole.PROMPTER, review_result=True),
    "reply_ranked_1": Q(parent__isnull=False, rank=0),
    "reply_ranked_2": Q(parent__isnull=False, rank=1),
    "reply_ranked_3": Q(parent__isnull=False, rank=2),
}
_REVIEW_COUNTERS: dict[str, Q] = {"labels_simple": Q(full=False), "labels_full": Q(full=True)}

Counts = dict[UUID, dict[str, dict[str, int]]]


def _aggregate(
    queryset, user_field: str, counters: dict[str, Q], starts: dict[str, datetime | None], into: Counts
) -> None:
    annotations, targets = {}, {}
    for field, condition in counters.items():
        for frame, start in starts.items():
            in_frame = condition if start is None else condition & Q(created_at__gte=start)
            annotations[f"{field}__{frame}"] = Count("pk", filter=in_frame)
            targets[f"{field}__{frame}"] = (frame, field)
    for row in queryset.values(user_field).annotate(**annotations).order_by():
        per_frame = into[row.pop(user_field)]
        for key, value in row.items():
            frame, field = targets[key]
            per_frame[frame][field] = value


def count_activity(*, now: datetime, user_ids: Collection[UUID] | None = None) -> Counts:
    """{user id: {time frame: {counter: n}}} for every user with any activity (or the given users)."""
    starts = frame_starts(now)
    counts: Counts = defaultdict(lambda: {frame: dict.fromkeys(COUNTER_FIELDS, 0) for frame in starts})

    messages = Message.objects.filter(author__isnull=False, deleted=False, synthetic=False)
    reviews = Review.objects.filter(reviewer__isnull=False)
    rankings = Ranking.objects.filter(user__isnull=False)
    if user_ids is not None:
        messages = messages.filter(author_id__in=user_ids)
        reviews = reviews.filter(reviewer_id__in=user_ids)
        rankings = rankings.filter(user_id__in=user_ids)
    _aggregate(messages, "author_id", _MESSAGE_COUNTERS, starts, counts)
    _aggregate(reviews, "reviewer_id", _REVIEW_COUNTERS, starts, counts)
    _aggregate(rankings, "user_id", {"rankings_total": Q()}, starts, counts)

    # A good ranking puts first the reply that the merged ranking made best (rank 0).
    shown = rankings.filter(not_rankable=False)
    best_replies = Message.objects.filter(rank=0, parent_id__in=shown.values("parent_id"))
    best = {str(pk) for pk in best_replies.values_list("pk", flat=True)}
    shown = shown.values_list("user_id", "created_at", "ranked_message_ids", "ranking")
    for user_id, created_at, ranked_ids, ranking in shown.iterator(chunk_size=5000):
        if not ranking or not 0 <= ranking[0] < len(ranked_ids) or str(ranked_ids[ranking[0]]) not in best:
            continue
        for frame, start in starts.items():
            if start is None or created_at >= start:
                counts[user_id][frame]["rankings_good"] += 1
    return counts


def _ranks(scores: list[tuple[int, UUID]], visible: set[UUID]) -> dict[UUID, int]:
    """Competition ranks (1, 2, 2, 4) among visible users with points."""
    ranked = sorted(((score, user_id) for score, user_id in scores if score > 0 and user_id in visible), reverse=True)
    ranks: dict[UUID, int] = {}
    previous_score = None
    for position, (score, user_id) in enumerate(ranked, start=1):
        if score != previous_score:
            rank, previous_score = position, score
        ranks[user_id] = rank
    return ranks


def refresh_user_stats(*, now: datetime | None = None) -> int:
    """Recompute the UserStats rows of every time frame; returns the number of rows written.

    Also ends the streaks of users inactive for too long (accounts.services.activity).
    """
    now = now or timezone.now()
    counts = count_activity(now=now)
    visible = set(
        User.objects.filter(show_on_leaderboard=True, is_placeholder=False, enabled=True).values_list("pk", flat=True)
    )
    user_field = UserStats._meta.get_field("user")
    modified_at = UserStats._meta.get_field("modified_at").get_db_prep_save(now, connection)
    rows: list[tuple] = []
    for frame in TimeFrame.values:
        # Users without any activity in a time frame get no row for it.
        active = {user_id: per_frame[frame] for user_id, per_frame in counts.items() if any(per_frame[frame].values())}
        scores = [(leader_score(frame_counts), user_id) for user_id, frame_counts in active.items()]
        ranks = _ranks(scores, visible)
        rows.extend(
            (
                user_field.get_db_prep_save(user_id, connection),
                frame,
                score,
                ranks.get(user_id),
                *(active[user_id][field] for field in COUNTER_FIELDS),
                modified_at,
            )
            for score, user_id in scores
        )
    with transaction.atomic():
        UserStats.objects.all().delete()
        _insert_stats(rows)
        end_lapsed_streaks(now=now)
    return len(rows)


_STATS_COLUMNS = ("user_id", "time_frame", "leader_score", "rank", *COUNTER_FIELDS, "modified_at")


def _insert_stats(rows: list[tuple], batch_size: int = 5000) -> None:
    """Insert prepared UserStats rows: COPY on PostgreSQL, executemany elsewhere (neither builds model instances)."""
    quote = connection.ops.quote_name
    table = quote(UserStats._meta.db_table)
    columns = ", ".join(quote(column) for column in _STATS_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(_STATS_COLUMNS))})"
        for start in range(0, len(rows), batch_size):
            cursor.executemany(sql, rows[start : start + batch_size])
