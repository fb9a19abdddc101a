"""Reads for accounts: the stored leaderboard rows of a user."""

from accounts.models import TimeFrame, User, UserStats


def user_stats(*, user: User) -> dict[str, UserStats | None]:
    """The stored leaderboard row of each time frame (None before the user's first refresh)."""
    rows = {row.time_frame: row for row in UserStats.objects.filter(user=user)}
    return {frame: rows.get(frame) for frame in TimeFrame.values}
