import uuid

import pytest
from django.urls import reverse

from accounts.models import Role
from annotation.models import EmojiReaction, MessageRevision, Report
from tests.factories import UserFactory, make_prompt, make_reply

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def user():
    return UserFactory()


@pytest.fixture
def volunteer_client(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def tree(user):
    """root -> (best, second -> follow-up, hidden); ``mine`` is the user's unreviewed reply to the follow-up."""
    root = make_prompt(text="How do **tides** work?")
    best = make_reply(root, text="The moon pulls the oceans.", rank=0)
    second = make_reply(root, text="Wind.", rank=1)
    follow_up = make_reply(second, text="Really?")
    hidden = make_reply(root, text="Deleted reply", deleted=True)
    make_reply(hidden, text="Under a deleted reply")
    mine = make_reply(follow_up, author=user, accepted=False, text="My answer")
    return {"root": root, "best": best, "second": second, "follow_up": follow_up, "hidden": hidden, "mine": mine}


def url(name: str, pk) -> str:
    return reverse(f"annotation:{name}", args=[pk])


def test_the_tree_page_nests_every_visible_message_with_ranks(volunteer_client, tree):
    page = volunteer_client.get(url("tree_detail", tree["root"].tree_id)).content.decode()
    for key in ("root", "best", "second", "follow_up", "mine"):
        assert f'id="msg-{tree[key].pk}"' in page
    assert "<strong>tides</strong>" in page
    assert page.index("The moon pulls") < page.index("Wind.")
    assert "rank 1" in page and "rank 2" in page
    assert "<details" in page and 'dir="auto"' in page
    assert "Deleted reply" not in page and "Under a deleted reply" not in page


def test_moderators_see_deleted_messages_marked(client, tree):
    client.force_login(UserFactory(role=Role.MODERATOR))
    page = client.get(url("tree_detail", tree["root"].tree_id)).content.decode()
    assert "Deleted reply" in page and "Under a deleted reply" in page and "badge-deleted" in page


def test_the_thread_page_shows_the_path_then_the_children(volunteer_client, tree):
    page = volunteer_client.get(url("message_detail", tree["second"].pk)).content.decode()
    root_at, second_at, follow_at = (page.index(f'id="msg-{tree[key].pk}"') for key in ("root", "second", "follow_up"))
    assert root_at < second_at < follow_at
    assert "The moon pulls" not in page and "My answer" not in page


def test_unknown_or_hidden_messages_and_trees_are_not_found(volunteer_client, tree):
    assert volunteer_client.get(url("tree_detail", uuid.uuid4())).status_code == 404
    assert volunteer_client.get(url("message_detail", uuid.uuid4())).status_code == 404
    assert volunteer_client.get(url("message_detail", tree["hidden"].pk)).status_code == 404
    assert volunteer_client.get("/messages/nonsense/").status_code == 404
    for name in ("message_react", "message_report", "message_edit"):
        assert volunteer_client.post(url(name, tree["hidden"].pk), {"emoji": "clap"}).status_code == 404


def test_reactions_toggle_and_update_counts(volunteer_client, user, tree):
    best = tree["best"]
    response = volunteer_client.post(url("message_react", best.pk), {"emoji": "+1", "on": "1"}, headers=HTMX)
    page = response.content.decode()
    assert response.status_code == 200 and f'id="reactions-{best.pk}"' in page
    assert 'aria-pressed="true"' in page and '<span class="reaction-count">1</span>' in page
    volunteer_client.post(url("message_react", best.pk), {"emoji": "-1", "on": "1"}, headers=HTMX)
    assert list(EmojiReaction.objects.filter(user=user).values_list("emoji", flat=True)) == ["-1"]
    volunteer_client.post(url("message_react", best.pk), {"emoji": "-1", "on": "0"}, headers=HTMX)
    best.refresh_from_db()
    assert best.emojis == {} and not EmojiReaction.objects.exists()


def test_reaction_rules_are_form_errors(volunteer_client, tree):
    response = volunteer_client.post(url("message_react", tree["mine"].pk), {"emoji": "+1", "on": "1"}, headers=HTMX)
    assert response.status_code == 422 and "You cannot vote on your own message." in response.content.decode()
    response = volunteer_client.post(url("message_react", tree["best"].pk), {"emoji": "banana", "on": "1"})
    assert response.status_code == 422 and "Unknown emoji." in response.content.decode()


def test_report_form_and_report(volunteer_client, user, tree):
    form = volunteer_client.get(url("message_report", tree["best"].pk), headers=HTMX).content.decode()
    assert 'name="report_type"' in form and 'name="reason"' in form
    response = volunteer_client.post(
        url("message_report", tree["best"].pk), {"report_type": "spam", "reason": "advert"}, headers=HTMX
    )
    assert response.status_code == 200 and "A moderator will look" in response.content.decode()
    report = Report.objects.get()
    assert (report.user, report.report_type, report.reason) == (user, "spam", "advert")
    response = volunteer_client.post(url("message_report", tree["best"].pk), {"report_type": "nope"}, headers=HTMX)
    assert response.status_code == 422 and Report.objects.count() == 1


def test_edit_own_message_keeps_a_revision_and_shows_edited(volunteer_client, user, tree):
    mine = tree["mine"]
    form = volunteer_client.get(url("message_edit", mine.pk), headers=HTMX).content.decode()
    assert "My answer</textarea>" in form
    response = volunteer_client.post(url("message_edit", mine.pk), {"text": "My *better* answer"}, headers=HTMX)
    page = response.content.decode()
    assert response.status_code == 200 and "<em>better</em>" in page and "edited" in page
    assert MessageRevision.objects.get(message=mine).text == "My answer"
    card = volunteer_client.get(url("message_card", mine.pk), headers=HTMX).content.decode()
    assert "badge-edited" in card


def test_edit_is_refused_to_others_after_review_and_for_blank_text(volunteer_client, tree):
    assert volunteer_client.get(url("message_edit", tree["best"].pk)).status_code == 403
    response = volunteer_client.post(url("message_edit", tree["best"].pk), {"text": "hijack"}, headers=HTMX)
    assert response.status_code == 422 and "Only the author may edit" in response.content.decode()
    response = volunteer_client.post(url("message_edit", tree["mine"].pk), {"text": "  "}, headers=HTMX)
    assert response.status_code == 422
    tree["mine"].review_count = 1
    tree["mine"].save()
    response = volunteer_client.post(url("message_edit", tree["mine"].pk), {"text": "too late"}, headers=HTMX)
    assert response.status_code == 422 and "can no longer be edited" in response.content.decode()
    assert not MessageRevision.objects.exists()


def test_the_edit_button_is_shown_to_the_author_only_while_unreviewed(volunteer_client, tree):
    page = volunteer_client.get(url("message_detail", tree["mine"].pk)).content.decode()
    assert page.count("data-edit-button") == 1
    assert url("message_edit", tree["mine"].pk) in page
