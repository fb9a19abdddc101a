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
    """A user's e-mail address is shown to themself and to admins (moderators see the rest of the account)."""
    if not (actor.is_authenticated and actor.enabled):
        return False
    return actor.pk == user.pk or actor.role == Role.ADMIN or actor.is_superuser


def can_grant_researcher(actor: User | AnonymousUser) -> bool:
    """Moderators and admins give the researcher role (to volunteers who asked for it at sign-up)."""
    return bool(
        actor.is_authenticated and actor.enabled and (actor.role in (Role.MODERATOR, Role.ADMIN) or actor.is_superuser)
    )


def can_open_django_admin(actor: User | AnonymousUser) -> bool:
    """The Django admin lets in active staff accounts (AdminSite.has_permission); banned ones are kept out."""
    return bool(actor.is_authenticated and actor.enabled and actor.is_active and actor.is_staff)
