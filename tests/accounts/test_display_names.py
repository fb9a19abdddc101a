"""Display names that cannot pass for another user's: one rule (accounts.display_names) for the profile page,
the API clients' name header, the admin and sign-up's user names."""

import pytest
from django.apps import apps
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.admin import UserChangeForm
from accounts.display_names import check_display_name, is_mixed_script, name_skeleton, normalise_name
from accounts.errors import DisplayNameNotAllowed, DisplayNameTaken, DisplayNameTooLong
from accounts.models import User
from accounts.services.api_clients import create_api_client
from accounts.services.profile import update_profile
from tests.factories import UserFactory

CYRILLIC_A = "\u0430"
ZERO_WIDTH_SPACE = "\u200b"
ZERO_WIDTH_JOINER = "\u200d"
RTL_OVERRIDE = "\u202e"
FULLWIDTH_ALICE = "\uff21\uff4c\uff49\uff43\uff45"  # "Alice" in fullwidth letters


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        (FULLWIDTH_ALICE, "Alice"),
        (f"Al{ZERO_WIDTH_SPACE}ice", "Alice"),
        (f"{RTL_OVERRIDE}Alice", "Alice"),
        (f"A{ZERO_WIDTH_JOINER}lice\t \n Smith ", "Alice Smith"),
        ("Alice\x00\x07", "Alice"),
    ],
)
def test_names_are_normalised(raw, stored):
    assert normalise_name(raw) == stored


@pytest.mark.parametrize(
    "lookalike",
    [
        f"{CYRILLIC_A}lice",  # a Cyrillic a in a Latin word
        f"{CYRILLIC_A}{CYRILLIC_A}",  # all-Cyrillic against the Latin "aa" below
        FULLWIDTH_ALICE,
        f"Al{ZERO_WIDTH_SPACE}ice",
        f"{RTL_OVERRIDE}Alice",
        "ALICE",
        "alice",
        "\U0001d41a\U0001d425\U0001d422\U0001d41c\U0001d41e",  # mathematical bold "alice"
        "A1ice",
    ],
)
def test_look_alikes_share_a_skeleton(lookalike):
    expected = name_skeleton("aa") if lookalike == CYRILLIC_A * 2 else name_skeleton("Alice")
    assert name_skeleton(lookalike) == expected


@pytest.mark.parametrize(
    ("name", "mixed"),
    [
        (f"p{CYRILLIC_A}ypal", True),
        ("paypal", False),
        ("Ivan \u041f\u0435\u0442\u0440\u043e\u0432", False),  # a Latin word and a Cyrillic one
        ("\u5c71\u7530\u305f\u308d\u3046", False),  # Japanese: kanji and hiragana in one word
        ("\u0391\u03bb\u03ad\u03be\u03b1\u03bd\u03b4\u03c1\u03bf\u03c2", False),  # Greek
        ("R2-D2", False),
    ],
)
def test_mixed_scripts_within_a_word(name, mixed):
    assert is_mixed_script(name) is mixed


@pytest.mark.django_db
class TestTheRule:
    def test_look_alikes_of_another_users_display_name_or_username_are_refused(self):
        UserFactory(username="bob", display_name="Alice")
        user = UserFactory()
        for name in (f"{CYRILLIC_A}lice", FULLWIDTH_ALICE, "aLiCe", f"Al{ZERO_WIDTH_SPACE}ice", "BOB"):
            with pytest.raises((DisplayNameTaken, DisplayNameNotAllowed)):
                check_display_name(name, user=user)

    def test_the_refusal_says_why(self):
        UserFactory(display_name="Alice")
        with pytest.raises(DisplayNameTaken) as taken:
            check_display_name("ALICE")
        with pytest.raises(DisplayNameNotAllowed) as mixed:
            check_display_name(f"p{CYRILLIC_A}ypal")
        assert (taken.value.code, taken.value.http_status) == ("display_name_taken", 409)
        assert (mixed.value.code, mixed.value.http_status) == ("display_name_not_allowed", 400)

    def test_genuinely_different_names_in_other_scripts_are_accepted(self):
        UserFactory(display_name="Alexandros")
        for name in ("\u0391\u03bb\u03ad\u03be\u03b1\u03bd\u03b4\u03c1\u03bf\u03c2", "\u5c71\u7530\u305f\u308d\u3046"):
            assert check_display_name(name) == name

    def test_own_names_and_blank_are_fine(self):
        user = UserFactory(username="carol", display_name="Carol")
        assert check_display_name("CAROL", user=user) == "CAROL"
        assert check_display_name(ZERO_WIDTH_SPACE, user=user) == ""

    @pytest.mark.postgres
    def test_the_check_is_one_indexed_query_under_a_lock_on_the_skeleton(self, django_assert_num_queries):
        UserFactory.create_batch(3)
        with django_assert_num_queries(2) as captured:
            check_display_name("Somebody")
        lock, lookup = (query["sql"] for query in captured.captured_queries)
        assert "pg_advisory_xact_lock" in lock
        assert "display_name_skeleton" in lookup and "username_skeleton" in lookup

    def test_skeletons_follow_every_save(self):
        user = UserFactory(username="dave", display_name="")
        assert (user.username_skeleton, user.display_name_skeleton) == (name_skeleton("dave"), "")
        user.display_name = "Dave D"
        user.save(update_fields=["display_name"])
        user.refresh_from_db()
        assert user.display_name_skeleton == name_skeleton("Dave D")


@pytest.mark.django_db
class TestEverySurface:
    def test_profile_service_stores_the_normalised_name_and_refuses_look_alikes(self):
        UserFactory(display_name="Alice")
        user = UserFactory()
        update_profile(user=user, display_name=f" Gr{ZERO_WIDTH_SPACE}ace ", languages=[], show_on_leaderboard=True)
        assert User.objects.get(pk=user.pk).display_name == "Grace"
        with pytest.raises(DisplayNameTaken):
            update_profile(user=user, display_name=FULLWIDTH_ALICE, languages=[], show_on_leaderboard=True)
        assert User.objects.get(pk=user.pk).display_name == "Grace"

    def test_an_old_look_alike_stays_while_the_rest_of_the_profile_changes(self):
        UserFactory(display_name="Alice")
        old = UserFactory()
        User.objects.filter(pk=old.pk).update(display_name="ALICE")
        old.refresh_from_db()
        update_profile(user=old, display_name="ALICE", languages=["fr"], show_on_leaderboard=True)
        assert User.objects.get(pk=old.pk).languages == ["fr"]
        with pytest.raises(DisplayNameTaken):
            update_profile(user=old, display_name="aLIce", languages=["fr"], show_on_leaderboard=True)

    def test_profile_page_shows_the_refusal_on_the_field(self, client):
        UserFactory(display_name="Alice")
        user = UserFactory()
        client.force_login(user)
        response = client.post(reverse("profile"), {"display_name": " ALICE "})
        assert response.status_code == 200
        assert response.context["form"].errors["display_name"] == [str(DisplayNameTaken.default_message)]
        response = client.post(reverse("profile"), {"display_name": f"p{CYRILLIC_A}ypal"})
        assert response.context["form"].errors["display_name"] == [str(DisplayNameNotAllowed.default_message)]

    def test_a_name_that_plain_letters_make_too_long_is_a_form_error_not_a_500(self, client):
        # 10 characters under the form's limit of 150; NFKC writes U+FDFA as 18 letters, 180 in all.
        user = UserFactory(display_name="Before")
        client.force_login(user)
        response = client.post(reverse("profile"), {"display_name": "\ufdfa" * 10})
        assert response.status_code == 200
        assert response.context["form"].errors["display_name"] == [str(DisplayNameTooLong.default_message)]
        user.refresh_from_db()
        assert user.display_name == "Before"

    def test_api_client_name_header_follows_the_same_rule(self):
        UserFactory(display_name="Alice")
        _, token = create_api_client(name="bot")
        client = APIClient()
        client.credentials(
            HTTP_AUTHORIZATION=f"ApiClient {token}",
            HTTP_X_OASST_USER="ref-1",
            HTTP_X_OASST_USER_NAME=FULLWIDTH_ALICE.encode().decode("latin-1"),
        )
        response = client.get("/api/v1/me/stats/")
        assert response.status_code == 409
        assert response.json()["error_code"] == "display_name_taken"
        assert not User.objects.filter(external_id="ref-1").exists()

    def test_admin_form_refuses_a_changed_look_alike_but_keeps_an_unchanged_old_one(self):
        UserFactory(display_name="Alice")
        # A look-alike from before the rule stays as long as it is not changed.
        old = UserFactory(display_name="placeholder")
        User.objects.filter(pk=old.pk).update(display_name="ALICE")
        old.refresh_from_db()
        data = {
            "username": old.username,
            "display_name": "ALICE",
            "languages": "[]",
            "role": old.role,
            "daily_goal": 10,
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        }
        assert "display_name" not in UserChangeForm(data, instance=old).errors
        form = UserChangeForm({**data, "display_name": "aLIce"}, instance=old)
        assert form.errors["display_name"] == [str(DisplayNameTaken.default_message)]

    def test_sign_up_refuses_a_look_alike_username(self):
        cache.clear()
        UserFactory(username="alice", display_name="")
        response = Client(REMOTE_ADDR="198.51.100.40").post(
            reverse("account_signup"),
            {
                "email": "new@example.org",
                "username": "alicex",
                "password1": "a-long-enough-pw-1",
                "password2": "a-long-enough-pw-1",
            },
        )
        assert response.status_code == 302  # a different name
        response = Client(REMOTE_ADDR="198.51.100.41").post(
            reverse("account_signup"),
            {
                "email": "other@example.org",
                "username": "A1ice",
                "password1": "a-long-enough-pw-1",
                "password2": "a-long-enough-pw-1",
            },
        )
        assert response.status_code == 200
        assert str(DisplayNameTaken.default_message) in response.context["form"].errors["username"]


@pytest.mark.django_db
def test_the_data_migration_fills_skeletons_and_leaves_old_look_alikes_alone():
    from importlib import import_module

    fill_skeletons = import_module("accounts.migrations.0006_acct_name_skeletons").fill_skeletons
    first, second = UserFactory(display_name="Alice"), UserFactory(display_name="x")
    User.objects.filter(pk=second.pk).update(display_name=FULLWIDTH_ALICE)
    User.objects.update(display_name_skeleton="", username_skeleton="")
    fill_skeletons(apps, None)
    first.refresh_from_db(), second.refresh_from_db()
    assert first.display_name_skeleton == second.display_name_skeleton == name_skeleton("Alice")
    assert second.display_name == FULLWIDTH_ALICE
