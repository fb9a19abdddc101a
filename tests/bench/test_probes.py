"""The endpoints bench/request_cost.py measures do what its table says they do."""

import pytest
from django.core import signing
from django.test import override_settings
from rest_framework.test import APIClient

from tests.factories import UserFactory, api_client_for

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture(autouse=True)
def _probe_urls():
    with override_settings(ROOT_URLCONF="bench.probes"):
        yield


def client_with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def signed_token(user) -> str:
    return signing.Signer().sign_object(str(user.pk))


def test_the_project_urls_stay_behind_the_probes():
    assert APIClient().get("/api/v1/health/").status_code == 200


def test_token_probes_authenticate_like_the_api_and_only_the_write_probe_writes():
    user = UserFactory()
    client = api_client_for(user)

    assert client.post("/probe/token-noop/").status_code == 200
    user.refresh_from_db()
    assert user.last_login is None

    response = client.post("/probe/token-write/")
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.last_login is not None
    assert client_with("no-such-token").post("/probe/token-write/").status_code == 401


def test_signed_probes_need_no_token_row_but_a_valid_signature():
    user = UserFactory()
    client = client_with(signed_token(user))

    assert client.post("/probe/signed-noop/").status_code == 200
    assert client.post("/probe/signed-write/").status_code == 200
    user.refresh_from_db()
    assert user.last_login is not None
    assert client_with(signed_token(user) + "x").post("/probe/signed-noop/").status_code == 401


def test_the_signed_write_refuses_a_disabled_user_in_its_statement():
    user = UserFactory(enabled=False)
    assert client_with(signed_token(user)).post("/probe/signed-write/").status_code == 403
    user.refresh_from_db()
    assert user.last_login is None
