"""Headless Chromium (Debian's executable) driven by Playwright against the live test server.

Screenshots go to test-artifacts/screenshots/ (not committed).
"""

import os
from pathlib import Path

import pytest

from tests.conftest import BROWSER_PATH

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
# Playwright's sync API runs an event loop in this thread; the ORM calls made by tests are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=BROWSER_PATH, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    """Call screenshot("name") to save the current page as a build artifact."""

    def take(name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def log_in(page):
    """Call log_in(user) to log a user (made by UserFactory) in through the login form."""

    def submit(user) -> None:
        page.goto("/accounts/login/")
        page.get_by_label("Login", exact=True).fill(user.username)
        page.get_by_label("Password", exact=True).fill("pw-for-tests-123")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(lambda url: url.endswith("/"))

    return submit


def log_in_by_cookie(context, live_server, user) -> None:
    """Log ``user`` (any user, password or not) in to a browser context through a session cookie: quicker than
    the login form where the form is not what is tested."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])


def context_for(browser, live_server, user=None, **options):
    """A browser context on the live server, logged in as ``user`` if one is given."""
    options.setdefault("viewport", {"width": 1280, "height": 900})
    context = browser.new_context(base_url=live_server.url, **options)
    if user is not None:
        log_in_by_cookie(context, live_server, user)
    return context
