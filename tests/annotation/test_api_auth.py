"""Who may call the API: personal tokens, sessions, and API clients acting for their own users."""

import hashlib
import io

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from accounts.models import ApiClient, User
from accounts.services.api_clients import create_api_client
from tests.factories import UserFactory, api_client_for

pytestmark = pytest.mark.django_db

STATS = "/api/v1/me/stats/"


def bot(token: str, user_ref: str = "volunteer-1", **headers) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"ApiClient {token}", HTTP_X_OASST_USER=user_ref, **headers)
    return client


def test_command_prints_the_token_once_and_stores_only_its_hash():
    out = io.StringIO()
    call_command("create_api_client", "Chat bot", stdout=out, stderr=io.StringIO())
    token = out.getvalue().strip()
    client = ApiClient.objects.get(name="Chat bot")
    assert client.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in client.token_hash
    with pytest.raises(CommandError):
        call_command("create_api_client", "Chat bot", stdout=io.StringIO(), stderr=io.StringIO())


def test_client_users_are_created_once_per_reference_and_client():
    client, token = create_api_client(name="bot")
    assert bot(token, HTTP_X_OASST_USER_NAME="Ada").get(STATS).status_code == 200
    assert bot(token).get(STATS).status_code == 200
    assert bot(token, "volunteer-2").get(STATS).status_code == 200
    users = User.objects.filter(api_client=client).order_by("external_id")
    assert [(u.external_id, u.display_name) for u in users] == [("volunteer-1", "Ada"), ("volunteer-2", "")]
    assert not users[0].has_usable_password()
    # Another client's user with the same reference is somebody else.
    _, other_token = create_api_client(name="other bot")
    bot(other_token).get(STATS)
    assert User.objects.filter(external_id="volunteer-1").count() == 2


@pytest.mark.parametrize(
    ("authorization", "user_ref", "status", "code"),
    [
        (None, None, 401, "not_authenticated"),
        ("ApiClient wrong-token", "v1", 401, "authentication_failed"),
        ("ApiClient", "v1", 401, "malformed_credentials"),
        ("Token not-a-token", None, 401, "authentication_failed"),
        ("VALID", None, 401, "missing_user_reference"),
        ("VALID", "x" * 257, 401, "missing_user_reference"),
        # PostgreSQL refuses NUL in text: a control character is malformed, not a server error.
        ("VALID", "volunteer\x00", 401, "malformed_credentials"),
    ],
)
def test_bad_credentials_get_json_errors(authorization, user_ref, status, code):
    _, token = create_api_client(name="bot")
    headers = {}
    if authorization:
        headers["HTTP_AUTHORIZATION"] = authorization.replace("VALID", f"ApiClient {token}")
    if user_ref:
        headers["HTTP_X_OASST_USER"] = user_ref
    response = APIClient().get(STATS, **headers)
    assert response.status_code == status
    assert response.json()["error_code"] == code
    assert response.json()["message"]
    assert "WWW-Authenticate" in response.headers


def test_header_values_are_read_as_utf8():
    client, token = create_api_client(name="bot")
    # The server hands header bytes over as Latin-1; a client sends its users' names in UTF-8.
    as_received = {
        "user_ref": "zoë".encode().decode("latin-1"),
        "HTTP_X_OASST_USER_NAME": "Zoë".encode().decode("latin-1"),
    }
    assert bot(token, **as_received).get(STATS).status_code == 200
    user = User.objects.get(api_client=client)
    assert (user.external_id, user.display_name) == ("zoë", "Zoë")


def test_a_control_character_in_the_display_name_is_refused_and_creates_nobody():
    client, token = create_api_client(name="bot")
    response = bot(token, HTTP_X_OASST_USER_NAME="Ada\x00").get(STATS)
    assert (response.status_code, response.json()["error_code"]) == (401, "malformed_credentials")
    assert not User.objects.filter(api_client=client).exists()


def test_disabled_client_is_refused():
    client, token = create_api_client(name="bot")
    ApiClient.objects.filter(pk=client.pk).update(enabled=False)
    response = bot(token).get(STATS)
    assert (response.status_code, response.json()["error_code"]) == (401, "client_disabled")


def test_banned_users_are_refused_tasks_whichever_way_they_come():
    client, token = create_api_client(name="bot")
    bot(token).get(STATS)
    User.objects.filter(api_client=client).update(enabled=False)
    banned = UserFactory(enabled=False)
    for api in (bot(token), api_client_for(banned)):
        response = api.post("/api/v1/tasks/", {"type": "initial_prompt", "lang": "en"}, format="json")
        assert (response.status_code, response.json()["error_code"]) == (403, "user_disabled")


def test_session_login_works_for_the_web_front_end():
    user = UserFactory()
    api = APIClient()
    api.force_login(user)
    assert api.get(STATS).status_code == 200
