"""Who may moderate: one function per action, asked by the moderation pages, its API and its services."""

from django.contrib.auth.models import AnonymousUser

from accounts.models import Role, User


def can_moderate(actor: User | AnonymousUser) -> bool:
    """Moderators and admins (not banned) work through the flag queue, act on messages, trees and users, and
    read the trollboard and the audit log."""
    return bool(
        actor.is_authenticated and actor.enabled and (actor.role in (Role.MODERATOR, Role.ADMIN) or actor.is_superuser)
    )
