"""Publishing a release to the Hugging Face Hub, against a local stand-in of the Hub's HTTP API
(tests/exports/hub_stand_in.py): the files, the card and the plots arrive in one commit."""

import os
import uuid
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Role
from exports.errors import CannotPublishRelease, HubNotConfigured, HubPublishFailed, ReleaseNotFound, ReleaseNotReady
from exports.models import Release, ReleaseState
from exports.services.dataset_card import write_dataset_card
from exports.services.hub import publish_release
from exports.storage import export_storage
from tests.exports.conftest import REPO_ID
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _stored(release: Release, name: str) -> bytes:
    with export_storage().open(release.directory + name) as stored:
        return stored.read()


def test_every_file_the_card_and_the_plots_in_one_commit(hub, release, admin):
    published = publish_release(release_id=release.pk, actor=admin)

    assert len(hub.commits) == 1
    commit = hub.commits[0]
    assert commit.repo_id == REPO_ID
    assert commit.revision == "main"
    assert commit.summary.startswith("Release of ")
    assert commit.description == "6 messages in 2 trees."
    assert sorted(commit.files) == [
        "README.md",
        "messages.parquet",
        "plots/messages_per_depth.png",
        "plots/messages_per_language.png",
        "trees.jsonl.gz",
    ]
    assert commit.files["README.md"].decode() == release.card
    for name in commit.files:
        assert commit.files[name] == _stored(release, name)
    assert hub.requests == [
        ("POST", "/api/repos/create"),
        ("POST", "/api/validate-yaml"),
        ("POST", f"/api/datasets/{REPO_ID}/preupload/main"),
        ("POST", f"/api/datasets/{REPO_ID}/commit/main"),
    ]
    assert set(hub.authorizations) == {f"Bearer {hub.token}"}

    published.refresh_from_db()
    assert published.published_at is not None
    assert published.hub_repo_id == REPO_ID
    assert published.hub_commit_url == f"{hub.endpoint}/datasets/{REPO_ID}/commit/{commit.oid}"


def test_publishing_again_reuses_the_repository(hub, release, admin):
    publish_release(release_id=release.pk, actor=admin)
    publish_release(release_id=release.pk, actor=None)
    assert hub.requests.count(("POST", "/api/repos/create")) == 2  # the second answered 409: it exists
    assert list(hub.repos) == [REPO_ID]
    # The second commit finds every file as it is: the client sends it anyway (the stand-in gives no oid).
    assert len(hub.commits) == 2


def test_from_a_storage_without_local_files(hub, trees, admin, settings, make_release):
    # Like object storage (S3), the files are not on the local disk: they are copied to temporary files.
    settings.STORAGES = {**settings.STORAGES, "exports": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    release = write_dataset_card(release_id=make_release().pk)
    assert not os.path.exists(export_storage().path(release.directory + "README.md"))

    publish_release(release_id=release.pk, actor=admin)

    files = hub.commits[0].files
    assert files["trees.jsonl.gz"] == _stored(release, "trees.jsonl.gz")
    assert files["README.md"].decode() == release.card


def test_only_admins_publish(hub, release):
    for role in (Role.VOLUNTEER, Role.RESEARCHER, Role.MODERATOR):
        with pytest.raises(CannotPublishRelease) as error:
            publish_release(release_id=release.pk, actor=UserFactory(role=role))
        assert error.value.code == "cannot_publish_release"
    with pytest.raises(CannotPublishRelease):
        publish_release(release_id=release.pk, actor=UserFactory(role=Role.ADMIN, enabled=False))
    assert hub.requests == []


def test_only_a_finished_release_is_published(hub, make_release, admin):
    building = write_dataset_card(release_id=make_release(state=ReleaseState.BUILDING).pk)
    without_card = make_release(directory="releases/other/")
    for release in (building, without_card):
        with pytest.raises(ReleaseNotReady) as error:
            publish_release(release_id=release.pk, actor=admin)
        assert error.value.code == "release_not_ready"
    with pytest.raises(ReleaseNotFound):
        publish_release(release_id=uuid.uuid4(), actor=admin)
    assert hub.requests == []


@pytest.mark.parametrize("missing", ["HF_TOKEN", "HF_DATASET_REPO_ID"])
def test_not_configured(hub, release, admin, settings, missing):
    setattr(settings, missing, "")
    with pytest.raises(HubNotConfigured) as error:
        publish_release(release_id=release.pk, actor=admin)
    assert (error.value.code, error.value.http_status) == ("hub_not_configured", 503)
    assert hub.requests == []


def test_a_refused_commit(hub, release, admin):
    hub.refuse_commits = 403
    with pytest.raises(HubPublishFailed) as error:
        publish_release(release_id=release.pk, actor=admin)
    assert error.value.code == "hub_publish_failed"
    assert "403" in error.value.message
    release.refresh_from_db()
    assert (release.published_at, release.hub_commit_url) == (None, "")


def test_a_wrong_token(hub, release, admin, settings):
    settings.HF_TOKEN = "hf_wrong"
    with pytest.raises(HubPublishFailed):
        publish_release(release_id=release.pk, actor=admin)
    assert hub.commits == []


def test_an_unreachable_hub(hub, release, admin, settings):
    hub.__exit__()  # nothing listens on its port any more
    with pytest.raises(HubPublishFailed):
        publish_release(release_id=release.pk, actor=admin)
    release.refresh_from_db()
    assert release.published_at is None
    hub.__enter__()  # the fixture closes it again


def test_a_file_missing_from_the_storage(hub, release, admin):
    export_storage().delete(release.directory + "trees.jsonl.gz")
    with pytest.raises(HubPublishFailed) as error:
        publish_release(release_id=release.pk, actor=admin)
    assert "trees.jsonl.gz" in error.value.message
    assert hub.requests == []


# --- The command --------------------------------------------------------------------------------


def test_command_publishes_a_release(hub, release):
    out = StringIO()
    call_command("publish_release", str(release.pk), stdout=out)
    release.refresh_from_db()
    assert release.hub_commit_url in out.getvalue()
    assert len(hub.commits) == 1


def test_command_publishes_the_latest_finished_release(hub, release, make_release):
    write_dataset_card(release_id=make_release(state=ReleaseState.FAILED, directory="releases/failed/").pk)
    call_command("publish_release", "--latest", stdout=StringIO())
    release.refresh_from_db()
    assert release.published_at is not None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "Give a release id or --latest"),
        (("--latest", "5a1b2c3d-0000-4000-8000-000000000000"), "Give a release id or --latest"),
        (("not-a-uuid",), "Not a release id"),
        (("5a1b2c3d-0000-4000-8000-000000000000",), "No such release."),
    ],
)
def test_command_errors(hub, db, args, message):
    with pytest.raises(CommandError, match=message):
        call_command(*("publish_release", *args), stdout=StringIO())


def test_command_without_a_finished_release(hub, db):
    with pytest.raises(CommandError, match="no finished release"):
        call_command("publish_release", "--latest", stdout=StringIO())


def test_command_when_the_hub_is_not_configured(release, settings):
    settings.HF_TOKEN = ""
    with pytest.raises(CommandError, match="HF_TOKEN"):
        call_command("publish_release", str(release.pk), stdout=StringIO())
