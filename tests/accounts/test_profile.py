import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import PersonalToken, User, UserStats
from accounts.services.profile import accept_terms, delete_account, update_profile
from accounts.services.tokens import hash_token, issue_personal_token
from accounts.signals import account_deleted
from annotation.models import Draft, Message, TaskType
from core.errors import InvalidInput
from stats.services.points import refresh_user_stats
from tests.factories import UserFactory, make_prompt, make_reply

pytestmark = pytest.mark.django_db


def test_update_profile_keeps_known_languages_in_list_order():
    user = UserFactory()
    update_profile(user=user, display_name=" Grace ", languages=["zh", "de", "de"], show_on_leaderboard=False)
    user.refresh_from_db()
    assert (user.display_name, user.languages, user.show_on_leaderboard) == ("Grace", ["de", "zh"], False)


def test_update_profile_rejects_unknown_languages():
    user = UserFactory()
    with pytest.raises(InvalidInput):
        update_profile(user=user, display_name="", languages=["klingon"], show_on_leaderboard=True)


def test_accept_terms_keeps_the_first_acceptance():
    user = UserFactory(tos_accepted_at=None)
    first = timezone.now()
    accept_terms(user=user, now=first)
    accept_terms(user=user, now=first + timezone.timedelta(days=1))
    user.refresh_from_db()
    assert user.tos_accepted_at == first


def test_a_new_personal_token_replaces_the_old_one():
    user = UserFactory()
    first = issue_personal_token(user=user)
    second = issue_personal_token(user=user)
    assert first != second
    assert list(PersonalToken.objects.filter(user=user).values_list("token_hash", flat=True)) == [hash_token(second)]


def test_delete_account_anonymises_and_keeps_contributions():
    user = UserFactory(display_name="Real Name", languages=["en", "fr"])
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    prompt = make_prompt(author=user)
    reply = make_reply(prompt, author=UserFactory())
    Draft.objects.create(user=user, parent_message=reply, task_type=TaskType.PROMPTER_REPLY, text="unsent")
    refresh_user_stats()
    assert UserStats.objects.filter(user=user).exists()

    delete_account(user=user)

    user.refresh_from_db()
    assert user.username.startswith("deleted-")
    assert (user.email, user.display_name, user.first_name, user.last_name, user.languages) == ("", "", "", "", [])
    assert not user.has_usable_password()
    assert not user.enabled and not user.is_active and not user.show_on_leaderboard
    assert not EmailAddress.objects.filter(user=user).exists()
    assert not UserStats.objects.filter(user=user).exists()
    assert not Draft.objects.filter(user=user).exists()
    assert Message.objects.get(pk=prompt.pk).author == user


def test_delete_account_is_undone_when_a_receiver_of_account_deleted_fails():
    user = UserFactory(display_name="Real Name")

    def fail(sender, **kwargs):
        raise RuntimeError("receiver failed")

    account_deleted.connect(fail, dispatch_uid="test-failing-receiver")
    try:
        with pytest.raises(RuntimeError):
            delete_account(user=user)
    finally:
        account_deleted.disconnect(dispatch_uid="test-failing-receiver")

    user = User.objects.get(pk=user.pk)
    assert user.display_name == "Real Name" and user.enabled and user.has_usable_password()
