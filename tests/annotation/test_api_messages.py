"""Messages through the API: read, thread, tree, children, reactions, reports, edits."""

import pytest

from accounts.models import Role as UserRole
from annotation.models import MessageRevision, Report
from tests.factories import UserFactory, api_client_for, make_prompt, make_reply

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    """root -> a1 -> p1, root -> a2 (hidden)."""
    root = make_prompt(text="Why is the sky blue?")
    a1 = make_reply(root, text="Rayleigh scattering.")
    p1 = make_reply(a1, text="Explain more.")
    a2 = make_reply(root, text="Hidden reply", deleted=True)
    return root, a1, p1, a2


def url(message, suffix: str = "") -> str:
    return f"/api/v1/messages/{message.id}/{suffix}"


def ids(items) -> list[str]:
    return [item["id"] for item in items]


def test_read_a_message(tree):
    root, *_ = tree
    body = api_client_for(root.author).get(url(root)).json()
    assert body["id"] == str(root.id) and body["text"] == "Why is the sky blue?" and body["role"] == "prompter"
    assert body["is_own"] is True and body["parent_id"] is None and body["tree_id"] == str(root.tree_id)
    assert api_client_for(UserFactory()).get(url(root)).json()["is_own"] is False


def test_thread_children_and_tree(tree):
    root, a1, p1, _ = tree
    api = api_client_for(UserFactory())
    assert ids(api.get(url(p1, "thread/")).json()) == [str(root.id), str(a1.id), str(p1.id)]
    assert ids(api.get(url(root, "children/")).json()) == [str(a1.id)]
    flat = api.get(url(p1, "tree/")).json()
    assert ids(flat) == [str(root.id), str(a1.id), str(p1.id)]
    # The nesting reads from the flat list: each message's parent comes before it.
    assert [m["parent_id"] for m in flat] == [None, str(root.id), str(a1.id)]


def test_the_tree_is_flat_parents_before_replies_level_by_level(tree):
    root, a1, p1, _ = tree
    a3 = make_reply(root, text="Another answer.")
    p3 = make_reply(a3, text="And another question.")
    flat = api_client_for(UserFactory()).get(url(p1, "tree/")).json()
    assert ids(flat) == [str(m.id) for m in (root, a1, a3, p1, p3)] or ids(flat) == [
        str(m.id) for m in (root, a3, a1, p3, p1)
    ]
    seen = set()
    for message in flat:
        assert message["parent_id"] is None or message["parent_id"] in seen
        seen.add(message["id"])


def test_hidden_messages_are_for_moderators_only(tree):
    root, _, _, a2 = tree
    volunteer = api_client_for(UserFactory())
    response = volunteer.get(url(a2))
    assert (response.status_code, response.json()["error_code"]) == (404, "not_found")
    moderator = api_client_for(UserFactory(role=UserRole.MODERATOR))
    assert moderator.get(url(a2)).json()["deleted"] is True
    assert len(moderator.get(url(root, "children/")).json()) == 2


UNKNOWN = "00000000-0000-0000-0000-000000000000"


@pytest.mark.parametrize("path", [f"{UNKNOWN}/", "not-a-uuid/", f"{UNKNOWN}/tree/"])
def test_unknown_messages_are_json_404(path):
    response = api_client_for(UserFactory()).get(f"/api/v1/messages/{path}")
    assert response.status_code == 404
    assert response.json()["error_code"] == "not_found"


def test_emoji_reactions(tree):
    a1 = tree[1]
    user = UserFactory()
    api = api_client_for(user)
    body = api.post(url(a1, "emojis/"), {"emoji": "+1"}, format="json").json()
    assert body == {"emojis": {"+1": 1}, "user_emojis": ["+1"]}
    body = api.post(url(a1, "emojis/"), {"emoji": "-1"}, format="json").json()
    assert body == {"emojis": {"-1": 1}, "user_emojis": ["-1"]}
    assert api.get(url(a1)).json()["user_emojis"] == ["-1"]
    body = api.post(url(a1, "emojis/"), {"emoji": "-1", "on": False}, format="json").json()
    assert body == {"emojis": {}, "user_emojis": []}


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"emoji": "+1"}, 403, "own_message"),
        ({"emoji": "smile"}, 400, "unknown_emoji"),
        ({}, 400, "invalid_input"),
        ({"emoji": "clap", "on": "maybe"}, 400, "invalid_input"),
        ({"emoji": ["clap"]}, 400, "invalid_input"),
    ],
)
def test_emoji_errors(tree, body, status, code):
    root = tree[0]
    response = api_client_for(root.author).post(url(root, "emojis/"), body, format="json")
    assert (response.status_code, response.json()["error_code"]) == (status, code)


def test_red_flag_puts_the_message_in_the_moderation_queue(tree):
    a1 = tree[1]
    api_client_for(UserFactory()).post(url(a1, "emojis/"), {"emoji": "red_flag"}, format="json")
    assert Report.objects.get(message=a1, resolved_at__isnull=True).report_type == "red_flag"


def test_report_a_message(tree):
    a1 = tree[1]
    response = api_client_for(UserFactory()).post(
        url(a1, "reports/"), {"report_type": "pii", "reason": "a phone number", "labels": {"pii": 1}}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["report_type"] == "pii" and response.json()["labels"] == {"pii": 1}
    assert Report.objects.get(message=a1).reason == "a phone number"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"report_type": "nonsense"}, "invalid_input"),
        ({"labels": {"pii": 3}}, "invalid_input"),
        ({"labels": {"unknown": 1}}, "invalid_report"),
        ({"labels": ["pii"]}, "invalid_input"),
    ],
)
def test_report_errors(tree, body, code):
    response = api_client_for(UserFactory()).post(url(tree[1], "reports/"), body, format="json")
    assert (response.status_code, response.json()["error_code"]) == (400, code)
    assert not Report.objects.exists()


def test_a_lone_surrogate_in_a_report_is_refused_not_a_crash(tree):
    body = '{"report_type": "\\udfff", "reason": "quoted back in the error"}'
    response = api_client_for(UserFactory()).post(url(tree[1], "reports/"), body, content_type="application/json")
    assert (response.status_code, response.json()["error_code"]) == (400, "parse_error")
    assert not Report.objects.exists()


def test_edit_own_unreviewed_message():
    prompt = make_prompt(accepted=False, text="Teh question")
    response = api_client_for(prompt.author).patch(url(prompt), {"text": "The question"}, format="json")
    assert response.status_code == 200 and response.json()["text"] == "The question"
    assert response.json()["edited_at"]
    assert MessageRevision.objects.get(message=prompt).text == "Teh question"


def test_edit_errors(tree):
    root = tree[0]
    unreviewed = make_prompt(accepted=False)
    cases = [
        (api_client_for(UserFactory()), unreviewed, {"text": "mine"}, 403, "not_author"),
        (api_client_for(root.author), root, {"text": "changed"}, 409, "already_reviewed"),
        (api_client_for(unreviewed.author), unreviewed, {"text": " "}, 400, "text_blank"),
        (api_client_for(unreviewed.author), unreviewed, {"text": ["x"]}, 400, "invalid_input"),
        (api_client_for(unreviewed.author), unreviewed, {}, 400, "invalid_input"),
    ]
    for api, message, body, status, code in cases:
        response = api.patch(url(message), body, format="json")
        assert (response.status_code, response.json()["error_code"]) == (status, code), body
    assert not MessageRevision.objects.exists()
