"""The moderators' page of one user (/moderation/users/<id>/): what it shows, and ban, unban, notes and purge
done from it without leaving it."""

import re

import pytest
from django.urls import reverse

from accounts.models import Role, TimeFrame, User
from accounts.policies import can_see_email
from annotation.models import EmojiReaction, Message, Report, Review
from moderation.models import ModerationAction
from moderation.selectors.trollboard import troll_row, trollboard
from tests.factories import ModerationActionFactory, UserFactory, make_prompt, make_reply

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _url(user: User, name: str = "user") -> str:
    return reverse(f"moderation:{name}", args=[user.pk])


@pytest.fixture
def troll():
    return UserFactory(
        username="troll", display_name="Troll", email="troll@example.org", languages=["en", "de"], notes="Warned once."
    )


@pytest.fixture
def troll_activity(troll):
    """A prompt with a red flag and a report, a hidden reply, a rejected prompt, a review given."""
    prompt = make_prompt(author=troll, text="Visible troll prompt")
    hidden = make_reply(make_prompt(), author=troll, text="Hidden troll reply", deleted=True)
    make_prompt(author=troll, accepted=False, review_result=False, text="Rejected troll prompt")
    EmojiReaction.objects.create(message=prompt, user=UserFactory(), emoji="red_flag")
    Report.objects.create(message=prompt, user=UserFactory(username="reporter"), report_type="spam", reason="ads")
    reviewed = make_prompt(text="Somebody else's prompt")
    Review.objects.create(message=reviewed, reviewer=troll, values={"spam": 1.0}, comment="looks like spam")
    ModerationActionFactory(kind=ModerationAction.Kind.NOTE_USER, target_user=troll, reason="Warned once.")
    return {"prompt": prompt, "hidden": hidden, "reviewed": reviewed}


# --- What the page shows ----------------------------------------------------------------------


def test_the_page_shows_the_user_their_activity_score_notes_and_audit_rows(client, moderator, troll, troll_activity):
    client.force_login(moderator)
    response = client.get(_url(troll))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Troll" in content and "Volunteer" in content and "en, de" in content
    assert 'class="user-state">enabled<' in content
    written = {message.pk: message for message in response.context["messages_written"]}
    assert set(written) == set(Message.objects.filter(author=troll).values_list("pk", flat=True))
    hidden = troll_activity["hidden"]
    assert re.search(rf'data-message-id="{hidden.pk}" class="hidden-message"', content)
    assert reverse("annotation:message_detail", args=[hidden.pk]) in content
    assert "Hidden troll reply" in content and "Visible troll prompt" in content
    assert "looks like spam" in content and "Somebody else&#x27;s prompt" in content
    assert "ads" in content and "Reporter" in content
    assert response.context["troll"] == troll_row(user=troll, time_frame=TimeFrame.TOTAL)
    assert response.context["troll"].score == 3 + 1
    assert "Warned once." in content
    assert [action.kind for action in response.context["actions"]] == ["note_user"]
    # Moderators do not see the e-mail address.
    assert "troll@example.org" not in content and response.context["email"] is None


def test_only_admins_and_the_user_see_the_e_mail_address(client, troll):
    admin = UserFactory(role=Role.ADMIN)
    client.force_login(admin)
    response = client.get(_url(troll))
    assert response.context["email"] == "troll@example.org" and "troll@example.org" in response.content.decode()
    superuser = UserFactory(is_superuser=True)
    assert can_see_email(superuser, troll) and can_see_email(troll, troll) and can_see_email(admin, troll)
    assert not can_see_email(UserFactory(role=Role.MODERATOR), troll) and not can_see_email(UserFactory(), troll)


def test_one_users_troll_row_is_the_trollboard_row(troll, troll_activity):
    (board_row,) = [row for row in trollboard(time_frame=TimeFrame.TOTAL) if row.user_id == troll.pk]
    assert troll_row(user=troll, time_frame=TimeFrame.TOTAL) == board_row
    quiet = UserFactory()
    assert troll_row(user=quiet, time_frame=TimeFrame.TOTAL).score == 0


@pytest.mark.parametrize(("user", "status"), [(lambda: UserFactory(), 403), (lambda: UserFactory(enabled=False), 302)])
def test_volunteers_may_not_see_it_or_act(client, troll, user, status):
    client.force_login(user())
    assert client.get(_url(troll)).status_code == status
    for name in (
        "user_ban",
        "user_unban",
        "user_note",
        "user_leaderboard_visibility",
        "user_purge_preview",
        "user_purge",
    ):
        assert client.post(_url(troll, name), {"reason": "x", "note": "x"}).status_code == status
    assert User.objects.get(pk=troll.pk).enabled and not ModerationAction.objects.exists()
    assert User.objects.get(pk=troll.pk).show_on_leaderboard


def test_an_unknown_user_is_404(client, moderator):
    client.force_login(moderator)
    assert client.get(reverse("moderation:user", args=["00000000-0000-0000-0000-000000000000"])).status_code == 404


@pytest.mark.parametrize("count", [2, 10])
def test_the_page_makes_the_same_queries_however_many_messages(client, moderator, django_assert_num_queries, count):
    user = UserFactory()
    for n in range(count):
        message = make_reply(make_prompt(), author=user, deleted=n % 2 == 0)
        EmojiReaction.objects.create(message=message, user=UserFactory(), emoji="-1")
        Report.objects.create(message=message, user=UserFactory())
        Review.objects.create(message=make_prompt(), reviewer=user, values={"pii": 1.0})
        ModerationActionFactory(kind=ModerationAction.Kind.HIDE_MESSAGE, target_user=user, message=message)
    client.force_login(moderator)
    # Session and user, the user shown, the audit rows, messages, reviews, reports, three troll-score queries.
    with django_assert_num_queries(10):
        response = client.get(_url(user))
    assert response.status_code == 200 and len(response.context["messages_written"]) == count


# --- Actions ----------------------------------------------------------------------------------


def test_ban_from_the_page_ends_the_session_and_records_the_reason(client, moderator, troll):
    troll_client = type(client)()
    troll_client.force_login(troll)
    client.force_login(moderator)
    response = client.post(_url(troll, "user_ban"), {"reason": "spam"}, **HTMX)
    assert response.status_code == 200
    content = response.content.decode()
    assert content.lstrip().startswith('<section id="user-moderation"') and "<html" not in content
    assert 'class="user-state">banned<' in content and "The user is banned." in content
    assert reverse("moderation:user_unban", args=[troll.pk]) in content
    assert not User.objects.get(pk=troll.pk).enabled
    action = ModerationAction.objects.get(kind="ban_user")
    assert (action.moderator, action.target_user, action.reason) == (moderator, troll, "spam")
    assert 'data-kind="ban_user"' in content
    # The banned user's next request is logged out.
    assert not troll_client.get(reverse("annotation:task_new")).wsgi_request.user.is_authenticated

    response = client.post(_url(troll, "user_unban"), {"reason": "appeal"}, **HTMX)
    assert response.status_code == 200 and 'class="user-state">enabled<' in response.content.decode()
    assert User.objects.get(pk=troll.pk).enabled
    assert ModerationAction.objects.get(kind="unban_user").reason == "appeal"


def test_service_errors_are_shown_in_the_page_not_a_500(client, moderator):
    admin = UserFactory(role=Role.ADMIN)
    client.force_login(moderator)
    response = client.post(_url(admin, "user_ban"), {"reason": "coup"}, **HTMX)
    assert response.status_code == 422
    assert "You may not ban this user." in response.content.decode()
    assert User.objects.get(pk=admin.pk).enabled and not ModerationAction.objects.exists()
    # Unbanning somebody who is not banned, a blank note: likewise, and the full page without htmx.
    response = client.post(_url(UserFactory(), "user_unban"), {"reason": ""})
    assert response.status_code == 422 and "This user is not banned." in response.content.decode()
    assert "<html" in response.content.decode()
    response = client.post(_url(admin, "user_note"), {"note": "   "}, **HTMX)
    assert response.status_code == 422 and "The note may not be empty." in response.content.decode()


def test_a_note_is_added_and_recorded(client, moderator, troll):
    client.force_login(moderator)
    response = client.post(_url(troll, "user_note"), {"note": "Second warning."}, **HTMX)
    assert response.status_code == 200
    assert User.objects.get(pk=troll.pk).notes == "Warned once.\nSecond warning."
    assert "Second warning." in response.content.decode()
    action = ModerationAction.objects.get()
    assert (action.kind, action.target_user, action.reason) == ("note_user", troll, "Second warning.")


def test_the_purge_preview_lists_exactly_what_the_purge_then_hides(client, moderator, troll):
    own_prompt = make_prompt(author=troll)
    under_own_prompt = make_reply(own_prompt)
    other_root = make_prompt()
    troll_reply = make_reply(other_root, author=troll)
    under_troll_reply = make_reply(troll_reply)
    kept = make_reply(other_root)
    make_reply(other_root, author=troll, deleted=True)
    client.force_login(moderator)

    response = client.post(_url(troll, "user_purge_preview"), **HTMX)
    assert response.status_code == 200
    content = response.content.decode()
    preview_block = content[content.index('id="purge-preview"') :]
    listed = set(re.findall(r'<li data-message-id="([0-9a-f-]+)"', preview_block))
    expected = {own_prompt.pk, under_own_prompt.pk, troll_reply.pk, under_troll_reply.pk}
    assert listed == {str(pk) for pk in expected}
    assert set(re.findall(r'data-tree-id="([0-9a-f-]+)"', content)) == {str(own_prompt.tree_id), str(other_root.pk)}
    assert "Messages to hide: 4 (written by the user: 2). Trees to re-check: 2." in content
    assert not Message.objects.filter(pk__in=expected, deleted=True).exists()  # a preview changes nothing
    assert not ModerationAction.objects.exists()

    before = set(Message.objects.filter(deleted=True).values_list("pk", flat=True))
    confirmed = _confirmed_ids(content)
    assert set(confirmed.split()) == listed
    response = client.post(_url(troll, "user_purge"), {"reason": "spam account", "message_ids": confirmed}, **HTMX)
    assert response.status_code == 200
    assert "Messages hidden: 4. Trees re-checked: 2." in response.content.decode()
    newly_hidden = set(Message.objects.filter(deleted=True).values_list("pk", flat=True)) - before
    assert {str(pk) for pk in newly_hidden} == listed
    assert not Message.objects.get(pk=kept.pk).deleted
    action = ModerationAction.objects.get()
    assert (action.kind, action.target_user, action.reason) == ("purge_user", troll, "spam account")


def _confirmed_ids(content: str) -> str:
    return re.search(r'name="message_ids" value="([^"]*)"', content).group(1)


def test_a_purge_hides_nothing_if_the_plan_changed_since_the_preview(client, moderator, troll):
    first = make_prompt(author=troll)
    client.force_login(moderator)
    confirmed = _confirmed_ids(client.post(_url(troll, "user_purge_preview"), **HTMX).content.decode())
    assert confirmed == str(first.pk)
    later = make_prompt(author=troll)
    response = client.post(_url(troll, "user_purge"), {"reason": "", "message_ids": confirmed}, **HTMX)
    assert response.status_code == 422
    content = response.content.decode()
    assert "What the purge would hide has changed since the preview" in content
    assert set(_confirmed_ids(content).split()) == {str(first.pk), str(later.pk)}  # the new preview
    assert not Message.objects.filter(deleted=True).exists() and not ModerationAction.objects.exists()
    # Without a preview's ids nothing is purged either.
    response = client.post(_url(troll, "user_purge"), {"reason": ""}, **HTMX)
    assert response.status_code == 422 and not Message.objects.filter(deleted=True).exists()
    response = client.post(_url(troll, "user_purge"), {"message_ids": "not-an-id"}, **HTMX)
    assert response.status_code == 422 and "Preview the purge again." in response.content.decode()


def test_a_purge_preview_of_nothing_offers_no_purge(client, moderator):
    quiet = UserFactory()
    client.force_login(moderator)
    response = client.post(_url(quiet, "user_purge_preview"), **HTMX)
    assert response.status_code == 200 and "Nothing to hide." in response.content.decode()
    assert f'hx-post="{_url(quiet, "user_purge")}"' not in response.content.decode()


def test_leaderboard_visibility_is_set_from_the_page_and_recorded(client, moderator, troll):
    client.force_login(moderator)
    page = client.get(_url(troll)).content.decode()
    assert 'class="user-leaderboard">shown<' in page
    assert reverse("moderation:user_leaderboard_visibility", args=[troll.pk]) in page

    response = client.post(_url(troll, "user_leaderboard_visibility"), {"visible": "0", "reason": "rude name"}, **HTMX)
    assert response.status_code == 200
    content = response.content.decode()
    assert content.lstrip().startswith('<section id="user-moderation"') and "<html" not in content
    assert 'class="user-leaderboard">hidden<' in content and "The user is hidden from the leaderboard." in content
    assert 'name="visible" value="1"' in content and 'data-kind="leaderboard_visibility"' in content
    assert not User.objects.get(pk=troll.pk).show_on_leaderboard
    action = ModerationAction.objects.get(kind="leaderboard_visibility")
    assert (action.moderator, action.target_user, action.reason) == (moderator, troll, "rude name")

    response = client.post(_url(troll, "user_leaderboard_visibility"), {"visible": "1"})
    assert response.status_code == 200 and "<html" in response.content.decode()
    assert "The user is shown on the leaderboard." in response.content.decode()
    assert User.objects.get(pk=troll.pk).show_on_leaderboard
