"""The API's documentation pages in headless Chromium, with every request outside the app refused: Swagger UI
and its assets come from the app itself."""

from urllib.parse import urlsplit

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def offline(page, live_server):
    """Aborts every request to anywhere but the live server; the list of what was refused."""
    own = urlsplit(live_server.url).netloc
    refused = []

    def route(route):
        if urlsplit(route.request.url).netloc == own:
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    page.context.route("**/*", route)
    return refused


def test_swagger_ui_renders_the_operations_without_the_internet(page, offline, screenshot):
    failed = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.goto("/api/docs/")
    page.locator(".opblock").first.wait_for()
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/tasks/" in [path.replace("\u200b", "") for path in paths]
    assert page.locator(".opblock-patch").count() == 1
    assert page.locator(".title", has_text="Open Assistant annotation API").is_visible()
    screenshot("api-docs")
    assert offline == [] and failed == []
