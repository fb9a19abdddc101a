"""The datasets page in headless Chromium, with a real Celery worker on Redis: a researcher requests a file of each
kind, watches its row until it is ready, downloads it and loads it with pandas, pyarrow and `datasets`; the file
is checked against the trees it came from."""

import gzip
import io
import json
import re
import shutil

import pytest
from django.db import connection

from accounts.models import Role
from exports.file_kinds import FileKind, file_name
from exports.models import ExportJob, JobState
from exports.services.importing import import_file
from tests.exports.conftest import SAMPLE
from tests.exports.workers import export_workers
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def _load(path, name: str):
    import pandas as pd

    if name.endswith(".parquet"):
        return pd.read_parquet(path)
    return pd.read_json(path, lines=True, compression="gzip" if name.endswith(".gz") else None)


def _load_with_pyarrow_and_datasets(path, name: str, tmp_path, monkeypatch) -> tuple[int, int]:
    """Rows read by pyarrow and by `datasets` (offline, from the file alone)."""
    import pyarrow.json as pa_json
    import pyarrow.parquet as pq

    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    from datasets import load_dataset

    local = tmp_path / name
    shutil.copy(path, local)
    if name.endswith(".parquet"):
        table = pq.read_table(local)
        loaded = load_dataset("parquet", data_files=str(local), cache_dir=str(tmp_path / "hf"), split="train")
    else:
        table = pa_json.read_json(io.BytesIO(gzip.decompress(local.read_bytes())))
        loaded = load_dataset("json", data_files=str(local), cache_dir=str(tmp_path / "hf"), split="train")
    return table.num_rows, loaded.num_rows


def _check_against_the_trees(kind: FileKind, data: bytes, job: ExportJob) -> None:
    """The file is what its kind makes of the trees of the job's filter: the Parquet schema column by column,
    chat examples and preference pairs message by message."""
    from exports.derived import preference_pairs, sft_examples
    from exports.filters import ExportFilter
    from exports.parquet import SCHEMA
    from exports.services.writing import write_file

    export_filter = ExportFilter.from_json(job.filters)
    if kind == FileKind.PARQUET:
        import pyarrow.parquet as pq

        table = pq.read_table(io.BytesIO(data))
        assert [(field.name, field.type) for field in table.schema] == [(field.name, field.type) for field in SCHEMA]
        flat = io.BytesIO()
        write_file(FileKind.MESSAGES, export_filter, flat)
        messages = [json.loads(line) for line in flat.getvalue().decode().splitlines()]
        assert table.column("message_id").to_pylist() == [message["message_id"] for message in messages]
        assert table.column("text").to_pylist() == [message["text"] for message in messages]
        return
    rows = [json.loads(line) for line in gzip.decompress(data).decode().splitlines()]
    expected = io.BytesIO()
    write_file(kind, export_filter, expected)
    assert rows == [json.loads(line) for line in expected.getvalue().decode().splitlines()]
    if kind in (FileKind.SFT, FileKind.PAIRS):
        trees_file = io.BytesIO()
        write_file(FileKind.TREES, ExportFilter.from_json({**job.filters, "events": True}), trees_file)
        trees = [json.loads(line) for line in trees_file.getvalue().decode().splitlines()]
        derive = sft_examples if kind == FileKind.SFT else preference_pairs
        derived = [row for tree in trees for row in derive(tree)]
        texts = ("messages",) if kind == FileKind.SFT else ("prompt", "chosen", "rejected")
        assert [[row[key] for key in texts] for row in rows] == [[row[key] for key in texts] for row in derived]
        assert rows


@pytest.mark.parametrize("kind", list(FileKind), ids=lambda kind: kind.value)
def test_a_researcher_requests_watches_and_downloads_a_file(
    kind, page, log_in, screenshot, redis_url, settings, tmp_path, monkeypatch
):
    from playwright.sync_api import expect

    import_file(SAMPLE)
    folder = tmp_path / "exports"
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(folder)}},
    }
    researcher = UserFactory(role=Role.RESEARCHER)
    with export_workers(
        redis_url=redis_url, database=connection.settings_dict, folder=folder, monkeypatch=monkeypatch
    ) as workers:
        workers.start()
        log_in(researcher)
        page.get_by_role("link", name="Datasets").click()
        page.wait_for_url("**/datasets/")
        expect(page.get_by_label("Anonymize user and message ids")).to_be_disabled()
        page.get_by_label("File", exact=True).select_option(kind.value)
        page.get_by_label("Compress with gzip").check()
        page.get_by_label("Languages").fill("en, es")
        page.get_by_role("button", name="Request the file").click()
        page.wait_for_url("**/datasets/")
        expect(page.get_by_text("Your export is queued")).to_be_visible()

        job = ExportJob.objects.get(requested_by=researcher)
        row = page.locator(f"#job-{job.pk}")
        expect(row).to_contain_text("Languages: en, es")
        # The row is polled until the job is done, and then no more.
        expect(row).to_have_attribute("data-state", re.compile("^(ready|failed)$"), timeout=90_000)
        expect(row).not_to_have_attribute("hx-trigger", "every 1s")
        screenshot(f"datasets_{kind.value}")

        job.refresh_from_db()
        assert job.state == JobState.READY, job.error
        assert job.filters["anonymize_seed"]
        with page.expect_download() as download_info:
            row.get_by_role("link", name="Download").click()
        download = download_info.value
        assert download.suggested_filename == f"oasst-{job.created_at:%Y-%m-%d}-{file_name(kind, compress=True)}"
        frame = _load(download.path(), download.suggested_filename)
        assert len(frame) == job.rows > 0
        rows = _load_with_pyarrow_and_datasets(download.path(), download.suggested_filename, tmp_path, monkeypatch)
        assert rows == (job.rows, job.rows)
        _check_against_the_trees(kind, download.path().read_bytes(), job)
        expect(row).to_contain_text(f"{job.rows}")
