"""The trollboard in headless Chromium: a moderator opens it from the header, switches the time frame and follows a
row to the user's moderation page."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Role
from annotation.models import EmojiReaction
from tests.factories import UserFactory, make_prompt

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _red_flag(author, *, days_ago: int) -> None:
    reaction = EmojiReaction.objects.create(message=make_prompt(author=author), user=UserFactory(), emoji="red_flag")
    EmojiReaction.objects.filter(pk=reaction.pk).update(created_at=timezone.now() - timedelta(days=days_ago))


def test_a_moderator_switches_the_time_frame_and_opens_a_user(page, log_in, screenshot):
    recent = UserFactory(display_name="Recent Troll")
    old = UserFactory(display_name="Old Troll")
    _red_flag(recent, days_ago=0)
    _red_flag(old, days_ago=20)

    log_in(UserFactory(role=Role.MODERATOR))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Trollboard").click()
    page.wait_for_url("**/moderation/trollboard/")
    panel = page.locator("#trollboard-panel")
    assert "Recent Troll" in panel.inner_text() and "Old Troll" not in panel.inner_text()
    page.evaluate("window.notReloaded = true")

    page.get_by_role("link", name="Last 30 days").click()
    page.wait_for_url("**/moderation/trollboard/?frame=month")
    panel.get_by_text("Old Troll").wait_for()
    assert page.evaluate("window.notReloaded") is True
    assert page.get_by_role("link", name="Last 30 days").get_attribute("aria-current") == "true"
    screenshot("trollboard")

    panel.get_by_role("link", name="Old Troll").click()
    page.wait_for_url(f"**/moderation/users/{old.pk}/")
