"""The browser-hardening headers: a Content-Security-Policy without inline code on every page, framing denied, and
`HTTPS=1` making `manage.py check --deploy` clean."""

import os
import secrets
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.test import Client

from accounts.models import Role
from tests.factories import UserFactory
from tests.site_pages import admin_urls, site_urls
from tests.test_authorization_matrix import world  # noqa: F401  (the fixture)

ROOT = Path(__file__).resolve().parent.parent
POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


def _directives(header: str) -> dict[str, list[str]]:
    parts = [part.split() for part in header.split(";") if part.strip()]
    return {part[0]: part[1:] for part in parts}


class _InlineCode(HTMLParser):
    """What the policy would refuse in a page: inline scripts and styles, style attributes, event handlers."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "style" or (tag == "script" and not attrs.get("src") and "json" not in (attrs.get("type") or "")):
            self.found.append(f"<{tag}>")
        self.found += [f"<{tag} {name}>" for name in attrs if name == "style" or name.startswith(("on", "hx-on"))]


def _inline_code(html: str) -> list[str]:
    parser = _InlineCode()
    parser.feed(html)
    return parser.found


@pytest.mark.django_db
def test_every_page_has_the_policy_denies_framing_and_holds_no_inline_code(client, world):  # noqa: F811
    client.force_login(UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True, password=None))
    urls = [*site_urls(world), *admin_urls(world)]
    for url in urls:
        response = client.get(url)
        assert _directives(response["Content-Security-Policy"]) == POLICY, url
        assert response["X-Frame-Options"] == "DENY", url
        assert response["X-Content-Type-Options"] == "nosniff", url
        assert response["Referrer-Policy"] == "same-origin", url
        assert response["Cross-Origin-Opener-Policy"] == "same-origin", url
        if "html" in response.get("Content-Type", ""):
            assert _inline_code(response.content.decode()) == [], url
    # The API docs' start-up script, served apart from the page so that the page needs no inline script.
    script = client.get("/api/docs/?script=")
    assert script["Content-Type"].startswith("application/javascript")
    assert "unsafe" not in script["Content-Security-Policy"]


def test_the_csrf_failure_page_holds_no_inline_code():
    response = Client(enforce_csrf_checks=True).post("/theme/", {"theme": "dark"})
    assert response.status_code == 403 and "CSRF verification failed" in response.content.decode()
    assert _inline_code(response.content.decode()) == []
    assert "unsafe" not in response["Content-Security-Policy"]


def test_a_social_login_provider_is_a_form_action(settings):
    """Signing in with GitHub posts a form here that is redirected there; the policy must let the form go."""
    code = "from django.conf import settings; print(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action'])"
    env = {**_clean_env(), "DEBUG": "1", "GITHUB_CLIENT_ID": "id", "GITHUB_SECRET": "secret"}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[\"'self'\", 'https://github.com']"


def _clean_env() -> dict[str, str]:
    drop = ("DEBUG", "HTTPS", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")
    drop += ("DJANGO_ALLOW_ASYNC_UNSAFE",)  # set by the browser tests for themselves
    drop += tuple(key for key in os.environ if key.endswith(("_CLIENT_ID", "_SECRET")))
    return {
        **{key: value for key, value in os.environ.items() if key not in drop},
        "DJANGO_SETTINGS_MODULE": "oasst.settings",
    }


def test_the_deploy_check_is_clean_with_https_on():
    env = {
        **_clean_env(),
        "DEBUG": "0",
        "HTTPS": "1",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "data.example.org",
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues (0 silenced)." in done.stdout
