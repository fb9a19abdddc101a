"""The audit log in headless Chromium: a moderator filters it by action."""

import re

import pytest

from accounts.models import Role
from moderation.models import ModerationAction
from tests.factories import ModerationActionFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_moderator_filters_the_log_by_action(page, log_in, screenshot):
    from playwright.sync_api import expect

    moderator = UserFactory(role=Role.MODERATOR)
    ModerationActionFactory(moderator=moderator, kind=ModerationAction.Kind.BAN_USER, target_user=UserFactory())
    ModerationActionFactory(moderator=None, kind=ModerationAction.Kind.AUTO, reason="Skipped too often")
    ModerationActionFactory(moderator=moderator, kind=ModerationAction.Kind.HALT_TREE)
    log_in(moderator)
    page.get_by_role("link", name="Audit log").click()
    page.wait_for_url("**/moderation/audit/")
    rows = page.locator("#audit-log-results tbody tr")
    assert rows.count() == 3

    page.get_by_label("Action").select_option("auto")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(page).to_have_url(re.compile(r"kind=auto"))
    assert rows.first.locator(".audit-kind").inner_text() == "Automatic moderation"
    assert "the platform" in rows.first.inner_text()
    screenshot("audit_log")
