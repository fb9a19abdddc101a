"""The demo data (fixtures/demo_trees.yaml, as `make run` loads it) in headless Chromium, at desktop and phone
sizes: browse and the leaderboard are full, fit the screen and pass the accessibility check in both schemes."""

import io

import pytest
from django.core.management import call_command

from accounts.models import User
from tests.web.axe import audit, axe_source, report
from tests.web.conftest import ARTIFACTS, context_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def test_browse_and_the_leaderboard_with_the_demo_loaded(browser, live_server):
    source = axe_source()
    call_command("load_demo", stdout=io.StringIO())
    alice = User.objects.get(username="alice")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    found = []
    for size, viewport in SIZES.items():
        context = context_for(browser, live_server, alice, viewport=viewport)
        page = context.new_page()
        page.set_default_timeout(10_000)
        try:
            page.goto("/browse/")
            assert page.locator(".browse-result").count() >= 10
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            page.screenshot(path=str(ARTIFACTS / f"demo_browse_{size}.png"), full_page=True)
            found += audit(page, source, f"/browse/ ({size})")

            page.goto("/leaderboard/?frame=total")
            rows = page.locator("#leaderboard-panel tbody tr")
            assert rows.count() >= 5
            assert page.locator("#leaderboard-panel").get_by_text("Maya").count() >= 1
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            page.screenshot(path=str(ARTIFACTS / f"demo_leaderboard_{size}.png"), full_page=True)
            found += audit(page, source, f"/leaderboard/ ({size})")
        finally:
            context.close()
    assert not found, report(found)
