"""The accounts policies and the API permission that asks them."""

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.policies import can_log_in, can_use_api
from tests.factories import UserFactory, api_client_for

pytestmark = pytest.mark.django_db


def test_banned_inactive_and_placeholder_accounts_cannot_log_in():
    assert can_log_in(UserFactory())
    for user in (UserFactory(enabled=False), UserFactory(is_active=False), UserFactory(is_placeholder=True)):
        assert not can_log_in(user)
    assert not can_log_in(AnonymousUser())


def test_the_api_is_for_enabled_users():
    assert can_use_api(UserFactory())
    assert not can_use_api(UserFactory(enabled=False)) and not can_use_api(AnonymousUser())


def test_every_api_endpoint_asks_the_policy_by_default(django_assert_num_queries):
    user = UserFactory()
    api = api_client_for(user)
    assert api.get("/api/v1/tasks/").status_code == 200
    user.enabled = False
    user.save()
    with django_assert_num_queries(1):
        response = api.get("/api/v1/tasks/")
    assert (response.status_code, response.json()["error_code"]) == (403, "user_disabled")
