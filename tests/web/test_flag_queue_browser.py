"""The flag queue in headless Chromium: a moderator dismisses one item, hides the next with the keyboard, and
each time the next item takes its place."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Role
from annotation.models import Message, Report, Review
from moderation.models import ModerationAction
from tests.factories import UserFactory, make_prompt, make_reply

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_moderator_dismisses_one_item_and_hides_the_next_with_the_keyboard(page, log_in, screenshot):
    from playwright.sync_api import expect

    moderator = UserFactory(role=Role.MODERATOR)
    prompt = make_prompt(text="Tell me about whales")
    texts = ["Whales are mammals", "Buy cheap watches here", "Whales sing songs"]
    replies = [make_reply(prompt, text=text) for text in texts]
    for minutes_ago, reply in enumerate(replies):
        report = Report.objects.create(message=reply, user=UserFactory(), report_type="spam", reason="looks odd")
        Report.objects.filter(pk=report.pk).update(created_at=timezone.now() - timedelta(minutes=minutes_ago))
    log_in(moderator)
    page.get_by_role("link", name="Flag queue").click()
    page.wait_for_url("**/moderation/queue/")
    items = page.locator("#flag-queue-results .queue-item")
    expect(items).to_have_count(3)
    expect(items.first).to_contain_text("Whales are mammals")
    expect(page.locator("#flag-queue-keys")).to_contain_text("d dismiss")

    items.first.get_by_placeholder("Reason (optional)").fill("harmless")
    items.first.get_by_role("button", name="Dismiss").click()
    expect(page.locator("#flag-queue-results")).to_contain_text("Dismissed 1 flag.")
    expect(items).to_have_count(2)
    expect(items.first).to_contain_text("Buy cheap watches here")
    expect(items.first).to_have_class("card queue-item is-current-item")

    page.locator("h1").click()
    page.keyboard.press("h")
    expect(page.locator("#flag-queue-results")).to_contain_text("Hid 1 message.")
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text("Whales sing songs")
    page.keyboard.press("j")
    expect(items.first).to_have_class("card queue-item is-current-item")
    screenshot("flag_queue")

    assert Message.objects.get(pk=replies[1].pk).deleted
    kinds = list(ModerationAction.objects.order_by("created_at").values_list("kind", "reason"))
    assert kinds == [("dismiss_flag", "harmless"), ("hide_message", "Flag queue review")]


def test_a_moderator_opens_an_items_edit_form_and_saves_the_edit(page, log_in):
    from playwright.sync_api import expect

    moderator = UserFactory(role=Role.MODERATOR)
    reply = make_reply(make_prompt(text="Tell me about whales"), text="Call 555-0100 about whales")
    Report.objects.create(message=reply, user=UserFactory(), report_type="pii", reason="a phone number")
    log_in(moderator)
    page.goto("/moderation/queue/")
    item = page.locator("#flag-queue-results .queue-item").first
    item.locator(".queue-edit summary").click()
    text = item.get_by_label("New text")
    expect(text).to_have_value("Call 555-0100 about whales")
    text.fill("Call us about whales")
    item.get_by_role("button", name="Save the edit").click()
    expect(page.locator("#flag-queue-results")).to_contain_text("The message was edited; its old text is kept.")
    assert Message.objects.get(pk=reply.pk).text == "Call us about whales"


def test_an_items_reviews_are_fetched_when_the_moderator_opens_them(page, log_in):
    from playwright.sync_api import expect

    moderator = UserFactory(role=Role.MODERATOR)
    reply = make_reply(make_prompt(text="Tell me about whales"), text="Buy cheap watches here")
    Report.objects.create(message=reply, user=UserFactory(), report_type="spam", reason="an advert")
    Review.objects.create(
        message=reply, reviewer=UserFactory(display_name="careful"), values={"spam": 1.0}, comment="an ad"
    )
    log_in(moderator)
    page.goto("/moderation/queue/")
    reviews = page.locator("#flag-queue-results .queue-item .queue-reviews")
    expect(reviews.locator("summary")).to_have_text("1 review")
    expect(reviews).not_to_contain_text("careful")
    reviews.locator("summary").click()
    expect(reviews.locator(".queue-review-list")).to_contain_text("careful: spam 1.0")
    expect(reviews.locator(".queue-review-list")).to_contain_text("“an ad”")
