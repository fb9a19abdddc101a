"""Publishing a release to the Hugging Face Hub: its data files, README.md and plots in one commit.

The token, the dataset repository and the Hub's address are settings (HF_TOKEN, HF_DATASET_REPO_ID,
HF_ENDPOINT). The repository is created when missing; every file goes into a single commit, so the Hub never
shows a card whose files are not there yet. Admins ask for it on the release page (``request_publication``,
which runs ``publish_release`` in a background job); operators run ``manage.py publish_release``.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import uuid
from contextlib import ExitStack
from functools import partial
from typing import IO

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from core.queue import enqueue
from exports.errors import (
    CannotPublishRelease,
    HubNotConfigured,
    HubPublishFailed,
    ReleaseNotFound,
    ReleaseNotReady,
)
from exports.models import Release, ReleaseState
from exports.policies import can_publish_release
from exports.releases import published_names
from exports.storage import export_storage

logger = logging.getLogger(__name__)
COPY_CHUNK = 8 * 1024 * 1024


def request_publication(*, release_id: uuid.UUID, actor: User | AnonymousUser) -> Release:
    """Check that ``actor`` may publish the release and that it can be, then publish it in a background job
    once the transaction commits."""
    with transaction.atomic():
        release = _checked_release(release_id, actor)
        from exports.jobs import publish_release_job

        actor_id = str(actor.pk)
        transaction.on_commit(partial(enqueue, publish_release_job, str(release.pk), actor_id))
    return release


def publish_release(*, release_id: uuid.UUID, actor: User | AnonymousUser | None) -> Release:
    """Publish the release's files, card and plots to the Hub in one commit, and record the commit on the
    release. ``actor`` None is an operator at the command line."""
    with transaction.atomic():
        release = _checked_release(release_id, actor)
        names = published_names(release)
    # The upload takes as long as the files do: no transaction (and no row lock) is held meanwhile.
    repo_id = settings.HF_DATASET_REPO_ID
    commit_url = _commit(release, names, repo_id=repo_id)
    with transaction.atomic():
        release = Release.objects.select_for_update().get(pk=release_id)
        release.published_at = timezone.now()
        release.hub_repo_id = repo_id
        release.hub_commit_url = commit_url
        release.save(update_fields=["published_at", "hub_repo_id", "hub_commit_url"])
    logger.info(
        "Release %s published to the Hub dataset %s by %s: %d files, commit %s",
        release.pk,
        repo_id,
        f"user {actor.pk}" if actor is not None else "the command line",
        len(names),
        commit_url,
    )
    return release


def _checked_release(release_id: uuid.UUID, actor: User | AnonymousUser | None) -> Release:
    """The release, locked, once ``actor`` may publish it, it is finished and the Hub is set up."""
    try:
        release = Release.objects.select_for_update().get(pk=release_id)
    except Release.DoesNotExist:
        raise ReleaseNotFound() from None
    if actor is not None and not can_publish_release(actor, release):
        raise CannotPublishRelease()
    if release.state != ReleaseState.READY or not release.card:
        raise ReleaseNotReady()
    if not settings.HF_TOKEN or not settings.HF_DATASET_REPO_ID:
        raise HubNotConfigured()
    return release


def _commit(release: Release, names: dict[str, str], *, repo_id: str) -> str:
    """Create the dataset repository if needed and commit every file in one commit; its URL."""
    # httpx2 is the HTTP client huggingface_hub sends with: its errors are those of an unreachable Hub.
    import httpx2
    from huggingface_hub import CommitOperationAdd, HfApi
    from huggingface_hub.errors import HfHubHTTPError

    api = HfApi(endpoint=settings.HF_ENDPOINT, token=settings.HF_TOKEN, library_name="oasst-platform")
    statistics = release.statistics or {}
    with translation.override(settings.LANGUAGE_CODE):
        message = _("Release of %(date)s") % {"date": f"{release.created_at:%Y-%m-%d %H:%M} UTC"}
        description = _("%(messages)s messages in %(trees)s trees.") % {
            "messages": statistics.get("messages", {}).get("total", 0),
            "trees": statistics.get("trees", {}).get("total", 0),
        }
    with ExitStack() as stack:
        try:
            operations = [
                CommitOperationAdd(path_in_repo=name, path_or_fileobj=_readable(stack, stored))
                for name, stored in sorted(names.items())
            ]
            api.create_repo(repo_id, repo_type="dataset", exist_ok=True)
            commit = api.create_commit(
                repo_id,
                repo_type="dataset",
                operations=operations,
                commit_message=message,
                commit_description=description,
            )
        except (HfHubHTTPError, httpx2.HTTPError, OSError, ValueError) as error:
            logger.warning("Publishing release %s to the Hub dataset %s failed: %s", release.pk, repo_id, error)
            raise HubPublishFailed(
                _("The Hugging Face Hub refused the release or could not be reached: %(error)s")
                % {"error": str(error)[:500]}
            ) from error
    return commit.commit_url


def _readable(stack: ExitStack, name: str) -> str | IO[bytes]:
    """A local path of the stored file ``name``, or a temporary copy of it where the storage has no local
    files (object storage): the Hub's client reads a file twice, to hash it and to send it."""
    if not export_storage().exists(name):
        raise FileNotFoundError(f"{name} is missing from the storage")
    try:
        path = export_storage().path(name)
    except NotImplementedError:
        path = None
    if path and os.path.isfile(path):
        return path
    copy = stack.enter_context(tempfile.TemporaryFile())  # noqa: SIM115 (closed by the stack)
    with export_storage().open(name, "rb") as stored:
        shutil.copyfileobj(stored, copy, COPY_CHUNK)
    copy.seek(0)
    return copy
