"""Changes a user makes to their own account."""

import uuid
from datetime import datetime

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.display_names import check_display_name
from accounts.languages import LANGUAGE_NAMES
from accounts.models import MAX_DAILY_GOAL, Theme, User, UserStats
from accounts.services.tokens import revoke_personal_token
from accounts.signals import account_deleted
from core.errors import InvalidInput


@transaction.atomic
def update_profile(*, user: User, display_name: str, languages: list[str], show_on_leaderboard: bool) -> User:
    """Raises InvalidInput (unknown language, a name that mixes scripts) or DisplayNameTaken."""
    unknown = [code for code in languages if code not in LANGUAGE_NAMES]
    if unknown:
        raise InvalidInput(_("Unknown language: %(codes)s") % {"codes": ", ".join(unknown)})
    user.display_name = check_display_name(display_name, user=user)
    # Keep the order of the curated list, without duplicates.
    user.languages = [code for code in LANGUAGE_NAMES if code in set(languages)]
    user.show_on_leaderboard = show_on_leaderboard
    user.save(update_fields=["display_name", "languages", "show_on_leaderboard"])
    return user


def set_daily_goal(*, user: User, goal: int) -> User:
    """How many tasks a day the volunteer aims for."""
    if not 1 <= goal <= MAX_DAILY_GOAL:
        raise InvalidInput(
            _("The daily goal must be between 1 and %(max)d tasks.") % {"max": MAX_DAILY_GOAL}, field="daily_goal"
        )
    user.daily_goal = goal
    user.save(update_fields=["daily_goal"])
    return user


def accept_terms(*, user: User, now: datetime | None = None) -> User:
    if user.tos_accepted_at is None:
        user.tos_accepted_at = now or timezone.now()
        user.save(update_fields=["tos_accepted_at"])
    return user


@transaction.atomic
def delete_account(*, user: User) -> User:
    """Remove the personal data of an account and disable it; the messages it wrote stay.

    The user row is kept (anonymised) so that messages, reviews and rankings keep a stable author.
    Apps above accounts remove their own personal data (drafts, ...) on the ``account_deleted`` signal.
    """
    user.username = f"deleted-{uuid.uuid4().hex[:16]}"
    user.email = ""
    user.display_name = ""
    user.first_name = ""
    user.last_name = ""
    user.languages = []
    user.show_on_leaderboard = False
    user.enabled = False
    user.is_active = False
    user.set_unusable_password()
    user.save()
    EmailAddress.objects.filter(user=user).delete()
    SocialAccount.objects.filter(user=user).delete()
    revoke_personal_token(user=user)
    UserStats.objects.filter(user=user).delete()
    account_deleted.send(sender=User, user=user)
    return user


def set_theme(*, user: User, theme: str) -> User:
    """The colour scheme the user chose ("" follows the browser)."""
    if theme not in Theme.values:
        raise InvalidInput(_("Unknown colour scheme: %(theme)s") % {"theme": theme})
    user.theme = theme
    user.save(update_fields=["theme"])
    return user
