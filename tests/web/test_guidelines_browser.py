"""The guidelines and the first-task walkthrough in headless Chromium."""

import pytest

from annotation.models import TaskIntroDismissal
from tests.factories import UserFactory, make_trees_for_every_task_type
from tests.web.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("size", SIZES)
def test_a_new_volunteer_is_walked_through_the_first_task_and_finds_the_guidelines(page, log_in, screenshot, size):
    page.set_viewport_size(SIZES[size])
    user = UserFactory()
    make_trees_for_every_task_type()
    log_in(user)
    page.locator('#task-chooser button[data-task-type="assistant_reply"]').click()
    page.wait_for_url("**/tasks/*-*/")

    intro = page.locator("#task-intro")
    assert intro.is_visible()
    assert intro.get_by_role("heading").inner_text() == "Welcome! This is how a task works"
    assert "Write the assistant's reply" in intro.inner_text()
    screenshot(f"task_intro_{size}")

    # The guideline of the task opens beside it, in a new tab.
    with page.expect_popup() as popup:
        page.get_by_role("link", name="Guidelines for this task").click()
    guideline = popup.value
    guideline.wait_for_load_state()
    assert guideline.url.endswith("/guidelines/assistant-reply/")
    assert guideline.get_by_role("heading", level=1).inner_text() == "Replying as the assistant"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    guideline.set_viewport_size(SIZES[size])
    assert guideline.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    guideline.screenshot(path=str(ARTIFACTS / f"guideline_assistant_reply_{size}.png"), full_page=True)
    guideline.close()

    # Closing the walkthrough takes it away (htmx), for good.
    page.evaluate("window.sameDocument = true")
    intro.get_by_role("button", name="Got it, don't show this again").click()
    intro.wait_for(state="detached")
    assert page.evaluate("window.sameDocument") is True
    assert TaskIntroDismissal.objects.filter(user=user).exists()
    page.reload()
    assert page.locator("#task-intro").count() == 0
    assert page.locator("[data-editor]").is_visible()


def test_the_guidelines_are_reached_from_the_header_and_walk_through_every_task_kind(page, screenshot):
    page.goto("/terms/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Guidelines").click()
    page.wait_for_url("**/guidelines/")
    assert page.get_by_role("heading", level=1).inner_text() == "Guidelines for volunteers"
    screenshot("guidelines")

    nav = page.get_by_role("navigation", name="Guidelines")
    for title in ("Writing a prompt", "Replying as the user", "Reviewing a message", "Ranking replies"):
        nav.get_by_role("link", name=title).click()
        page.get_by_role("heading", level=1, name=title).wait_for()
        assert nav.get_by_role("link", name=title).get_attribute("aria-current") == "page"
        assert page.get_by_role("heading", name="When to skip, when to flag").is_visible()
    screenshot("guideline_ranking")

    # On a narrow screen the list of pages comes first, above the text.
    page.set_viewport_size({"width": 390, "height": 800})
    nav_box, text_box = nav.bounding_box(), page.locator(".guidelines-body").bounding_box()
    assert nav_box["y"] + nav_box["height"] <= text_box["y"]
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot("guideline_ranking_phone")
