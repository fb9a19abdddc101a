"""Browse in headless Chromium: search, filter, open a result; on a desktop and on a phone."""

import pytest

from tests.factories import UserFactory, make_prompt, make_reply

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("size", SIZES)
def test_search_and_open_a_result(page, log_in, screenshot, size):
    user = UserFactory()
    root = make_prompt(text="How do I repair a bicycle tyre?")
    answer = make_reply(root, text="Volunteers repairing bicycles patch the tube first.", rank=0)
    make_reply(answer, text="Thanks, that worked.")
    make_prompt(lang="de", text="Wie baut man Häuser aus Holz?")
    page.set_viewport_size(SIZES[size])
    log_in(user)

    page.goto("/browse/")
    assert page.locator(".browse-result").count() == 2  # the newest trees, without words
    page.get_by_label("Search", exact=True).fill("repairs")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url("**q=repairs**")
    results = page.locator(".browse-result")
    results.first.wait_for()
    assert results.count() == 2
    assert page.locator(".browse-snippet mark").first.inner_text().lower().startswith("repair")
    # No horizontal scrolling, even on a phone.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(f"browse-{size}")

    page.get_by_label("Language", exact=True).select_option("de")
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_text("Nothing found").wait_for()

    page.get_by_label("Search", exact=True).fill("Haus")
    page.get_by_role("button", name="Search", exact=True).click()
    page.locator(".browse-result", has_text="Holz").wait_for()

    page.get_by_label("Language", exact=True).select_option("")
    page.get_by_label("Search", exact=True).fill("patch")
    page.get_by_role("button", name="Search", exact=True).click()
    result = page.locator(f'.browse-result[data-message-id="{answer.pk}"]')
    result.get_by_role("link", name="Open thread").click()
    page.wait_for_url(f"**/messages/{answer.pk}/")
    assert page.locator(".thread .is-current .msg-text", has_text="patch the tube").is_visible()

    page.go_back()
    page.locator(f'.browse-result[data-message-id="{answer.pk}"]').get_by_role("link", name="Open tree").click()
    page.wait_for_url(f"**/trees/{root.tree_id}/**")
    assert page.locator(f"#msg-{answer.pk}").is_visible()
