"""Export jobs: a dataset file requested by a researcher or a moderator, written in the background
(exports.jobs on the "exports" queue) and published to the exports storage (exports.storage) when complete.

A job's life: queued -> running -> ready -> expired, or failed. A run may be cut short (the worker killed, the
database or the storage away for a moment): the job is then run again from the start, under a new attempt
number. Each run writes under a temporary name of its own; only the run that holds the latest attempt
publishes its file, under the job row's lock, in the same transaction that marks the job ready.
"""

from __future__ import annotations

import dataclasses
import errno
import logging
import secrets
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import InvalidInput
from core.queue import enqueue
from exports import jobs, policies
from exports.errors import TRANSIENT_ERRORS, NotResearcher, TooManyExports
from exports.file_kinds import FileKind, file_name
from exports.filters import ExportFilter
from exports.models import ExportJob, JobState
from exports.releases import storage_name
from exports.services import writing
from exports.services.exporting import count_trees
from exports.storage import StagedFile, delete_file, discard_parts, export_storage, stage

logger = logging.getLogger(__name__)

ACTIVE_STATES = (JobState.QUEUED, JobState.RUNNING)
# The job row's progress is written at most this often (seconds); the export reports it once per chunk of trees.
PROGRESS_INTERVAL = 0.5
MAX_ERROR_LENGTH = 2000
# Files deleted by one run of the hourly expiry job (the next run takes the rest).
EXPIRY_BATCH = 1000
# A job not handed to the workers this long after it was requested is handed again (requeue_exports).
REQUEUE_AFTER = timedelta(minutes=1)


# --- Requesting ---------------------------------------------------------------------------------


def request_export(
    *,
    actor: User,
    kind: FileKind | str,
    export_filter: ExportFilter,
    compress: bool = False,
    anonymize: bool = False,
) -> ExportJob:
    """Queue a job that writes the file of ``kind`` for ``export_filter``.

    The ids in the file are anonymized with the filter's seed; with ``anonymize`` and no seed, or whenever the
    actor may not export real ids (researchers), with a random seed the job keeps.
    """
    if not policies.can_export(actor):
        raise NotResearcher
    try:
        kind = FileKind(kind)
    except ValueError:
        raise InvalidInput(_("Unknown file kind: %(kind)s") % {"kind": kind}, field="kind") from None
    seed = export_filter.anonymize_seed
    if seed is None and (anonymize or not policies.can_export_unanonymized(actor)):
        seed = secrets.token_hex(16)
    export_filter = dataclasses.replace(export_filter, anonymize_seed=seed)
    with transaction.atomic():
        # One request at a time per user, so that the count below cannot be passed by two at once.
        User.objects.select_for_update().filter(pk=actor.pk).first()
        active = ExportJob.objects.filter(requested_by=actor, state__in=ACTIVE_STATES).count()
        if active >= settings.EXPORT_MAX_ACTIVE_JOBS:
            raise TooManyExports
        job = ExportJob.objects.create(
            kind=kind,
            filters=export_filter.to_json(),
            # Parquet compresses inside the file.
            compress=bool(compress) and kind != FileKind.PARQUET,
            requested_by=actor,
        )
        transaction.on_commit(partial(enqueue_export, job_id=job.pk))
    return job


def enqueue_export(*, job_id: uuid.UUID) -> bool:
    """Hand the job to the workers; while the broker is away it stays queued for ``requeue_exports`` (False)."""
    if not enqueue(jobs.run_export, str(job_id)):
        return False
    ExportJob.objects.filter(pk=job_id, enqueued_at__isnull=True).update(enqueued_at=timezone.now())
    return True


def requeue_exports(*, now: datetime | None = None) -> int:
    """Hand to the workers the queued jobs that never reached them (the broker was down when they were
    requested); returns how many reached them. Release jobs are run by their release's build."""
    now = now or timezone.now()
    lost = ExportJob.objects.filter(
        state=JobState.QUEUED, enqueued_at__isnull=True, release__isnull=True, created_at__lte=now - REQUEUE_AFTER
    )
    return sum(enqueue_export(job_id=job_id) for job_id in list(lost.values_list("pk", flat=True)[:EXPIRY_BATCH]))


def job_file_name(job: ExportJob) -> str:
    """The job's published name in the exports storage: a folder per job holding the file of its kind, or the
    release's folder for the files of a release."""
    name = file_name(job.kind, compress=job.compress)
    if job.release_id is not None:
        return storage_name(job.release, name)
    return f"{job.pk}/{name}"


def download_name(job: ExportJob) -> str:
    """The name a downloaded file is saved under, e.g. ``oasst-2026-12-07-trees.jsonl.gz``."""
    return f"oasst-{job.created_at:%Y-%m-%d}-{file_name(job.kind, compress=job.compress)}"


# --- Running ------------------------------------------------------------------------------------


def run_export(*, job_id: uuid.UUID | str) -> ExportJob | None:
    """Run the job from the start and publish its file; None if there is no such job.

    A job that is ready, expired or failed is left as it is (a second delivery of the same job does nothing).
    A transient error (TRANSIENT_ERRORS) puts the job back in the queue's state and is raised again, for the
    Celery job to retry; any other error fails the job, with its message on the row.
    """
    job, attempt = _start(job_id)
    if job is None or attempt is None:
        return job
    storage = export_storage()
    name = job_file_name(job)
    staged: StagedFile | None = None
    try:
        discard_parts(storage, name)
        export_filter = ExportFilter.from_json(job.filters)
        ExportJob.objects.filter(pk=job.pk, attempts=attempt).update(trees_total=count_trees(export_filter))
        staged = stage(storage, name, token=f"{attempt}-{uuid.uuid4().hex[:12]}")
        with _ProgressWriter(job.pk, attempt) as progress:
            report = writing.write_file(
                job.kind, export_filter, staged.file, compress=job.compress, on_progress=progress
            )
        size = staged.finish()
        with transaction.atomic():
            job = ExportJob.objects.select_for_update().get(pk=job.pk)
            if job.state != JobState.RUNNING or job.attempts != attempt:
                # A later run took the job over (a second delivery while this one still ran): it publishes.
                staged.discard()
                return job
            staged.publish()
            now = timezone.now()
            job.state = JobState.READY
            job.file = name
            job.size_bytes = size
            job.trees, job.messages, job.rows = report.trees, report.messages, report.rows
            job.trees_done = job.trees_total if job.trees_total is not None else job.trees_done
            job.finished_at = now
            job.expires_at = None if job.release_id else now + timedelta(hours=settings.EXPORT_FILE_TTL_HOURS)
            job.error = ""
            job.save()
        return job
    except TRANSIENT_ERRORS as error:
        _discard(staged)
        logger.warning("Export job %s attempt %s will be retried: %s", job_id, attempt, error)
        retrying = _("Interrupted; it will be tried again: %(error)s")
        _set_state(job_id, attempt, JobState.QUEUED, error=retrying, cause=error)
        raise
    except Exception as error:
        _discard(staged)
        logger.exception("Export job %s attempt %s failed", job_id, attempt)
        _set_state(job_id, attempt, JobState.FAILED, error=_failure_message(error), cause=error)
        return ExportJob.objects.filter(pk=job_id).first()


def fail_export(*, job_id: uuid.UUID | str, error: BaseException) -> None:
    """The Celery job gave up retrying: a job still queued or running is marked failed."""
    message = _("The export failed: %(error)s") % {"error": _describe(error)}
    ExportJob.objects.filter(pk=job_id, state__in=ACTIVE_STATES).update(
        state=JobState.FAILED, error=message[:MAX_ERROR_LENGTH], finished_at=timezone.now()
    )


def _start(job_id: uuid.UUID | str) -> tuple[ExportJob | None, int | None]:
    """Take the job for a new run: (the job, this run's attempt number), or (the job, None) when there is
    nothing to run."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.state not in ACTIVE_STATES:
            return job, None
        if job.attempts >= settings.EXPORT_MAX_ATTEMPTS:
            # Each run was cut short (a worker killed, e.g. out of memory): no more tries.
            job.state = JobState.FAILED
            job.error = _("The export was given up after %(count)d interrupted runs.") % {"count": job.attempts}
            job.finished_at = timezone.now()
            job.save(update_fields=["state", "error", "finished_at"])
            transaction.on_commit(partial(_discard_leftovers, job_file_name(job)))
            return job, None
        job.attempts += 1
        job.state = JobState.RUNNING
        job.started_at = timezone.now()
        job.finished_at = None
        job.trees_total = None
        job.trees_done = job.trees = job.messages = job.rows = 0
        job.size_bytes = None
        job.file = ""
        job.error = ""
        job.save()
        return job, job.attempts


def _discard(staged: StagedFile | None) -> None:
    if staged is not None:
        try:
            staged.discard()
        except Exception:
            logger.warning("Could not delete the temporary file %s", staged.part, exc_info=True)


def _discard_leftovers(name: str) -> None:
    try:
        discard_parts(export_storage(), name)
    except Exception:
        logger.warning("Could not delete the temporary files of %s", name, exc_info=True)


def _failure_message(error: BaseException) -> str:
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return _("There is not enough disk space to write this file. Try again later, or with fewer trees.")
    return _("The export failed: %(error)s")


def _describe(error: BaseException) -> str:
    return str(error) or type(error).__name__


def _set_state(job_id: uuid.UUID | str, attempt: int | None, state: str, *, error: str, cause: BaseException) -> None:
    message = (error % {"error": _describe(cause)})[:MAX_ERROR_LENGTH]
    fields = {"state": state, "error": message}
    if state == JobState.FAILED:
        fields["finished_at"] = timezone.now()
    try:
        ExportJob.objects.filter(pk=job_id, attempts=attempt, state=JobState.RUNNING).update(**fields)
    except TRANSIENT_ERRORS:
        logger.warning("Could not record the state of export job %s", job_id, exc_info=True)


class _ProgressWriter:
    """The trees read so far, written to the job's row at most every PROGRESS_INTERVAL seconds.

    On PostgreSQL outside a transaction, the export reads in a read-only transaction of this thread's connection
    (one snapshot), where the row cannot be written: a thread of its own writes it, on its own connection, which
    commits each write at once. Inside a transaction (the tests) the row is written on this connection.
    """

    def __init__(self, job_id: uuid.UUID, attempt: int) -> None:
        self.job_id = job_id
        self.attempt = attempt
        self.last = 0.0
        self.executor = None if connection.in_atomic_block else ThreadPoolExecutor(1, "export-progress")

    def __enter__(self) -> Callable[[int], None]:
        return self

    def __call__(self, trees_done: int) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_INTERVAL:
            return
        self.last = now
        if self.executor is None:
            self._save(trees_done)
        else:
            self.executor.submit(self._save, trees_done)

    def _save(self, trees_done: int) -> None:
        try:
            ExportJob.objects.filter(pk=self.job_id, attempts=self.attempt).update(trees_done=trees_done)
        except TRANSIENT_ERRORS:
            logger.warning("Could not record the progress of export job %s", self.job_id, exc_info=True)

    def __exit__(self, *exc_info: object) -> None:
        if self.executor is not None:
            self.executor.submit(connections.close_all)
            self.executor.shutdown(wait=True)


# --- Expiry -------------------------------------------------------------------------------------


def expire_exports(*, now: datetime | None = None) -> int:
    """Delete the files of the ready jobs whose time is up (EXPORT_FILE_TTL_HOURS after they were written) and
    mark the jobs expired; returns how many. Release files do not expire."""
    now = now or timezone.now()
    storage = export_storage()
    due = ExportJob.objects.filter(state=JobState.READY, expires_at__lte=now, release__isnull=True)
    expired = 0
    for job_id in list(due.values_list("pk", flat=True)[:EXPIRY_BATCH]):
        with transaction.atomic():
            job = due.select_for_update(skip_locked=True).filter(pk=job_id).first()
            if job is None:
                continue
            if job.file:
                delete_file(storage, job.file)
            job.state = JobState.EXPIRED
            job.file = ""
            job.save(update_fields=["state", "file"])
            expired += 1
    return expired
