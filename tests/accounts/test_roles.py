"""The researcher role: asked for at sign-up, seen and granted in the admin."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from accounts.errors import CannotGrantRoles, RoleAlreadyHeld
from accounts.models import Role, User
from accounts.policies import can_grant_researcher
from accounts.services.roles import grant_researcher_role, request_researcher_role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SIGNUP = {
    "email": "new@example.org",
    "username": "newcomer",
    "password1": "a-long-pass-9876",
    "password2": "a-long-pass-9876",
}


@pytest.mark.parametrize("asked", [True, False])
def test_sign_up_can_ask_for_the_researcher_role(client, asked):
    page = client.get(reverse("account_signup")).content.decode()
    assert "I am a researcher and want to download datasets" in page
    response = client.post(reverse("account_signup"), {**SIGNUP, **({"researcher": "on"} if asked else {})})
    assert response.status_code == 302
    user = User.objects.get(username="newcomer")
    assert user.role == Role.VOLUNTEER
    assert (user.researcher_requested_at is not None) == asked


def test_asking_again_keeps_the_first_request():
    user = request_researcher_role(user=UserFactory())
    first = user.researcher_requested_at
    assert request_researcher_role(user=user).researcher_requested_at == first
    moderator = request_researcher_role(user=UserFactory(role=Role.MODERATOR))
    assert moderator.researcher_requested_at is None


def test_moderators_and_admins_grant_the_role():
    assert not can_grant_researcher(AnonymousUser())
    assert not can_grant_researcher(UserFactory(role=Role.RESEARCHER))
    assert not can_grant_researcher(UserFactory(role=Role.MODERATOR, enabled=False))
    user = request_researcher_role(user=UserFactory())
    with pytest.raises(CannotGrantRoles):
        grant_researcher_role(actor=UserFactory(), user=user)
    user = grant_researcher_role(actor=UserFactory(role=Role.MODERATOR), user=user)
    assert (user.role, user.researcher_requested_at) == (Role.RESEARCHER, None)
    with pytest.raises(RoleAlreadyHeld):
        grant_researcher_role(actor=UserFactory(role=Role.ADMIN), user=user)


def test_the_admin_lists_requests_and_grants_them(client):
    admin = UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(admin)
    waiting = request_researcher_role(user=UserFactory(username="waiting"))
    UserFactory(username="quiet")
    moderator = UserFactory(username="moderating", role=Role.MODERATOR)
    url = reverse("admin:accounts_user_changelist")
    listed = client.get(url, {"researcher_request": "pending"}).context["cl"].result_list
    assert [user.username for user in listed] == ["waiting"]

    response = client.post(
        url, {"action": "grant_researcher", "_selected_action": [str(waiting.pk), str(moderator.pk)]}, follow=True
    )
    page = response.content.decode()
    assert "1 user is now a researcher." in page and "may already download datasets" in page
    assert User.objects.get(pk=waiting.pk).role == Role.RESEARCHER
    assert User.objects.get(pk=moderator.pk).role == Role.MODERATOR
    # The role is also a field of the user's change form.
    form = client.get(reverse("admin:accounts_user_change", args=[waiting.pk])).context["adminform"].form
    assert "role" in form.fields and not form.fields["role"].disabled
    # The moderation app's actions on users come beside it.
    actions = {name for name, _ in client.get(url).context["action_form"].fields["action"].choices}
    assert {"grant_researcher", "ban_users", "unban_users"} <= actions


def test_a_volunteer_asks_for_the_role_on_the_profile_page(client):
    user = UserFactory()
    client.force_login(user)
    page = client.get("/profile/").content.decode()
    assert 'action="/profile/researcher/"' in page
    assert client.get("/profile/researcher/").status_code == 405
    response = client.post("/profile/researcher/", follow=True)
    assert "Your request is recorded" in response.content.decode()
    assert "You asked for access to the datasets on" in response.content.decode()
    assert User.objects.get(pk=user.pk).researcher_requested_at is not None
    client.force_login(UserFactory(role=Role.RESEARCHER))
    assert 'id="researcher"' not in client.get("/profile/").content.decode()
