"""Who may export datasets: one function per action, asked by the datasets page, the API and the services."""

from django.contrib.auth.models import AnonymousUser

from accounts.models import Role, User
from exports.models import ExportJob, ReleaseState


def _is_moderator(actor: User | AnonymousUser) -> bool:
    return actor.role in (Role.MODERATOR, Role.ADMIN) or actor.is_superuser


def can_export(actor: User | AnonymousUser) -> bool:
    """Researchers, moderators and admins (not banned) request dataset files and read the releases."""
    return bool(actor.is_authenticated and actor.enabled and (actor.role == Role.RESEARCHER or _is_moderator(actor)))


def can_export_unanonymized(actor: User | AnonymousUser) -> bool:
    """Moderators and admins may export the real user and message ids; everyone else's files are anonymized."""
    return can_export(actor) and _is_moderator(actor)


def can_see_all_export_jobs(actor: User | AnonymousUser) -> bool:
    """Moderators and admins see everybody's export jobs; researchers their own."""
    return can_export(actor) and _is_moderator(actor)


def can_see_export_job(actor: User | AnonymousUser, job: ExportJob) -> bool:
    """One's own jobs, every job for moderators, and the files of a finished release for whoever may export."""
    if not can_export(actor):
        return False
    if job.requested_by_id == actor.pk or _is_moderator(actor):
        return True
    return job.release_id is not None and job.release.state == ReleaseState.READY


def can_download_export(actor: User | AnonymousUser, job: ExportJob) -> bool:
    """Whoever may see a job may download its file (once it is ready)."""
    return can_see_export_job(actor, job)


def can_request_release(actor: User | AnonymousUser) -> bool:
    """A release (every file kind of the finished trees, anonymized, with a dataset card) is an admin's decision."""
    return bool(actor.is_authenticated and actor.enabled and (actor.role == Role.ADMIN or actor.is_superuser))
