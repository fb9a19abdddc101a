"""Reads for the stats pages: leaderboard, the personal score breakdown."""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from accounts.models import TimeFrame, User, UserStats
from accounts.selectors import user_stats
from accounts.services.activity import current_streak
from accounts.time_frames import check_time_frame
from annotation.models import Message, Task, TaskState
from stats.services.points import (
    Level,
    ScoreLine,
    count_activity,
    leader_score,
    level_for,
    points_earned,
    score_breakdown,
    task_counter,
)


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


@dataclass(frozen=True)
class DailyProgress:
    done: int
    goal: int

    @property
    def percent(self) -> int:
        return min(100, int(100 * self.done / self.goal)) if self.goal else 100

    @property
    def reached(self) -> bool:
        return self.done >= self.goal


def daily_progress(*, user: User, now: datetime | None = None) -> DailyProgress:
    """Tasks the user has finished since (local) midnight, against their daily goal."""
    midnight = timezone.localtime(now or timezone.now()).replace(hour=0, minute=0, second=0, microsecond=0)
    done = Task.objects.filter(user=user, state=TaskState.DONE, closed_at__gte=midnight).count()
    return DailyProgress(done=done, goal=user.daily_goal)


@dataclass(frozen=True)
class TaskDone:
    """The acknowledgement shown after a task: what it brought and where the volunteer stands."""

    task: Task
    points: int
    # The message written, reviewed, or whose replies were ranked.
    message: Message | None
    level: Level
    streak: int
    today: DailyProgress


def task_done(*, user: User, task: Task, now: datetime | None = None) -> TaskDone:
    now = now or timezone.now()
    counts = count_activity(now=now, user_ids=[user.pk]).get(user.pk)
    total = counts[TimeFrame.TOTAL] if counts else {}
    counter = task_counter(task=task)
    return TaskDone(
        task=task,
        points=points_earned(counts=total, counter=counter) if counter else 0,
        message=task.result_message or task.message or task.parent_message,
        level=level_for(leader_score(total)),
        streak=current_streak(user=user, now=now),
        today=daily_progress(user=user, now=now),
    )
