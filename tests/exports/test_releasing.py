"""Releases: requested by an admin or the nightly schedule, built with every file kind and a card, resumable."""

import gzip
import json
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from accounts.models import Role
from exports import jobs
from exports.errors import CannotRequestRelease
from exports.file_kinds import FileKind, file_name
from exports.models import ExportJob, JobState, Release, ReleaseState
from exports.releases import release_files, storage_name
from exports.services import export_jobs, releasing
from exports.services.importing import import_file
from exports.services.releasing import build_release, request_release
from exports.storage import export_storage
from tests.exports.conftest import SAMPLE
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sample(export_files):
    import_file(SAMPLE)


@pytest.fixture
def admin():
    return UserFactory(role=Role.ADMIN)


def test_only_admins_and_the_platform_request_a_release(admin, django_capture_on_commit_callbacks):
    for role in (Role.VOLUNTEER, Role.RESEARCHER, Role.MODERATOR):
        with pytest.raises(CannotRequestRelease):
            request_release(actor=UserFactory(role=role))
    with django_capture_on_commit_callbacks() as callbacks:
        release = request_release(actor=admin)
    assert len(callbacks) == 1  # the build is queued once the release is committed
    assert release.state == ReleaseState.BUILDING and release.requested_by == admin
    assert sorted(release.jobs.values_list("kind", flat=True)) == sorted(FileKind.values)
    assert {job.filters["anonymize_seed"] for job in release.jobs.all()} == {release.anonymize_seed}
    assert all(job.filters["states"] == ["ready_for_export"] for job in release.jobs.all())
    # One release is built at a time: asking again while it builds gives the same one.
    assert request_release(actor=None) == release
    assert Release.objects.count() == 1


def test_a_release_holds_every_file_kind_and_its_card(admin):
    release = build_release(release_id=request_release(actor=admin, enqueue=False).pk)
    assert release.state == ReleaseState.READY and release.finished_at and not release.error
    files = release_files(release)
    assert [file.kind for file in files] == list(FileKind)
    storage = export_storage()
    for kind in FileKind:
        assert storage.exists(storage_name(release, file_name(kind, compress=kind != FileKind.PARQUET)))
    assert release.card.startswith("---\n") and storage.exists(storage_name(release, "README.md"))
    with storage.open(storage_name(release, "trees.jsonl.gz")) as stored:
        trees = [json.loads(line) for line in gzip.decompress(stored.read()).decode().splitlines()]
    original_ids = {json.loads(line)["message_tree_id"] for line in SAMPLE.read_text().splitlines() if line.strip()}
    assert trees and all(tree["tree_state"] == "ready_for_export" for tree in trees)
    assert not {tree["message_tree_id"] for tree in trees} & original_ids  # anonymised
    assert release.statistics["messages"]["total"] == release.jobs.get(kind=FileKind.MESSAGES).rows


def test_a_build_cut_short_continues_where_it_stopped(admin, monkeypatch):
    release = request_release(actor=admin, enqueue=False)
    trees_job = release.jobs.get(kind=FileKind.TREES)
    export_jobs.run_export(job_id=trees_job.pk)
    written = ExportJob.objects.get(pk=trees_job.pk)
    build_release(release_id=release.pk)
    again = ExportJob.objects.get(pk=trees_job.pk)
    assert (again.attempts, again.finished_at) == (written.attempts, written.finished_at)
    assert Release.objects.get(pk=release.pk).state == ReleaseState.READY
    # A finished release is left as it is.
    assert build_release(release_id=release.pk).finished_at == Release.objects.get(pk=release.pk).finished_at


def test_a_file_that_fails_fails_the_release(admin, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("disk on fire")

    monkeypatch.setattr(export_jobs.writing, "write_file", broken)
    release = build_release(release_id=request_release(actor=admin, enqueue=False).pk)
    assert release.state == ReleaseState.FAILED
    assert "disk on fire" in release.error
    assert set(release.jobs.values_list("state", flat=True)) == {JobState.FAILED}
    # The next request starts a new release.
    assert request_release(actor=None, enqueue=False) != release


def test_the_admins_button_and_the_command(client, admin, django_capture_on_commit_callbacks, monkeypatch):
    client.force_login(admin)
    page = client.get("/datasets/releases/").content.decode()
    assert 'id="release-request-form"' in page
    sent = []
    monkeypatch.setattr(jobs.build_release, "apply_async", lambda args, **options: sent.append(args[0]))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/datasets/releases/new/")
    release = Release.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/datasets/releases/{release.pk}/"
    assert sent == [str(release.pk)]

    volunteer = UserFactory()
    client.force_login(volunteer)
    assert 'id="release-request-form"' not in client.get("/datasets/releases/").content.decode()
    assert client.post("/datasets/releases/new/").status_code == 403

    Release.objects.all().delete()
    out = StringIO()
    call_command("build_release", stdout=out)
    assert Release.objects.get().state == ReleaseState.READY and "is ready" in out.getvalue()


def test_the_command_fails_loudly(monkeypatch):
    monkeypatch.setattr(releasing, "write_dataset_card", lambda **kwargs: (_ for _ in ()).throw(OSError("full")))
    with pytest.raises(OSError):
        call_command("build_release", verbosity=0)
    monkeypatch.setattr(export_jobs.writing, "write_file", lambda *a, **k: (_ for _ in ()).throw(ValueError("x")))
    Release.objects.all().delete()
    with pytest.raises(CommandError):
        call_command("build_release", verbosity=0)


def test_the_release_is_nightly():
    entry = settings.CELERY_BEAT_SCHEDULE["nightly-release"]
    assert entry["task"] == "exports.jobs.request_nightly_release"
    assert entry["schedule"].hour == {settings.NIGHTLY_RELEASE_HOUR}
