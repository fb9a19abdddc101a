import pytest

from accounts.languages import task_language, user_languages
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_requested_language_of_the_user_is_kept():
    user = UserFactory(languages=["de", "fr"])
    assert task_language(user, "fr") == "fr"


def test_another_language_falls_back_to_the_users_first():
    user = UserFactory(languages=["de", "fr"])
    assert task_language(user, "es") == "de"
    assert task_language(user, None) == "de"
    assert task_language(user, "") == "de"


def test_a_user_without_languages_gets_the_sites(settings):
    settings.LANGUAGE_CODE = "en"
    user = UserFactory(languages=[])
    assert task_language(user, "es") == "en"
    assert user_languages(user) == ["en"]


def test_the_api_may_ask_for_any_language():
    user = UserFactory(languages=["de"])
    assert task_language(user, "pt-BR", any_language=True) == "pt-BR"
    assert task_language(user, None, any_language=True) == "de"
