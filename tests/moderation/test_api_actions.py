"""The moderation API's actions on messages, trees and users: each calls its service, answers the object, and
refuses whoever may not moderate."""

import uuid

import pytest
from rest_framework.test import APIClient

from accounts.models import Role, User
from accounts.policies import can_see_email
from annotation.models import Message, MessageRevision, MessageTree, Report, Task, TaskState, TaskType, TreeState
from annotation.services.task_handout import request_task
from moderation.models import ModerationAction
from tests.factories import UserFactory, api_client_for, make_prompt, make_reply

pytestmark = pytest.mark.django_db

BASE = "/api/v1/moderation"


@pytest.fixture
def api(moderator) -> APIClient:
    return api_client_for(moderator)


def _flag(message: Message, *, red: bool = True) -> Report:
    return Report.objects.create(message=message, user=UserFactory(), report_type="red_flag" if red else "spam")


# --- Messages ---------------------------------------------------------------------------------


def test_hide_hides_the_subtree_and_is_recorded(api, moderator):
    root = make_prompt()
    reply = make_reply(root)
    below = make_reply(reply)
    other = make_reply(root)
    response = api.post(f"{BASE}/messages/{reply.pk}/hide/", {"reason": "rude"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["message"]["id"] == str(reply.pk) and body["message"]["deleted"] is True
    assert body["message"]["tree_id"] == str(root.tree_id)
    assert set(body["hidden_ids"]) == {str(reply.pk), str(below.pk)}
    assert set(Message.objects.filter(deleted=True).values_list("pk", flat=True)) == {reply.pk, below.pk}
    assert not Message.objects.get(pk=other.pk).deleted
    action = ModerationAction.objects.get()
    assert (action.kind, action.moderator, action.reason, action.message_id) == (
        "hide_message",
        moderator,
        "rude",
        reply.pk,
    )
    # Hidden already: a conflict in the contract.
    again = api.post(f"{BASE}/messages/{reply.pk}/hide/", {}, format="json")
    assert again.status_code == 409 and again.json()["error_code"] == "already_hidden"


def test_restore_brings_back_the_message_with_its_ancestors(api):
    root = make_prompt()
    reply = make_reply(root, deleted=True)
    below = make_reply(reply, deleted=True)
    response = api.post(f"{BASE}/messages/{below.pk}/restore/", {"reason": "fine"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["message"]["deleted"] is False and set(body["restored_ids"]) == {str(reply.pk), str(below.pk)}
    assert ModerationAction.objects.get().kind == "restore_message"
    again = api.post(f"{BASE}/messages/{below.pk}/restore/", {}, format="json")
    assert again.status_code == 409 and again.json()["error_code"] == "not_hidden"


def test_edit_keeps_the_old_text_as_a_revision(api, moderator):
    message = make_reply(make_prompt(), text="Old text here")
    response = api.post(
        f"{BASE}/messages/{message.pk}/edit/", {"text": "A better text", "reason": "typo"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["text"] == "A better text" and response.json()["edited_at"]
    revision = MessageRevision.objects.get(message=message)
    assert (revision.text, revision.edited_by) == ("Old text here", moderator)
    assert ModerationAction.objects.get().details["text"] == {"before": "Old text here", "after": "A better text"}
    same = api.post(f"{BASE}/messages/{message.pk}/edit/", {"text": "A better text"}, format="json")
    assert same.status_code == 400 and same.json()["error_code"] == "text_unchanged"
    missing = api.post(f"{BASE}/messages/{message.pk}/edit/", {"reason": "no text"}, format="json")
    assert missing.status_code == 400 and "text" in missing.json()["details"]


def test_dismiss_flags_resolves_the_open_reports(api, moderator):
    message = make_prompt()
    _flag(message)
    _flag(message, red=False)
    response = api.post(f"{BASE}/messages/{message.pk}/dismiss-flags/", {"reason": "harmless"}, format="json")
    assert response.status_code == 200 and response.json()["dismissed"] == 2
    assert not Report.objects.filter(resolved_at__isnull=True).exists()
    assert set(Report.objects.values_list("resolved_by", flat=True)) == {moderator.pk}
    again = api.post(f"{BASE}/messages/{message.pk}/dismiss-flags/", {}, format="json")
    assert again.status_code == 409 and again.json()["error_code"] == "no_open_flags"


def test_a_hidden_message_is_found_and_an_unknown_one_is_404(api):
    hidden = make_reply(make_prompt(), deleted=True)
    assert api.post(f"{BASE}/messages/{hidden.pk}/edit/", {"text": "Corrected text"}, format="json").status_code == 200
    response = api.post(f"{BASE}/messages/{uuid.uuid4()}/hide/", {}, format="json")
    assert response.status_code == 404 and response.json()["error_code"] == "not_found"


def test_a_bad_body_is_400(api):
    message = make_prompt()
    response = api.post(f"{BASE}/messages/{message.pk}/hide/", {"reason": ["not", "text"]}, format="json")
    assert response.status_code == 400 and response.json()["error_code"] == "invalid_input"
    assert not Message.objects.get(pk=message.pk).deleted


def test_hide_makes_a_bounded_number_of_queries(api, django_assert_max_num_queries):
    root = make_prompt()
    reply = make_reply(root)
    for _ in range(3):
        make_reply(reply)
    with django_assert_max_num_queries(40) as captured:
        assert api.post(f"{BASE}/messages/{reply.pk}/hide/", {}, format="json").status_code == 200
    few = len(captured)
    for _ in range(5):
        make_reply(make_reply(root))
    other = Message.objects.filter(parent=root, deleted=False).first()
    with django_assert_max_num_queries(few):
        assert api.post(f"{BASE}/messages/{other.pk}/hide/", {}, format="json").status_code == 200


# --- Trees ------------------------------------------------------------------------------------


def test_halt_and_resume_a_tree(api):
    root = make_prompt()
    response = api.post(f"{BASE}/trees/{root.tree_id}/halt/", {"reason": "checking"}, format="json")
    assert response.status_code == 200
    assert response.json()["state"] == TreeState.HALTED_BY_MODERATOR and response.json()["id"] == str(root.tree_id)
    assert MessageTree.objects.get(pk=root.tree_id).state == TreeState.HALTED_BY_MODERATOR
    assert api.post(f"{BASE}/trees/{root.tree_id}/halt/", {}, format="json").status_code == 409
    response = api.post(f"{BASE}/trees/{root.tree_id}/resume/", {}, format="json")
    assert response.status_code == 200 and response.json()["state"] == TreeState.GROWING
    kinds = list(ModerationAction.objects.order_by("created_at").values_list("kind", flat=True))
    assert kinds == ["halt_tree", "resume_tree"]
    assert api.post(f"{BASE}/trees/{uuid.uuid4()}/halt/", {}, format="json").status_code == 404


# --- Users ------------------------------------------------------------------------------------


def test_the_user_as_moderators_see_them(api):
    user = UserFactory(username="someone", notes="Watch out")
    prompt = make_prompt(author=user)
    make_reply(prompt, author=user, deleted=True)
    _flag(prompt)
    Report.objects.create(message=prompt, user=UserFactory(), resolved_at=prompt.created_at)
    body = api.get(f"{BASE}/users/{user.pk}/").json()
    assert (body["id"], body["username"], body["role"], body["enabled"]) == (str(user.pk), "someone", "volunteer", True)
    assert body["notes"] == "Watch out" and body["languages"] == ["en"]
    assert (body["messages"], body["hidden_messages"], body["reviews"], body["open_flags"]) == (2, 1, 0, 1)
    assert body["email"] is None
    assert api.get(f"{BASE}/users/{uuid.uuid4()}/").status_code == 404


def test_the_email_is_shown_to_admins_only():
    user = UserFactory()
    admin = UserFactory(role=Role.ADMIN)
    url = f"{BASE}/users/{user.pk}/"
    assert api_client_for(admin).get(url).json()["email"] == user.email
    assert api_client_for(UserFactory(role=Role.MODERATOR)).get(url).json()["email"] is None
    assert can_see_email(user, user) and can_see_email(admin, user)
    assert not can_see_email(UserFactory(role=Role.MODERATOR), user)
    assert not can_see_email(UserFactory(role=Role.ADMIN, enabled=False), user)


def test_the_user_endpoint_makes_a_fixed_number_of_queries(api, django_assert_num_queries):
    user = UserFactory()
    url = f"{BASE}/users/{user.pk}/"
    # Token with its user, the user, and the activity's three counts.
    with django_assert_num_queries(5):
        assert api.get(url).status_code == 200
    for _ in range(3):
        _flag(make_prompt(author=user))
    with django_assert_num_queries(5):
        assert api.get(url).json()["open_flags"] == 3


def test_ban_releases_the_users_tasks_and_unban_lets_them_in(api, moderator):
    user = UserFactory()
    root = make_prompt()
    task = request_task(user=user, lang="en", task_type=TaskType.ASSISTANT_REPLY)
    response = api.post(f"{BASE}/users/{user.pk}/ban/", {"reason": "spam"}, format="json")
    assert response.status_code == 200 and response.json()["enabled"] is False
    assert not User.objects.get(pk=user.pk).enabled
    assert Task.objects.get(pk=task.pk).state == TaskState.EXPIRED
    assert Message.objects.get(pk=root.pk).reply_claims == 0
    action = ModerationAction.objects.get()
    assert (action.kind, action.target_user, action.reason, action.moderator) == ("ban_user", user, "spam", moderator)
    # The banned user's own token no longer works.
    refused = api_client_for(User.objects.get(pk=user.pk)).get(f"{BASE}/users/{user.pk}/")
    assert refused.status_code == 403 and refused.json()["error_code"] == "user_disabled"
    again = api.post(f"{BASE}/users/{user.pk}/ban/", {}, format="json")
    assert again.status_code == 409 and again.json()["error_code"] == "already_banned"
    response = api.post(f"{BASE}/users/{user.pk}/unban/", {"reason": "appeal"}, format="json")
    assert response.status_code == 200 and response.json()["enabled"] is True
    assert User.objects.get(pk=user.pk).enabled


def test_a_moderator_cannot_ban_themself_or_an_admin(api, moderator):
    response = api.post(f"{BASE}/users/{moderator.pk}/ban/", {}, format="json")
    assert response.status_code == 403 and response.json()["error_code"] == "cannot_ban_user"
    admin = UserFactory(role=Role.ADMIN)
    assert api.post(f"{BASE}/users/{admin.pk}/ban/", {}, format="json").status_code == 403
    assert User.objects.get(pk=admin.pk).enabled and User.objects.get(pk=moderator.pk).enabled


def test_notes_are_added(api):
    user = UserFactory(notes="First")
    response = api.post(f"{BASE}/users/{user.pk}/notes/", {"note": "Second"}, format="json")
    assert response.status_code == 200 and response.json()["notes"] == "First\nSecond"
    assert ModerationAction.objects.get().kind == "note_user"
    blank = api.post(f"{BASE}/users/{user.pk}/notes/", {"note": "   "}, format="json")
    assert blank.status_code == 400
    assert api.post(f"{BASE}/users/{user.pk}/notes/", {}, format="json").status_code == 400
    assert User.objects.get(pk=user.pk).notes == "First\nSecond"


def test_the_purge_hides_exactly_its_preview(api):
    user = UserFactory()
    own_prompt = make_prompt(author=user)
    answer = make_reply(own_prompt)
    elsewhere = make_prompt()
    own_reply = make_reply(elsewhere, author=user)
    under = make_reply(own_reply)
    untouched = make_reply(elsewhere)
    make_reply(make_prompt(), author=user, deleted=True)
    preview = api.get(f"{BASE}/users/{user.pk}/purge-preview/")
    assert preview.status_code == 200
    expected = {str(pk) for pk in (own_prompt.pk, answer.pk, own_reply.pk, under.pk)}
    assert set(preview.json()["message_ids"]) == expected
    assert set(preview.json()["tree_ids"]) == {str(own_prompt.tree_id), str(elsewhere.tree_id)}
    response = api.post(f"{BASE}/users/{user.pk}/purge/", {"reason": "spam bot"}, format="json")
    assert response.status_code == 200 and response.json() == preview.json()
    assert {
        str(pk) for pk in Message.objects.filter(deleted=True, author__isnull=False).values_list("pk", flat=True)
    } >= expected
    assert not Message.objects.get(pk=untouched.pk).deleted and not Message.objects.get(pk=elsewhere.pk).deleted
    assert ModerationAction.objects.get().kind == "purge_user"
    assert api.get(f"{BASE}/users/{user.pk}/purge-preview/").json()["message_ids"] == []


def test_the_purge_preview_makes_a_bounded_number_of_queries(api, django_assert_num_queries):
    user = UserFactory()
    make_prompt(author=user)
    # Token with its user, the user, the user's live messages, one tree's messages, the live ones among them.
    with django_assert_num_queries(5):
        assert api.get(f"{BASE}/users/{user.pk}/purge-preview/").status_code == 200


# --- Who may call -----------------------------------------------------------------------------


def _calls(message: Message, user: User) -> list[tuple[str, str]]:
    return [
        ("post", f"{BASE}/messages/{message.pk}/hide/"),
        ("post", f"{BASE}/messages/{message.pk}/restore/"),
        ("post", f"{BASE}/messages/{message.pk}/edit/"),
        ("post", f"{BASE}/messages/{message.pk}/dismiss-flags/"),
        ("post", f"{BASE}/trees/{message.tree_id}/halt/"),
        ("post", f"{BASE}/trees/{message.tree_id}/resume/"),
        ("get", f"{BASE}/users/{user.pk}/"),
        ("post", f"{BASE}/users/{user.pk}/ban/"),
        ("post", f"{BASE}/users/{user.pk}/unban/"),
        ("post", f"{BASE}/users/{user.pk}/notes/"),
        ("post", f"{BASE}/users/{user.pk}/leaderboard/"),
        ("get", f"{BASE}/users/{user.pk}/purge-preview/"),
        ("post", f"{BASE}/users/{user.pk}/purge/"),
    ]


@pytest.mark.parametrize(
    "caller, status, code",
    [
        (lambda: None, 401, "not_authenticated"),
        (lambda: UserFactory(), 403, "not_moderator"),
        (lambda: UserFactory(role=Role.MODERATOR, enabled=False), 403, "user_disabled"),
        (lambda: UserFactory(role=Role.ADMIN, enabled=False), 403, "user_disabled"),
    ],
)
def test_only_moderators_and_admins_may_call(caller, status, code):
    user = caller()
    client = APIClient() if user is None else api_client_for(user)
    message, target = make_prompt(), UserFactory()
    _flag(message)
    for method, url in _calls(message, target):
        response = getattr(client, method)(
            url, {"reason": "x", "text": "New text", "note": "n", "visible": False}, format="json"
        )
        assert (response.status_code, response.json()["error_code"]) == (status, code), url
    assert not ModerationAction.objects.exists()
    assert not Message.objects.get(pk=message.pk).deleted and User.objects.get(pk=target.pk).enabled
    assert User.objects.get(pk=target.pk).show_on_leaderboard


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.ADMIN])
def test_moderators_and_admins_may_call(role):
    client = api_client_for(UserFactory(role=role))
    message, target = make_prompt(), UserFactory()
    _flag(message)
    statuses = []
    for method, url in _calls(message, target):
        statuses.append(
            getattr(client, method)(
                url, {"reason": "x", "text": "New text", "note": "n", "visible": False}, format="json"
            ).status_code
        )
    # Restoring a message that was hidden first; resume after halt; unban after ban; dismissing flags of a message
    # whose reports the hide resolved is a conflict.
    assert statuses == [200, 200, 200, 409, 200, 200, 200, 200, 200, 200, 200, 200, 200]


def test_leaderboard_visibility_is_set_and_recorded(api, moderator):
    user = UserFactory()
    response = api.post(f"{BASE}/users/{user.pk}/leaderboard/", {"visible": False, "reason": "rude"}, format="json")
    assert response.status_code == 200
    assert response.json()["id"] == str(user.pk) and response.json()["show_on_leaderboard"] is False
    assert not User.objects.get(pk=user.pk).show_on_leaderboard
    action = ModerationAction.objects.get()
    assert (action.kind, action.moderator, action.target_user, action.reason) == (
        "leaderboard_visibility",
        moderator,
        user,
        "rude",
    )
    assert action.details == {"show_on_leaderboard": {"before": True, "after": False}}
    response = api.post(f"{BASE}/users/{user.pk}/leaderboard/", {"visible": True}, format="json")
    assert response.status_code == 200 and response.json()["show_on_leaderboard"] is True
    # `visible` is required; an unknown user is 404.
    missing = api.post(f"{BASE}/users/{user.pk}/leaderboard/", {"reason": "x"}, format="json")
    assert missing.status_code == 400 and "visible" in missing.json()["details"]
    unknown = api.post(f"{BASE}/users/{uuid.uuid4()}/leaderboard/", {"visible": False}, format="json")
    assert unknown.status_code == 404
