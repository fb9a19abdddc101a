"""Dataset releases: every file kind of the ``ready_for_export`` trees, anonymised with a seed of the release's
own, with a dataset card, built in the background (nightly by Celery beat, or when an admin asks for one).

A release's files are written by export jobs of its own (exports.services.export_jobs), one after the other
in one background job; the card is written once all are ready. The build can be run again (a worker killed
half-way): the files already written are kept and the rest written.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from functools import partial

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core import queue
from exports import jobs, policies
from exports.errors import CannotRequestRelease, ReleaseNotFound
from exports.file_kinds import FileKind
from exports.filters import ExportFilter
from exports.models import ExportJob, JobState, Release, ReleaseState
from exports.services.dataset_card import write_dataset_card
from exports.services.export_jobs import run_export

logger = logging.getLogger(__name__)


def request_release(*, actor: User | AnonymousUser | None = None, enqueue: bool = True) -> Release:
    """Queue a new release; ``actor`` None is the platform itself (the nightly schedule). A release already
    being built is returned instead of starting a second one. Without ``enqueue`` the caller builds it."""
    if actor is not None and not policies.can_request_release(actor):
        raise CannotRequestRelease
    with transaction.atomic():
        # One build at a time: the check below cannot be passed by two requests at once.
        building = Release.objects.select_for_update().filter(state=ReleaseState.BUILDING).first()
        if building is not None:
            return building
        now = timezone.now()
        seed = secrets.token_hex(16)
        release = Release.objects.create(
            anonymize_seed=seed, directory=f"releases/{now:%Y-%m-%dT%H%M%SZ}/", requested_by=actor
        )
        export_filter = ExportFilter(anonymize_seed=seed)
        ExportJob.objects.bulk_create(
            ExportJob(
                kind=kind,
                filters=export_filter.to_json(),
                compress=kind != FileKind.PARQUET,
                release=release,
                requested_by=actor,
            )
            for kind in FileKind
        )
        if enqueue:
            transaction.on_commit(partial(queue.enqueue, jobs.build_release, str(release.pk)))
    return release


def build_release(*, release_id: uuid.UUID | str) -> Release:
    """Write the release's files that are not written yet, then its card; a finished release is left alone."""
    release = Release.objects.filter(pk=release_id).first()
    if release is None:
        raise ReleaseNotFound
    if release.state != ReleaseState.BUILDING:
        return release
    for job_id in release.jobs.exclude(state=JobState.READY).values_list("pk", flat=True):
        run_export(job_id=job_id)
    failed = list(release.jobs.exclude(state=JobState.READY))
    if failed:
        errors = "; ".join(f"{job.get_kind_display()}: {job.error or job.get_state_display()}" for job in failed)
        return _finish(
            release.pk, ReleaseState.FAILED, error=_("A file could not be written: %(errors)s") % {"errors": errors}
        )
    write_dataset_card(release_id=release.pk)
    return _finish(release.pk, ReleaseState.READY)


def _finish(release_id: uuid.UUID, state: ReleaseState, *, error: str = "") -> Release:
    with transaction.atomic():
        release = Release.objects.select_for_update().get(pk=release_id)
        release.state = state
        release.error = error
        release.finished_at = timezone.now()
        release.save(update_fields=["state", "error", "finished_at"])
    logger.info("Release %s %s", release_id, state)
    return release
