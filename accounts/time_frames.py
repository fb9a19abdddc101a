"""Where each leaderboard time frame (accounts.models.TimeFrame) starts: the leaderboard and the trollboard count
what happened since then."""

from datetime import datetime, timedelta

from django.utils.translation import gettext as _

from accounts.models import TimeFrame
from core.errors import InvalidInput

_FRAME_LENGTHS: dict[str, timedelta | None] = {
    TimeFrame.DAY: timedelta(days=1),
    TimeFrame.WEEK: timedelta(days=7),
    TimeFrame.MONTH: timedelta(days=30),
    TimeFrame.TOTAL: None,
}


def check_time_frame(time_frame: str) -> None:
    if time_frame not in TimeFrame.values:
        raise InvalidInput(_("Unknown time frame."), time_frame=time_frame)


def frame_starts(now: datetime) -> dict[str, datetime | None]:
    """{time frame: its start}; None for all time."""
    return {frame: None if length is None else now - length for frame, length in _FRAME_LENGTHS.items()}


def frame_start(time_frame: str, now: datetime) -> datetime | None:
    check_time_frame(time_frame)
    return frame_starts(now)[time_frame]
