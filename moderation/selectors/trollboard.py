"""The trollboard (SPEC 5): the users whose messages drew the most red flags, downvotes and flag labels.

troll score = 3 * red flags received - upvotes received + downvotes received + rejected prompts
              + the sum of the flag labels received

Each term counts what happened in the time frame: reactions and reviews by when they were given, rejected prompts
by when they were written. Red flags are the ``red_flag`` reactions on the user's messages (a report also sets
one, so reports are counted through their reaction). The flag labels received are the flag-widget label values
(``annotation.labels``) of every review of the user's messages, summed review by review: a message that three
reviewers flagged as hate speech adds 3. Hidden messages count too.

Three grouped queries (reactions, rejected prompts, reviews) and one for the users, however many users there are;
``troll_row`` reads one user's terms with the same three queries.
"""

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime
from uuid import UUID

from django.db.models import Count, FloatField, Q, Sum
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from accounts.models import User
from accounts.time_frames import frame_start
from annotation.labels import LABELS
from annotation.models import EmojiReaction, Message, Review
from annotation.services.reactions import RED_FLAG, THUMBS_DOWN, THUMBS_UP

FLAG_LABEL_NAMES: tuple[str, ...] = tuple(label.name for label in LABELS if label.widget == "flag")
RED_FLAG_WEIGHT = 3


@dataclass(frozen=True)
class TrollRow:
    user_id: UUID
    username: str = ""
    display_name: str = ""
    enabled: bool = True
    red_flags: int = 0
    upvotes: int = 0
    downvotes: int = 0
    rejected_prompts: int = 0
    # Flag label name -> the sum of its values over the reviews received.
    flag_labels: dict[str, float] = field(default_factory=lambda: dict.fromkeys(FLAG_LABEL_NAMES, 0.0))

    @property
    def flag_label_total(self) -> float:
        return round(sum(self.flag_labels.values()), 2)

    @property
    def score(self) -> float:
        counted = RED_FLAG_WEIGHT * self.red_flags - self.upvotes + self.downvotes + self.rejected_prompts
        return round(counted + self.flag_label_total, 2)

    @property
    def name(self) -> str:
        return self.display_name or self.username


def _terms(*, start: datetime | None, author: User | None = None) -> dict[UUID, dict]:
    """The score terms per author of the messages concerned (all authors, or only ``author``): three grouped
    queries."""
    terms: dict[UUID, dict] = defaultdict(dict)
    by_author = {"message__author": author} if author is not None else {"message__author__isnull": False}
    authored = {"author": author} if author is not None else {"author__isnull": False}

    votes = (RED_FLAG, THUMBS_UP, THUMBS_DOWN)
    reactions = EmojiReaction.objects.filter(emoji__in=votes, **by_author)
    if start is not None:
        reactions = reactions.filter(created_at__gte=start)
    for row in reactions.values("message__author_id").annotate(
        red_flags=Count("pk", filter=Q(emoji=RED_FLAG)),
        upvotes=Count("pk", filter=Q(emoji=THUMBS_UP)),
        downvotes=Count("pk", filter=Q(emoji=THUMBS_DOWN)),
    ):
        terms[row.pop("message__author_id")].update(row)

    rejected = Message.objects.filter(parent__isnull=True, review_result=False, **authored)
    if start is not None:
        rejected = rejected.filter(created_at__gte=start)
    for row in rejected.values("author_id").annotate(count=Count("pk")):
        terms[row["author_id"]]["rejected_prompts"] = row["count"]

    reviews = Review.objects.filter(**by_author)
    if start is not None:
        reviews = reviews.filter(created_at__gte=start)
    sums = {name: Coalesce(Sum(Cast(KeyTextTransform(name, "values"), FloatField())), 0.0) for name in FLAG_LABEL_NAMES}
    for row in reviews.values("message__author_id").annotate(**sums):
        author_id = row.pop("message__author_id")
        if any(row.values()):
            terms[author_id]["flag_labels"] = {name: round(value, 2) for name, value in row.items()}
    return terms


def trollboard(*, time_frame: str, limit: int = 100, now: datetime | None = None) -> list[TrollRow]:
    """Users with a positive troll score in the time frame, highest first, ties by username; no placeholders."""
    terms = _terms(start=frame_start(time_frame, now or timezone.now()))

    scored = {user_id: TrollRow(user_id=user_id, **user_terms) for user_id, user_terms in terms.items()}
    trolls = [user_id for user_id, row in scored.items() if row.score > 0]
    users = User.objects.filter(pk__in=trolls, is_placeholder=False)
    rows = [
        replace(scored[user_id], username=username, display_name=display_name, enabled=enabled)
        for user_id, username, display_name, enabled in users.values_list("pk", "username", "display_name", "enabled")
    ]
    rows.sort(key=lambda row: (-row.score, row.username))
    return rows[:limit]


def troll_row(*, user: User, time_frame: str, now: datetime | None = None) -> TrollRow:
    """One user's troll score terms in the time frame (zero terms too), by the trollboard's formula."""
    terms = _terms(start=frame_start(time_frame, now or timezone.now()), author=user)
    return TrollRow(
        user_id=user.pk,
        username=user.username,
        display_name=user.display_name,
        enabled=user.enabled,
        **terms.get(user.pk, {}),
    )
