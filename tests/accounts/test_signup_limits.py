"""At most SIGNUP_LIMIT_PER_IP_PER_HOUR sign-ups an hour from one address, counted in the database."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.errors import SignupLimitReached
from accounts.models import User
from accounts.signup_limits import check_signup_allowed
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
IP = "203.0.113.50"
PASSWORD = "a-long-enough-pw-1"


@pytest.fixture(autouse=True)
def _limit(settings):
    cache.clear()  # allauth's own per-address limits count in the cache
    settings.SIGNUP_LIMIT_PER_IP_PER_HOUR = 2


def _sign_up(name: str, ip: str = IP):
    return Client(REMOTE_ADDR=ip).post(
        reverse("account_signup"),
        {
            "email": f"{name}@example.org",
            "username": name,
            "password1": "a-long-enough-pw-1",
            "password2": "a-long-enough-pw-1",
        },
    )


def test_sign_up_records_the_address_and_stops_at_the_limit(caplog):
    assert _sign_up("first").status_code == 302
    assert _sign_up("second").status_code == 302
    assert User.objects.get(username="first").signup_ip == IP

    refused = _sign_up("third")
    assert refused.status_code == 429
    assert str(SignupLimitReached.default_message) in refused.content.decode()
    assert not User.objects.filter(username="third").exists()
    assert "Sign-up refused" in caplog.text
    # The page itself says so before the form is filled in.
    assert Client(REMOTE_ADDR=IP).get(reverse("account_signup")).status_code == 429


def test_other_addresses_and_older_sign_ups_do_not_count():
    UserFactory.create_batch(2, signup_ip=IP, date_joined=timezone.now() - timedelta(hours=1, seconds=5))
    UserFactory.create_batch(3, signup_ip="198.51.100.1")
    check_signup_allowed(ip=IP)
    assert _sign_up("fresh").status_code == 302


def test_the_limit_is_per_hour_at_the_address():
    UserFactory.create_batch(2, signup_ip=IP, date_joined=timezone.now() - timedelta(minutes=59))
    with pytest.raises(SignupLimitReached):
        check_signup_allowed(ip=IP)


def test_zero_turns_the_limit_off(settings):
    settings.SIGNUP_LIMIT_PER_IP_PER_HOUR = 0
    UserFactory.create_batch(3, signup_ip=IP)
    check_signup_allowed(ip=IP)


def test_a_social_sign_up_asks_the_same_limit(rf):
    from allauth.core.exceptions import ImmediateHttpResponse
    from allauth.socialaccount.adapter import get_adapter

    UserFactory.create_batch(2, signup_ip=IP)
    request = rf.get("/", REMOTE_ADDR=IP)
    with pytest.raises(ImmediateHttpResponse) as refused:
        get_adapter(request).is_open_for_signup(request, sociallogin=None)
    assert refused.value.response.status_code == 429
    assert get_adapter(request).new_user(request, sociallogin=None).signup_ip == IP
