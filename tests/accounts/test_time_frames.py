from datetime import UTC, datetime, timedelta

import pytest

from accounts.models import TimeFrame
from accounts.time_frames import frame_start, frame_starts
from core.errors import InvalidInput

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def test_each_frame_starts_its_length_before_now_and_all_time_never():
    assert frame_starts(NOW) == {
        TimeFrame.DAY: NOW - timedelta(days=1),
        TimeFrame.WEEK: NOW - timedelta(days=7),
        TimeFrame.MONTH: NOW - timedelta(days=30),
        TimeFrame.TOTAL: None,
    }
    assert frame_start(TimeFrame.WEEK, NOW) == NOW - timedelta(days=7)


def test_an_unknown_frame_is_invalid_input():
    with pytest.raises(InvalidInput):
        frame_start("century", NOW)
