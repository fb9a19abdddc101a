"""The datasets page through the test client: who sees it, the form and its errors, the list of jobs with its
polled rows, downloads, and the queries each costs."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Role
from exports.file_kinds import FileKind
from exports.models import ExportJob, JobState, Release, ReleaseState
from exports.services.export_jobs import run_export
from exports.services.importing import import_file
from tests.exports.conftest import SAMPLE, read_export
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/datasets/"
VALID = {
    "kind": "trees",
    "compress": "on",
    "states": ["ready_for_export"],
    "langs": "en, es",
    "deleted": "exclude",
    "rejected": "exclude",
    "synthetic": "include",
    "labels": "on",
    "events": "on",
    "anonymize": "on",
}


@pytest.fixture
def researcher(client):
    user = UserFactory(role=Role.RESEARCHER)
    client.force_login(user)
    return user


@pytest.fixture
def moderator(client):
    user = UserFactory(role=Role.MODERATOR)
    client.force_login(user)
    return user


def _job(user, **fields) -> ExportJob:
    fields.setdefault("kind", FileKind.TREES)
    fields.setdefault("filters", {"states": ["ready_for_export"], "langs": ["en"], "anonymize_seed": "s"})
    return ExportJob.objects.create(requested_by=user, **fields)


def test_the_header_links_the_page_for_those_who_may_export(client, researcher):
    assert f'href="{URL}"' in client.get("/profile/").content.decode()
    client.force_login(UserFactory())
    assert f'href="{URL}"' not in client.get("/profile/").content.decode()
    assert client.get(URL).status_code == 403


def test_a_researcher_cannot_turn_anonymization_off(client, researcher, django_capture_on_commit_callbacks):
    page = client.get(URL).content.decode()
    assert 'name="anonymize"' in page and "always anonymized" in page
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(URL, {**VALID, "anonymize": ""})
    assert response.status_code == 302 and response["Location"] == URL
    job = ExportJob.objects.get()
    assert job.filters["anonymize_seed"] and job.filters["langs"] == ["en", "es"]
    assert (job.kind, job.compress, job.filters["synthetic"]) == ("trees", True, "include")


def test_the_form_takes_every_filter(client, moderator, django_capture_on_commit_callbacks):
    user_id = UserFactory().pk
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            URL,
            {
                "kind": "messages",
                "states": ["growing", "ready_for_export"],
                "langs": "pt-BR",
                "deleted": "only",
                "rejected": "include",
                "synthetic": "exclude",
                "user_id": str(user_id),
                "date_from": "2023-02-01",
                "date_to": "2023-02-28",
                "prompts_only": "on",
                "anonymize_seed": "project-seed",
            },
        )
    assert response.status_code == 302
    job = ExportJob.objects.get()
    assert (job.kind, job.compress) == ("messages", False)
    assert job.filters == {
        "states": ["growing", "ready_for_export"],
        "langs": ["pt-BR"],
        "deleted": "only",
        "rejected": "include",
        "synthetic": "exclude",
        "user_id": str(user_id),
        "date_from": "2023-02-01T00:00:00+00:00",
        "date_to": "2023-03-01T00:00:00+00:00",
        "prompts_only": True,
        "labels": False,
        "events": False,
        "anonymize_seed": "project-seed",
        "backup": False,
    }


def test_a_moderator_may_export_real_ids(client, moderator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        client.post(URL, {**VALID, "anonymize": ""})
    assert ExportJob.objects.get().filters["anonymize_seed"] is None


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"langs": "en, not a tag!"}, "langs", "Not a language tag"),
        ({"date_from": "2023-03-01", "date_to": "2023-02-01"}, "date_to", "before its end"),
        ({"date_from": "yesterday"}, "date_from", "Enter a valid date"),
        ({"user_id": "alice"}, "user_id", "Enter a valid UUID"),
        ({"kind": "csv"}, "kind", "Select a valid choice"),
        ({"states": ["finished"]}, "states", "Select a valid choice"),
        ({"deleted": "maybe"}, "deleted", "Select a valid choice"),
        ({"anonymize_seed": "x" * 65}, "anonymize_seed", "at most 64"),
        ({"anonymize_seed": "tab\there"}, "anonymize_seed", "printable"),
    ],
)
def test_bad_filters_are_form_errors(client, researcher, changes, field, message):
    response = client.post(URL, {**VALID, **changes})
    assert response.status_code == 422
    form = response.context["form"]
    assert field in form.errors and message in " ".join(form.errors[field])
    assert message in response.content.decode()
    assert not ExportJob.objects.exists()


def test_too_many_exports_is_a_form_error(client, researcher, settings):
    settings.EXPORT_MAX_ACTIVE_JOBS = 1
    _job(researcher)
    response = client.post(URL, VALID)
    assert response.status_code == 422 and "too many exports" in response.content.decode()


def test_the_list_shows_the_jobs_and_polls_only_unfinished_ones(client, researcher):
    done = _job(researcher, state=JobState.READY, file="x/trees.jsonl", trees=3, messages=30, rows=3, size_bytes=2048)
    running = _job(researcher, state=JobState.RUNNING, trees_total=200, trees_done=50)
    failed = _job(researcher, state=JobState.FAILED, error="The export failed: disk full")
    others = _job(UserFactory(role=Role.RESEARCHER))
    page = client.get(URL).content.decode()
    assert f'id="job-{done.pk}"' in page and f'id="job-{running.pk}"' in page and f'id="job-{failed.pk}"' in page
    assert str(others.pk) not in page
    assert f'href="/datasets/jobs/{done.pk}/download/"' in page and "2.0\xa0KB" in page
    assert 'value="25"' in page and "50 of 200 trees" in page and "disk full" in page
    assert "States: Ready for export" in page and "Languages: en" in page and "Anonymized (seed s)" in page
    assert "3 trees" in page and "30 messages" in page and "3 rows" in page
    assert page.count('hx-trigger="every 1s"') == 1

    row = client.get(f"/datasets/jobs/{running.pk}/")
    assert row.status_code == 200 and 'hx-trigger="every 1s"' in row.content.decode()
    ExportJob.objects.filter(pk=running.pk).update(state=JobState.READY, file="y/trees.jsonl")
    row = client.get(f"/datasets/jobs/{running.pk}/").content.decode()
    assert "hx-trigger" not in row and "Download" in row
    assert client.get(f"/datasets/jobs/{others.pk}/").status_code == 404


def test_moderators_may_list_everybody_s_jobs(client, moderator):
    others = _job(UserFactory(role=Role.RESEARCHER, username="someone"))
    assert str(others.pk) not in client.get(URL).content.decode()
    page = client.get(URL + "?all=1").content.decode()
    assert str(others.pk) in page and "Someone" in page
    assert client.get(f"/datasets/jobs/{others.pk}/").status_code == 200


def test_a_researcher_s_all_is_only_their_own(client, researcher):
    others = _job(UserFactory(role=Role.RESEARCHER))
    assert str(others.pk) not in client.get(URL + "?all=1").content.decode()


def test_the_page_s_queries_do_not_grow_with_the_jobs(client, moderator, django_assert_num_queries):
    release = Release.objects.create(state=ReleaseState.READY)
    _job(None, release=release, state=JobState.READY, file="r/trees.jsonl")
    for _ in range(3):
        _job(UserFactory(role=Role.RESEARCHER))
    # session, user, jobs (with their requesters), releases, their files
    with django_assert_num_queries(5):
        client.get(URL + "?all=1")
    for _ in range(5):
        _job(UserFactory(role=Role.RESEARCHER))
    with django_assert_num_queries(5):
        response = client.get(URL + "?all=1")
    assert response.content.decode().count('<tr id="job-') == 8
    job = ExportJob.objects.filter(release=None).first()
    with django_assert_num_queries(3):
        client.get(f"/datasets/jobs/{job.pk}/")


def test_releases_are_listed_with_their_files(client, researcher):
    release = Release.objects.create(state=ReleaseState.READY, hub_repo_id="org/oasst-next")
    file = _job(None, release=release, state=JobState.READY, file="r/trees.jsonl.gz", compress=True, rows=12)
    Release.objects.create(state=ReleaseState.BUILDING)
    page = client.get(URL).content.decode()
    assert "org/oasst-next" in page and f"/datasets/jobs/{file.pk}/download/" in page and "12 rows" in page
    assert page.count('class="card release"') == 1


# --- Downloads ----------------------------------------------------------------------------------


def test_a_ready_file_is_downloaded_as_an_attachment(client, researcher, export_files, django_assert_num_queries):
    import_file(SAMPLE)
    job = ExportJob.objects.create(
        requested_by=researcher, kind=FileKind.MESSAGES, compress=True, filters=_everything_anonymized()
    )
    run_export(job_id=job.pk)
    job.refresh_from_db()
    with django_assert_num_queries(3):
        response = client.get(f"/datasets/jobs/{job.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/gzip"
    expected = f'attachment; filename="oasst-{job.created_at:%Y-%m-%d}-messages.jsonl.gz"'
    assert response["Content-Disposition"] == expected
    data = b"".join(response.streaming_content)
    assert len(data) == job.size_bytes and len(read_export(data, compress=True)) == job.rows


def test_downloads_of_other_unfinished_and_expired_jobs(client, researcher):
    others = _job(UserFactory(role=Role.RESEARCHER), state=JobState.READY, file="o/trees.jsonl")
    assert client.get(f"/datasets/jobs/{others.pk}/download/").status_code == 404
    queued = _job(researcher)
    assert client.get(f"/datasets/jobs/{queued.pk}/download/").status_code == 409
    expired = _job(researcher, state=JobState.EXPIRED, expires_at=timezone.now() - dt.timedelta(hours=1))
    response = client.get(f"/datasets/jobs/{expired.pk}/download/")
    assert response.status_code == 410 and b"expired" in response.content
    # A ready job whose file went missing answers as expired, not with an error.
    missing = _job(researcher, state=JobState.READY, file="gone/trees.jsonl")
    assert client.get(f"/datasets/jobs/{missing.pk}/download/").status_code == 410


def test_a_release_file_is_for_everyone_who_may_export(client, researcher, export_files):
    release = Release.objects.create(state=ReleaseState.READY)
    (export_files / "r").mkdir(parents=True)
    (export_files / "r" / "trees.jsonl").write_bytes(b"{}\n")
    file = _job(None, release=release, state=JobState.READY, file="r/trees.jsonl")
    response = client.get(f"/datasets/jobs/{file.pk}/download/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"{}\n"
    client.force_login(UserFactory())
    assert client.get(f"/datasets/jobs/{file.pk}/download/").status_code == 403


def _everything_anonymized() -> dict:
    from exports.filters import ExportFilter

    return ExportFilter.everything(anonymize_seed="page").to_json()
