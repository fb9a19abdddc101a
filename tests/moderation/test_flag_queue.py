from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from annotation.models import Message, MessageRevision, Report, Review, TreeState
from annotation.services.reactions import report_message, set_emoji
from moderation.models import ModerationAction
from moderation.selectors.flag_queue import flag_queue, flag_queue_item
from moderation.services.flags import dismiss_flags
from moderation.services.messages import hide_message
from tests.factories import UserFactory, make_prompt, make_reply

pytestmark = pytest.mark.django_db

PAGE_URL = "/moderation/queue/"


def flag(message, *, report_type="red_flag", minutes_ago=0, reason="", labels=None, user=None):
    report = Report.objects.create(
        message=message, user=user or UserFactory(), report_type=report_type, reason=reason, labels=labels or {}
    )
    Report.objects.filter(pk=report.pk).update(created_at=timezone.now() - timedelta(minutes=minutes_ago))
    return report


def ids(page):
    return [item.message.pk for item in page.items]


@pytest.fixture
def queue():
    prompt = make_prompt()
    old = make_reply(prompt)
    busy = make_reply(prompt)
    german = make_prompt(lang="de")
    flag(old, minutes_ago=30)
    flag(busy, minutes_ago=20)
    flag(busy, report_type="spam", minutes_ago=19, reason="ads", labels={"spam": 1})
    flag(busy, report_type="offensive", minutes_ago=18)
    flag(german, report_type="pii", minutes_ago=5)
    return {"old": old, "busy": busy, "german": german}


def test_one_item_per_message_newest_first_with_counts_and_reports(queue):
    page = flag_queue()
    assert ids(page) == [queue["german"].pk, queue["busy"].pk, queue["old"].pk]
    busy = page.items[1]
    assert (busy.report_count, busy.red_flag_count, busy.state) == (3, 1, "open")
    assert [r.report_type for r in busy.reports] == ["offensive", "spam", "red_flag"]
    assert busy.reports[1].reason == "ads" and busy.reports[1].labels == {"spam": 1}
    assert busy.newest_report_at == max(r.created_at for r in busy.reports)
    assert [m.pk for m in busy.thread] == [busy.message.parent_id, busy.message.pk]
    assert not page.has_next and not page.has_previous


def test_most_flagged_first(queue):
    assert ids(flag_queue(sort="most_flagged")) == [queue["busy"].pk, queue["german"].pk, queue["old"].pk]


def test_filters_by_language_and_kind(queue):
    assert ids(flag_queue(language="de")) == [queue["german"].pk]
    assert ids(flag_queue(kind="red_flag")) == [queue["busy"].pk, queue["old"].pk]
    reports_only = flag_queue(kind="report")
    assert ids(reports_only) == [queue["german"].pk, queue["busy"].pk]
    assert reports_only.items[1].report_count == 2 and reports_only.items[1].red_flag_count == 0
    assert ids(flag_queue(kind="report", language="en")) == [queue["busy"].pk]


def test_states_open_dismissed_and_acted_on(queue, moderator):
    dismiss_flags(moderator=moderator, message=queue["old"], reason="fine")
    hide_message(moderator=moderator, message=queue["busy"], reason="spam")
    assert ids(flag_queue()) == [queue["german"].pk]
    dismissed = flag_queue(state="dismissed")
    assert ids(dismissed) == [queue["old"].pk] and dismissed.items[0].state == "dismissed"
    acted = flag_queue(state="acted_on")
    assert ids(acted) == [queue["busy"].pk] and acted.items[0].state == "acted_on"
    assert flag_queue_item(message_id=queue["busy"].pk).state == "acted_on"
    assert flag_queue_item(message_id=make_prompt().pk) is None


def test_a_new_flag_after_a_dismissal_reopens_the_item(queue, moderator):
    dismiss_flags(moderator=moderator, message=queue["old"], reason="fine")
    flag(queue["old"])
    item = flag_queue_item(message_id=queue["old"].pk)
    assert (item.state, item.report_count) == ("open", 2)


def test_pages_of_a_given_size():
    prompt = make_prompt()
    for minutes in range(5):
        flag(make_reply(prompt), minutes_ago=minutes)
    first = flag_queue(page_size=2)
    third = flag_queue(page_size=2, page=3)
    assert len(first.items) == 2 and first.has_next
    assert len(third.items) == 1 and not third.has_next and third.has_previous


def make_flagged(count: int) -> None:
    for _ in range(count):
        prompt = make_prompt()
        reply = make_reply(prompt)
        flag(reply, report_type="spam", reason="ads")
        flag(reply)
        set_emoji(user=UserFactory(), message=reply, emoji="+1")


def test_each_item_shows_its_whole_thread_from_the_root(django_assert_num_queries):
    prompt = make_prompt()
    first = make_reply(prompt)
    second = make_reply(first)
    deep = make_reply(second, deleted=True)
    sibling = make_reply(prompt)
    lone_prompt = make_prompt()
    for message in (deep, sibling, lone_prompt, first):
        flag(message)
    threads = {item.message.pk: [m.pk for m in item.thread] for item in flag_queue().items}
    assert threads == {
        deep.pk: [prompt.pk, first.pk, second.pk, deep.pk],
        sibling.pk: [prompt.pk, sibling.pk],
        lone_prompt.pk: [lone_prompt.pk],
        first.pk: [prompt.pk, first.pk],
    }
    # A page of prompts alone reads the same queries.
    Report.objects.exclude(message=lone_prompt).delete()
    with django_assert_num_queries(4):
        assert [[m.pk for m in item.thread] for item in flag_queue().items] == [[lone_prompt.pk]]


@pytest.mark.parametrize("count", [3, 10])
def test_the_selector_costs_a_fixed_number_of_queries(django_assert_num_queries, count):
    make_flagged(count)
    with django_assert_num_queries(4):
        page = flag_queue()
        assert len(page.items) == count
        seen = [(item.message.author, item.message.tree.state, item.review_count) for item in page.items]
        seen += [str(report.user) for item in page.items for report in item.reports]
        seen += [(message.author_id, message.text, message.deleted) for item in page.items for message in item.thread]
    assert len(seen) == count * 5


def test_the_reporters_are_read_with_their_names_only(queue):
    reporter = UserFactory(username="reporter-name", display_name="")
    named = UserFactory(username="someone", display_name="Shown Name")
    flag(queue["old"], user=reporter, minutes_ago=40)
    flag(queue["old"], user=named, minutes_ago=41)
    Report.objects.create(message=queue["old"], user=None, report_type="spam")
    item = next(item for item in flag_queue().items if item.message.pk == queue["old"].pk)
    by_user = {report.user_id: report.user for report in item.reports}
    assert str(by_user[reporter.pk]) == "reporter-name" and str(by_user[named.pk]) == "Shown Name"
    assert by_user[None] is None
    # The other fields are left unread, not made up: reading one loads it.
    assert by_user[named.pk].get_deferred_fields() and by_user[named.pk].email == named.email


@pytest.mark.parametrize("count", [3, 10])
def test_the_page_costs_a_fixed_number_of_queries(client, moderator, django_assert_num_queries, count):
    make_flagged(count)
    client.force_login(moderator)
    client.get(PAGE_URL)  # the session and the user are read on every request
    # The session and its user, then the selector's four.
    with django_assert_num_queries(6):
        response = client.get(PAGE_URL)
    assert response.status_code == 200
    assert response.content.decode().count('class="card queue-item"') == count


def test_the_page_shows_the_thread_reports_reviews_reactions_and_author(client, moderator):
    prompt = make_prompt(text="What is the capital of France?")
    author = UserFactory(username="writer")
    reply = make_reply(prompt, text="Buy cheap watches", author=author)
    reporter = UserFactory()
    report_message(user=reporter, message=reply, report_type="spam", reason="an advert")
    Review.objects.create(message=reply, reviewer=UserFactory(), values={"spam": 1.0}, comment="clearly an ad")
    client.force_login(moderator)
    html = client.get(PAGE_URL).content.decode()
    assert "What is the capital of France?" in html and "Buy cheap watches" in html
    assert "an advert" in html and str(reporter) in html
    # The reviews are counted on the page and fetched when opened.
    reviews_url = f"{PAGE_URL}{reply.pk}/reviews/"
    assert "1 review<" in html and f'hx-get="{reviews_url}"' in html and "clearly an ad" not in html
    partial = client.get(reviews_url, headers={"HX-Request": "true"}).content.decode()
    assert "clearly an ad" in partial and "spam 1.0" in partial and "<html" not in partial
    full = client.get(reviews_url).content.decode()
    assert "clearly an ad" in full and "<html" in full and "Buy cheap watches" in full
    assert f'href="/moderation/users/{author.pk}/"' in html
    assert "red_flag 1" in html
    assert 'data-action="dismiss"' in html and 'data-action="hide"' in html
    assert reverse("moderation:flag_queue") == PAGE_URL


def test_the_page_filters_and_the_htmx_request_gets_only_the_list(client, moderator, queue):
    client.force_login(moderator)
    response = client.get(PAGE_URL, {"language": "de"})
    html = response.content.decode()
    assert str(queue["german"].pk) in html and str(queue["busy"].pk) not in html
    partial = client.get(PAGE_URL, {"kind": "red_flag"}, headers={"HX-Request": "true"}).content.decode()
    assert partial.lstrip().startswith('<div id="flag-queue-results"') and "<html" not in partial
    assert str(queue["german"].pk) not in partial and str(queue["busy"].pk) in partial


def test_the_header_links_the_queue_for_moderators_only(client, moderator):
    client.force_login(moderator)
    assert 'href="/moderation/queue/"' in client.get("/").content.decode()
    client.force_login(UserFactory())
    assert 'href="/moderation/queue/"' not in client.get("/").content.decode()


# --- Actions --------------------------------------------------------------------------------


def action_url(name, message):
    return reverse(f"moderation:flag_{name}", args=[message.pk])


def post(client, name, message, **data):
    return client.post(action_url(name, message), data, headers={"HX-Request": "true"})


def test_dismiss_answers_the_queue_without_the_item(client, moderator, queue):
    client.force_login(moderator)
    response = post(client, "dismiss", queue["german"], reason="harmless")
    html = response.content.decode()
    assert response.status_code == 200 and "Dismissed 1 flag." in html
    assert f'id="queue-item-{queue["german"].pk}"' not in html
    assert f'id="queue-item-{queue["busy"].pk}"' in html
    assert not Report.objects.filter(message=queue["german"], resolved_at__isnull=True).exists()
    action = ModerationAction.objects.get()
    assert (action.kind, action.moderator, action.reason) == ("dismiss_flag", moderator, "harmless")


def test_hide_hides_the_subtree_with_a_default_reason(client, moderator, queue):
    under = make_reply(queue["busy"])
    client.force_login(moderator)
    response = post(client, "hide", queue["busy"], reason="")
    assert response.status_code == 200 and "Hid 2 messages." in response.content.decode()
    assert set(Message.objects.filter(deleted=True).values_list("pk", flat=True)) == {queue["busy"].pk, under.pk}
    assert not Report.objects.filter(message=queue["busy"], resolved_at__isnull=True).exists()
    action = ModerationAction.objects.get()
    assert action.kind == "hide_message" and action.reason == "Flag queue review"


def test_restore_edit_halt_and_resume(client, moderator, queue):
    client.force_login(moderator)
    hide_message(moderator=moderator, message=queue["old"], reason="x")
    assert post(client, "restore", queue["old"], reason="back", state="acted_on").status_code == 200
    queue["old"].refresh_from_db()
    assert not queue["old"].deleted

    response = post(client, "edit", queue["busy"], text="A cleaned text", reason="pii")
    assert response.status_code == 200
    queue["busy"].refresh_from_db()
    assert queue["busy"].text == "A cleaned text"
    assert MessageRevision.objects.filter(message=queue["busy"], edited_by=moderator).exists()

    assert post(client, "halt", queue["busy"]).status_code == 200
    queue["busy"].tree.refresh_from_db()
    assert queue["busy"].tree.state == TreeState.HALTED_BY_MODERATOR
    assert post(client, "resume", queue["busy"]).status_code == 200
    queue["busy"].tree.refresh_from_db()
    assert queue["busy"].tree.state != TreeState.HALTED_BY_MODERATOR
    kinds = list(ModerationAction.objects.order_by("created_at", "pk").values_list("kind", flat=True))
    assert kinds == ["hide_message", "restore_message", "edit_message", "halt_tree", "resume_tree"]


def test_a_refused_action_shows_the_services_message(client, moderator, queue):
    client.force_login(moderator)
    post(client, "dismiss", queue["old"])
    response = post(client, "dismiss", queue["old"])
    assert response.status_code == 200 and "This message has no open flags." in response.content.decode()
    assert ModerationAction.objects.count() == 1


def test_without_htmx_an_action_redirects_to_the_queue_with_its_filters(client, moderator, queue):
    client.force_login(moderator)
    response = client.post(action_url("dismiss", queue["old"]), {"kind": "red_flag", "reason": ""})
    assert response.status_code == 302 and response.url == PAGE_URL + "?kind=red_flag"


@pytest.mark.parametrize("name", ["dismiss", "hide", "restore", "edit", "halt", "resume"])
def test_actions_refuse_volunteers_and_send_visitors_to_log_in(client, queue, name):
    response = client.post(action_url(name, queue["old"]), {"text": "New", "reason": ""})
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    client.force_login(UserFactory(role=Role.VOLUNTEER))
    assert client.post(action_url(name, queue["old"]), {"text": "New", "reason": ""}).status_code == 403
    assert not ModerationAction.objects.exists()
    assert Report.objects.filter(message=queue["old"], resolved_at__isnull=True).exists()


def test_the_page_refuses_volunteers(client):
    client.force_login(UserFactory())
    assert client.get(PAGE_URL).status_code == 403


def test_the_items_buttons_post_to_the_action_urls(client, moderator, queue):
    client.force_login(moderator)
    html = client.get(PAGE_URL).content.decode()
    for name in ("dismiss", "hide", "halt", "edit"):
        assert f'"{action_url(name, queue["busy"])}"' in html


def test_the_edit_form_is_fetched_when_opened_with_the_text_and_the_filters(
    client, moderator, queue, django_assert_num_queries
):
    client.force_login(moderator)
    html = client.get(PAGE_URL, {"kind": "red_flag"}).content.decode()
    assert 'name="text"' not in html
    assert f'hx-get="{action_url("edit", queue["busy"])}?kind=red_flag"' in html
    queue["busy"].text = "Text <b>to</b> clean"
    queue["busy"].save(update_fields=["text"])
    # The session and its user, then the message.
    with django_assert_num_queries(3):
        partial = client.get(
            action_url("edit", queue["busy"]), {"kind": "red_flag", "page": "2"}, headers={"HX-Request": "true"}
        ).content.decode()
    assert "<html" not in partial
    assert "Text &lt;b&gt;to&lt;/b&gt; clean</textarea>" in partial
    assert f'hx-post="{action_url("edit", queue["busy"])}"' in partial
    assert '<input type="hidden" name="kind" value="red_flag">' in partial
    assert '<input type="hidden" name="page" value="2">' in partial
    full = client.get(action_url("edit", queue["busy"])).content.decode()
    assert "<html" in full and f'action="{action_url("edit", queue["busy"])}"' in full


def test_the_edit_form_refuses_volunteers(client, queue):
    client.force_login(UserFactory(role=Role.VOLUNTEER))
    assert client.get(action_url("edit", queue["old"])).status_code == 403


def test_the_reviews_of_an_item_cost_a_fixed_number_of_queries_and_refuse_volunteers(
    client, moderator, queue, django_assert_num_queries
):
    for _ in range(3):
        Review.objects.create(message=queue["busy"], reviewer=UserFactory(), values={"quality": 0.5})
    client.force_login(moderator)
    url = f"{PAGE_URL}{queue['busy'].pk}/reviews/"
    # The session and its user, the message, its reviews with their reviewers.
    with django_assert_num_queries(4):
        partial = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert partial.count("<li>") == 3
    assert (
        client.get(f"{PAGE_URL}{queue['busy'].parent_id}/reviews/", headers={"HX-Request": "true"}).status_code == 200
    )
    assert client.get(f"{PAGE_URL}00000000-0000-0000-0000-000000000000/reviews/").status_code == 404
    client.force_login(UserFactory(role=Role.VOLUNTEER))
    assert client.get(url).status_code == 403
