"""The acknowledgement after a task and My work, in headless Chromium at desktop and phone sizes."""

import pytest

from annotation.models import TaskType
from tests.factories import UserFactory, make_trees_for_every_task_type

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = "A **clear** answer about brewing green tea at 80 degrees."


@pytest.mark.parametrize("size", [(1280, 900), (390, 844)], ids=["desktop", "phone"])
def test_send_a_reply_see_the_acknowledgement_follow_it_and_find_it_in_my_work(page, log_in, screenshot, size):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    user = UserFactory(languages=["en"], daily_goal=5)
    make_trees_for_every_task_type()
    log_in(user)
    page.goto("/")
    assert "Today: 0 / 5 tasks" in page.get_by_test_id("daily-progress").inner_text()
    page.locator(f'#task-chooser button[data-task-type="{TaskType.ASSISTANT_REPLY}"]').click()
    page.wait_for_url("**/tasks/*-*/")
    page.locator("[data-editor]").fill(TEXT)
    page.get_by_role("button", name="Send", exact=True).click()

    done = page.get_by_test_id("task-done")
    done.wait_for()
    assert "+4 points" in page.get_by_test_id("points-earned").inner_text()
    assert "Today: 1 / 5 tasks" in done.inner_text()
    assert "Streak: 1 day" in done.inner_text()
    screenshot(f"task_done_{size[0]}")

    page.get_by_test_id("task-done-link").click()
    page.wait_for_url("**/messages/*-*/")
    assert "brewing green tea" in page.locator(".msg").last.inner_text()

    page.goto("/my/work/")
    row = page.get_by_test_id("my-work-row").filter(has_text="brewing green tea")
    assert row.count() == 1
    assert "Pending review" in row.inner_text()
    assert row.get_by_test_id("edit-link").is_visible()
    page.get_by_label("Text contains").fill("green tea")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**q=green+tea**")
    assert page.get_by_test_id("my-work-row").count() == 1
    screenshot(f"my_work_{size[0]}")
    # Nothing sticks out sideways on a phone.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
