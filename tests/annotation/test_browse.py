from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from annotation.models import TreeState
from annotation.search_config import search_config
from annotation.selectors import browse as browse_selector
from annotation.selectors.browse import browse
from tests.factories import UserFactory, make_prompt, make_reply

pytestmark = pytest.mark.django_db
# Stemming, ranking and highlights need PostgreSQL; elsewhere the fallback's own test covers the search.
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL full-text search")

URL = reverse("annotation:browse")
HTMX = {"HX-Request": "true"}


@pytest.fixture
def user():
    return UserFactory()


@pytest.fixture
def volunteer_client(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def world():
    english = make_prompt(text="How are bicycles repaired in the workshop?")
    reply = make_reply(english, text="Volunteers repairing bikes fix <b>flat</b> tyres first.")
    hidden = make_reply(english, text="Repairing secrets that were deleted", deleted=True)
    under_hidden = make_reply(hidden, text="Repairing under a deleted reply")
    german = make_prompt(lang="de", text="Wie baut man Häuser aus Holz?", state=TreeState.READY_FOR_EXPORT)
    old = make_prompt(text="Ancient repairs of castles")
    old.created_at = timezone.now() - timedelta(days=40)
    old.save(update_fields=["created_at"])
    return {
        "english": english,
        "reply": reply,
        "hidden": hidden,
        "under_hidden": under_hidden,
        "german": german,
        "old": old,
    }


def found(page) -> set:
    return {m.pk for m in page.results}


def test_languages_map_to_postgresql_configurations():
    assert search_config("en") == "english"
    assert search_config("pt-BR") == "portuguese"
    assert search_config("nb-NO") == "norwegian"
    assert search_config("ja") == "simple"


@postgres_only
def test_english_stemming_finds_inflected_forms(world, user):
    page = browse(viewer=user, text="repair")
    assert {world["english"].pk, world["reply"].pk, world["old"].pk} <= found(page)


@postgres_only
def test_german_stemming_finds_inflected_forms(world, user):
    assert world["german"].pk in found(browse(viewer=user, text="Haus", lang="de"))
    # Without a language filter every configuration's stem is tried.
    assert world["german"].pk in found(browse(viewer=user, text="Haus"))


@postgres_only
def test_the_snippet_marks_the_words_and_escapes_the_text(world, user):
    page = browse(viewer=user, text="repairing bikes")
    result = next(m for m in page.results if m.pk == world["reply"].pk)
    # ts_headline drops markup; whatever is left is escaped.
    assert "<mark>repairing</mark>" in result.snippet and "<b>" not in result.snippet


@postgres_only
def test_filters_by_language_state_and_dates(world, user):
    assert found(browse(viewer=user, text="repair", lang="de")) == set()
    assert found(browse(viewer=user, lang="de")) == {world["german"].pk}
    assert found(browse(viewer=user, state=TreeState.READY_FOR_EXPORT)) == {world["german"].pk}
    today = timezone.localdate()
    recent = found(browse(viewer=user, text="repair", date_from=today - timedelta(days=2)))
    assert world["old"].pk not in recent and world["reply"].pk in recent
    assert found(browse(viewer=user, text="repair", date_to=today - timedelta(days=30))) == {world["old"].pk}


@postgres_only
def test_deleted_messages_and_their_replies_are_hidden_from_volunteers(world, user):
    page = found(browse(viewer=user, text="repairing"))
    assert world["hidden"].pk not in page and world["under_hidden"].pk not in page
    moderator = UserFactory(role=Role.MODERATOR)
    page = found(browse(viewer=moderator, text="repairing"))
    assert {world["hidden"].pk, world["under_hidden"].pk} <= page


def test_without_words_the_newest_trees_are_listed(world, user):
    page = browse(viewer=user)
    assert [m.pk for m in page.results][:1] == [world["old"].pk] or world["old"].pk in found(page)
    assert all(m.depth == 0 for m in page.results)
    assert page.results[-1].pk == world["old"].pk


def test_pages(user):
    for index in range(browse_selector.PAGE_SIZE + 3):
        make_prompt(text=f"Gardening question {index}")
    first = browse(viewer=user, text="gardening")
    second = browse(viewer=user, text="gardening", page=2)
    assert len(first.results) == browse_selector.PAGE_SIZE and first.has_next and not first.has_previous
    assert len(second.results) == 3 and not second.has_next and second.has_previous


def test_the_sqlite_fallback_matches_every_word(world, user):
    with mock.patch.object(browse_selector, "full_text_search_available", return_value=False):
        page = browse(viewer=user, text="REPAIRING bikes")
        assert found(page) == {world["reply"].pk}
        assert "<mark>repairing</mark>" in page.results[0].snippet.lower()
        assert "&lt;b&gt;" in page.results[0].snippet
        assert world["hidden"].pk not in found(browse(viewer=user, text="secrets"))


@postgres_only
def test_the_page_searches_and_links_to_thread_and_tree(volunteer_client, world):
    response = volunteer_client.get(URL, {"q": "bicycles"})
    page = response.content.decode()
    assert response.status_code == 200
    assert reverse("annotation:message_detail", args=[world["english"].pk]) in page
    assert reverse("annotation:tree_detail", args=[world["english"].tree_id]) in page
    assert "<mark>" in page


def test_bad_filters_give_a_form_error(volunteer_client):
    response = volunteer_client.get(URL, {"date_from": "2024-02-02", "date_to": "2024-01-01", "lang": "xx"})
    assert response.status_code == 200
    assert "The first day is after the last day." in response.content.decode()
    assert volunteer_client.get(URL, {"page": "-3"}).status_code == 200


def test_htmx_gets_the_results_only(volunteer_client, world):
    page = volunteer_client.get(URL, {"q": "bicycles"}, headers=HTMX).content.decode()
    assert page.lstrip().startswith("<section") and "<html" not in page


@postgres_only
@pytest.mark.parametrize("text", ["", "repair"])
def test_the_page_costs_a_fixed_number_of_queries(volunteer_client, user, django_assert_num_queries, text):
    for index in range(5):
        root = make_prompt(text=f"Repair question {index}")
        make_reply(make_reply(root, text=f"Repair answer {index}"), text=f"Repair follow-up {index}")
    volunteer_client.get(URL)
    # Session, user; (with words) the tsquery; the page's ids, (with words) the deleted messages above them, the
    # messages with their trees and highlights.
    with django_assert_num_queries(6 if text else 4):
        volunteer_client.get(URL, {"q": text})
    for index in range(10):
        make_reply(make_prompt(text=f"Repair question {index}"), text=f"Repair more {index}")
    with django_assert_num_queries(6 if text else 4):
        volunteer_client.get(URL, {"q": text})


def test_the_tree_folds_long_branches_except_the_path_to_a_message(volunteer_client):
    root = make_prompt(text="Root")
    replies = [make_reply(root, text=f"Reply {n}") for n in range(6)]
    deep = make_reply(make_reply(replies[0], text="Second level"), text="Third level")
    leaf = make_reply(deep, text="Fourth level")
    url = reverse("annotation:tree_detail", args=[root.tree_id])
    page = volunteer_client.get(url).content.decode()
    # The root's six replies, and everything from the third level down, start folded.
    assert page.count("<details") == 4 and page.count('<details class="tree-branch" open>') == 1
    page = volunteer_client.get(url, {"message": leaf.pk}).content.decode()
    assert page.count('<details class="tree-branch" open>') == 4
    assert "accepted in review" in page
