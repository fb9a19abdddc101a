"""Streaks (SPEC 6): how many days in a row a user has been active."""

from datetime import datetime, timedelta

from django.utils import timezone

from accounts.models import User

# A streak counts the days (24 h periods) since its start; it ends after this long without activity.
STREAK_RESET_AFTER = timedelta(hours=36)
# How stale the recorded time of a user's last activity may be.
ACTIVITY_PRECISION = timedelta(minutes=1)


def current_streak(*, user: User, now: datetime | None = None) -> int:
    """The streak as it stands now: zero once the user has been inactive for too long."""
    now = now or timezone.now()
    if user.last_activity_at is None or now - user.last_activity_at > STREAK_RESET_AFTER:
        return 0
    return user.streak_days


def record_activity(*, user: User, now: datetime | None = None) -> None:
    """Note that the user did something now; extends or restarts their streak.

    A volunteer at work submits every few seconds: within ``ACTIVITY_PRECISION`` of the last recorded
    activity, with the streak unchanged, nothing is written (the streak is counted in days).
    """
    now = now or timezone.now()
    recorded = (user.streak_started_at, user.streak_days)
    if user.streak_started_at is None or current_streak(user=user, now=now) == 0:
        user.streak_started_at = now
    user.streak_days = (now - user.streak_started_at) // timedelta(days=1) + 1
    unchanged = (user.streak_started_at, user.streak_days) == recorded and user.last_activity_at is not None
    if unchanged and timedelta(0) <= now - user.last_activity_at < ACTIVITY_PRECISION:
        return
    user.last_activity_at = now
    User.objects.filter(pk=user.pk).update(
        streak_started_at=user.streak_started_at, streak_days=user.streak_days, last_activity_at=now
    )


def end_lapsed_streaks(*, now: datetime) -> int:
    """Reset the stored streaks of users inactive for longer than STREAK_RESET_AFTER; returns how many."""
    return User.objects.filter(streak_days__gt=0, last_activity_at__lt=now - STREAK_RESET_AFTER).update(
        streak_days=0, streak_started_at=None
    )
