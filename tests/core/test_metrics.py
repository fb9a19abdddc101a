"""/metrics: the scraper's token, and the platform's own metrics (core.metrics) moving with what happens."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from celery import Celery
from django.db import transaction
from prometheus_client import REGISTRY

from annotation.jobs import expire_stale_tasks
from annotation.services.task_handout import request_task
from core import metrics
from tests.factories import UserFactory, api_client_for, make_prompt

TOKEN = "scrape-me"
ROOT = Path(__file__).resolve().parents[2]


def _value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
def scraper(client, settings):
    settings.METRICS_TOKEN = TOKEN
    return lambda: client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")


@pytest.mark.django_db
def test_metrics_need_the_scrapers_token(client, settings):
    assert client.get("/metrics").status_code == 404  # no token set: no such page
    settings.METRICS_TOKEN = TOKEN
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer guess").status_code == 404
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert b"django_http_requests_total_by_method_total" in response.content  # django-prometheus's own


@pytest.mark.django_db
def test_a_task_handed_out_and_submitted_is_counted(scraper, django_capture_on_commit_callbacks):
    make_prompt(lang="en")
    api = api_client_for(UserFactory())
    handed_out = _value("oasst_tasks_handed_out_total", kind="assistant_reply", lang="en")
    accepted = _value("oasst_submissions_total", kind="assistant_reply", outcome="accepted")
    refused = _value("oasst_submissions_total", kind="assistant_reply", outcome="text_blank")

    with django_capture_on_commit_callbacks(execute=True):
        task = api.post("/api/v1/tasks/", {"type": "assistant_reply", "lang": "en"}, format="json").json()
        blank = api.post(f"/api/v1/tasks/{task['id']}/submit/", {"text": "   "}, format="json")
        done = api.post(f"/api/v1/tasks/{task['id']}/submit/", {"text": "A fine answer."}, format="json")

    assert (blank.status_code, done.status_code) == (400, 201)
    assert _value("oasst_tasks_handed_out_total", kind="assistant_reply", lang="en") == handed_out + 1
    assert _value("oasst_submissions_total", kind="assistant_reply", outcome="accepted") == accepted + 1
    assert _value("oasst_submissions_total", kind="assistant_reply", outcome="text_blank") == refused + 1
    exposed = scraper().content.decode()
    line = f'oasst_tasks_handed_out_total{{kind="assistant_reply",lang="en"}} {handed_out + 1}'
    assert line in exposed


@pytest.mark.django_db
def test_a_rolled_back_hand_out_is_not_counted(django_capture_on_commit_callbacks):
    make_prompt(lang="de")
    before = _value("oasst_tasks_handed_out_total", kind="assistant_reply", lang="de")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        request_task(user=UserFactory(), lang="de", task_type="assistant_reply")
        raise RuntimeError

    assert _value("oasst_tasks_handed_out_total", kind="assistant_reply", lang="de") == before


@pytest.mark.django_db
def test_a_jobs_duration_is_observed():
    name = "annotation.jobs.expire_stale_tasks"
    before = _value("oasst_job_duration_seconds_count", job=name)

    expire_stale_tasks.delay()  # eager in the tests: the same signals as in a worker

    assert _value("oasst_job_duration_seconds_count", job=name) == before + 1


def test_queue_lengths_of_the_local_broker(settings, tmp_path):
    settings.REDIS_URL = ""
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(tmp_path)}
    for name in ("1_a.celery.msg", "2_b.celery.msg", "3_c.exports.msg", "4_d.other.msg"):
        (tmp_path / name).write_text("{}")

    assert metrics.queue_lengths() == {"celery": 2, "exports": 1}


@pytest.mark.redis
@pytest.mark.django_db
def test_the_queue_length_gauge_reads_redis_on_scrape(scraper, settings, redis_url):
    queue = f"test-{uuid.uuid4().hex}"
    settings.REDIS_URL = redis_url
    settings.CELERY_TASK_ROUTES = {"nothing.*": {"queue": queue}}
    client = Celery(broker=redis_url, set_as_current=False)  # the jobs keep the project's app
    try:
        for priority in (None, None, 9):  # a message with a priority waits in a list of its own
            client.send_task("nothing.at_all", queue=queue, priority=priority)
        exposed = scraper().content.decode()
    finally:
        client.connection_for_write().default_channel.queue_purge(queue)
        client.close()

    assert f'oasst_celery_queue_length{{queue="{queue}"}} 3.0' in exposed


def test_with_a_multiprocess_folder_metrics_add_up_every_process(tmp_path):
    env = dict(os.environ, PROMETHEUS_MULTIPROC_DIR=str(tmp_path))
    count = "from core import metrics; metrics.TASKS_HANDED_OUT.labels(kind='x', lang='en').inc()"
    read = "from core import metrics; print(metrics.registry().get_sample_value('oasst_tasks_handed_out_total', {'kind': 'x', 'lang': 'en'}))"  # noqa: E501
    for code in (count, count):
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)

    done = subprocess.run([sys.executable, "-c", read], cwd=ROOT, env=env, check=True, capture_output=True, text=True)

    assert done.stdout.strip() == "2.0"


def test_cache_reads_are_counted_and_a_cached_zero_stays_zero(tmp_path):
    from core.cache import FileBasedCache

    cache = FileBasedCache(str(tmp_path), {})
    labels = {"backend": "filebased"}
    before = {name: _value(f"django_cache_get_{name}_total", **labels) for name in ("hits", "misses")}
    cache.set("zero", 0)

    assert (cache.get("zero", "default"), cache.get("absent", "default")) == (0, "default")
    assert _value("django_cache_get_hits_total", **labels) == before["hits"] + 1
    assert _value("django_cache_get_misses_total", **labels) == before["misses"] + 1
