"""Who may do what with datasets: one function per action, asked by the pages, the API and the services alike.

Export jobs are for researchers, moderators and admins. Releases hold anonymised data meant for the public, so
every logged-in user (not banned) may read a finished one and download its files; releases still being built,
or failed, are for admins.
"""

from django.contrib.auth.models import AnonymousUser

from accounts.models import Role, User
from accounts.policies import can_log_in
from exports.models import ExportJob, Release, ReleaseState


def _is_admin(actor: User | AnonymousUser) -> bool:
    return bool(can_log_in(actor) and (actor.role == Role.ADMIN or actor.is_superuser))


def _is_moderator(actor: User | AnonymousUser) -> bool:
    return actor.role in (Role.MODERATOR, Role.ADMIN) or actor.is_superuser


def can_export(actor: User | AnonymousUser) -> bool:
    """Researchers, moderators and admins (not banned) request dataset files."""
    return bool(actor.is_authenticated and actor.enabled and (actor.role == Role.RESEARCHER or _is_moderator(actor)))


def can_export_unanonymized(actor: User | AnonymousUser) -> bool:
    """Moderators and admins may export the real user and message ids; everyone else's files are anonymized."""
    return can_export(actor) and _is_moderator(actor)


def can_see_all_export_jobs(actor: User | AnonymousUser) -> bool:
    """Moderators and admins see everybody's export jobs; researchers their own."""
    return can_export(actor) and _is_moderator(actor)


def can_see_export_job(actor: User | AnonymousUser, job: ExportJob) -> bool:
    """One's own jobs, every job for moderators, and the files of a finished release for whoever may read it."""
    if job.release_id is not None and job.release.state == ReleaseState.READY and can_view_releases(actor):
        return True
    if not can_export(actor):
        return False
    return job.requested_by_id == actor.pk or _is_moderator(actor)


def can_download_export(actor: User | AnonymousUser, job: ExportJob) -> bool:
    """Whoever may see a job may download its file (once it is ready)."""
    return can_see_export_job(actor, job)


def can_request_release(actor: User | AnonymousUser) -> bool:
    """A release (every file kind of the finished trees, anonymized, with a dataset card) is an admin's decision."""
    return _is_admin(actor)


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
