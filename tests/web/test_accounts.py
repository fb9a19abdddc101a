"""Account pages through the Django test client: access rules, terms, profile, deletion, tokens."""

import hashlib

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from accounts.models import PersonalToken, User
from accounts.services.tokens import issue_personal_token
from annotation.models import Message
from tests.factories import UserFactory, make_prompt

PASSWORD = "pw-for-tests-123"
PROTECTED_PAGES = ["profile", "account_delete", "leaderboard", "my_stats"]


@pytest.fixture
def volunteer(client):
    user = UserFactory()
    client.force_login(user)
    return user


@pytest.mark.django_db
@pytest.mark.parametrize("name", PROTECTED_PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, name):
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next={url}"


@pytest.mark.django_db
def test_anonymous_visitors_see_the_landing_page(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert b"Help build an open dataset" in response.content
    assert reverse("account_signup").encode() in response.content


@pytest.mark.django_db
def test_terms_page_is_public(client):
    response = client.get(reverse("terms"))
    assert response.status_code == 200
    assert b"Accept and continue" not in response.content


@pytest.mark.django_db
def test_dashboard_asks_for_the_terms_first(client):
    user = UserFactory(tos_accepted_at=None)
    client.force_login(user)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response.url == f"{reverse('terms')}?next=%2F"


@pytest.mark.django_db
def test_accepting_the_terms_returns_to_the_page_asked_for(client):
    user = UserFactory(tos_accepted_at=None)
    client.force_login(user)
    response = client.post(reverse("terms"), {"accept": "on", "next": "/leaderboard/"})
    assert response.status_code == 302 and response.url == "/leaderboard/"
    user.refresh_from_db()
    assert user.tos_accepted_at is not None


@pytest.mark.django_db
def test_terms_ignore_a_foreign_next_url(client):
    client.force_login(UserFactory(tos_accepted_at=None))
    response = client.post(reverse("terms"), {"accept": "on", "next": "https://evil.example/"})
    assert response.url == reverse("dashboard")


@pytest.mark.django_db
def test_terms_must_be_ticked(client):
    user = UserFactory(tos_accepted_at=None)
    client.force_login(user)
    response = client.post(reverse("terms"), {})
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.tos_accepted_at is None


@pytest.mark.django_db
def test_volunteer_sees_dashboard_with_points(client, volunteer):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert b'data-testid="points"' in response.content
    assert response.context["stats"].total == 0


@pytest.mark.django_db
def test_banned_user_cannot_log_in(client):
    user = UserFactory(enabled=False)
    response = client.post(reverse("account_login"), {"login": user.username, "password": PASSWORD})
    assert SESSION_KEY not in client.session
    assert response.status_code == 302
    assert response.url == reverse("account_inactive")


@pytest.mark.django_db
def test_enabled_user_can_log_in(client):
    user = UserFactory()
    response = client.post(reverse("account_login"), {"login": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(user.pk)


@pytest.mark.django_db
def test_banned_user_is_logged_out_on_the_next_request(client, volunteer):
    User.objects.filter(pk=volunteer.pk).update(enabled=False)
    response = client.get(reverse("profile"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_banned_user_gets_no_dashboard(client, volunteer):
    User.objects.filter(pk=volunteer.pk).update(enabled=False)
    response = client.get(reverse("dashboard"))
    assert b"Help build an open dataset" in response.content


@pytest.mark.django_db
def test_profile_edit(client, volunteer):
    response = client.post(
        reverse("profile"),
        {"display_name": "  Ada  ", "languages": ["fr", "en", "pt-BR"], "show_on_leaderboard": ""},
    )
    assert response.status_code == 302
    volunteer.refresh_from_db()
    assert volunteer.display_name == "Ada"
    assert volunteer.languages == ["en", "fr", "pt-BR"]
    assert volunteer.show_on_leaderboard is False


@pytest.mark.django_db
def test_profile_rejects_unknown_languages(client, volunteer):
    response = client.post(reverse("profile"), {"display_name": "x", "languages": ["xx-YY"]})
    assert response.status_code == 200
    assert response.context["form"].errors["languages"]


@pytest.mark.django_db
def test_api_token_is_shown_once_and_stored_only_as_its_hash(client, volunteer):
    response = client.post(reverse("api_token"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    first = response.context["new_token"]
    assert first and first in response.content.decode()
    stored = PersonalToken.objects.get(user=volunteer)
    assert stored.token_hash == hashlib.sha256(first.encode()).hexdigest()
    assert first not in str(PersonalToken.objects.filter(user=volunteer).values().get())
    assert api_get(first).status_code == 200

    # Never again: not on the profile page, and nothing but its hash in the database.
    page = client.get(reverse("profile")).content.decode()
    assert first not in page and 'data-testid="api-token-created"' in page
    assert not Token.objects.exists()

    second = client.post(reverse("api_token")).context["new_token"]
    assert second != first
    assert api_get(first).status_code == 401
    assert api_get(second).status_code == 200


def api_get(token: str):
    return Client().get("/api/v1/me/stats/", HTTP_AUTHORIZATION=f"Token {token}")


@pytest.mark.django_db
def test_api_token_needs_post(client, volunteer):
    assert client.get(reverse("api_token")).status_code == 405


@pytest.mark.django_db
def test_delete_my_account_keeps_messages_and_removes_personal_data(client, volunteer):
    EmailAddress.objects.create(user=volunteer, email=volunteer.email, primary=True, verified=True)
    token = issue_personal_token(user=volunteer)
    prompt = make_prompt(author=volunteer, text="A question worth keeping")
    old_username, old_email = volunteer.username, volunteer.email

    assert client.post(reverse("account_delete"), {}).status_code == 200  # needs the confirmation
    response = client.post(reverse("account_delete"), {"confirm": "on"})

    assert response.status_code == 302
    assert SESSION_KEY not in client.session
    volunteer.refresh_from_db()
    assert volunteer.username != old_username and old_username not in volunteer.username
    assert volunteer.email == "" and volunteer.display_name == "" and volunteer.languages == []
    assert not volunteer.has_usable_password()
    assert volunteer.enabled is False
    assert not EmailAddress.objects.filter(email=old_email).exists()
    assert not PersonalToken.objects.filter(user=volunteer).exists()
    assert api_get(token).status_code == 401
    assert Message.objects.get(pk=prompt.pk).author_id == volunteer.pk
    assert Message.objects.get(pk=prompt.pk).text == "A question worth keeping"
    # The old credentials no longer work.
    client.post(reverse("account_login"), {"login": old_username, "password": PASSWORD})
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["account_login", "account_signup", "account_reset_password"])
def test_account_pages_use_the_site_layout(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'class="skip-link"' in content and 'class="site-footer"' in content
    assert "css/app.css" in content


@pytest.mark.django_db
def test_sign_up_sends_a_verification_email(client, mailoutbox):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "fresh@example.org",
            "username": "fresh",
            "password1": "a-Long-password-2024",
            "password2": "a-Long-password-2024",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(username="fresh").email == "fresh@example.org"
    assert [message.to for message in mailoutbox] == [["fresh@example.org"]]


@pytest.mark.django_db
def test_password_reset_sends_an_email(client, mailoutbox):
    user = UserFactory()
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    response = client.post(reverse("account_reset_password"), {"email": user.email})
    assert response.status_code == 302
    assert mailoutbox[0].to == [user.email]


@pytest.mark.django_db
def test_social_buttons_only_for_configured_providers(client, settings):
    assert b"provider-github" not in client.get(reverse("account_login")).content
    settings.SOCIALACCOUNT_PROVIDERS = {"github": {"APPS": [{"client_id": "id", "secret": "secret"}]}}
    content = client.get(reverse("account_login")).content.decode()
    assert "provider-github" in content and "provider-google" not in content
