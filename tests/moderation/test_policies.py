import pytest
from django.contrib.auth.models import AnonymousUser

from moderation.policies import can_moderate
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_moderators_and_admins_moderate_unless_banned():
    assert can_moderate(UserFactory(role="moderator")) and can_moderate(UserFactory(role="admin"))
    assert can_moderate(UserFactory(is_superuser=True))
    assert not can_moderate(UserFactory()) and not can_moderate(AnonymousUser())
    assert not can_moderate(UserFactory(role="moderator", enabled=False))
