"""A whole tree grows from a prompt to ready_for_export through the REST API alone."""

import pytest
from rest_framework.test import APIClient

from accounts.services.api_clients import create_api_client
from annotation.models import Message, MessageTree, TreeState
from tests.factories import UserFactory, api_client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_trees(tree_manager):
    tree_manager(
        num_reviews_initial_prompt=2,
        num_reviews_reply=1,
        max_tree_depth=2,
        max_children_count=2,
        goal_tree_size=3,
        num_required_rankings=2,
    )


def do_task(api: APIClient, task_type: str, body_for) -> dict:
    """Request a task of ``task_type``, acknowledge it and submit ``body_for(task)``; returns the result."""
    response = api.post("/api/v1/tasks/", {"type": task_type, "lang": "en"}, format="json")
    assert response.status_code == 201, response.content
    task = response.json()
    assert api.post(f"/api/v1/tasks/{task['id']}/ack/").status_code == 200
    response = api.post(f"/api/v1/tasks/{task['id']}/submit/", body_for(task), format="json")
    assert response.status_code == 201, response.content
    return response.json()


def review(task: dict) -> dict:
    return {"values": {name: 0.75 if name == "quality" else 0 for name in task["label_names"]}}


def test_a_tree_grows_to_ready_for_export_through_the_api(small_trees):
    _, token = create_api_client(name="chat bot")
    bot = APIClient()
    bot.credentials(HTTP_AUTHORIZATION=f"ApiClient {token}", HTTP_X_OASST_USER="telegram:42")
    ann, ben, cleo = (api_client_for(UserFactory()) for _ in range(3))

    prompt = do_task(ann, "initial_prompt", lambda t: {"text": "How do plants make sugar?", "lang": "en"})["message"]
    tree = MessageTree.objects.get(pk=prompt["tree_id"])
    assert tree.state == TreeState.INITIAL_PROMPT_REVIEW

    for reviewer in (ben, cleo):
        result = do_task(reviewer, "label_initial_prompt", review)
        assert result["review"]["message_id"] == prompt["id"]
    tree.refresh_from_db()
    assert tree.state == TreeState.GROWING  # accepted, and the lottery had room

    replies = [
        do_task(api, "assistant_reply", lambda t, n=n: {"text": f"Photosynthesis, explained version {n}."})["message"]
        for n, api in enumerate((ben, bot))
    ]
    assert {r["parent_id"] for r in replies} == {prompt["id"]}
    # Nobody reviews their own reply: each is reviewed by someone else.
    for _ in replies:
        do_task(cleo, "label_assistant_reply", review)
    tree.refresh_from_db()
    assert tree.state == TreeState.RANKING

    best_first = [replies[1]["id"], replies[0]["id"]]
    for ranker in (ann, cleo):
        result = do_task(ranker, "rank_assistant_replies", lambda t: {"ranking": best_first})
        assert result["ranking"]["ranking"] == best_first

    tree.refresh_from_db()
    assert tree.state == TreeState.READY_FOR_EXPORT
    ranks = dict(Message.objects.filter(parent_id=prompt["id"]).values_list("pk", "rank"))
    assert {str(k): v for k, v in ranks.items()} == {replies[1]["id"]: 0, replies[0]["id"]: 1}
    # The tree reads back whole through the API.
    flat = ann.get(f"/api/v1/messages/{prompt['id']}/tree/").json()
    assert sorted(m["rank"] for m in flat if m["parent_id"] == prompt["id"]) == [0, 1]
