"""Leaderboard and personal statistics pages."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import TimeFrame
from accounts.selectors import user_stats
from core.errors import InvalidInput
from moderation.services.messages import hide_message, restore_message
from stats import selectors
from stats.services.points import refresh_user_stats
from tests.factories import UserFactory, make_prompt, make_reply


@pytest.fixture
def board():
    """Three volunteers with points (one hidden, one placeholder) and a refreshed leaderboard."""
    star = UserFactory(display_name="Star Writer")
    hidden = UserFactory(display_name="Hidden Helper", show_on_leaderboard=False)
    ghost = UserFactory(display_name="Imported Ghost", is_placeholder=True)
    prompt = make_prompt(author=UserFactory())
    for author in (star, star, hidden, ghost):
        make_reply(prompt, author=author)
    refresh_user_stats(now=timezone.now())
    return {"star": star, "hidden": hidden, "ghost": ghost}


@pytest.mark.django_db
def test_leaderboard_hides_opted_out_and_placeholder_users(board):
    rows = selectors.leaderboard(time_frame=TimeFrame.WEEK)
    assert [row.user for row in rows] == [board["star"]]
    assert rows[0].rank == 1 and rows[0].leader_score == 16


@pytest.mark.django_db
def test_leaderboard_hides_users_who_opted_out_after_the_refresh(board):
    board["star"].show_on_leaderboard = False
    board["star"].save()
    assert selectors.leaderboard(time_frame=TimeFrame.TOTAL) == []


@pytest.mark.django_db
def test_leaderboard_rejects_unknown_time_frames():
    with pytest.raises(InvalidInput):
        selectors.leaderboard(time_frame="century")


@pytest.mark.django_db
def test_leaderboard_page_and_htmx_partial(client, board):
    client.force_login(board["star"])
    page = client.get(reverse("leaderboard"))
    assert page.status_code == 200
    content = page.content.decode()
    assert "<html" in content and "Star Writer" in content
    assert "Hidden Helper" not in content and "Imported Ghost" not in content

    partial = client.get(reverse("leaderboard"), {"frame": "day"}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    content = partial.content.decode()
    assert "<html" not in content
    assert 'id="leaderboard-panel"' in content and "Star Writer" in content
    assert partial.context["time_frame"] == "day"


@pytest.mark.django_db
def test_leaderboard_falls_back_on_a_bad_time_frame(client, board):
    client.force_login(board["star"])
    response = client.get(reverse("leaderboard"), {"frame": "<script>"})
    assert response.status_code == 200
    assert response.context["time_frame"] == TimeFrame.WEEK


@pytest.mark.django_db
def test_stats_page_explains_the_points_line_by_line(client, board):
    client.force_login(board["star"])
    response = client.get(reverse("my_stats"))
    assert response.status_code == 200
    score = response.context["score"]
    lines = {line.term.field: line for line in score.lines}
    assert lines["replies_assistant"].count == 2 and lines["replies_assistant"].points == 8
    assert lines["accepted_replies_assistant"].points == 8
    assert score.total == 16
    assert score.rank == 1
    assert response.context["stats"].level.level >= 1
    assert b'data-testid="score-total">16<' in response.content

    partial = client.get(reverse("my_stats"), {"frame": "month"}, HTTP_HX_REQUEST="true")
    assert b"<html" not in partial.content and b'id="stats-panel"' in partial.content


@pytest.mark.django_db
def test_personal_stats_are_counted_live(board):
    star = board["star"]
    make_reply(make_prompt(author=UserFactory()), author=star)
    stats = selectors.personal_stats(user=star)
    assert stats.total == 24
    # The stored leaderboard row waits for the next refresh.
    assert user_stats(user=star)[TimeFrame.TOTAL].leader_score == 16


@pytest.mark.django_db
def test_a_message_a_moderator_hides_no_longer_counts_for_its_author_nor_for_the_replies_under_it():
    moderator = UserFactory(role="moderator")
    writer, rival, follower = UserFactory(), UserFactory(), UserFactory()
    prompt = make_prompt(author=UserFactory(is_placeholder=True))
    best = make_reply(prompt, author=writer, rank=0)  # 4 + accepted 4 + ranked first 9 = 17
    make_reply(prompt, author=writer)  # 8
    make_reply(prompt, author=rival)  # 8
    make_reply(prompt, author=rival)  # 8
    make_reply(best, author=follower)  # a prompter reply under the hidden one: 1 + accepted 1

    def standing() -> tuple[dict, list]:
        refresh_user_stats(now=timezone.now())
        scores = {user.pk: user_stats(user=user)[TimeFrame.TOTAL] for user in (writer, rival, follower)}
        board = [row.user_id for row in selectors.leaderboard(time_frame=TimeFrame.TOTAL)]
        return {pk: row.leader_score if row else 0 for pk, row in scores.items()}, board

    scores, board = standing()
    assert scores == {writer.pk: 25, rival.pk: 16, follower.pk: 2}
    assert board == [writer.pk, rival.pk, follower.pk]
    assert selectors.personal_stats(user=writer).total == 25

    hide_message(moderator=moderator, message=best, reason="copied from a website")
    scores, board = standing()
    assert scores == {writer.pk: 8, rival.pk: 16, follower.pk: 0}
    assert board == [rival.pk, writer.pk]
    assert selectors.personal_stats(user=writer).total == 8

    # Restored, the message counts again (the reply under it stays hidden until restored by itself).
    restore_message(moderator=moderator, message=best, reason="it was the author's own text")
    scores, board = standing()
    assert scores == {writer.pk: 25, rival.pk: 16, follower.pk: 0}
    assert board == [writer.pk, rival.pk]
