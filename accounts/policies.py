"""Who may do what with accounts: one function per action, ``can_<verb>(actor, ...)``."""

from django.contrib.auth.models import AnonymousUser

from accounts.models import User


def can_use_api(actor: User | AnonymousUser) -> bool:
    """Logged in (personal token, API client or session) and not disabled by a moderator."""
    return bool(actor and actor.is_authenticated and actor.enabled)
