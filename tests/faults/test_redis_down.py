"""Redis stopped while volunteers work: tasks are handed out and submitted as usual (the cache degrades to misses,
a job that cannot be sent is left to its periodic sweep), and once Redis is back the sweeps and a worker catch up
on what was asked for meanwhile."""

import signal
import time
from datetime import timedelta

import pytest
import requests
from celery import Celery
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.cache import cache
from django.db import connection
from django.db.models import F
from django.test import override_settings

from accounts.models import Role
from annotation.models import Message, Task, TaskState, ToxicityScore
from exports.models import ExportJob, JobState
from tests.factories import UserFactory
from tests.faults.servers import AppServer, RedisServer, app_env, start_worker, stop_process, wait_for
from toxicity.models import PendingScore

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

# Connection refused is answered at once and a publish's own retries take under a second: a request waits on
# Redis for no longer than that (it waited 19 s, then broke the result backend). Generous for a busy machine.
SLOWEST_REQUEST = 8.0


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _timed(call, *args, **kwargs) -> requests.Response:
    started = time.monotonic()
    response = call(*args, timeout=30, **kwargs)
    assert time.monotonic() - started < SLOWEST_REQUEST, f"{response.request.url} took too long"
    return response


def _write_a_prompt(api: requests.Session, url: str, text: str) -> None:
    response = _timed(api.post, f"{url}/api/v1/tasks/", json={"type": "initial_prompt", "lang": "en"})
    assert response.status_code == 201, response.text
    task = response.json()["id"]
    assert _timed(api.post, f"{url}/api/v1/tasks/{task}/ack/").status_code == 200
    response = _timed(api.post, f"{url}/api/v1/tasks/{task}/submit/", json={"text": text, "lang": "en"})
    assert response.status_code == 201, response.text


def _api(user) -> requests.Session:
    from accounts.services.tokens import issue_personal_token

    session = requests.Session()
    session.headers["Authorization"] = f"Token {issue_personal_token(user=user)}"
    return session


@pytest.mark.django_db(transaction=True)
def test_work_goes_on_while_redis_is_down_and_the_jobs_catch_up(tmp_path):
    redis = RedisServer()
    redis.start()
    volunteers = [UserFactory() for _ in range(2)]
    # The server's own hasher (the suite's is MD5, which the real settings do not read), at a low cost.
    volunteers[0].password = PBKDF2PasswordHasher().encode("pw-for-tests-123", "fault-salt", iterations=1000)
    volunteers[0].save(update_fields=["password"])
    researcher = UserFactory(role=Role.RESEARCHER)
    env = app_env(
        DATABASE_URL=_database_url(),
        REDIS_URL=redis.url(),
        EXPORTS_ROOT=str(tmp_path / "exports"),
        TOXICITY_BACKEND="profanity_check",
    )
    worker = None
    try:
        with AppServer(env, log=tmp_path / "app.log") as app:
            redis.stop()
            texts = [f"What is the best way to learn how to sail, question {n}?" for n in range(len(volunteers))]
            for volunteer, text in zip(volunteers, texts, strict=True):
                _write_a_prompt(_api(volunteer), app.url, text)
            response = _timed(_api(researcher).post, f"{app.url}/api/v1/exports/", json={"kind": "trees"})
            assert response.status_code == 201, response.text

            # A page that counts failed logins in the cache (allauth's rate limits).
            page = requests.Session()
            _timed(page.get, f"{app.url}/accounts/login/")
            form = {"login": volunteers[0].username, "password": "pw-for-tests-123"}
            form["csrfmiddlewaretoken"] = page.cookies["csrftoken"]
            response = _timed(page.post, f"{app.url}/accounts/login/", data=form, allow_redirects=False)
            assert response.status_code == 302 and "sessionid" in page.cookies

        messages = Message.objects.filter(text__in=texts)
        assert messages.count() == len(texts)
        assert Task.objects.filter(state=TaskState.DONE).count() == len(texts)
        assert PendingScore.objects.count() == len(texts) and not ToxicityScore.objects.exists()
        job = ExportJob.objects.get()
        assert (job.state, job.enqueued_at) == (JobState.QUEUED, None)

        redis.start()
        worker = start_worker(env, "celery", "exports", log=tmp_path / "worker.log")
        # The sweeps, as beat runs them every minute; the export was requested more than a minute before.
        ExportJob.objects.update(created_at=F("created_at") - timedelta(minutes=2))
        beat = Celery(broker=redis.url(), set_as_current=False)
        beat.send_task("toxicity.jobs.score_pending_messages")
        beat.send_task("exports.jobs.requeue_exports", queue="exports")
        beat.close()

        def caught_up() -> bool:
            scored = ToxicityScore.objects.filter(message__in=messages).count() == len(texts)
            return scored and ExportJob.objects.filter(state=JobState.READY).exists()

        wait_for(caught_up, timeout=60, what="the jobs asked for while Redis was down", interval=0.2)
        assert not PendingScore.objects.exists()
        job.refresh_from_db()
        assert job.enqueued_at is not None and job.attempts == 1
    finally:
        stop_process(worker)
        redis.stop()


@pytest.mark.parametrize("fault", ["stopped", "hanging"])
def test_the_cache_answers_misses_while_redis_is_down(fault):
    redis = RedisServer()
    if fault == "hanging":
        redis.start()
        redis.process.send_signal(signal.SIGSTOP)  # connections are accepted, nothing is answered
    timeouts = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    backend = {"BACKEND": "core.cache.RedisCache", "LOCATION": redis.url(), "OPTIONS": timeouts}
    try:
        with override_settings(CACHES={"default": backend}):
            started = time.monotonic()
            assert cache.get("key", "default") == "default"
            assert cache.get_many(["key"]) == {}
            assert cache.add("key", 1) is True
            cache.set("key", 1)
            cache.delete("key")
            with pytest.raises(ValueError):
                cache.incr("key")
            assert time.monotonic() - started < 6 * 1.5
    finally:
        if redis.process is not None:
            redis.process.send_signal(signal.SIGCONT)
        redis.stop()
