"""A worker killed in the middle of an export: nobody ever sees a partial file under the published name, and the
job, delivered again (it is acknowledged only once it has run), is run again from the start by another worker."""

import json
import signal
import threading
import time
from contextlib import suppress
from pathlib import Path

import pytest
from django.db import connection

from accounts.models import Role
from exports.file_kinds import FileKind
from exports.filters import ExportFilter
from exports.generator import generated_records
from exports.models import ExportJob, JobState
from exports.services.export_jobs import job_file_name, request_export
from exports.services.exporting import count_trees
from exports.services.importing import import_records
from tests.exports.workers import export_workers
from tests.factories import UserFactory
from tests.faults.servers import wait_for

TREES = 6000  # three chunks of the export; about 20 MB of JSON Lines
CRAWL = 3_000_000  # bytes a second: the killed worker's export takes several seconds


class Watcher(threading.Thread):
    """Looks at the published name every few milliseconds and keeps the size of what it finds there."""

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.path = path
        self.sizes: list[int] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            with suppress(FileNotFoundError):
                self.sizes.append(self.path.stat().st_size)
            time.sleep(0.005)


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_leaves_no_partial_file_and_the_job_is_run_again(redis_url, settings, tmp_path, monkeypatch):
    import_records(generated_records(trees=TREES, seed=5), strict=True)
    folder = tmp_path / "exports"
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(folder)}},
    }
    export_filter = ExportFilter.everything()
    total = count_trees(export_filter)
    assert total == TREES
    with export_workers(
        redis_url=redis_url, database=connection.settings_dict, folder=folder, monkeypatch=monkeypatch
    ) as workers:
        crawling = workers.start(crawl=CRAWL)
        job = request_export(actor=UserFactory(role=Role.MODERATOR), kind=FileKind.TREES, export_filter=export_filter)
        published = folder / job_file_name(job)
        watcher = Watcher(published)
        watcher.start()

        def midway():
            row = ExportJob.objects.get(pk=job.pk)
            return row.state == JobState.RUNNING and row.trees_total and 0 < row.trees_done < row.trees_total and row

        running = wait_for(midway, timeout=120, what="the export to be half done")
        assert (running.trees_total, running.attempts) == (total, 1)
        [part] = published.parent.iterdir()
        assert part.name.startswith(".trees.jsonl.1-") and part.stat().st_size > 0
        assert not published.exists()

        crawling.send_signal(signal.SIGKILL)
        crawling.wait(timeout=20)
        killed = ExportJob.objects.get(pk=job.pk)
        assert (killed.state, killed.attempts, killed.file) == (JobState.RUNNING, 1, "")
        assert not published.exists() and part.exists()

        workers.start()
        done = wait_for(
            lambda: (row := ExportJob.objects.get(pk=job.pk)).state not in (JobState.QUEUED, JobState.RUNNING) and row,
            timeout=180,
            what="the job to be run again",
        )
        watcher.stopped.set()
        watcher.join()

    assert done.state == JobState.READY, done.error
    assert done.attempts == 2 and done.trees_done == done.trees_total == total
    # Whenever the published name was there, it held the whole file.
    assert watcher.sizes and set(watcher.sizes) == {done.size_bytes}
    assert [path.name for path in published.parent.iterdir()] == ["trees.jsonl"]
    lines = published.read_bytes().decode().splitlines()
    assert len(lines) == done.rows == done.trees
    assert all(json.loads(line)["message_tree_id"] for line in lines)
