"""The trollboard (SPEC 5): its score term by term, time frames and order; the page and the API endpoint."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Role, TimeFrame
from annotation.models import EmojiReaction, Message, Review
from core.errors import InvalidInput
from moderation.selectors.trollboard import trollboard
from tests.factories import UserFactory, api_client_for, make_prompt, make_reply

pytestmark = pytest.mark.django_db

URL = "/moderation/trollboard/"
API_URL = "/api/v1/moderation/trollboard/"


def _react(message: Message, emoji: str, *, count: int = 1, days_ago: float = 0) -> None:
    for _ in range(count):
        reaction = EmojiReaction.objects.create(message=message, user=UserFactory(), emoji=emoji)
        if days_ago:
            EmojiReaction.objects.filter(pk=reaction.pk).update(created_at=timezone.now() - timedelta(days=days_ago))


def _review(message: Message, values: dict, *, days_ago: float = 0) -> None:
    review = Review.objects.create(message=message, reviewer=UserFactory(), values=values, full=True)
    if days_ago:
        Review.objects.filter(pk=review.pk).update(created_at=timezone.now() - timedelta(days=days_ago))


def _rejected_prompt(author, *, days_ago: float = 0) -> Message:
    created_at = timezone.now() - timedelta(days=days_ago)
    return make_prompt(author=author, accepted=False, review_result=False, created_at=created_at)


def _rows(frame: str = TimeFrame.TOTAL) -> dict:
    return {row.username: row for row in trollboard(time_frame=frame)}


def test_the_score_is_the_formula_term_by_term():
    troll = UserFactory(username="troll")
    prompt = make_prompt(author=troll)
    reply = make_reply(make_prompt(), author=troll)
    _react(prompt, "red_flag", count=2)
    _react(reply, "red_flag")
    _react(reply, "+1")
    _react(prompt, "-1", count=2)
    _react(prompt, "heart_eyes")  # other emojis do not count
    _rejected_prompt(troll)
    # Flag labels count review by review; yes/no and scale labels do not count.
    _review(reply, {"spam": 1.0, "quality": 0.25, "pii": 1.0, "hate_speech": 1.0})
    _review(reply, {"spam": 0.0, "quality": 0.5, "hate_speech": 1.0, "political_content": 0.0})

    row = _rows()["troll"]
    assert (row.red_flags, row.upvotes, row.downvotes, row.rejected_prompts) == (3, 1, 2, 1)
    assert row.flag_labels["pii"] == 1 and row.flag_labels["hate_speech"] == 2
    assert row.flag_labels["political_content"] == 0 and "spam" not in row.flag_labels
    assert row.flag_label_total == 3
    assert row.score == 3 * 3 - 1 + 2 + 1 + 3
    assert row.user_id == troll.pk and row.enabled


def test_each_term_alone():
    flagged, downvoted, rejected, labelled = (UserFactory(username=name) for name in "abcd")
    _react(make_prompt(author=flagged), "red_flag")
    _react(make_prompt(author=downvoted), "-1")
    _rejected_prompt(rejected)
    _review(make_prompt(author=labelled), {"sexual_content": 1.0, "moral_judgement": 0.5})
    assert {name: row.score for name, row in _rows().items()} == {"a": 3, "b": 1, "c": 1, "d": 1.5}


def test_time_frames_count_reactions_and_reviews_when_given_and_prompts_when_written():
    troll = UserFactory(username="troll")
    old_prompt = make_prompt(author=troll, created_at=timezone.now() - timedelta(days=100))
    _react(old_prompt, "red_flag")  # given now, on an old message: counts everywhere
    _react(old_prompt, "-1", days_ago=2)  # week, month, total
    _rejected_prompt(troll, days_ago=10)  # month, total
    _review(old_prompt, {"pii": 1.0}, days_ago=40)  # total only

    scores = {frame: _rows(frame)["troll"].score for frame in TimeFrame.values}
    assert scores == {TimeFrame.DAY: 3, TimeFrame.WEEK: 4, TimeFrame.MONTH: 5, TimeFrame.TOTAL: 6}


def test_highest_first_ties_by_username_and_only_positive_scores():
    scores = {"bob": 2, "alice": 2, "carol": 5}
    for name, downvotes in scores.items():
        _react(make_prompt(author=UserFactory(username=name)), "-1", count=downvotes)
    even = make_prompt(author=UserFactory(username="even"))
    _react(even, "-1")
    _react(even, "+1")
    _react(make_prompt(author=UserFactory(username="liked")), "+1", count=3)
    _react(make_prompt(author=UserFactory(username="ghost", is_placeholder=True)), "red_flag")
    _react(make_prompt(author=UserFactory(username="banned", enabled=False)), "red_flag")

    rows = trollboard(time_frame=TimeFrame.WEEK)
    assert [(row.username, row.score) for row in rows] == [("carol", 5), ("banned", 3), ("alice", 2), ("bob", 2)]
    assert not rows[1].enabled
    assert [row.username for row in trollboard(time_frame=TimeFrame.WEEK, limit=2)] == ["carol", "banned"]


def test_unknown_time_frames_are_refused():
    with pytest.raises(InvalidInput):
        trollboard(time_frame="century")


def test_the_selector_makes_the_same_few_queries_for_many_users(django_assert_num_queries):
    for _n in range(6):
        troll = UserFactory()
        _react(make_prompt(author=troll), "red_flag")
        _rejected_prompt(troll)
        _review(make_prompt(author=troll), {"pii": 1.0})
    with django_assert_num_queries(4):
        assert len(trollboard(time_frame=TimeFrame.DAY)) == 6


# --- The page -------------------------------------------------------------------------------


@pytest.fixture
def trolls():
    """Three users with a troll score, the first one only in the last month."""
    users = [UserFactory(username=f"troll{n}", display_name=f"Troll {n}") for n in range(3)]
    for n, user in enumerate(users):
        days_ago = 20 if n == 0 else 0
        _react(make_prompt(author=user), "red_flag", count=n + 1, days_ago=days_ago)
        _rejected_prompt(user, days_ago=days_ago)
    return users


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.ADMIN])
def test_moderators_and_admins_see_the_trollboard(client, trolls, role):
    client.force_login(UserFactory(role=role))
    response = client.get(URL)
    assert response.status_code == 200
    content = response.content.decode()
    assert "<html" in content and 'id="trollboard-panel"' in content
    assert [row.username for row in response.context["rows"]] == ["troll2", "troll1"]
    assert response.context["time_frame"] == TimeFrame.WEEK
    assert f'href="/moderation/users/{trolls[2].pk}/">Troll 2</a>' in content
    assert f'href="{reverse("moderation:trollboard")}"' in content  # the header's link


def test_the_htmx_tab_swaps_the_panel_of_another_time_frame(client, trolls):
    client.force_login(UserFactory(role=Role.MODERATOR))
    response = client.get(URL, {"frame": "month"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    content = response.content.decode()
    assert "<html" not in content and 'id="trollboard-panel"' in content
    assert [row.username for row in response.context["rows"]] == ["troll2", "troll1", "troll0"]
    assert "Troll 0" in content and 'aria-current="true" class="active">Last 30 days' in content

    week = client.get(URL, {"frame": "week"}, HTTP_HX_REQUEST="true")
    assert "Troll 0" not in week.content.decode()


def test_a_bad_time_frame_falls_back_to_the_week(client, trolls):
    client.force_login(UserFactory(role=Role.MODERATOR))
    response = client.get(URL, {"frame": "<script>"})
    assert response.status_code == 200 and response.context["time_frame"] == TimeFrame.WEEK


def test_volunteers_get_403_and_no_header_link(client, trolls):
    volunteer = UserFactory()
    client.force_login(volunteer)
    assert client.get(URL).status_code == 403
    assert "Trollboard" not in client.get(reverse("leaderboard")).content.decode()


def test_visitors_and_banned_moderators_go_to_the_login_page(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    # A banned account is logged out before the page is reached.
    client.force_login(UserFactory(role=Role.MODERATOR, enabled=False))
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_the_page_makes_a_fixed_number_of_queries(client, trolls, django_assert_num_queries):
    client.force_login(UserFactory(role=Role.MODERATOR))
    # Session, user, and the trollboard's four.
    with django_assert_num_queries(6):
        assert client.get(URL, {"frame": "total"}).status_code == 200
    for n in range(3):
        _react(make_prompt(author=UserFactory()), "red_flag", count=n + 1)
    with django_assert_num_queries(6):
        response = client.get(URL, {"frame": "total"})
    assert len(response.context["rows"]) == 6


# --- The API --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.ADMIN])
def test_the_endpoint_answers_moderators_and_admins(trolls, role):
    response = api_client_for(UserFactory(role=role)).get(API_URL, {"frame": "month"})
    assert response.status_code == 200
    body = response.json()
    assert body["time_frame"] == "month"
    assert [row["username"] for row in body["rows"]] == ["troll2", "troll1", "troll0"]
    top = body["rows"][0]
    assert top["user_id"] == str(trolls[2].pk) and top["display_name"] == "Troll 2" and top["enabled"] is True
    terms = (top["score"], top["red_flags"], top["upvotes"], top["downvotes"], top["rejected_prompts"])
    assert terms == (10, 3, 0, 0, 1)
    assert top["flag_label_total"] == 0 and top["flag_labels"]["pii"] == 0


def test_the_endpoint_defaults_to_the_week(trolls):
    body = api_client_for(UserFactory(role=Role.MODERATOR)).get(API_URL).json()
    assert body["time_frame"] == "week" and [row["username"] for row in body["rows"]] == ["troll2", "troll1"]


def test_the_endpoint_refuses_others(trolls):
    response = api_client_for(UserFactory()).get(API_URL)
    assert response.status_code == 403 and response.json()["error_code"] == "not_moderator"
    response = api_client_for(UserFactory(role=Role.MODERATOR, enabled=False)).get(API_URL)
    assert response.status_code == 403 and response.json()["error_code"] == "user_disabled"
    response = APIClient().get(API_URL)
    assert response.status_code == 401 and response.json()["error_code"] == "not_authenticated"


def test_the_endpoint_refuses_an_unknown_time_frame():
    response = api_client_for(UserFactory(role=Role.MODERATOR)).get(API_URL, {"frame": "century"})
    assert response.status_code == 400
    body = response.json()
    assert body["error_code"] == "invalid_input" and "frame" in body["details"]


def test_the_endpoint_makes_a_fixed_number_of_queries(trolls, django_assert_num_queries):
    api = api_client_for(UserFactory(role=Role.MODERATOR))
    # Token with its user, and the trollboard's four.
    with django_assert_num_queries(5):
        assert api.get(API_URL, {"frame": "total"}).status_code == 200
    for n in range(3):
        _react(make_prompt(author=UserFactory()), "red_flag", count=n + 1)
    with django_assert_num_queries(5):
        assert len(api.get(API_URL, {"frame": "total"}).json()["rows"]) == 6
