"""Where export files live (the ``exports`` storage of settings.STORAGES), and how a file gets there whole.

A job writes its file under a temporary name of its own, then publishes it under its final name in one step:
nobody who opens the final name ever reads a partial file, and two jobs (or two runs of one job) never write
to the same temporary name.

- In a folder (FileSystemStorage): the temporary file sits beside the final one and ``os.replace`` renames it.
- In an S3-compatible bucket (django-storages' S3Storage): the file is written locally, uploaded to a temporary
  key, then copied server-side to the final key (a copy, like a put, is visible only once complete) and the
  temporary key deleted.
- Any other storage: the complete local file is saved under the final name.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import PurePosixPath
from typing import BinaryIO

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, storages
from storages.utils import clean_name

from exports.errors import StorageUnavailable

STORAGE_ALIAS = "exports"
PART_SUFFIX = ".part"
CONTENT_TYPES = {".gz": "application/gzip", ".jsonl": "application/jsonl", ".parquet": "application/vnd.apache.parquet"}


def export_storage() -> Storage:
    return storages[STORAGE_ALIAS]


def content_type(name: str) -> str:
    return CONTENT_TYPES.get(PurePosixPath(name).suffix, "application/octet-stream")


def _is_s3(storage: Storage) -> bool:
    return hasattr(storage, "bucket") and hasattr(storage, "_normalize_name")


def part_name(name: str, token: str) -> str:
    """The temporary name of ``name`` for one run: hidden, beside it, never the name of a published file."""
    path = PurePosixPath(name)
    return str(path.parent / f".{path.name}.{token}{PART_SUFFIX}")


class StagedFile:
    """A file being written for ``name``: write to ``file``, then ``finish()``, then ``publish()`` (or
    ``discard()`` at any point)."""

    def __init__(self, storage: Storage, name: str, *, token: str) -> None:
        self.storage = storage
        self.name = name
        self.part = part_name(name, token)
        self.size: int | None = None
        self.file: BinaryIO

    def finish(self) -> int:
        """Close the file (and, for a bucket, upload it under the temporary name); returns its size in bytes."""
        raise NotImplementedError

    def publish(self) -> None:
        raise NotImplementedError

    def discard(self) -> None:
        raise NotImplementedError


class _FolderFile(StagedFile):
    def __init__(self, storage: FileSystemStorage, name: str, *, token: str) -> None:
        super().__init__(storage, name, token=token)
        self.path = storage.path(self.part)
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        self.file = open(self.path, "wb")  # noqa: SIM115 (closed by finish or discard)

    def finish(self) -> int:
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        self.size = os.path.getsize(self.path)
        return self.size

    def publish(self) -> None:
        os.replace(self.path, self.storage.path(self.name))

    def discard(self) -> None:
        self.file.close()
        with suppress(FileNotFoundError):
            os.unlink(self.path)


class _LocalCopy(StagedFile):
    """Written to a local temporary file first (buckets and other storages)."""

    def __init__(self, storage: Storage, name: str, *, token: str) -> None:
        super().__init__(storage, name, token=token)
        self.file = tempfile.TemporaryFile(dir=settings.EXPORTS_TEMP_DIR)  # noqa: SIM115

    def finish(self) -> int:
        self.file.flush()
        self.size = self.file.tell()
        self.file.seek(0)
        return self.size

    def publish(self) -> None:
        with self.file:
            self.storage.save(self.name, File(self.file))

    def discard(self) -> None:
        self.file.close()


class _BucketFile(_LocalCopy):
    def _key(self, name: str) -> str:
        # The storage's own mapping of a name to a key (its ``location`` prefix).
        return self.storage._normalize_name(clean_name(name))

    def finish(self) -> int:
        size = super().finish()
        with self.file, _storage_errors():
            extra = {"ContentType": content_type(self.name)}
            self.storage.bucket.upload_fileobj(self.file, self._key(self.part), ExtraArgs=extra)
        return size

    def publish(self) -> None:
        bucket = self.storage.bucket
        with _storage_errors():
            bucket.copy({"Bucket": bucket.name, "Key": self._key(self.part)}, self._key(self.name))
            bucket.Object(self._key(self.part)).delete()

    def discard(self) -> None:
        self.file.close()
        with suppress(Exception):
            self.storage.bucket.Object(self._key(self.part)).delete()


def stage(storage: Storage, name: str, *, token: str) -> StagedFile:
    """A new temporary file for ``name``; ``token`` makes its temporary name this run's own."""
    if isinstance(storage, FileSystemStorage):
        return _FolderFile(storage, name, token=token)
    if _is_s3(storage):
        return _BucketFile(storage, name, token=token)
    return _LocalCopy(storage, name, token=token)


def discard_parts(storage: Storage, name: str) -> int:
    """Delete the temporary files of ``name`` left beside it by runs that ended without publishing (a killed
    worker)."""
    directory, _, base = name.rpartition("/")
    try:
        with _storage_errors():
            _, files = storage.listdir(directory)
    except FileNotFoundError:
        return 0
    parts = [part for part in files if part.startswith(f".{base}.") and part.endswith(PART_SUFFIX)]
    for part in parts:
        with _storage_errors():
            storage.delete(f"{directory}/{part}" if directory else part)
    return len(parts)


def delete_file(storage: Storage, name: str) -> None:
    """Delete a published file; one that is already gone is fine."""
    with _storage_errors(), suppress(FileNotFoundError):
        storage.delete(name)


def download_url(storage: Storage, name: str, *, filename: str) -> str | None:
    """A signed URL that serves the file as an attachment named ``filename`` (buckets), or None: the file is
    served by the site itself (``storage.open``)."""
    if not _is_s3(storage):
        return None
    disposition = f'attachment; filename="{filename}"'
    return storage.url(name, parameters={"ResponseContentDisposition": disposition})


@contextmanager
def _storage_errors() -> Iterator[None]:
    """Network failures and server errors of a bucket as StorageUnavailable, which the job retries."""
    try:
        yield
    except Exception as error:
        if _is_transient(error):
            raise StorageUnavailable(str(error)) from error
        raise


def _is_transient(error: BaseException) -> bool:
    try:
        from botocore.exceptions import ClientError, ConnectionError, HTTPClientError
    except ImportError:  # pragma: no cover - boto3 is a requirement
        return False
    if isinstance(error, ConnectionError | HTTPClientError):
        return True
    if isinstance(error, ClientError):
        response = error.response
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return status >= 500 or response.get("Error", {}).get("Code") in ("SlowDown", "RequestTimeout", "Throttling")
    return False
