"""CSRF: every URL of the site refuses a POST without the token (Django's test client skips the check unless told
not to), and every form the pages render that posts carries the token."""

import re
import uuid
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

from accounts.models import Role
from tests.factories import UserFactory
from tests.site_pages import admin_urls, site_urls
from tests.test_authorization_matrix import world  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db

# URLs that take a POST without the token, and why that is safe.
CSRF_EXEMPT = {
    # The API's JSON 404 for any path under /api/ that is not an endpoint: it changes nothing.
    r"^api/[\s\S]*",
    # Google's sign-in by token (allauth): Google posts it, checked by Google's own double-submit cookie instead.
    "accounts/google/login/token/",
}
_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<body>[^()]*(?:\([^()]*\)[^()]*)*)\)")


def _sample(route: str) -> str:
    """A path the route resolves, whatever it names: a route's converters and a regex's groups get a value."""
    route = re.sub(r"<uuid:\w+>", str(uuid.uuid4()), route)
    route = re.sub(r"<(?:slug|str|path):\w+>", "x", route)
    route = re.sub(r"<int:\w+>", "1", route)

    def group(match: re.Match) -> str:
        body = match.group("body")
        if re.fullmatch(r"[\w|]+", body):  # a choice of words, e.g. the admin's app labels
            return body.split("|")[0]
        return "1-x" if "-" in body else "1"

    route = _GROUP.sub(group, route)
    return "/" + route.replace("^", "").replace("$", "").replace(r"[\s\S]*", "x").replace("\\", "")


def _routes(patterns, prefix: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


ROUTES = sorted(set(_routes(get_resolver().url_patterns)) - CSRF_EXEMPT)


def test_every_route_has_a_sample_path_that_resolves():
    unresolved = []
    for route in ROUTES:
        try:
            resolve(_sample(route))
        except Resolver404:
            unresolved.append((route, _sample(route)))
    assert unresolved == []


def test_a_post_without_the_csrf_token_is_refused_everywhere():
    """As a logged-in superuser (a session cookie is what a forged request rides on), to every URL."""
    user = UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True, password=None)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/")  # the CSRF cookie, as a browser has it: only the token in the form is missing
    accepted = []
    for route in ROUTES:
        path = _sample(route)
        if path.startswith("/api/"):  # JSON, or the API refuses the body's type before it looks at the session
            response = client.post(path, {"text": "forged"}, content_type="application/json")
        else:
            response = client.post(path, {"text": "forged", "reason": "forged"})
        body = response.content.decode(errors="replace").lower()
        if path.startswith("/api/"):
            # DRF: a session-authenticated write needs the token (403); a view without a POST says so first (405).
            refused = response.status_code in (403, 405)
        else:
            refused = response.status_code == 403 and "csrf verification failed" in body
        if not refused:
            accepted.append((path, response.status_code, body[:200]))
    assert accepted == [], len(accepted)
    assert len(ROUTES) > 250  # the admin's routes too


def test_the_same_post_with_the_token_passes_the_check():
    """The control: the 403s above are the missing token's, not the routes'."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory(password=None))
    client.get("/")
    token = client.cookies["csrftoken"].value
    response = client.post("/my/goal/", {"daily_goal": "5", "csrfmiddlewaretoken": token})
    assert response.status_code in (200, 302)
    response = client.post("/my/goal/", {"daily_goal": "5"})
    assert response.status_code == 403


class _Forms(HTMLParser):
    """The forms that post, each with the names of its inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, set[str]]] = []
        self._open: tuple[str, set[str]] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "get").lower() == "post":
            self._open = (attrs.get("action") or "", set())
            self.forms.append(self._open)
        elif tag == "input" and self._open is not None:
            self._open[1].add(attrs.get("name") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._open = None


def test_every_form_that_posts_carries_the_token(client, world):  # noqa: F811
    client.force_login(UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True, password=None))
    seen = 0
    missing = []
    for url in [*site_urls(world), *admin_urls(world)]:
        response = client.get(url)
        if "html" not in response.get("Content-Type", ""):
            continue
        parser = _Forms()
        parser.feed(response.content.decode())
        seen += len(parser.forms)
        missing += [(url, action) for action, names in parser.forms if "csrfmiddlewaretoken" not in names]
    assert missing == []
    assert seen > 20
