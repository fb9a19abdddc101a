"""Login lock-out (django-axes) through allauth's login page: failures per user name and address."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.client_ip import address_of
from tests.factories import UserFactory

PASSWORD = "pw-for-tests-123"
LIMIT = 3


@pytest.fixture(autouse=True)
def _small_limit(settings):
    # allauth's own per-address limit counts in the cache, which the tests share.
    cache.clear()
    settings.AXES_FAILURE_LIMIT = LIMIT
    yield
    cache.clear()


def _login(login: str, password: str, ip: str = "203.0.113.7") -> tuple[Client, object]:
    client = Client(REMOTE_ADDR=ip)
    return client, client.post(reverse("account_login"), {"login": login, "password": password})


def _fail(login: str, times: int, ip: str = "203.0.113.7") -> object:
    response = None
    for _ in range(times):
        _, response = _login(login, "wrong password", ip)
    return response


def test_the_settings_lock_per_user_name_and_address_for_a_while():
    from django.conf import settings

    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    # Last but for django-prometheus's closing hook, which times the whole response.
    assert settings.MIDDLEWARE[-2:] == [
        "axes.middleware.AxesMiddleware",
        "django_prometheus.middleware.PrometheusAfterMiddleware",
    ]
    assert timedelta(minutes=15) == settings.AXES_COOLOFF_TIME


@pytest.mark.django_db
def test_failures_up_to_the_limit_lock_the_login_even_with_the_right_password():
    user = UserFactory()
    assert _fail(user.username, LIMIT - 1).status_code == 200
    response = _fail(user.username, 1)
    assert response.status_code == 429

    client, response = _login(user.username, PASSWORD)
    assert response.status_code == 429
    assert SESSION_KEY not in client.session
    page = response.content.decode()
    assert "Too many failed logins" in page
    assert "You can try again in 15 minutes" in page
    assert 'data-testid="lockout-retry"' in page


@pytest.mark.django_db
def test_the_lock_counts_the_account_however_its_name_is_typed():
    user = UserFactory(username="alice")
    _fail("Alice", 1)
    _fail(" ALICE ", 1)
    _fail(user.email.upper(), 1)
    assert AccessAttempt.objects.get().username == "alice"
    assert _login("alice", PASSWORD)[1].status_code == 429


@pytest.mark.django_db
def test_the_lock_ends_after_the_cool_off():
    user = UserFactory()
    _fail(user.username, LIMIT)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=15, seconds=1))
    client, response = _login(user.username, PASSWORD)
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(user.pk)


@pytest.mark.django_db
def test_a_successful_login_resets_the_count():
    user = UserFactory()
    _fail(user.username, LIMIT - 1)
    assert _login(user.username, PASSWORD)[1].status_code == 302
    assert not AccessAttempt.objects.exists()
    assert _fail(user.username, LIMIT - 1).status_code == 200


@pytest.mark.django_db
def test_the_lock_holds_only_that_name_from_that_address():
    victim, other = UserFactory(), UserFactory()
    _fail(victim.username, LIMIT, ip="203.0.113.7")
    # The victim from another address, and another account from the attacker's address, still log in.
    assert _login(victim.username, PASSWORD, ip="198.51.100.2")[1].status_code == 302
    assert _login(other.username, PASSWORD, ip="203.0.113.7")[1].status_code == 302


@pytest.mark.django_db
def test_behind_a_trusted_proxy_the_address_is_the_one_the_proxy_saw(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    user = UserFactory()
    for forged in ("192.0.2.1", "192.0.2.2, 192.0.2.3", "not an address"):
        # A client may put anything first in the header; the proxy appends the address it saw.
        Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=f"{forged}, 203.0.113.9").post(
            reverse("account_login"), {"login": user.username, "password": "wrong"}
        )
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["203.0.113.9"]
    assert AccessAttempt.objects.get().failures_since_start == 3


@pytest.mark.parametrize(
    ("proxies", "forwarded", "address"),
    [
        (0, "192.0.2.1", "10.0.0.1"),  # no proxy trusted: the header is not read
        (2, "192.0.2.1, 203.0.113.9, 10.0.0.7", "203.0.113.9"),  # the outer proxy's entry, then the inner one's
        (2, "203.0.113.9", "10.0.0.1"),  # fewer entries than proxies: not through them
        (1, "192.0.2.1, garbage", "10.0.0.1"),
    ],
)
def test_the_client_address(rf, settings, proxies, forwarded, address):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert address_of(rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)) == address
