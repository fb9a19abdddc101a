"""Reads about releases: their files (data files, the card, the plots) and which releases a user sees."""

from __future__ import annotations

import posixpath
import uuid
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from accounts.models import User
from exports.errors import ReleaseNotFound
from exports.file_kinds import FileKind, file_name
from exports.models import ExportJob, JobState, Release, ReleaseState
from exports.policies import can_view_unfinished_releases

CARD_NAME = "README.md"


@dataclass(frozen=True)
class ReleaseFile:
    """A data file of a release: ``name`` is its path in the release (and in the Hub repository),
    ``storage_name`` its name in the default storage."""

    kind: FileKind
    name: str
    storage_name: str
    rows: int
    size_bytes: int | None
    compressed: bool

    @property
    def kind_label(self) -> str:
        return str(self.kind.label)


def release_directory(release: Release) -> str:
    """The storage prefix of the release's files, ending in ``/``."""
    directory = release.directory or f"releases/{release.pk}/"
    return directory if directory.endswith("/") else directory + "/"


def storage_name(release: Release, name: str) -> str:
    """The name in the default storage of the release's file ``name`` (a path relative to its directory)."""
    return posixpath.join(release_directory(release), name)


def release_files(release: Release, jobs: list[ExportJob] | None = None) -> list[ReleaseFile]:
    """The data files of the release (its ready export jobs), in the order of the file kinds."""
    if jobs is None:
        jobs = list(release.jobs.filter(state=JobState.READY).exclude(file=""))
    directory = release_directory(release)
    order = list(FileKind.values)
    files = []
    for job in sorted(jobs, key=lambda job: (order.index(job.kind), job.file)):
        if job.state != JobState.READY or not job.file:
            continue
        name = job.file[len(directory) :] if job.file.startswith(directory) else posixpath.basename(job.file)
        files.append(
            ReleaseFile(
                kind=FileKind(job.kind),
                name=name or file_name(job.kind, compress=job.compress),
                storage_name=job.file,
                rows=job.rows,
                size_bytes=job.size_bytes,
                compressed=job.compress,
            )
        )
    return files


def published_names(release: Release, files: list[ReleaseFile] | None = None) -> dict[str, str]:
    """Every file of the release by its path in the release: the data files, the card and the plots
    (those the card's statistics name), each with its name in the default storage."""
    names = {file.name: file.storage_name for file in (release_files(release) if files is None else files)}
    if release.card:
        names[CARD_NAME] = storage_name(release, CARD_NAME)
    for plot in (release.statistics or {}).get("plots", {}).values():
        names[plot] = storage_name(release, plot)
    return names


def visible_releases(actor: User | AnonymousUser) -> QuerySet[Release]:
    """The releases ``actor`` may see, newest first: the ready ones, and for admins also those being built or
    failed."""
    releases = Release.objects.order_by("-created_at")
    if not can_view_unfinished_releases(actor):
        releases = releases.filter(state=ReleaseState.READY)
    return releases


def visible_release(actor: User | AnonymousUser, release_id: uuid.UUID) -> Release:
    try:
        return visible_releases(actor).get(pk=release_id)
    except Release.DoesNotExist:
        raise ReleaseNotFound() from None
