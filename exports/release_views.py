"""The dataset release pages: the list of releases, a release's card with its files and plots, the files
themselves, and the admins' button that publishes a release to the Hugging Face Hub.

Releases are anonymised data made for the public: every logged-in user who is not banned sees the finished
ones (exports.policies).
"""

import mimetypes
import posixpath
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import volunteer_required
from core.errors import DomainError
from exports.card import split_front_matter
from exports.card_html import render_card_html
from exports.errors import ReleaseNotFound
from exports.models import Release, ReleaseState
from exports.policies import can_publish_release, can_request_release
from exports.releases import published_names, release_files, visible_release, visible_releases
from exports.services.hub import request_publication
from exports.services.releasing import request_release
from exports.storage import export_storage

RELEASES_PER_PAGE = 50
# Shown in the browser; any other file is downloaded.
INLINE_TYPES = {"image/png", "text/markdown"}


def _release(request: HttpRequest, release_id: UUID) -> Release:
    try:
        return visible_release(request.user, release_id)
    except ReleaseNotFound as error:
        raise Http404 from error


@volunteer_required
@require_GET
def release_list(request: HttpRequest) -> HttpResponse:
    releases = visible_releases(request.user).defer("card")
    page = Paginator(releases, RELEASES_PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "can_request": can_request_release(request.user)}
    return render(request, "exports/release_list.html", context)


@volunteer_required
@require_POST
def release_request(request: HttpRequest) -> HttpResponse:
    """An admin's "build a release now": the release is built in the background, as the nightly one is."""
    if not can_request_release(request.user):
        raise PermissionDenied
    release = request_release(actor=request.user)
    messages.success(request, _("The release is being built; its page shows it when it is ready."))
    return redirect("exports:release", release_id=release.pk)


def _detail_context(request: HttpRequest, release: Release) -> dict:
    _header, body = split_front_matter(release.card)
    return {
        "release": release,
        "files": release_files(release),
        "card_html": render_card_html(body) if body else "",
        "can_publish": can_publish_release(request.user, release) and release.state == ReleaseState.READY,
    }


@volunteer_required
@require_GET
def release_detail(request: HttpRequest, release_id: UUID) -> HttpResponse:
    release = _release(request, release_id)
    return render(request, "exports/release_detail.html", _detail_context(request, release))


@volunteer_required
@require_GET
def release_file(request: HttpRequest, release_id: UUID, name: str) -> FileResponse:
    """A file of the release (a data file, README.md or a plot), streamed from the storage."""
    release = _release(request, release_id)
    stored = published_names(release).get(name)
    if stored is None or not export_storage().exists(stored):
        raise Http404
    content_type = "text/markdown" if name.endswith(".md") else mimetypes.guess_type(name)[0]
    if name.endswith(".gz"):
        content_type = "application/gzip"
    response = FileResponse(
        export_storage().open(stored, "rb"),
        as_attachment=content_type not in INLINE_TYPES,
        filename=posixpath.basename(name),
        content_type=content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@volunteer_required
@require_POST
def release_publish(request: HttpRequest, release_id: UUID) -> HttpResponse:
    release = _release(request, release_id)
    if not can_publish_release(request.user, release):
        raise PermissionDenied
    try:
        request_publication(release_id=release.pk, actor=request.user)
    except DomainError as error:
        context = {**_detail_context(request, release), "publish_error": error.message}
        return render(request, "exports/release_detail.html", context, status=error.http_status)
    messages.success(
        request, _("The release is being published to the Hugging Face Hub; this page shows the commit when it is.")
    )
    return redirect("exports:release", release_id=release.pk)
