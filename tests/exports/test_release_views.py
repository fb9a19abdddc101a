"""The release pages: the list, a release's card and files, the files themselves, and publishing."""

import pytest

from accounts.models import Role
from exports.card_html import render_card_html
from exports.errors import HubPublishFailed
from exports.models import Release, ReleaseState
from exports.storage import export_storage
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def volunteer(db):
    return UserFactory()


def _body(response) -> str:
    return response.content.decode()


def _streamed(response) -> bytes:
    return b"".join(response.streaming_content)


# --- The list --------------------------------------------------------------------------------------


def test_the_list_shows_finished_releases_to_every_user(
    client, volunteer, release, make_release, django_assert_num_queries
):
    building = make_release(state=ReleaseState.BUILDING, directory="releases/building/")
    client.force_login(volunteer)
    # The session, the user, the count of releases, the page of releases.
    with django_assert_num_queries(4):
        response = client.get("/datasets/releases/")
    assert response.status_code == 200
    body = _body(response)
    assert f"/datasets/releases/{release.pk}/" in body
    assert f"/datasets/releases/{building.pk}/" not in body
    assert ">6<" in body  # messages


def test_admins_see_unfinished_releases(client, admin, release, make_release):
    building = make_release(state=ReleaseState.BUILDING, directory="releases/building/")
    client.force_login(admin)
    body = _body(client.get("/datasets/releases/"))
    assert f"/datasets/releases/{building.pk}/" in body
    assert "Building" in body


def test_an_empty_list(client, volunteer):
    client.force_login(volunteer)
    assert "There is no release yet." in _body(client.get("/datasets/releases/"))


def test_visitors_log_in_first(client, release):
    for url in (
        "/datasets/releases/",
        f"/datasets/releases/{release.pk}/",
        f"/datasets/releases/{release.pk}/README.md",
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


# --- A release -------------------------------------------------------------------------------------


def test_the_release_page(client, volunteer, release, django_assert_num_queries):
    client.force_login(volunteer)
    # The session, the user, the release, its files.
    with django_assert_num_queries(4):
        response = client.get(f"/datasets/releases/{release.pk}/")
    assert response.status_code == 200
    body = _body(response)
    assert f'href="/datasets/releases/{release.pk}/trees.jsonl.gz" download' in body
    assert f'href="/datasets/releases/{release.pk}/messages.parquet" download' in body
    assert "Message trees (JSON Lines)" in body
    # The card, without its YAML header, as HTML: its tables and its plots by relative paths.
    assert "license: apache-2.0" not in body
    assert "<h1>Open Assistant Conversations</h1>" in body
    assert "<table>" in body and "<td>de</td>" in body
    assert '<img src="plots/messages_per_language.png" alt="Messages per language">' in body
    # Volunteers cannot publish.
    assert "publish-form" not in body


def test_admins_get_the_publish_button(client, admin, release):
    client.force_login(admin)
    assert 'id="publish-form"' in _body(client.get(f"/datasets/releases/{release.pk}/"))


def test_an_unfinished_release_is_for_admins(client, volunteer, admin, make_release):
    failed = make_release(state=ReleaseState.FAILED)
    client.force_login(volunteer)
    assert client.get(f"/datasets/releases/{failed.pk}/").status_code == 404
    client.force_login(admin)
    response = client.get(f"/datasets/releases/{failed.pk}/")
    assert response.status_code == 200
    assert "The dataset card is not written yet." in _body(response)
    assert "publish-form" not in _body(response)


def test_an_unknown_release(client, volunteer):
    client.force_login(volunteer)
    assert client.get("/datasets/releases/5a1b2c3d-0000-4000-8000-000000000000/").status_code == 404
    assert client.get("/datasets/releases/not-a-uuid/").status_code == 404


def test_the_card_is_sanitised():
    html = render_card_html(
        "# Title\n\n<script>alert(1)</script>\n\n![plot](plots/a.png) ![far](https://example.org/x.png) "
        "![abs](/static/x.png) [link](javascript:alert(1)) [file](trees.jsonl.gz)\n"
    )
    assert "<script>" not in html
    assert '<img src="plots/a.png" alt="plot">' in html
    assert "example.org" not in html
    assert 'src="/static' not in html
    assert 'href="javascript' not in html
    assert 'href="trees.jsonl.gz"' in html


# --- Its files ------------------------------------------------------------------------------------


def test_the_files_of_a_release(client, volunteer, release):
    client.force_login(volunteer)
    base = f"/datasets/releases/{release.pk}/"

    response = client.get(base + "trees.jsonl.gz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/gzip"
    assert response["Content-Disposition"] == 'attachment; filename="trees.jsonl.gz"'
    with export_storage().open(release.directory + "trees.jsonl.gz") as stored:
        assert _streamed(response) == stored.read()

    response = client.get(base + "plots/messages_per_language.png")
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert _streamed(response).startswith(b"\x89PNG")

    response = client.get(base + "README.md")
    assert response["Content-Type"] == "text/markdown"
    assert _streamed(response).decode() == release.card

    assert client.get(base + "messages.parquet")["Content-Disposition"] == 'attachment; filename="messages.parquet"'


@pytest.mark.parametrize(
    "name", ["nothing.jsonl", "../README.md", "plots/../README.md", "plots/label_means.png", "%2e%2e/secret"]
)
def test_only_the_files_of_the_release(client, volunteer, release, name):
    client.force_login(volunteer)
    assert client.get(f"/datasets/releases/{release.pk}/{name}").status_code == 404


def test_a_file_gone_from_the_storage(client, volunteer, release):
    export_storage().delete(release.directory + "trees.jsonl.gz")
    client.force_login(volunteer)
    assert client.get(f"/datasets/releases/{release.pk}/trees.jsonl.gz").status_code == 404


def test_the_files_of_an_unfinished_release_are_for_admins(client, volunteer, admin, make_release):
    building = make_release(state=ReleaseState.BUILDING)
    client.force_login(volunteer)
    assert client.get(f"/datasets/releases/{building.pk}/trees.jsonl.gz").status_code == 404
    client.force_login(admin)
    assert client.get(f"/datasets/releases/{building.pk}/trees.jsonl.gz").status_code == 200


# --- Publishing -----------------------------------------------------------------------------------


def test_an_admin_publishes_a_release(client, admin, release, hub, django_capture_on_commit_callbacks):
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(f"/datasets/releases/{release.pk}/publish/")
    assert len(callbacks) == 1
    assert response.status_code == 302
    assert response["Location"] == f"/datasets/releases/{release.pk}/"
    # Jobs run at once in the tests (CELERY_TASK_ALWAYS_EAGER).
    assert len(hub.commits) == 1
    release.refresh_from_db()
    assert release.hub_commit_url.startswith(hub.endpoint)

    body = _body(client.get(response["Location"]))
    assert "is being published to the Hugging Face Hub" in body
    assert f'href="{release.hub_commit_url}"' in body
    assert "Publish again to the Hugging Face Hub" in body


@pytest.mark.parametrize("role", [Role.VOLUNTEER, Role.RESEARCHER, Role.MODERATOR])
def test_only_admins_publish(client, release, hub, role):
    client.force_login(UserFactory(role=role))
    assert client.post(f"/datasets/releases/{release.pk}/publish/").status_code == 403
    assert hub.requests == []


def test_publishing_when_the_hub_is_not_set_up(client, admin, release, settings):
    settings.HF_TOKEN = ""
    client.force_login(admin)
    response = client.post(f"/datasets/releases/{release.pk}/publish/")
    assert response.status_code == 503
    assert "HF_TOKEN and HF_DATASET_REPO_ID must be set" in _body(response)
    assert Release.objects.get(pk=release.pk).published_at is None


def test_a_refused_commit_leaves_the_release_unpublished(
    client, admin, release, hub, django_capture_on_commit_callbacks
):
    hub.refuse_commits = 403
    client.force_login(admin)
    # The job runs at once here and raises its error; a worker logs it.
    with pytest.raises(HubPublishFailed), django_capture_on_commit_callbacks(execute=True):
        client.post(f"/datasets/releases/{release.pk}/publish/")
    assert Release.objects.get(pk=release.pk).published_at is None


def test_publishing_an_unfinished_release(client, admin, make_release, hub):
    building = make_release(state=ReleaseState.BUILDING)
    client.force_login(admin)
    response = client.post(f"/datasets/releases/{building.pk}/publish/")
    assert response.status_code == 409
    assert "only a finished release can be published" in _body(response)


def test_publish_takes_only_post(client, admin, release):
    client.force_login(admin)
    assert client.get(f"/datasets/releases/{release.pk}/publish/").status_code == 405
