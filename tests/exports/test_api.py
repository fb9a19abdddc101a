"""The datasets API: requesting an export, listing and polling jobs, downloading, releases; refusals in the JSON
error contract; the queries each endpoint costs."""

import pytest

from accounts.models import Role
from exports.file_kinds import FileKind
from exports.filters import ExportFilter
from exports.models import ExportJob, JobState, Release, ReleaseState
from exports.services.export_jobs import run_export
from exports.services.importing import import_file
from tests.exports.conftest import SAMPLE, read_export
from tests.factories import UserFactory, api_client_for

pytestmark = pytest.mark.django_db

EXPORTS = "/api/v1/exports/"


@pytest.fixture
def researcher():
    return UserFactory(role=Role.RESEARCHER)


def _job(user, **fields) -> ExportJob:
    fields.setdefault("kind", FileKind.TREES)
    fields.setdefault("filters", ExportFilter(anonymize_seed="s").to_json())
    return ExportJob.objects.create(requested_by=user, **fields)


def test_requesting_an_export(researcher, django_capture_on_commit_callbacks, django_assert_num_queries):
    api = api_client_for(researcher)
    # token; a savepoint (the test's transaction), the requester's lock, their running exports, the new row, release
    with django_capture_on_commit_callbacks(execute=False) as callbacks, django_assert_num_queries(6):
        response = api.post(
            EXPORTS,
            {"kind": "messages", "compress": True, "langs": ["en", "pt-BR"], "states": [], "date_to": "2023-02-28"},
            format="json",
        )
    assert response.status_code == 201, response.json()
    body = response.json()
    job = ExportJob.objects.get()
    assert body["id"] == str(job.pk) and len(callbacks) == 1
    assert (body["kind"], body["compress"], body["state"], body["download_url"]) == ("messages", True, "queued", None)
    assert body["filters"]["langs"] == ["en", "pt-BR"] and body["filters"]["states"] == []
    assert body["filters"]["date_to"] == "2023-03-01T00:00:00+00:00"
    assert body["filters"]["anonymize_seed"], "a researcher's export is always anonymized"
    assert body["requested_by"] == str(researcher.pk) and body["trees_total"] is None


def test_a_researcher_cannot_ask_for_real_ids_and_a_moderator_can(researcher):
    body = api_client_for(researcher).post(EXPORTS, {"kind": "trees", "anonymize": False}, format="json").json()
    assert body["filters"]["anonymize_seed"]
    moderator = UserFactory(role=Role.MODERATOR)
    body = api_client_for(moderator).post(EXPORTS, {"kind": "trees"}, format="json").json()
    assert body["filters"]["anonymize_seed"] is None
    body = api_client_for(moderator).post(EXPORTS, {"kind": "trees", "anonymize": True}, format="json").json()
    assert body["filters"]["anonymize_seed"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "csv"}, "kind"),
        ({}, "kind"),
        ({"kind": "trees", "states": ["finished"]}, "states"),
        ({"kind": "trees", "states": "ready_for_export"}, "states"),
        ({"kind": "trees", "langs": ["en", "no tag"]}, "langs"),
        ({"kind": "trees", "langs": ["x"] * 51}, "langs"),
        ({"kind": "trees", "deleted": "some"}, "deleted"),
        ({"kind": "trees", "user_id": "alice"}, "user_id"),
        ({"kind": "trees", "date_from": "soon"}, "date_from"),
        ({"kind": "trees", "date_from": "2023-03-01", "date_to": "2023-02-01"}, "date_to"),
        ({"kind": "trees", "anonymize_seed": "s" * 65}, "anonymize_seed"),
        ({"kind": "trees", "anonymize_seed": "nul\u0000"}, "anonymize_seed"),
        ({"kind": "trees", "compress": "maybe"}, "compress"),
    ],
)
def test_bad_filters_answer_400(researcher, body, field):
    response = api_client_for(researcher).post(EXPORTS, body, format="json")
    assert response.status_code == 400, response.json()
    error = response.json()
    assert error["error_code"] == "invalid_input"
    assert field in error["details"] or error["details"].get("field") == field
    assert not ExportJob.objects.exists()


def test_too_many_exports_answer_429(researcher, settings):
    settings.EXPORT_MAX_ACTIVE_JOBS = 1
    _job(researcher, state=JobState.RUNNING)
    response = api_client_for(researcher).post(EXPORTS, {"kind": "trees"}, format="json")
    assert (response.status_code, response.json()["error_code"]) == (429, "too_many_exports")


@pytest.mark.parametrize(("fields", "status", "code"), [({}, 403, "not_researcher"), ({"enabled": False}, 403, None)])
def test_volunteers_may_not_export(fields, status, code):
    api = api_client_for(UserFactory(**fields))
    for response in (
        api.get(EXPORTS),
        api.post(EXPORTS, {"kind": "trees"}, format="json"),
        api.get("/api/v1/releases/"),
    ):
        assert response.status_code == status
        if code:
            assert response.json()["error_code"] == code


def test_listing_and_polling_jobs(researcher, django_assert_num_queries):
    mine = [_job(researcher) for _ in range(3)]
    others = _job(UserFactory(role=Role.RESEARCHER))
    release = Release.objects.create(state=ReleaseState.READY)
    _job(researcher, release=release)
    api = api_client_for(researcher)
    # token, jobs
    with django_assert_num_queries(2):
        response = api.get(EXPORTS)
    assert [row["id"] for row in response.json()["results"]] == [str(job.pk) for job in reversed(mine)]
    assert [row["id"] for row in api.get(EXPORTS + "?all=true").json()["results"]] == [
        str(job.pk) for job in reversed(mine)
    ]
    with django_assert_num_queries(2):
        response = api.get(f"{EXPORTS}{mine[0].pk}/")
    assert response.json()["state"] == "queued"
    response = api.get(f"{EXPORTS}{others.pk}/")
    assert (response.status_code, response.json()["error_code"]) == (404, "export_not_found")
    assert api.get(EXPORTS + "?all=maybe").status_code == 400


def test_moderators_list_everybody_s_jobs(researcher):
    job = _job(researcher)
    api = api_client_for(UserFactory(role=Role.MODERATOR))
    assert api.get(EXPORTS).json()["results"] == []
    assert [row["id"] for row in api.get(EXPORTS + "?all=true").json()["results"]] == [str(job.pk)]
    assert api.get(f"{EXPORTS}{job.pk}/").status_code == 200


def test_downloading_a_file(researcher, export_files, django_assert_num_queries):
    import_file(SAMPLE)
    job = _job(researcher, filters=ExportFilter.everything(anonymize_seed="api").to_json())
    api = api_client_for(researcher)
    response = api.get(f"{EXPORTS}{job.pk}/download/")
    assert (response.status_code, response.json()["error_code"]) == (409, "export_not_ready")
    run_export(job_id=job.pk)
    body = api.get(f"{EXPORTS}{job.pk}/").json()
    assert body["state"] == "ready" and body["download_url"] == f"{EXPORTS}{job.pk}/download/"
    assert body["trees_done"] == body["trees_total"] == body["trees"] == body["rows"] > 0
    with django_assert_num_queries(2):
        response = api.get(body["download_url"], HTTP_ACCEPT="application/json")
    assert response.status_code == 200 and response["Content-Type"] == "application/jsonl"
    assert response["Content-Disposition"] == f'attachment; filename="{body["file_name"]}"'
    assert len(read_export(b"".join(response.streaming_content), compress=False)) == body["rows"]
    ExportJob.objects.filter(pk=job.pk).update(state=JobState.EXPIRED, file="")
    response = api.get(body["download_url"])
    assert (response.status_code, response.json()["error_code"]) == (410, "export_expired")


def test_releases_with_their_files(researcher, django_assert_num_queries):
    older = Release.objects.create(state=ReleaseState.READY, card="# Card", hub_repo_id="org/data")
    newer = Release.objects.create(state=ReleaseState.READY)
    Release.objects.create(state=ReleaseState.BUILDING)
    files = [
        _job(None, release=older, kind=kind, state=JobState.READY, file=f"r/{kind}.jsonl", rows=4)
        for kind in (FileKind.TREES, FileKind.MESSAGES)
    ]
    _job(None, release=older, kind=FileKind.PARQUET, state=JobState.FAILED)
    api = api_client_for(researcher)
    # token, releases, their files
    with django_assert_num_queries(3):
        response = api.get("/api/v1/releases/")
    releases = response.json()["results"]
    assert [release["id"] for release in releases] == [str(newer.pk), str(older.pk)]
    assert releases[0]["files"] == []
    assert {file["kind"] for file in releases[1]["files"]} == {"trees", "messages"}
    assert releases[1]["card"] == "# Card" and releases[1]["hub_repo_id"] == "org/data"
    by_kind = {file["kind"]: file for file in releases[1]["files"]}
    assert by_kind["trees"]["download_url"] == f"{EXPORTS}{files[0].pk}/download/"
    # Whoever may export may read a release's file as a job and download it.
    assert api.get(f"{EXPORTS}{files[0].pk}/").status_code == 200


def test_the_schema_documents_the_download_s_file_types_and_redirect():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    responses = schema["paths"]["/api/v1/exports/{job_id}/download/"]["get"]["responses"]
    assert set(responses["200"]["content"]) == {
        "application/gzip",
        "application/jsonl",
        "application/vnd.apache.parquet",
    }
    assert "302" in responses and {"403", "404", "409"} <= set(responses)
    request = schema["paths"]["/api/v1/exports/"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    body = schema["components"]["schemas"][request["$ref"].rsplit("/", 1)[1]]
    assert {"kind", "states", "langs", "deleted", "rejected", "synthetic", "user_id", "date_from", "date_to"} <= set(
        body["properties"]
    )
    assert {"prompts_only", "labels", "events", "anonymize", "anonymize_seed", "compress"} <= set(body["properties"])
