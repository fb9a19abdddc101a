"""Export jobs: requesting (roles, forced anonymization, limits), running (files, progress, retries, re-runs),
publication under the final name only when complete, and expiry."""

import datetime as dt
import threading
from unittest import mock

import kombu.exceptions
import pytest
from django.db import OperationalError, connections
from django.utils import timezone

from accounts.models import Role
from exports import jobs
from exports.errors import NotResearcher, TooManyExports
from exports.file_kinds import FileKind
from exports.filters import ExportFilter, anonymous_id
from exports.models import ExportJob, JobState, Release, ReleaseState
from exports.services import export_jobs, writing
from exports.services.export_jobs import (
    expire_exports,
    job_file_name,
    request_export,
    requeue_exports,
    run_export,
)
from exports.services.exporting import count_trees
from exports.services.importing import import_file
from exports.storage import part_name
from tests.exports.conftest import SAMPLE, export_objs, read_export
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sample():
    import_file(SAMPLE)


@pytest.fixture
def researcher():
    return UserFactory(role=Role.RESEARCHER)


@pytest.fixture
def moderator():
    return UserFactory(role=Role.MODERATOR)


def _request(actor, kind=FileKind.TREES, export_filter=None, **options) -> ExportJob:
    return request_export(actor=actor, kind=kind, export_filter=export_filter or ExportFilter.everything(), **options)


# --- Requesting ---------------------------------------------------------------------------------


def test_a_researcher_s_files_are_always_anonymized(researcher):
    job = _request(researcher, export_filter=ExportFilter.everything(), anonymize=False)
    seed = job.filters["anonymize_seed"]
    assert seed and len(seed) == 32
    other = _request(researcher, export_filter=ExportFilter.everything(anonymize_seed="mine"))
    assert other.filters["anonymize_seed"] == "mine"
    assert _request(researcher).filters["anonymize_seed"] not in (None, seed)


def test_moderators_choose_real_or_anonymized_ids(moderator):
    assert _request(moderator).filters["anonymize_seed"] is None
    assert _request(moderator, anonymize=True).filters["anonymize_seed"]
    assert (
        _request(moderator, export_filter=ExportFilter.everything(anonymize_seed="s")).filters["anonymize_seed"] == "s"
    )


@pytest.mark.parametrize("fields", [{}, {"enabled": False}, {"role": Role.MODERATOR, "enabled": False}])
def test_volunteers_and_banned_users_may_not_export(fields):
    with pytest.raises(NotResearcher):
        _request(UserFactory(**fields))
    assert not ExportJob.objects.exists()


def test_a_user_has_a_few_exports_waiting_at_most(researcher, settings):
    settings.EXPORT_MAX_ACTIVE_JOBS = 2
    first = _request(researcher)
    _request(researcher)
    with pytest.raises(TooManyExports):
        _request(researcher)
    ExportJob.objects.filter(pk=first.pk).update(state=JobState.READY)
    _request(researcher)
    _request(UserFactory(role=Role.RESEARCHER))  # someone else's count


def test_the_job_is_queued_once_the_request_is_committed(researcher, django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr(jobs.run_export, "apply_async", lambda args, **options: sent.append(args[0]))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = _request(researcher, compress=True)
    assert sent == [] and len(callbacks) == 1
    callbacks[0]()
    assert sent == [str(job.pk)]
    assert (job.state, job.compress, job.requested_by) == (JobState.QUEUED, True, researcher)
    job.refresh_from_db()
    assert job.enqueued_at is not None


def test_a_job_the_broker_did_not_take_is_sent_again_by_the_sweep(
    researcher, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setitem(jobs.run_export.app.conf, "task_always_eager", False)
    broker_down = mock.Mock(side_effect=kombu.exceptions.OperationalError("Connection refused"))
    monkeypatch.setattr(jobs.run_export, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        job = _request(researcher)
    job.refresh_from_db()
    assert broker_down.call_count == 1 and (job.state, job.enqueued_at) == (JobState.QUEUED, None)
    assert requeue_exports() == 0, "a job just requested may still be on its way to the broker"

    sent = []
    monkeypatch.setattr(jobs.run_export, "apply_async", lambda args, **options: sent.append(args[0]))
    assert requeue_exports(now=timezone.now() + dt.timedelta(minutes=2)) == 1
    job.refresh_from_db()
    assert sent == [str(job.pk)] and job.enqueued_at is not None
    assert requeue_exports(now=timezone.now() + dt.timedelta(minutes=2)) == 0


# --- Running ------------------------------------------------------------------------------------


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("kind", [FileKind.TREES, FileKind.MESSAGES])
def test_a_job_writes_its_file_and_publishes_it(
    moderator, export_files, kind, compress, django_capture_on_commit_callbacks
):
    export_filter = ExportFilter.everything(langs=("en",), anonymize_seed="seed")
    with django_capture_on_commit_callbacks(execute=True):
        job = _request(moderator, kind=kind, export_filter=export_filter, compress=compress)
    job.refresh_from_db()
    assert job.state == JobState.READY
    assert job.file == job_file_name(job) == f"{job.pk}/{kind.value}.jsonl" + (".gz" if compress else "")
    data = (export_files / job.file).read_bytes()
    lines = read_export(data, compress=compress)
    assert lines == export_objs(export_filter, flat=kind == FileKind.MESSAGES)
    assert job.size_bytes == len(data)
    assert job.rows == len(lines) and job.trees_done == job.trees_total == count_trees(export_filter)
    assert (job.trees, job.messages) == (
        len({line["message_tree_id"] for line in lines}) if kind == FileKind.MESSAGES else len(lines),
        job.messages,
    )
    assert job.messages >= job.trees > 0
    assert job.attempts == 1 and job.error == ""
    assert job.expires_at == job.finished_at + dt.timedelta(hours=7 * 24)
    # Nothing but the published file is left in the job's folder.
    assert [path.name for path in (export_files / str(job.pk)).iterdir()] == [job.file.split("/")[1]]


def test_an_anonymized_file_holds_no_real_id(researcher, export_files):
    job = _request(researcher, kind=FileKind.MESSAGES)
    run_export(job_id=job.pk)
    job.refresh_from_db()
    seed = job.filters["anonymize_seed"]
    lines = read_export((export_files / job.file).read_bytes(), compress=False)
    real = export_objs(ExportFilter.everything(), flat=True)
    assert [line["message_id"] for line in lines] == [anonymous_id("message", m["message_id"], seed) for m in real]
    real_users = {m["user_id"] for m in real if "user_id" in m}
    assert real_users and real_users.isdisjoint(line.get("user_id") for line in lines)


def test_the_file_appears_under_its_name_only_when_complete(moderator, export_files, monkeypatch):
    job = _request(moderator)
    final = export_files / job_file_name(job)
    seen = []
    real_write = writing.write_file

    def write_and_look(kind, export_filter, out, **kwargs):
        report = real_write(kind, export_filter, out, **kwargs)
        out.flush()
        # Written but not published: the bytes sit under the run's temporary name only.
        seen.append((final.exists(), sorted(path.name for path in final.parent.iterdir())))
        return report

    monkeypatch.setattr(writing, "write_file", write_and_look)
    run_export(job_id=job.pk)
    [(published, names)] = seen
    assert not published
    assert len(names) == 1 and names[0].startswith(".trees.jsonl.1-") and names[0].endswith(".part")
    assert final.exists() and ExportJob.objects.get(pk=job.pk).state == JobState.READY


def test_a_job_run_again_starts_over_cleanly(moderator, export_files):
    """A worker killed mid-run leaves the job running with a temporary file; the next delivery starts over."""
    job = _request(moderator)
    left = export_files / part_name(job_file_name(job), "1-dead")
    left.parent.mkdir(parents=True)
    left.write_bytes(b'{"partial": ')
    ExportJob.objects.filter(pk=job.pk).update(state=JobState.RUNNING, attempts=1, trees_done=5, trees_total=9)

    run_export(job_id=job.pk)

    job.refresh_from_db()
    assert (job.state, job.attempts) == (JobState.READY, 2)
    assert not left.exists()
    assert read_export((export_files / job.file).read_bytes(), compress=False) == export_objs(ExportFilter.everything())


def test_a_finished_job_delivered_again_is_left_alone(moderator, export_files):
    job = _request(moderator)
    run_export(job_id=job.pk)
    before = ExportJob.objects.get(pk=job.pk)
    run_export(job_id=job.pk)
    after = ExportJob.objects.get(pk=job.pk)
    assert (after.attempts, after.finished_at, after.file) == (1, before.finished_at, before.file)
    assert run_export(job_id="00000000-0000-0000-0000-000000000000") is None


def test_a_job_interrupted_too_often_is_given_up(moderator, export_files, settings):
    settings.EXPORT_MAX_ATTEMPTS = 3
    job = _request(moderator)
    ExportJob.objects.filter(pk=job.pk).update(state=JobState.RUNNING, attempts=3)
    run_export(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == JobState.FAILED and "3" in job.error and job.file == ""


def test_an_error_fails_the_job_and_leaves_no_file(moderator, export_files, monkeypatch):
    def broken(kind, export_filter, out, **kwargs):
        out.write(b"half a line")
        raise ValueError("the writer broke")

    monkeypatch.setattr(writing, "write_file", broken)
    job = _request(moderator)
    run_export(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == JobState.FAILED and "the writer broke" in job.error
    assert job.file == "" and list((export_files / str(job.pk)).iterdir()) == []


def test_a_transient_error_requeues_the_job_for_a_retry(moderator, export_files, monkeypatch):
    def database_away(kind, export_filter, out, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(writing, "write_file", database_away)
    job = _request(moderator)
    with pytest.raises(OperationalError):
        run_export(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == JobState.QUEUED and "closed the connection" in job.error
    assert list((export_files / str(job.pk)).iterdir()) == []
    monkeypatch.undo()
    run_export(job_id=job.pk)
    assert ExportJob.objects.get(pk=job.pk).state == JobState.READY


def test_a_superseded_run_does_not_publish(moderator, export_files, monkeypatch):
    """Two deliveries of one job at once: only the run holding the latest attempt publishes."""
    job = _request(moderator)
    real_write = writing.write_file

    def overtaken(kind, export_filter, out, **kwargs):
        report = real_write(kind, export_filter, out, **kwargs)
        ExportJob.objects.filter(pk=job.pk).update(attempts=2)  # a second run started meanwhile
        return report

    monkeypatch.setattr(writing, "write_file", overtaken)
    run_export(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == JobState.RUNNING and job.file == ""
    assert list((export_files / str(job.pk)).iterdir()) == []


def test_progress_is_written_at_most_every_half_second(moderator, monkeypatch):
    job = _request(moderator)
    clock = iter([100.0, 100.1, 100.2, 100.7, 100.8])
    monkeypatch.setattr(export_jobs.time, "monotonic", lambda: next(clock))
    written = []
    monkeypatch.setattr(export_jobs._ProgressWriter, "_save", lambda self, done: written.append(done))
    with export_jobs._ProgressWriter(job.pk, 1) as progress:
        for done in (10, 20, 30, 40, 50):
            progress(done)
    assert written == [10, 40]


def test_the_celery_job_retries_transient_errors_and_is_acknowledged_late():
    task = jobs.run_export
    assert task.acks_late and task.reject_on_worker_lost
    assert OperationalError in task.autoretry_for and task.retry_backoff
    assert task.max_retries >= 3


def test_a_job_whose_retries_ran_out_is_failed(moderator):
    job = _request(moderator)
    jobs.run_export.on_failure(OperationalError("gone"), "task-id", (str(job.pk),), {}, None)
    job.refresh_from_db()
    assert job.state == JobState.FAILED and "gone" in job.error


def test_exports_run_on_their_own_queue_and_files_expire_hourly(settings):
    from oasst.celery import app

    assert app.amqp.router.route({}, "exports.jobs.run_export")["queue"].name == "exports"
    assert app.amqp.router.route({}, "annotation.jobs.expire_stale_tasks")["queue"].name == "celery"
    scheduled = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled["exports.jobs.expire_exports"] == 3600


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_jobs_at_once_do_not_interfere(export_files):
    """Each on its own thread and connections, reading in its own snapshot, writing its own temporary file."""
    import_file(SAMPLE)
    moderator = UserFactory(role=Role.MODERATOR)
    trees = _request(moderator, FileKind.TREES)
    flat = _request(moderator, FileKind.MESSAGES, compress=True)
    errors = []

    def run(job):
        try:
            run_export(job_id=job.pk)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in (trees, flat)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    trees.refresh_from_db()
    flat.refresh_from_db()
    assert trees.state == flat.state == JobState.READY
    everything = ExportFilter.everything()
    assert read_export((export_files / trees.file).read_bytes(), compress=False) == export_objs(everything)
    assert read_export((export_files / flat.file).read_bytes(), compress=True) == export_objs(everything, flat=True)
    assert trees.trees_done == trees.trees_total == count_trees(everything)


# --- Expiry -------------------------------------------------------------------------------------


def test_expiry_deletes_old_files_and_marks_their_jobs(moderator, export_files):
    old, fresh, released = (_request(moderator) for _ in range(3))
    for job in (old, fresh, released):
        run_export(job_id=job.pk)
    now = timezone.now()
    ExportJob.objects.filter(pk=old.pk).update(expires_at=now - dt.timedelta(minutes=1))
    release = Release.objects.create(state=ReleaseState.READY)
    ExportJob.objects.filter(pk=released.pk).update(release=release, expires_at=now - dt.timedelta(days=30))

    assert expire_exports() == 1
    assert jobs.expire_exports.delay().get() == 0

    old.refresh_from_db()
    assert (old.state, old.file) == (JobState.EXPIRED, "")
    assert not (export_files / job_file_name(old)).exists()
    for job in (fresh, released):
        job.refresh_from_db()
        assert job.state == JobState.READY and (export_files / job.file).exists()


def test_expiry_follows_the_setting(moderator, export_files, settings):
    settings.EXPORT_FILE_TTL_HOURS = 2
    job = _request(moderator)
    run_export(job_id=job.pk)
    job.refresh_from_db()
    assert job.expires_at == job.finished_at + dt.timedelta(hours=2)
    assert expire_exports(now=job.finished_at + dt.timedelta(hours=1)) == 0
    assert expire_exports(now=job.finished_at + dt.timedelta(hours=2)) == 1
