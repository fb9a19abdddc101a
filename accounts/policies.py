"""Who may do what with accounts: one function per action, asked by pages, the API and services alike.

``actor`` may be an anonymous user (Django's AnonymousUser): every policy answers False for it unless the
action is open to visitors.
"""

from django.contrib.auth.models import AnonymousUser

from accounts.models import Role, User


def can_log_in(actor: User | AnonymousUser) -> bool:
    """Banned, deactivated and placeholder accounts (made by imports) cannot log in."""
    return bool(actor.is_authenticated and actor.enabled and actor.is_active and not actor.is_placeholder)


def can_use_api(actor: User | AnonymousUser) -> bool:
    """Logged in (personal token, API client or session) and not banned."""
    return bool(actor.is_authenticated and actor.enabled)


def can_see_email(actor: User | AnonymousUser, user: User) -> bool:
    """A user's e-mail address is shown to admins and to the user themself only."""
    if not actor.is_authenticated:
        return False
    return bool(actor.role == Role.ADMIN or actor.is_superuser or actor.pk == user.pk)
