"""Reads for the stats pages: leaderboard, the personal score breakdown."""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from accounts.models import TimeFrame, User, UserStats
from accounts.selectors import user_stats
from accounts.services.activity import current_streak
from accounts.time_frames import check_time_frame
from stats.services.points import Level, ScoreLine, count_activity, level_for, score_breakdown


def leaderboard(*, time_frame: str, limit: int = 100) -> list[UserStats]:
    """The best users of a time frame, hiding those who opted out, placeholders and disabled accounts."""
    check_time_frame(time_frame)
    rows = (
        UserStats.objects.filter(
            time_frame=time_frame,
            rank__isnull=False,
            user__show_on_leaderboard=True,
            user__is_placeholder=False,
            user__enabled=True,
        )
        .select_related("user")
        .order_by("rank", "user__username")
    )
    return list(rows[:limit])


@dataclass(frozen=True)
class FrameScore:
    time_frame: str
    lines: list[ScoreLine]
    total: int
    # Position on the (periodically refreshed) leaderboard; None when not ranked.
    rank: int | None


@dataclass(frozen=True)
class PersonalStats:
    frames: dict[str, FrameScore]
    level: Level
    streak: int

    @property
    def total(self) -> int:
        return self.frames[TimeFrame.TOTAL].total


def personal_stats(*, user: User, now: datetime | None = None) -> PersonalStats:
    """The user's points counted now, term by term for every time frame, with level and streak."""
    now = now or timezone.now()
    counts = count_activity(now=now, user_ids=[user.pk]).get(user.pk)
    stored = user_stats(user=user)
    frames = {}
    for frame in TimeFrame.values:
        lines = score_breakdown(counts[frame] if counts else {})
        row = stored[frame]
        frames[frame] = FrameScore(
            time_frame=frame,
            lines=lines,
            total=sum(line.points for line in lines),
            rank=row.rank if row else None,
        )
    return PersonalStats(
        frames=frames,
        level=level_for(frames[TimeFrame.TOTAL].total),
        streak=current_streak(user=user, now=now),
    )
