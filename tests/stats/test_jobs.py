import pytest

from accounts.models import UserStats
from stats.jobs import refresh_user_stats
from tests.factories import UserFactory, make_prompt, make_reply


@pytest.mark.django_db
def test_refresh_task_runs_the_service():
    make_reply(make_prompt(author=UserFactory()), author=UserFactory())
    assert refresh_user_stats.delay().get() == UserStats.objects.count() == 8
