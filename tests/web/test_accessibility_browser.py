"""Every page of the site checked with axe-core in headless Chromium, in the light and the dark colour scheme:
no serious or critical violation.

The pages are those of the authorisation matrix (``tests/test_authorization_matrix.PAGES``), each seen by the
first of a volunteer, a researcher, a moderator and an admin it answers 200 to, plus what a visitor sees, a task
page of every kind, the acknowledgement of a sent task, the account pages and the error pages. A URL pattern of
the site that none of them reaches, and that ``NOT_PAGES`` does not excuse, fails the test: a new page is checked
as soon as it exists.
"""

from urllib.parse import urlsplit

import pytest
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve

from annotation.models import Report, TaskType
from annotation.services.submissions import submit_text
from annotation.services.task_handout import request_task
from exports.models import Release
from stats.services.points import refresh_user_stats
from tests.factories import make_reply, make_trees_for_every_task_type
from tests.test_authorization_matrix import PAGES, World
from tests.test_authorization_matrix import world as matrix_world
from tests.web.axe import audit, axe_source, report
from tests.web.conftest import context_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

world = matrix_world  # the matrix's fixture: its users, trees, tasks, flags and export

ROLES = ("volunteer", "researcher", "moderator", "admin")

# URL patterns that are not pages (a POST, a fragment htmx swaps in, a redirect, a file), or pages of sign-in
# providers and account states that the site's settings never show; each with why.
NOT_PAGES = {
    "set_theme": "POST",
    "metrics": "Prometheus's text format, for a scraper holding the metrics token",
    "healthz": "JSON for the liveness probe",
    "readyz": "JSON for the readiness probe",
    "api_token": "POST",
    "researcher_request": "POST",
    "set_language": "POST",
    "daily_goal": "POST",
    "task_new": "redirects to a task",
    "task_done": "fragment of the task page, checked there after a send",
    "task_chooser": "fragment of the dashboard",
    "task_release_all": "POST",
    "markdown_preview": "fragment of a task page",
    "task_intro_dismiss": "POST",
    "task_submit": "POST",
    "task_skip": "POST",
    "task_renew": "POST",
    "task_draft": "POST",
    "task_release": "POST",
    "message_card": "fragment of the tree page",
    "message_react": "POST",
    "message_report": "fragment: the report dialog's form",
    "message_edit": "fragment: the edit form of a message",
    "user_ban": "POST",
    "user_unban": "POST",
    "user_note": "POST",
    "user_leaderboard_visibility": "POST",
    "user_purge_preview": "fragment of the user page",
    "user_purge": "POST",
    "flag_dismiss": "POST",
    "flag_hide": "POST",
    "flag_restore": "POST",
    "flag_halt": "POST",
    "flag_resume": "POST",
    "dataset_job": "fragment: a row of the datasets page",
    "dataset_download": "a file",
    "release_request": "POST",
    "release_publish": "POST",
    "release_file": "a file",
    "account_delete": "POST",
    "account_reauthenticate": "only after a sensitive change asks for it",
    "account_inactive": "disabled accounts are logged out before any page",
    "account_set_password": "only for accounts made through a provider",
    "account_confirm_login_code": "login by code is off",
    "account_confirm_email": "needs a mailed key",
    "account_reset_password_from_key": "needs a mailed key",
    "account_reset_password_from_key_done": "after a mailed key",
    "account_email_verification_sent": "e-mail verification is optional",
}
# Sign-in providers (allauth's own pages and redirects to the provider).
NOT_PAGE_PREFIXES = ("admin/", "api/", "accounts/3rdparty/", "accounts/social/", "accounts/github/")
NOT_PAGE_PREFIXES += ("accounts/google/", "accounts/discord/")

# Pages the matrix does not list: what a visitor, a volunteer and a researcher see besides.
VISITOR_PAGES = [
    "/",
    "/terms/",
    "/guidelines/",
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/accounts/password/reset/done/",
    "/no-such-page/",
]
VOLUNTEER_PAGES = [
    "/accounts/email/",
    "/accounts/password/change/",
    "/accounts/logout/",
    "/datasets/releases/",
    "/no-such-page/",
    "/moderation/queue/",  # 403
]


def _patterns(resolver=None, prefix=""):
    for pattern in (resolver or get_resolver()).url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern.name


def _name(url: str) -> str | None:
    try:
        return resolve(urlsplit(url).path).url_name
    except Resolver404:
        return None


def _add_work(world: World) -> dict[str, str]:
    """Trees for every task kind, a task of each kind held by the volunteer, one sent, points on the board."""
    volunteer = world.users["volunteer"]
    make_trees_for_every_task_type(author=world.author)
    make_reply(world.reply, author=volunteer, text="A reply of the volunteer, with **markdown**.")
    Report.objects.create(message=world.root, user=world.users["moderator"], report_type="spam")
    sent = request_task(user=volunteer, lang="en", task_type=TaskType.INITIAL_PROMPT)
    submit_text(task=sent, user=volunteer, text="How do tides work?")
    tasks = {
        task_type: str(request_task(user=volunteer, lang="en", task_type=task_type).pk) for task_type in TaskType.values
    }
    refresh_user_stats()
    return {"sent": str(sent.pk), **tasks}


def test_no_serious_accessibility_violation_on_any_page_in_either_colour_scheme(browser, live_server, world):
    tasks = _add_work(world)
    world.release = Release.objects.get()

    by_role: dict[str | None, list[str]] = {None: list(VISITOR_PAGES), "volunteer": list(VOLUNTEER_PAGES)}
    by_role["volunteer"] += [f"/tasks/{task_id}/" for task_type, task_id in tasks.items() if task_type != "sent"]
    by_role["volunteer"].append(f"/datasets/releases/{world.release.pk}/")
    for page_ in PAGES:
        role = next((role for role in ROLES if page_.expected[role] == 200), None)
        if role is not None:
            by_role.setdefault(role, []).append(page_.url(world, role))

    visited = {_name(url) for urls in by_role.values() for url in urls}
    unchecked = {
        name
        for route, name in _patterns()
        if not route.startswith(NOT_PAGE_PREFIXES) and name not in NOT_PAGES and name not in visited
    }
    assert not unchecked, f"pages no check reaches: add them above or to the matrix's PAGES: {sorted(unchecked)}"

    source = axe_source()
    found: list[str] = []
    for role, urls in by_role.items():
        context = context_for(browser, live_server, world.users[role] if role else None)
        page = context.new_page()
        page.set_default_timeout(10_000)
        try:
            for url in dict.fromkeys(urls):
                if _name(url) in NOT_PAGES:
                    continue
                page.goto(url)
                found += audit(page, source, url)
        finally:
            context.close()
    assert not found, report(found)
