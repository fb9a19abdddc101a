"""My work: the volunteer's messages, reviews and rankings."""

import pytest
from django.urls import reverse

from annotation.models import Ranking, Review, TreeState
from tests.factories import UserFactory, make_prompt, make_reply

pytestmark = pytest.mark.django_db

URL = "/my/work/"


@pytest.fixture
def user():
    return UserFactory(languages=["en", "de"])


@pytest.fixture
def volunteer_client(client, user):
    client.force_login(user)
    return client


def test_lists_own_messages_with_review_state_rank_emojis_and_edit_link(volunteer_client, user):
    prompt = make_prompt(author=user, text="My accepted prompt about tea")
    reply = make_reply(prompt, author=user, accepted=False, text="My pending answer about tea")
    make_reply(prompt, author=user, text="Ranked answer", rank=0, emojis={"+1": 2, "_skip_reply": 1})
    make_prompt(author=UserFactory(), text="Somebody else's prompt")
    page = volunteer_client.get(URL).content.decode()
    assert "My accepted prompt about tea" in page and "My pending answer about tea" in page
    assert "Somebody else" not in page
    assert "Accepted" in page and "Pending review (0 reviews)" in page and "Ranked #1" in page
    assert "+1 2" in page and "_skip_reply" not in page
    assert reverse("annotation:message_detail", args=[reply.pk]) in page
    # Only the unreviewed message may still be edited.
    assert page.count('data-testid="edit-link"') == 1


def test_filters_by_language_tree_state_and_text(volunteer_client, user):
    make_prompt(author=user, text="English growing prompt")
    make_prompt(author=user, lang="de", text="Deutscher Prompt")
    make_prompt(author=user, state=TreeState.READY_FOR_EXPORT, text="Finished prompt")
    page = volunteer_client.get(URL, {"lang": "de"}).content.decode()
    assert "Deutscher Prompt" in page and "English growing prompt" not in page
    page = volunteer_client.get(URL, {"tree_state": TreeState.READY_FOR_EXPORT}).content.decode()
    assert "Finished prompt" in page and "English growing prompt" not in page
    page = volunteer_client.get(URL, {"q": "GROWING"}).content.decode()
    assert "English growing prompt" in page and "Finished prompt" not in page


def test_lists_reviews_and_rankings(volunteer_client, user):
    prompt = make_prompt(author=UserFactory(), text="Somebody's prompt under review")
    Review.objects.create(message=prompt, reviewer=user, values={"spam": 0.0, "quality": 0.75})
    parent = make_prompt(author=UserFactory(), state=TreeState.RANKING, text="The ranked question")
    replies = [make_reply(parent, author=UserFactory()) for _ in range(2)]
    Ranking.objects.create(
        parent=parent, tree=parent.tree, user=user, ranked_message_ids=[str(r.pk) for r in replies], ranking=[1, 0]
    )
    page = volunteer_client.get(URL, {"kind": "reviews"}).content.decode()
    assert "Somebody&#x27;s prompt under review" in page and "quality 0.75" in page
    page = volunteer_client.get(URL, {"kind": "rankings"}).content.decode()
    assert "The ranked question" in page and "Ranked 2 replies" in page


def test_bad_filters_are_ignored_not_errors(volunteer_client, user):
    make_prompt(author=user, text="Still shown")
    response = volunteer_client.get(URL, {"kind": "nope", "tree_state": "bogus", "page": "zzz", "lang": "x" * 99})
    assert response.status_code == 200


def test_paginated(volunteer_client, user):
    for n in range(25):
        make_prompt(author=user, text=f"Prompt number {n:02d}")
    first = volunteer_client.get(URL).content.decode()
    assert first.count('data-testid="my-work-row"') == 20 and "Page 1 of 2" in first
    second = volunteer_client.get(URL, {"page": 2}).content.decode()
    assert second.count('data-testid="my-work-row"') == 5


@pytest.mark.parametrize("kind", ["messages", "reviews", "rankings"])
@pytest.mark.parametrize("rows", [1, 12])
def test_query_count_does_not_grow_with_rows(volunteer_client, user, django_assert_num_queries, kind, rows):
    for _ in range(rows):
        prompt = make_prompt(author=user, state=TreeState.RANKING)
        replies = [make_reply(prompt, author=user) for _ in range(2)]
        Review.objects.create(message=replies[0], reviewer=user, values={"spam": 0.0})
        Ranking.objects.create(
            parent=prompt, tree=prompt.tree, user=user, ranked_message_ids=[str(r.pk) for r in replies], ranking=[0, 1]
        )
    # Session, user, count, rows, languages.
    with django_assert_num_queries(5):
        response = volunteer_client.get(URL, {"kind": kind, "q": "", "lang": "en"})
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="my-work-row"') == min(
        20, rows * 3 if kind == "messages" else rows
    )


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
