"""The endpoints bench/request_cost.py measures do what its table says they do."""

from dataclasses import replace

import pytest
from django.conf import settings
from django.core import signing
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from annotation.models import Message, Task
from tests.factories import MessageFactory, UserFactory, api_client_for, count_children, make_prompt, make_reply

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


@pytest.mark.parametrize("cycle", [("bare-handout", "bare-submit"), ("checked-handout", "checked-submit")])
def test_a_cycle_claims_a_reply_slot_and_turns_it_into_a_reply(cycle):
    handout, submit = cycle
    prompt = make_prompt()
    user = UserFactory()
    client = client_with(signed_token(user))

    handed = client.post(f"/probe/{handout}/", {"lang": "en"}, format="json")
    assert handed.status_code == 201
    assert handed.data["type"] == "assistant_reply"
    assert str(handed.data["parent_message_id"]) == str(prompt.pk)
    prompt.refresh_from_db()
    assert prompt.reply_claims == 1

    task_id = handed.data["id"]
    assert client.post(f"/probe/cycle-ack/{task_id}/").status_code == 200
    assert Task.objects.get(pk=task_id).acknowledged_at is not None

    done = client.post(f"/probe/{submit}/{task_id}/", {"text": "A reply."}, format="json")
    assert done.status_code == 201
    reply = Message.objects.get(pk=done.data["message_id"])
    assert (reply.parent_id, reply.author_id, reply.role, reply.text) == (prompt.pk, user.pk, "assistant", "A reply.")
    prompt.refresh_from_db()
    assert (prompt.children_count, prompt.reply_claims) == (1, 0)
    task = Task.objects.get(pk=task_id)
    assert (task.state, task.result_message_id) == ("done", reply.pk)
    # The user has replied to the only parent: nothing is left for them.
    assert client.post(f"/probe/{handout}/", {"lang": "en"}, format="json").status_code == 503


def test_the_checked_cycle_shows_the_thread_and_applies_the_checks():
    prompt = make_prompt()
    answer = make_reply(prompt)
    count_children(prompt)
    user = UserFactory()
    client = client_with(signed_token(user))
    MessageFactory(tree=prompt.tree, author=user, text="Said before.", created_at=timezone.now())

    handed = client.post("/probe/checked-handout/", {"lang": "en"}, format="json")
    assert handed.status_code == 201
    parent = handed.data["parent_message_id"]
    expected = [str(prompt.pk)] if str(parent) == str(prompt.pk) else [str(prompt.pk), str(answer.pk)]
    assert handed.data["thread"] == expected

    task_id = handed.data["id"]
    assert client.post(f"/probe/checked-submit/{task_id}/", {"text": "Said before."}, format="json").status_code == 404
    assert Task.objects.get(pk=task_id).state == "open"
    assert client.post(f"/probe/checked-submit/{task_id}/", {"text": "New."}, format="json").status_code == 201


def test_the_checked_hand_out_keeps_the_pending_limit():
    for _ in range(3):
        make_prompt()
    client = client_with(signed_token(UserFactory()))
    with override_settings(TREE_MANAGER=replace(settings.TREE_MANAGER, max_pending_tasks_per_user=2)):
        codes = [client.post("/probe/checked-handout/", {"lang": "en"}, format="json").status_code for _ in range(3)]
    assert codes == [201, 201, 503]


def test_cycles_refuse_a_disabled_user_in_their_statements():
    make_prompt()
    client = client_with(signed_token(UserFactory(enabled=False)))
    assert client.post("/probe/bare-handout/", {"lang": "en"}, format="json").status_code == 503
    assert client.post("/probe/checked-handout/", {"lang": "en"}, format="json").status_code == 503
    assert not Task.objects.exists()
