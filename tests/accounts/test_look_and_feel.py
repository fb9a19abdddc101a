"""The colour scheme choice, the admin link in the header, and the login page's links."""

import pytest

from accounts.policies import can_open_django_admin
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_user_chooses_a_colour_scheme_kept_on_the_account(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post("/theme/", {"theme": "dark", "next": "/profile/"})
    assert response.status_code == 302 and response.url == "/profile/"
    user.refresh_from_db()
    assert user.theme == "dark"
    assert b'data-theme="dark"' in client.get("/profile/").content
    client.post("/theme/", {"theme": ""})
    user.refresh_from_db()
    assert user.theme == ""
    assert b"data-theme=" not in client.get("/profile/").content


def test_a_visitor_gets_a_cookie(client):
    response = client.post("/theme/", {"theme": "light", "next": "https://evil.example/"})
    assert response.status_code == 302 and response.url == "/"
    assert response.cookies["theme"].value == "light"
    assert b'data-theme="light"' in client.get("/guidelines/").content
    client.cookies["theme"] = "<script>"
    assert b"data-theme=" not in client.get("/guidelines/").content


def test_an_unknown_scheme_is_refused(client):
    assert client.post("/theme/", {"theme": "purple"}).status_code == 400
    assert client.get("/theme/").status_code == 405


def test_only_staff_accounts_see_the_admin_link(client):
    volunteer = UserFactory()
    staff = UserFactory(role="admin", is_staff=True)
    banned = UserFactory(is_staff=True, enabled=False)
    assert not can_open_django_admin(volunteer)
    assert can_open_django_admin(staff)
    assert not can_open_django_admin(banned)
    client.force_login(volunteer)
    assert b'data-testid="admin-link"' not in client.get("/profile/").content
    client.force_login(staff)
    assert b'data-testid="admin-link"' in client.get("/profile/").content


def test_the_login_page_links_to_sign_up_once(client):
    content = client.get("/accounts/login/").content.decode()
    assert content.count('href="/accounts/signup/"') == 1
    assert 'rel="icon"' in content
