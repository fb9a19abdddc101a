"""Roles: asking for the researcher role (to download datasets) and granting it."""

from django.db import transaction
from django.utils import timezone

from accounts.errors import CannotGrantRoles, RoleAlreadyHeld
from accounts.models import Role, User
from accounts.policies import can_grant_researcher


def request_researcher_role(*, user: User) -> User:
    """Record that the user asks for the researcher role; asking again keeps the first request's time."""
    if user.researcher_requested_at is None and user.role == Role.VOLUNTEER:
        user.researcher_requested_at = timezone.now()
        user.save(update_fields=["researcher_requested_at"])
    return user


@transaction.atomic
def grant_researcher_role(*, actor: User, user: User) -> User:
    """A volunteer becomes a researcher; moderators and admins may already download datasets and keep their role."""
    if not can_grant_researcher(actor):
        raise CannotGrantRoles
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.role != Role.VOLUNTEER:
        raise RoleAlreadyHeld
    user.role = Role.RESEARCHER
    user.researcher_requested_at = None
    user.save(update_fields=["role", "researcher_requested_at"])
    return user
