"""The datasets page in headless Chromium, with a real Celery worker on Redis: a researcher requests a file of each
kind, watches its row until it is ready, downloads it and loads it with pandas."""

import re

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
        expect(row).to_contain_text(f"{job.rows}")
