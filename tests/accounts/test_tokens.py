"""API tokens, personal and of API clients: shown once, stored only as their SHA-256, replaceable."""

import hashlib
from importlib import import_module

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from accounts.models import ApiClient, PersonalToken
from accounts.services.api_clients import create_api_client
from accounts.services.tokens import rotate_api_client_token
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
STATS = "/api/v1/me/stats/"


def _as_client(token: str) -> int:
    return Client().get(STATS, HTTP_AUTHORIZATION=f"ApiClient {token}", HTTP_X_OASST_USER="u1").status_code


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_a_client_token_is_nowhere_in_the_database():
    client, token = create_api_client(name="bot")
    row = ApiClient.objects.filter(pk=client.pk).values().get()
    assert token not in str(row)
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()


def test_a_new_client_token_replaces_the_old_one():
    client, old = create_api_client(name="bot")
    new = rotate_api_client_token(client=client)
    assert _as_client(old) == 401
    assert _as_client(new) == 200


def test_the_admin_shows_a_new_clients_token_once_and_never_again(admin_client):
    response = admin_client.post(reverse("admin:accounts_apiclient_add"), {"name": "bot", "enabled": "on"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    [(client, token)] = response.context["tokens"]
    assert token in response.content.decode()
    assert _as_client(token) == 200

    for page in (
        reverse("admin:accounts_apiclient_change", args=[client.pk]),
        reverse("admin:accounts_apiclient_changelist"),
    ):
        content = admin_client.get(page).content.decode()
        assert token not in content
        assert client.token_hash not in content


def test_the_admin_action_gives_new_tokens(admin_client):
    client, old = create_api_client(name="bot")
    response = admin_client.post(
        reverse("admin:accounts_apiclient_changelist"),
        {"action": "rotate_token", "_selected_action": [client.pk]},
    )
    [(_, new)] = response.context["tokens"]
    assert new in response.content.decode()
    assert _as_client(old) == 401
    assert _as_client(new) == 200


def test_drf_clear_tokens_are_not_offered_in_the_admin(admin_client):
    assert admin_client.get("/admin/authtoken/tokenproxy/").status_code == 404


def test_clear_personal_tokens_from_before_become_hashed_and_keep_working():
    user = UserFactory()
    key = Token.objects.create(user=user).key
    import_module("accounts.migrations.0008_acct_personal_tokens").hash_clear_tokens(apps, None)
    assert not Token.objects.exists()
    assert key not in str(PersonalToken.objects.filter(user=user).values().get())
    assert Client().get(STATS, HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
