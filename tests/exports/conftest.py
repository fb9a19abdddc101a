"""Helpers for the dataset tests: the fixture sample, exports into memory, canonical comparison."""

import gzip
import io
import json
from pathlib import Path

import pytest
from django.conf import settings

from exports.filters import ExportFilter
from exports.oasst_format import normalize
from exports.services.exporting import export_to

SAMPLE = Path(settings.BASE_DIR) / "fixtures" / "oasst_sample.jsonl"


def read_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def canonical(objs: list[dict]) -> list[str]:
    """Lines compared byte for byte, key order and line order aside."""
    return sorted(json.dumps(obj, sort_keys=True, ensure_ascii=False) for obj in objs)


def export_objs(export_filter: ExportFilter | None = None, *, flat: bool = False, chunk_size: int = 2000) -> list[dict]:
    out = io.StringIO()
    export_to(out, export_filter or ExportFilter.everything(), flat=flat, chunk_size=chunk_size)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def assert_round_trip(source: list[dict], exported: list[dict]) -> None:
    """The export is already in canonical form and equals the canonical form of the source."""
    assert canonical(exported) == canonical(normalize(source))
    assert canonical(exported) == canonical(normalize(exported))


@pytest.fixture
def sample() -> list[dict]:
    return read_lines(SAMPLE)


@pytest.fixture
def export_files(settings, tmp_path) -> Path:
    """The exports storage in a folder of the test's own; returns the folder."""
    folder = tmp_path / "exports"
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(folder)}},
    }
    return folder


def read_export(data: bytes, *, compress: bool) -> list[dict]:
    if compress:
        data = gzip.decompress(data)
    return [json.loads(line) for line in data.decode().splitlines()]
