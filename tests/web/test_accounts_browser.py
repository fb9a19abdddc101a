"""The accounts pages in headless Chromium: sign up, terms, dashboard, language, leaderboard, profile."""

import pytest
from django.utils import timezone

from accounts.models import User
from annotation.models import Message
from stats.services.points import refresh_user_stats
from tests.factories import UserFactory, make_prompt, make_reply

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-for-tests-123"


def _log_in(page, user):
    page.goto("/accounts/login/")
    page.get_by_label("Login", exact=True).fill(user.username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_a_visitor_signs_up_and_sends_a_first_task_by_visible_links_and_buttons_alone(page, screenshot):
    """From the landing page to a first task sent, with no address typed after the first one."""
    page.goto("/")
    assert page.get_by_role("heading", level=1).inner_text() == "Help build an open dataset of conversations"
    screenshot("journey_1_landing")

    page.get_by_role("link", name="Sign up and start").click()
    page.get_by_label("Email").fill("new.volunteer@example.org")
    page.get_by_label("Username").fill("newvolunteer")
    page.get_by_label("Password", exact=True).fill("a-Long-password-2024")
    page.get_by_label("Password (again)").fill("a-Long-password-2024")
    screenshot("journey_2_sign_up")
    page.get_by_role("button", name="Create my account").click()

    page.wait_for_url("**/terms/**")
    page.get_by_label("I have read and accept the terms of service").check()
    screenshot("journey_3_terms")
    page.get_by_role("button", name="Accept and continue").click()

    page.wait_for_url(lambda url: url.endswith("/"))
    assert page.get_by_test_id("points").inner_text() == "0"
    assert page.get_by_test_id("level").inner_text() == "0"
    assert User.objects.get(username="newvolunteer").tos_accepted_at is not None
    screenshot("journey_4_dashboard")

    page.get_by_role("button", name="Give me a task").click()
    page.wait_for_url("**/tasks/*-*/")
    assert page.get_by_role("heading", name="Welcome! This is how a task works").is_visible()
    page.get_by_role("textbox", name="Your text (markdown)").fill("What makes bread rise, and why does it fall?")
    screenshot("journey_5_first_task")
    page.get_by_role("button", name="Send", exact=True).click()

    done = page.get_by_test_id("task-done")
    done.wait_for()
    assert "points" in page.get_by_test_id("points-earned").inner_text()
    screenshot("journey_6_first_task_sent")
    assert Message.objects.get(author__username="newvolunteer").text.startswith("What makes bread rise")


def test_switch_the_interface_language(page):
    _log_in(page, UserFactory())
    # The login page has the switcher too: choose on the dashboard, once its script runs.
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.wait_for_function("document.documentElement.classList.contains('js')")
    # Applied on selection (site.js); the form's button is there for browsers without JavaScript.
    page.get_by_label("Interface language").select_option("de")
    page.wait_for_function("document.documentElement.lang === 'de'")
    assert page.get_by_role("link", name="Bestenliste").is_visible()
    assert page.get_by_role("button", name="Abmelden").is_visible()


def test_leaderboard_tabs_switch_without_reloading(page, screenshot):
    star = UserFactory(display_name="Star Writer")
    old = UserFactory(display_name="Old Timer")
    prompt = make_prompt(author=UserFactory())
    make_reply(prompt, author=star)
    make_reply(prompt, author=old, created_at=timezone.now() - timezone.timedelta(days=20))
    refresh_user_stats()

    _log_in(page, star)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Leaderboard").click()
    panel = page.locator("#leaderboard-panel")
    assert "Star Writer" in panel.inner_text()
    assert "Old Timer" not in panel.inner_text()
    page.evaluate("window.notReloaded = true")

    page.get_by_role("link", name="All time").click()
    page.wait_for_url("**/leaderboard/?frame=total")
    panel.get_by_text("Old Timer").wait_for()
    assert page.evaluate("window.notReloaded") is True
    assert page.get_by_role("link", name="All time").get_attribute("aria-current") == "true"
    screenshot("leaderboard")

    page.get_by_role("link", name="My stats").click()
    assert page.get_by_test_id("score-total").inner_text() == "8"
    screenshot("stats")


def test_profile_edit(page, screenshot):
    user = UserFactory(display_name="Before")
    _log_in(page, user)
    page.get_by_role("link", name="Profile").click()
    page.get_by_label("Display name").fill("After")
    page.get_by_label("Deutsch").check()
    page.get_by_label("Show me on the leaderboard").uncheck()
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Your profile has been saved.").wait_for()
    screenshot("profile")

    user.refresh_from_db()
    assert user.display_name == "After"
    assert user.languages == ["de", "en"]
    assert user.show_on_leaderboard is False


def test_phone_layout_keeps_the_navigation_usable(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 375, "height": 740})
    page = context.new_page()
    try:
        _log_in(page, UserFactory())
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375
        page.get_by_role("button", name="Menu").click()
        page.get_by_role("link", name="Profile").click()
        page.wait_for_url("**/profile/")
    finally:
        context.close()
