"""The audit log: its selector and filters, the page /moderation/audit/ and GET /api/v1/moderation/actions/."""

from datetime import date, datetime, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from moderation.forms import AuditLogFilterForm
from moderation.models import ModerationAction
from moderation.selectors.audit_log import audit_log
from moderation.views.audit_log import audit_log as audit_log_page
from tests.factories import ModerationActionFactory, UserFactory, api_client_for, make_prompt

pytestmark = pytest.mark.django_db

PAGE_URL = "/moderation/audit/"
API_URL = "/api/v1/moderation/actions/"
Kind = ModerationAction.Kind


def at(day: date, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


@pytest.fixture
def log():
    """Actions of two moderators and of the platform, on three days."""
    alice = UserFactory(username="alice", role=Role.MODERATOR)
    bob = UserFactory(username="bob", role=Role.ADMIN)
    troll = UserFactory(username="troll")
    root = make_prompt()
    actions = {
        "ban": ModerationActionFactory(
            moderator=alice, kind=Kind.BAN_USER, target_user=troll, created_at=at(date(2026, 3, 1))
        ),
        "hide": ModerationActionFactory(
            moderator=bob,
            kind=Kind.HIDE_MESSAGE,
            message=root,
            tree=root.tree,
            target_user=root.author,
            created_at=at(date(2026, 3, 2)),
        ),
        "auto": ModerationActionFactory(
            moderator=None, kind=Kind.AUTO, tree=root.tree, details={"skips": 25}, created_at=at(date(2026, 3, 3))
        ),
        "halt": ModerationActionFactory(moderator=alice, kind=Kind.HALT_TREE, created_at=at(date(2026, 3, 3), 8)),
    }
    return {"alice": alice, "bob": bob, "troll": troll, "root": root, **actions}


# --- The selector -----------------------------------------------------------------------------


def test_newest_first(log):
    assert list(audit_log()) == [log["auto"], log["halt"], log["hide"], log["ban"]]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (lambda log: {"moderator": log["alice"]}, ["halt", "ban"]),
        (lambda log: {"kind": Kind.AUTO}, ["auto"]),
        (lambda log: {"target_user": log["troll"]}, ["ban"]),
        (lambda log: {"tree": log["root"].tree_id}, ["auto", "hide"]),
        (lambda log: {"date_from": date(2026, 3, 2)}, ["auto", "halt", "hide"]),
        (lambda log: {"date_to": date(2026, 3, 2)}, ["hide", "ban"]),
        (lambda log: {"date_from": date(2026, 3, 2), "date_to": date(2026, 3, 2)}, ["hide"]),
        (lambda log: {"moderator": log["alice"], "date_from": date(2026, 3, 2)}, ["halt"]),
        (lambda log: {"tree": log["root"].tree_id, "kind": Kind.HIDE_MESSAGE}, ["hide"]),
        (lambda log: {"moderator": log["bob"], "kind": Kind.BAN_USER}, []),
    ],
)
def test_filters_alone_and_combined(log, filters, expected):
    assert list(audit_log(**filters(log))) == [log[name] for name in expected]


# --- The filter form --------------------------------------------------------------------------


def test_the_form_finds_users_by_name_or_id(log):
    form = AuditLogFilterForm({"moderator": "alice", "user": str(log["troll"].pk), "kind": "ban_user"})
    assert form.is_valid(), form.errors
    filters = form.selector_filters()
    assert (filters["moderator"], filters["target_user"], filters["kind"]) == (log["alice"], log["troll"], "ban_user")
    assert list(audit_log(**filters)) == [log["ban"]]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"moderator": "nobody"}, "moderator"),
        ({"user": "nobody"}, "user"),
        ({"kind": "explode"}, "kind"),
        ({"tree": "not-a-uuid"}, "tree"),
        ({"date_from": "yesterday"}, "date_from"),
        ({"date_from": "2026-03-02", "date_to": "2026-03-01"}, "date_to"),
    ],
)
def test_bad_filters_are_form_errors(log, client, query, field):
    form = AuditLogFilterForm(query)
    assert not form.is_valid() and field in form.errors
    client.force_login(log["alice"])
    response = client.get(PAGE_URL, query)
    assert response.status_code == 200 and response.context["page"] is None
    assert response.context["form"].errors[field][0] in response.content.decode()


# --- The page ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "status"),
    [
        (lambda: UserFactory(), 403),
        (lambda: UserFactory(role=Role.MODERATOR), 200),
        (lambda: UserFactory(role=Role.ADMIN), 200),
        (lambda: UserFactory(is_superuser=True), 200),
    ],
)
def test_page_status_by_role(client, user, status):
    client.force_login(user())
    assert client.get(PAGE_URL).status_code == status


def test_anonymous_users_go_to_the_login_page(client):
    response = client.get(PAGE_URL + "?kind=auto")
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    assert "next=%2Fmoderation%2Faudit%2F%3Fkind%3Dauto" in response.url
    htmx = client.get(PAGE_URL, headers={"HX-Request": "true"})
    assert htmx.status_code == 200 and htmx.headers["HX-Redirect"].startswith(reverse("account_login"))


def test_a_banned_moderator_is_refused(client):
    banned = UserFactory(role=Role.MODERATOR, enabled=False)
    request = RequestFactory().get(PAGE_URL)
    request.user, request.htmx = banned, False
    # A banned account cannot log in: the page sends it to the login page, as every volunteer page does.
    response = audit_log_page(request)
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    # Through the site the banned user's session ends first: the login page too.
    client.force_login(banned)
    response = client.get(PAGE_URL)
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    request.user = AnonymousUser()
    assert audit_log_page(request).status_code == 302


def test_each_row_shows_who_what_and_the_targets(log, client):
    client.force_login(log["alice"])
    response = client.get(PAGE_URL)
    html = response.content.decode()
    rows = response.context["page"].object_list
    assert list(rows) == [log["auto"], log["halt"], log["hide"], log["ban"]]
    assert "the platform" in html and "Automatic moderation" in html and "Hide message" in html
    root = log["root"]
    assert reverse("annotation:message_detail", args=[root.pk]) in html
    assert reverse("annotation:tree_detail", args=[root.tree_id]) in html
    assert f'href="/moderation/users/{log["troll"].pk}/"' in html
    assert "skips: 25" in html and log["ban"].reason in html


def test_details_before_and_after_are_shown_compactly(client):
    moderator = UserFactory(role=Role.MODERATOR)
    ModerationActionFactory(
        moderator=moderator,
        kind=Kind.EDIT_MESSAGE,
        details={"before": {"text": "Old words"}, "after": {"text": "New words"}, "revision": 2},
    )
    client.force_login(moderator)
    html = client.get(PAGE_URL).content.decode()
    assert "text: Old words → New words" in html and "revision: 2" in html


def test_the_page_filters_and_the_htmx_request_gets_only_the_table(log, client):
    client.force_login(log["bob"])
    response = client.get(PAGE_URL, {"kind": "auto"})
    assert list(response.context["page"].object_list) == [log["auto"]]
    partial = client.get(PAGE_URL, {"moderator": "alice"}, headers={"HX-Request": "true"})
    html = partial.content.decode()
    assert list(partial.context["page"].object_list) == [log["halt"], log["ban"]]
    assert html.lstrip().startswith('<div id="audit-log-results"') and "<html" not in html


def test_the_page_is_paginated_by_fifty(client):
    moderator = UserFactory(role=Role.MODERATOR)
    start = timezone.now() - timedelta(days=1)
    for i in range(51):
        ModerationActionFactory(moderator=moderator, created_at=start + timedelta(minutes=i))
    client.force_login(moderator)
    first = client.get(PAGE_URL, {"kind": "halt_tree"})
    assert len(first.context["page"].object_list) == 50 and first.context["page"].has_next()
    assert "kind=halt_tree&amp;page=2" in first.content.decode()
    second = client.get(PAGE_URL, {"kind": "halt_tree", "page": 2})
    assert [a.created_at for a in second.context["page"].object_list] == [start]


@pytest.mark.parametrize("rows", [1, 6])
def test_page_queries_do_not_grow_with_rows(client, django_assert_num_queries, rows):
    moderator = UserFactory(role=Role.MODERATOR)
    for _ in range(rows):
        root = make_prompt()
        ModerationActionFactory(moderator=moderator, message=root, tree=root.tree, target_user=UserFactory())
        ModerationActionFactory(moderator=None, kind=Kind.AUTO, tree=root.tree)
    client.force_login(moderator)
    # The session, the user, the count and the page.
    with django_assert_num_queries(4):
        response = client.get(PAGE_URL)
    assert len(response.context["page"].object_list) == 2 * rows


def test_the_header_links_the_audit_log_for_moderators_only(client):
    client.force_login(UserFactory())
    assert PAGE_URL not in client.get(reverse("profile")).content.decode()
    client.force_login(UserFactory(role=Role.MODERATOR))
    assert f'href="{PAGE_URL}"' in client.get(reverse("profile")).content.decode()


# --- The API ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "status", "code"),
    [
        (lambda: UserFactory(), 403, "not_moderator"),
        (lambda: UserFactory(role=Role.MODERATOR, enabled=False), 403, "user_disabled"),
        (lambda: UserFactory(role=Role.MODERATOR), 200, None),
        (lambda: UserFactory(role=Role.ADMIN), 200, None),
    ],
)
def test_api_status_by_role(user, status, code):
    response = api_client_for(user()).get(API_URL)
    assert response.status_code == status
    if code:
        assert response.json()["error_code"] == code


def test_api_refuses_anonymous_callers(client):
    response = client.get(API_URL)
    assert response.status_code == 401 and response.json()["error_code"] == "not_authenticated"


def test_api_lists_newest_first_with_the_platform_as_null(log):
    body = api_client_for(log["alice"]).get(API_URL).json()
    assert [row["id"] for row in body["results"]] == [log[n].pk for n in ("auto", "halt", "hide", "ban")]
    auto, hide = body["results"][0], body["results"][2]
    assert auto["moderator"] is None and auto["automatic"] is True and auto["kind_label"] == "Automatic moderation"
    assert auto["details"] == {"skips": 25} and auto["tree_id"] == str(log["root"].tree_id)
    assert hide["moderator"]["username"] == "bob" and hide["automatic"] is False
    assert hide["message_id"] == str(log["root"].pk) and hide["target_user"]["id"] == str(log["root"].author_id)


def test_api_filters_combined(log):
    client = api_client_for(log["bob"])
    body = client.get(API_URL, {"moderator": str(log["alice"].pk), "date_from": "2026-03-02"}).json()
    assert [row["id"] for row in body["results"]] == [log["halt"].pk]
    body = client.get(API_URL, {"user": "troll", "kind": "ban_user", "date_to": "2026-03-01"}).json()
    assert [row["id"] for row in body["results"]] == [log["ban"].pk]
    body = client.get(API_URL, {"tree": str(log["root"].tree_id)}).json()
    assert [row["id"] for row in body["results"]] == [log["auto"].pk, log["hide"].pk]


def test_api_pages_keep_the_filters(log):
    body = api_client_for(log["bob"]).get(API_URL, {"moderator": "alice", "page_size": 1}).json()
    assert [row["id"] for row in body["results"]] == [log["halt"].pk]
    following = api_client_for(log["bob"]).get(body["next"]).json()
    assert [row["id"] for row in following["results"]] == [log["ban"].pk] and following["next"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"moderator": "nobody"}, "moderator"),
        ({"user": "nobody"}, "user"),
        ({"kind": "explode"}, "kind"),
        ({"tree": "not-a-uuid"}, "tree"),
        ({"date_to": "2026-13-01"}, "date_to"),
        ({"date_from": "2026-03-02", "date_to": "2026-03-01"}, "date_to"),
    ],
)
def test_api_bad_filters_answer_400_in_the_contract(log, query, field):
    response = api_client_for(log["alice"]).get(API_URL, query)
    body = response.json()
    assert response.status_code == 400 and body["error_code"] == "invalid_input" and field in body["details"]


@pytest.mark.parametrize("rows", [1, 6])
def test_api_queries_do_not_grow_with_rows(django_assert_num_queries, rows):
    moderator = UserFactory(role=Role.MODERATOR)
    for _ in range(rows):
        root = make_prompt()
        ModerationActionFactory(moderator=moderator, message=root, tree=root.tree, target_user=UserFactory())
        ModerationActionFactory(moderator=None, kind=Kind.AUTO, tree=root.tree)
    client = api_client_for(moderator)
    # The token with its user, and the page.
    with django_assert_num_queries(2):
        response = client.get(API_URL)
    assert len(response.json()["results"]) == 2 * rows
