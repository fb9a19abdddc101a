import datetime as dt
import gzip
import io
import json
import uuid

import pytest

from exports.file_kinds import FileKind, file_name
from exports.filters import ExportFilter
from exports.services.exporting import count_trees
from exports.services.importing import import_file
from exports.services.writing import write_file
from tests.exports.conftest import SAMPLE, export_objs

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sample():
    import_file(SAMPLE)


def test_filter_survives_json():
    export_filter = ExportFilter(
        states=("ready_for_export", "growing"),
        langs=("en",),
        deleted="only",
        user_id=uuid.uuid4(),
        date_from=dt.datetime(2023, 1, 1, tzinfo=dt.UTC),
        date_to=dt.datetime(2023, 2, 1, tzinfo=dt.UTC),
        prompts_only=True,
        labels=False,
        anonymize_seed="s",
    )
    assert ExportFilter.from_json(json.loads(json.dumps(export_filter.to_json()))) == export_filter


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("kind", [FileKind.TREES, FileKind.MESSAGES])
def test_json_lines_files_are_the_export(kind, compress):
    export_filter = ExportFilter.everything()
    out = io.BytesIO()
    seen = []
    report = write_file(kind, export_filter, out, compress=compress, on_progress=seen.append)
    data = gzip.decompress(out.getvalue()) if compress else out.getvalue()
    lines = [json.loads(line) for line in data.decode().splitlines()]
    assert lines == export_objs(export_filter, flat=kind == FileKind.MESSAGES)
    assert report.rows == len(lines)
    assert seen[-1] == count_trees(export_filter) == report.trees


def test_file_names():
    assert file_name(FileKind.TREES, compress=True) == "trees.jsonl.gz"
    assert file_name(FileKind.PARQUET, compress=True) == "messages.parquet"
