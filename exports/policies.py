"""Who may do what with datasets: one function per action, asked by the pages, the API and the services alike.

Releases hold anonymised data meant for the public, so every logged-in user (not banned) may read a finished
one and download its files; releases still being built, or failed, are for admins.
"""

from django.contrib.auth.models import AnonymousUser

from accounts.models import Role, User
from accounts.policies import can_log_in
from exports.models import Release, ReleaseState


def _is_admin(actor: User | AnonymousUser) -> bool:
    return bool(can_log_in(actor) and (actor.role == Role.ADMIN or actor.is_superuser))


def can_view_releases(actor: User | AnonymousUser) -> bool:
    """Any logged-in user who is not banned reads the list of finished releases."""
    return can_log_in(actor)


def can_view_unfinished_releases(actor: User | AnonymousUser) -> bool:
    """Releases being built, or failed, are shown to admins only."""
    return _is_admin(actor)


def can_view_release(actor: User | AnonymousUser, release: Release) -> bool:
    """A finished release (its card and files) to every logged-in user; any other one to admins."""
    if release.state == ReleaseState.READY:
        return can_view_releases(actor)
    return can_view_unfinished_releases(actor)


def can_publish_release(actor: User | AnonymousUser, release: Release | None = None) -> bool:
    """Admins publish a release to the Hugging Face Hub (the release must be finished: a service rule)."""
    return _is_admin(actor)
