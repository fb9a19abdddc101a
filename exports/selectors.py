"""Reads of export jobs and releases, for the datasets page and the API."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.core.files.base import File
from django.db.models import Prefetch, QuerySet

from accounts.models import User
from exports import policies
from exports.errors import ExportExpired, ExportNotFound, ExportNotReady, NotResearcher
from exports.models import ExportJob, JobState, Release, ReleaseState
from exports.services.export_jobs import download_name
from exports.storage import content_type, download_url, export_storage


def export_jobs(*, actor: User, everyone: bool = False) -> QuerySet[ExportJob]:
    """The actor's export jobs, newest first; with ``everyone``, every user's (moderators). Release files are
    listed with their release."""
    if not policies.can_export(actor):
        raise NotResearcher
    jobs = ExportJob.objects.filter(release__isnull=True).select_related("requested_by").order_by("-created_at", "-pk")
    if everyone and policies.can_see_all_export_jobs(actor):
        return jobs
    return jobs.filter(requested_by=actor)


def export_job(*, actor: User, job_id: uuid.UUID | str) -> ExportJob:
    """One job the actor may see; another's job answers as if there were none."""
    if not policies.can_export(actor):
        raise NotResearcher
    job = ExportJob.objects.select_related("requested_by", "release").filter(pk=job_id).first()
    if job is None or not policies.can_see_export_job(actor, job):
        raise ExportNotFound
    return job


def ready_releases() -> QuerySet[Release]:
    """Finished releases, newest first, each with its ready files (``release.files``)."""
    files = ExportJob.objects.filter(state=JobState.READY).order_by("kind", "compress")
    return (
        Release.objects.filter(state=ReleaseState.READY)
        .order_by("-created_at", "-pk")
        .prefetch_related(Prefetch("jobs", queryset=files, to_attr="files"))
    )


@dataclass(frozen=True)
class Download:
    filename: str
    content_type: str
    url: str | None = None  # a signed URL of the storage (buckets)
    file: File | None = None  # else the file itself, streamed by the site


def export_download(*, actor: User, job_id: uuid.UUID | str) -> Download:
    """The ready file of a job the actor may download."""
    job = export_job(actor=actor, job_id=job_id)
    if not policies.can_download_export(actor, job):
        raise ExportNotFound
    if job.state == JobState.EXPIRED:
        raise ExportExpired
    if job.state != JobState.READY or not job.file:
        raise ExportNotReady
    storage = export_storage()
    filename = download_name(job)
    url = download_url(storage, job.file, filename=filename)
    if url is not None:
        return Download(filename=filename, content_type=content_type(job.file), url=url)
    try:
        file = storage.open(job.file, "rb")
    except FileNotFoundError:
        raise ExportExpired from None
    return Download(filename=filename, content_type=content_type(job.file), file=file)
