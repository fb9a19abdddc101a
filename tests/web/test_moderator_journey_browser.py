"""A moderator's journey in headless Chromium: the flag queue, the author's page (ban, purge) and the audit log."""

import re

import pytest

from accounts.models import Role, User
from annotation.models import Message
from annotation.services import reactions
from moderation.models import ModerationAction
from tests.factories import UserFactory, make_prompt, make_reply

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_moderator_clears_the_queue_bans_and_purges_the_author_and_finds_it_all_in_the_audit_log(
    page, log_in, screenshot
):
    from playwright.sync_api import expect

    moderator = UserFactory(role=Role.MODERATOR)
    author = UserFactory(username="troublemaker")
    prompt = make_prompt(text="Tell me about whales")
    flagged = make_reply(prompt, author=author, text="Whales are fish, trust me")
    reported = make_reply(prompt, author=author, text="Buy cheap watches here")
    still_open = make_reply(prompt, author=author, text="Watches for whales, half price")
    elsewhere = make_reply(make_prompt(text="Name a planet"), author=author, text="Mars, obviously")
    reactions.set_emoji(user=UserFactory(), message=flagged, emoji="red_flag")
    reactions.report_message(user=UserFactory(), message=reported, report_type="spam", reason="an advert")
    reactions.report_message(user=UserFactory(), message=still_open, report_type="spam", reason="another advert")

    # (1) The flag queue: dismiss the red flag with the button, then hide the reported reply.
    log_in(moderator)
    page.get_by_role("link", name="Flag queue").click()
    page.wait_for_url("**/moderation/queue/")
    results = page.locator("#flag-queue-results")
    items = results.locator(".queue-item")
    expect(items).to_have_count(3)
    flagged_item = results.locator(f'.queue-item[data-message-id="{flagged.pk}"]')
    expect(flagged_item.locator(".queue-red-flags")).to_contain_text("1 red flag")
    flagged_item.get_by_placeholder("Reason (optional)").fill("a harmless joke")
    flagged_item.locator('button[data-action="dismiss"]').click()
    expect(results).to_contain_text("Dismissed 1 flag.")
    expect(items).to_have_count(2)
    expect(flagged_item).to_have_count(0)

    reported_item = results.locator(f'.queue-item[data-message-id="{reported.pk}"]')
    expect(reported_item).to_contain_text("an advert")
    reported_item.locator('button[data-action="hide"]').click()
    expect(results).to_contain_text("Hid 1 message.")
    expect(items).to_have_count(1)
    expect(reported_item).to_have_count(0)

    # (2) The author's page: ban with a reason.
    remaining_item = results.locator(f'.queue-item[data-message-id="{still_open.pk}"]')
    remaining_item.locator("a.queue-author").click()
    page.wait_for_url(f"**/moderation/users/{author.pk}/")
    expect(page.locator("h1")).to_have_text(str(author))
    panel = page.locator("#user-moderation")
    ban_form = panel.locator("form").filter(has=page.get_by_role("button", name="Ban", exact=True))
    ban_form.get_by_label("Reason").fill("Spams the trees")
    ban_form.get_by_role("button", name="Ban", exact=True).click()
    expect(panel.get_by_role("status")).to_have_text("The user is banned.")
    expect(panel.locator(".user-state")).to_have_text("banned")
    expect(panel.get_by_role("button", name="Unban", exact=True)).to_be_visible()

    # (3) The purge: the preview lists the author's live messages, then the purge hides them.
    panel.get_by_role("button", name="Preview the purge").click()
    preview = page.locator("#purge-preview")
    expect(preview.locator(".purge-counts")).to_have_text(
        "Messages to hide: 3 (written by the user: 3). Trees to re-check: 2."
    )
    for message in (flagged, still_open, elsewhere):
        expect(preview.locator(f'.purge-messages li[data-message-id="{message.pk}"]')).to_contain_text(message.text)
    purge_form = preview.locator("form")
    purge_form.get_by_label("Reason").fill("Spam account")
    purge_form.get_by_role("button", name="Purge: hide these messages").click()
    expect(page.locator("#purge-preview")).to_have_count(0)
    expect(panel.get_by_role("status")).to_have_text("Messages hidden: 3. Trees re-checked: 2.")

    # (4) The audit log: every action is there, one filter at a time.
    page.goto("/moderation/audit/")
    rows = page.locator("#audit-log-results tbody tr")
    expect(rows).to_have_count(4)
    expected = {
        "dismiss_flag": ("Dismiss flag", "a harmless joke"),
        "hide_message": ("Hide message", "Flag queue review"),
        "ban_user": ("Ban user", "Spams the trees"),
        "purge_user": ("Purge user", "Spam account"),
    }
    for kind, (label, reason) in expected.items():
        page.get_by_label("Action").select_option(kind)
        page.get_by_role("button", name="Filter").click()
        expect(page).to_have_url(re.compile(rf"kind={kind}"))
        expect(rows).to_have_count(1)
        expect(rows.first).to_have_attribute("data-kind", kind)
        expect(rows.first.locator(".audit-kind")).to_have_text(label)
        expect(rows.first).to_contain_text(reason)
        expect(rows.first).to_contain_text(str(moderator))
    page.get_by_role("link", name="Clear filters").click()
    expect(rows).to_have_count(4)
    screenshot("moderator_journey")

    actions = ModerationAction.objects.order_by("created_at")
    assert list(actions.values_list("kind", "moderator_id")) == [
        ("dismiss_flag", moderator.pk),
        ("hide_message", moderator.pk),
        ("ban_user", moderator.pk),
        ("purge_user", moderator.pk),
    ]
    assert actions.get(kind="hide_message").message_id == reported.pk
    assert actions.get(kind="ban_user").target_user_id == author.pk
    assert not User.objects.get(pk=author.pk).enabled
    assert all(Message.objects.filter(author=author).values_list("deleted", flat=True))
    assert not Message.objects.get(pk=prompt.pk).deleted
