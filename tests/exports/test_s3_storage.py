"""Export files in an S3-compatible bucket (django-storages), against moto's S3 server on a local port: the file is
uploaded under a temporary key and copied to its final key whole, downloads are redirects to signed URLs, expiry
deletes the object, and a bucket that does not answer sends the job back to the queue."""

import json
import os
import socket
import subprocess
import sys
import urllib.request
import uuid
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from django.core.files.storage import storages

from accounts.models import Role
from exports.errors import TRANSIENT_ERRORS, StorageUnavailable
from exports.file_kinds import FileKind
from exports.filters import ExportFilter
from exports.models import ExportJob, JobState
from exports.services.export_jobs import expire_exports, job_file_name, request_export, run_export
from exports.services.importing import import_file
from exports.storage import _BucketFile, part_name
from tests.exports.conftest import SAMPLE, export_objs, read_export
from tests.factories import UserFactory, api_client_for

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def _storage_settings(endpoint: str, bucket: str, **options) -> dict:
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "location": "exports",
            "endpoint_url": endpoint,
            "region_name": "us-east-1",
            "access_key": "testing",
            "secret_key": "testing",
            "addressing_style": "path",
            "default_acl": None,
            "querystring_expire": 600,
            **options,
        },
    }


@pytest.fixture
def bucket(s3_endpoint, settings, monkeypatch):
    """A new bucket, used as the exports storage; returns an S3 client and the bucket's name."""
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    name = f"exports-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=s3_endpoint, **CREDENTIALS)
    client.create_bucket(Bucket=name)
    settings.STORAGES = {**settings.STORAGES, "exports": _storage_settings(s3_endpoint, name)}
    return client, name


@pytest.fixture(autouse=True)
def _sample():
    import_file(SAMPLE)


def _keys(client, bucket: str) -> list[str]:
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=bucket).get("Contents", []))


def test_a_job_copies_its_file_to_the_final_key_only_when_complete(bucket, monkeypatch):
    client, name = bucket
    moderator = UserFactory(role=Role.MODERATOR)
    job = request_export(actor=moderator, kind=FileKind.TREES, export_filter=ExportFilter.everything(), compress=True)
    final = f"exports/{job_file_name(job)}"
    before_publish = []
    publish = _BucketFile.publish

    def look_then_publish(staged):
        before_publish.append(_keys(client, name))
        publish(staged)

    monkeypatch.setattr(_BucketFile, "publish", look_then_publish)
    run_export(job_id=job.pk)

    job.refresh_from_db()
    assert job.state == JobState.READY and job.file == job_file_name(job)
    [keys] = before_publish
    assert final not in keys
    assert len(keys) == 1 and keys[0].startswith(f"exports/{job.pk}/.trees.jsonl.gz.1-") and keys[0].endswith(".part")
    assert _keys(client, name) == [final]
    head = client.head_object(Bucket=name, Key=final)
    assert head["ContentLength"] == job.size_bytes and head["ContentType"] == "application/gzip"
    assert "ContentEncoding" not in head, "a gzip file is downloaded as it is, not unpacked on the way"
    data = client.get_object(Bucket=name, Key=final)["Body"].read()
    assert read_export(data, compress=True) == export_objs(ExportFilter.everything())


def test_downloads_are_redirects_to_signed_urls(bucket, client):
    researcher = UserFactory(role=Role.RESEARCHER)
    job = request_export(actor=researcher, kind=FileKind.MESSAGES, export_filter=ExportFilter.everything())
    run_export(job_id=job.pk)
    job.refresh_from_db()
    client.force_login(researcher)
    for response in (
        client.get(f"/datasets/jobs/{job.pk}/download/"),
        api_client_for(researcher).get(f"/api/v1/exports/{job.pk}/download/"),
    ):
        assert response.status_code == 302
        url = response["Location"]
        assert "Signature=" in url or "X-Amz-Signature=" in url
        with urllib.request.urlopen(url, timeout=10) as answer:
            data = answer.read()
            disposition = answer.headers["Content-Disposition"]
        assert disposition == f'attachment; filename="oasst-{job.created_at:%Y-%m-%d}-messages.jsonl"'
        assert len(read_export(data, compress=False)) == job.rows


def test_expiry_deletes_the_object(bucket):
    client, name = bucket
    job = request_export(actor=UserFactory(role=Role.MODERATOR), kind="trees", export_filter=ExportFilter())
    run_export(job_id=job.pk)
    ExportJob.objects.filter(pk=job.pk).update(expires_at=job.created_at)
    assert expire_exports() == 1
    assert _keys(client, name) == []
    assert ExportJob.objects.get(pk=job.pk).state == JobState.EXPIRED


def test_a_run_again_deletes_the_temporary_keys_of_the_run_before(bucket):
    client, name = bucket
    job = request_export(actor=UserFactory(role=Role.MODERATOR), kind="trees", export_filter=ExportFilter())
    left = f"exports/{part_name(job_file_name(job), '1-dead')}"
    client.put_object(Bucket=name, Key=left, Body=b'{"partial"')
    ExportJob.objects.filter(pk=job.pk).update(state=JobState.RUNNING, attempts=1)
    run_export(job_id=job.pk)
    assert _keys(client, name) == [f"exports/{job_file_name(job)}"]


def test_a_bucket_that_does_not_answer_sends_the_job_back_to_the_queue(bucket, settings):
    client, name = bucket
    working = settings.STORAGES["exports"]
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": _storage_settings(
            f"http://127.0.0.1:{_free_port()}",
            name,
            client_config=Config(retries={"max_attempts": 1}, connect_timeout=2),
        ),
    }
    job = request_export(actor=UserFactory(role=Role.MODERATOR), kind="trees", export_filter=ExportFilter())
    with pytest.raises(StorageUnavailable):
        run_export(job_id=job.pk)
    assert StorageUnavailable in TRANSIENT_ERRORS  # the Celery job retries it
    job.refresh_from_db()
    assert job.state == JobState.QUEUED and job.error
    settings.STORAGES = {**settings.STORAGES, "exports": working}
    assert run_export(job_id=job.pk).state == JobState.READY
    assert _keys(client, name) == [f"exports/{job_file_name(job)}"]


def test_the_bucket_is_chosen_by_environment_variables():
    code = "from django.conf import settings; import json; print(json.dumps(settings.STORAGES['exports'], default=str))"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("EXPORTS_", "AWS_", "DJANGO_SETTINGS"))}
    env = {
        **clean,
        "DJANGO_SETTINGS_MODULE": "oasst.settings",
        "DEBUG": "1",
        "EXPORTS_S3_BUCKET": "datasets",
        "AWS_S3_ENDPOINT_URL": "http://minio.local:9000",
    }
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    config = json.loads(done.stdout)
    assert config["BACKEND"] == "storages.backends.s3.S3Storage"
    assert config["OPTIONS"]["bucket_name"] == "datasets"
    assert config["OPTIONS"]["endpoint_url"] == "http://minio.local:9000"
    assert storages["exports"].__class__.__name__ == "FileSystemStorage"  # the tests' own default
