"""Real Celery workers for the export tests: a worker process on Redis, against the test database, taking export
jobs from a queue of the test's own (so that no other process takes them), writing into a folder of the test's own.

``python -m tests.exports.workers --crawl BYTES_PER_SECOND <celery worker arguments>`` starts a worker whose export
files are written at that rate, so that a test can kill it in the middle of an export.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class ExportWorkers:
    """Starts workers on ``queue``; the test's requests are sent there (see ``export_workers``)."""

    queue: str
    env: dict[str, str]
    processes: list[subprocess.Popen]

    def start(self, *, crawl: int | None = None) -> subprocess.Popen:
        command = [sys.executable, "-m", "tests.exports.workers"] + (["--crawl", str(crawl)] if crawl else [])
        command += [
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-mingle",
            "--without-gossip",
            "-Q",
            self.queue,
        ]
        process = subprocess.Popen(command, cwd=ROOT, env=self.env)
        self.processes.append(process)
        return process


@contextmanager
def export_workers(*, redis_url: str, database: dict, folder: Path, monkeypatch) -> Iterator[ExportWorkers]:
    """Export jobs requested in this process go to a queue of their own on Redis, where the workers started with
    ``start()`` take them; their files go to ``folder``, which the caller makes the exports storage."""
    from celery import Celery

    from exports.services import export_jobs

    queue = f"test-exports-{uuid.uuid4().hex}"
    # A client app of its own: the suite's app runs jobs eagerly and has no broker.
    client = Celery(broker=redis_url, set_as_current=False)
    monkeypatch.setattr(
        export_jobs,
        "enqueue_export",
        lambda *, job_id: client.send_task("exports.jobs.run_export", args=[str(job_id)], queue=queue),
    )
    host = database["HOST"] or "127.0.0.1"
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="oasst.settings",
        SECRET_KEY="worker-test",
        DATABASE_URL=f"postgres://{database['USER']}@{host}:{database['PORT'] or 5432}/{database['NAME']}",
        REDIS_URL=redis_url,
        EXPORTS_ROOT=str(folder),
        # A job taken by a killed worker is delivered again 2 seconds after it was taken.
        CELERY_VISIBILITY_TIMEOUT="2",
    )
    env.pop("EXPORTS_S3_BUCKET", None)
    workers = ExportWorkers(queue=queue, env=env, processes=[])
    try:
        yield workers
    finally:
        for process in workers.processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
        client.close()


class Crawling(io.RawIOBase):
    """Writes to ``raw`` at about ``rate`` bytes a second."""

    PIECE = 64 * 1024

    def __init__(self, raw, rate: int) -> None:
        super().__init__()
        self.raw = raw
        self.rate = rate

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        view = memoryview(data).cast("B")
        for start in range(0, len(view), self.PIECE):
            piece = view[start : start + self.PIECE]
            self.raw.write(piece)
            self.raw.flush()
            time.sleep(len(piece) / self.rate)
        return len(view)


def _crawling_exports(rate: int) -> None:
    import django

    django.setup()
    from exports.services import writing

    write_file = writing.write_file

    def crawl(kind, export_filter, out, **kwargs):
        return write_file(kind, export_filter, Crawling(out, rate), **kwargs)

    writing.write_file = crawl


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oasst.settings")
    if argv[:1] == ["--crawl"]:
        _crawling_exports(int(argv[1]))
        argv = argv[2:]
    from celery.bin.celery import main as celery

    sys.argv = ["celery", "-A", "oasst", *argv]
    celery()


if __name__ == "__main__":
    main(sys.argv[1:])
