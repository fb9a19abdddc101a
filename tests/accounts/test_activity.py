from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.services.activity import current_streak, end_lapsed_streaks, record_activity
from tests.factories import UserFactory


@pytest.mark.django_db
def test_streak_counts_days_and_resets_after_36_hours():
    user = UserFactory()
    start = timezone.now() - timedelta(days=30)

    record_activity(user=user, now=start)
    assert user.streak_days == 1
    record_activity(user=user, now=start + timedelta(hours=5))
    assert user.streak_days == 1
    record_activity(user=user, now=start + timedelta(hours=30))
    assert user.streak_days == 2
    # 35 hours without activity keeps the streak going.
    record_activity(user=user, now=start + timedelta(hours=65))
    assert user.streak_days == 3
    assert current_streak(user=user, now=start + timedelta(hours=100)) == 3
    # 37 hours without activity ends it.
    assert current_streak(user=user, now=start + timedelta(hours=102)) == 0
    record_activity(user=user, now=start + timedelta(hours=102))
    user.refresh_from_db()
    assert user.streak_days == 1
    assert user.streak_started_at == start + timedelta(hours=102)
    assert user.last_activity_at == start + timedelta(hours=102)


@pytest.mark.django_db
def test_activity_within_a_minute_of_the_last_is_not_written_again(django_assert_num_queries):
    user = UserFactory()
    start = timezone.now()
    record_activity(user=user, now=start)
    with django_assert_num_queries(0):
        record_activity(user=user, now=start + timedelta(seconds=59))
    with django_assert_num_queries(1):
        record_activity(user=user, now=start + timedelta(seconds=61))
    user.refresh_from_db()
    assert user.last_activity_at == start + timedelta(seconds=61) and user.streak_days == 1


@pytest.mark.django_db
def test_end_lapsed_streaks_resets_only_users_inactive_for_too_long():
    now = timezone.now()
    stale, fresh = UserFactory(), UserFactory()
    record_activity(user=stale, now=now - timedelta(hours=37))
    record_activity(user=fresh, now=now - timedelta(hours=35))
    assert end_lapsed_streaks(now=now) == 1
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert (stale.streak_days, stale.streak_started_at) == (0, None)
    assert fresh.streak_days == 1 and fresh.streak_started_at == now - timedelta(hours=35)
