"""Shared fixtures, and the rule for tests that need PostgreSQL, Redis, Chromium or GNU gettext.

Outside CI such a test is skipped when its service is missing; with CI=true
(OASST_REQUIRE_SERVICES=1) it fails instead, so nothing is silently left out there.
"""

import dataclasses
import os
import shutil
import socket
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

BROWSER_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Hypothesis (under schemathesis) caches what it learns beside the app's other local files, not in the checkout.
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(Path(__file__).resolve().parents[1] / "var" / "hypothesis"))


def _redis_url() -> str:
    return os.environ.get("OASST_TEST_REDIS_URL", "")


def _redis_answers() -> bool:
    url = _redis_url()
    if not url:
        return False
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def _missing(marker: str) -> str | None:
    if marker == "postgres" and settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1] != "postgresql":
        return "PostgreSQL is not configured"
    if marker == "redis" and not _redis_answers():
        return "Redis is not reachable"
    if marker == "browser" and not shutil.which(BROWSER_PATH):
        return f"Chromium not found at {BROWSER_PATH}"
    if marker == "gettext" and not shutil.which("xgettext"):
        return "GNU gettext (xgettext) not found"
    return None


def pytest_collection_modifyitems(config, items):
    required = os.environ.get("OASST_REQUIRE_SERVICES") == "1"
    for item in items:
        for marker in ("postgres", "redis", "browser", "gettext"):
            if marker not in item.keywords:
                continue
            reason = _missing(marker)
            if reason is None:
                continue
            if required:
                item.add_marker(pytest.mark.usefixtures("_fail_missing_service"))
                item.user_properties.append(("missing_service", reason))
            else:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def _fail_missing_service(request):
    reasons = [value for key, value in request.node.user_properties if key == "missing_service"]
    pytest.fail(f"required in CI: {'; '.join(reasons)}")


@pytest.fixture
def redis_url() -> str:
    return _redis_url()


@pytest.fixture
def tree_manager(settings):
    """Change some TREE_MANAGER values for one test: ``tree_manager(max_active_trees=1)``."""

    def configure(**changes):
        settings.TREE_MANAGER = dataclasses.replace(settings.TREE_MANAGER, **changes)
        return settings.TREE_MANAGER

    return configure


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the default language: a request in another one leaves it active in the thread
    (LocaleMiddleware activates a request's language and nothing resets it), which a later test that reads a
    message outside a request would otherwise see."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()
