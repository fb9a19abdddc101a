"""A full disk under an export: the job ends failed with a reason a researcher can read, and nothing of the file is
left behind, neither under its published name nor as a temporary file.

The disk is a tmpfs of 256 KiB when this process may mount one (root in a container); otherwise a folder whose
files raise ENOSPC once they hold as much."""

import errno
import io
import os
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

from accounts.models import Role
from exports import storage
from exports.file_kinds import FileKind
from exports.filters import ExportFilter
from exports.generator import generated_records
from exports.models import ExportJob, JobState
from exports.services.export_jobs import request_export
from exports.services.importing import import_records
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
DISK = 256 * 1024
TREES = 150  # about half a megabyte of trees


class _FullAfter(io.FileIO):
    """A file on a disk with ``DISK`` bytes free."""

    def write(self, data) -> int:
        if self.tell() + len(data) > DISK:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return super().write(data)


def _mount_tmpfs(folder: Path) -> bool:
    try:
        command = ["mount", "-t", "tmpfs", "-o", f"size={DISK}", "tmpfs", str(folder)]
        return subprocess.run(command, capture_output=True).returncode == 0
    except OSError:
        return False


@pytest.fixture
def small_disk(tmp_path, monkeypatch):
    folder = tmp_path / "disk"
    folder.mkdir()
    mounted = _mount_tmpfs(folder)
    if not mounted:
        # The files the exports storage opens for writing, and its temporary files, are on the small disk.
        def open_for_writing(path, mode="r", *args, **kwargs):
            assert "w" in mode and str(path).startswith(str(folder))
            return io.BufferedRandom(_FullAfter(path, "w+"))

        def temporary_file(dir):
            path = Path(dir) / f".tmp{os.getpid()}"
            file = open_for_writing(path, "w+b")
            path.unlink()
            return file

        monkeypatch.setattr(storage, "open", open_for_writing, raising=False)
        monkeypatch.setattr(storage, "tempfile", SimpleNamespace(TemporaryFile=temporary_file))
    yield folder
    if mounted:
        subprocess.run(["umount", str(folder)], check=True)


@pytest.mark.parametrize("where", ["folder", "bucket"])
def test_an_export_that_fills_the_disk_fails_clearly_and_leaves_nothing(
    small_disk, settings, where, django_capture_on_commit_callbacks
):
    import_records(generated_records(trees=TREES, seed=3), strict=True)
    if where == "folder":
        exports = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(small_disk)}}
    else:
        # A store that is not a folder: the file is written to EXPORTS_TEMP_DIR first (as for a bucket).
        exports = {"BACKEND": "django.core.files.storage.InMemoryStorage"}
        settings.EXPORTS_TEMP_DIR = str(small_disk)
    settings.STORAGES = {**settings.STORAGES, "exports": exports}
    researcher = UserFactory(role=Role.RESEARCHER)

    with django_capture_on_commit_callbacks(execute=True):
        job = request_export(actor=researcher, kind=FileKind.TREES, export_filter=ExportFilter.everything())

    job = ExportJob.objects.get(pk=job.pk)
    assert job.state == JobState.FAILED and job.finished_at is not None
    assert job.error == "There is not enough disk space to write this file. Try again later, or with fewer trees."
    assert (job.file, job.size_bytes) == ("", None)
    assert [path for path in small_disk.rglob("*") if path.is_file()] == []
    if where == "bucket":
        assert storage.export_storage().listdir("")[1] == []
