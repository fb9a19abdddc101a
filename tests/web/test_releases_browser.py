"""Dataset releases in headless Chromium: an admin finds the release, reads its card with its plots, downloads
a file and publishes the release to (a local stand-in of) the Hugging Face Hub."""

import pytest

from accounts.models import Role
from annotation.models import TreeState
from exports.file_kinds import FileKind
from exports.models import ExportJob, JobState, Release, ReleaseState
from exports.services.dataset_card import write_dataset_card
from tests.exports.hub_stand_in import HubStandIn
from tests.factories import UserFactory, make_prompt, make_reply

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TREES_FILE = b'{"message_tree_id": "x"}\n'


@pytest.fixture
def release(settings, tmp_path):
    from django.core.files.base import ContentFile

    from exports.storage import export_storage

    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    for lang in ("en", "en", "de"):
        prompt = make_prompt(state=TreeState.READY_FOR_EXPORT, lang=lang)
        make_reply(make_reply(prompt))
    release = Release.objects.create(state=ReleaseState.READY, directory="releases/2026-12-07T0300Z/")
    name = export_storage().save(release.directory + "trees.jsonl.gz", ContentFile(TREES_FILE))
    ExportJob.objects.create(
        kind=FileKind.TREES,
        compress=True,
        state=JobState.READY,
        rows=1,
        size_bytes=len(TREES_FILE),
        file=name,
        release=release,
    )
    return write_dataset_card(release_id=release.pk)


@pytest.fixture
def hub(settings, monkeypatch):
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_TELEMETRY", True)
    with HubStandIn() as stand_in:
        monkeypatch.setattr(constants, "ENDPOINT", stand_in.endpoint)
        settings.HF_ENDPOINT = stand_in.endpoint
        settings.HF_TOKEN = stand_in.token
        settings.HF_DATASET_REPO_ID = "open-assistant/conversations"
        yield stand_in


def test_an_admin_reads_downloads_and_publishes_a_release(page, log_in, screenshot, release, hub):
    from playwright.sync_api import expect

    log_in(UserFactory(role=Role.ADMIN))
    page.get_by_role("link", name="Datasets").click()
    page.wait_for_url("**/datasets/")
    page.get_by_role("link", name="All releases and their dataset cards").click()
    page.wait_for_url("**/datasets/releases/")
    rows = page.locator("#releases tbody tr")
    expect(rows).to_have_count(1)
    assert "9" in rows.first.inner_text()  # messages

    rows.first.get_by_role("link").click()
    page.wait_for_url(f"**/datasets/releases/{release.pk}/")
    card = page.locator("#dataset-card")
    expect(card.get_by_role("heading", name="Open Assistant Conversations", level=1)).to_be_visible()
    # The plots are served beside the card and load.
    plot = card.get_by_role("img", name="Messages per language")
    expect(plot).to_be_visible()
    assert plot.evaluate("image => image.complete && image.naturalWidth > 0")
    screenshot("release_card")

    with page.expect_download() as download:
        page.locator("#release-files").get_by_role("link", name="trees.jsonl.gz").click()
    assert download.value.suggested_filename == "trees.jsonl.gz"
    with open(download.value.path(), "rb") as downloaded:
        assert downloaded.read() == TREES_FILE

    page.get_by_role("button", name="Publish to the Hugging Face Hub").click()
    page.wait_for_url(f"**/datasets/releases/{release.pk}/")
    expect(page.get_by_text("is being published to the Hugging Face Hub")).to_be_visible()
    expect(page.locator("#hub-status").get_by_role("link", name="the commit")).to_be_visible()
    assert len(hub.commits) == 1
    assert set(hub.commits[0].files) == {
        "README.md",
        "trees.jsonl.gz",
        "plots/messages_per_language.png",
        "plots/messages_per_depth.png",
    }
    screenshot("release_published")


def test_a_volunteer_reads_a_release_without_the_publish_button(page, log_in, release):
    from playwright.sync_api import expect

    log_in(UserFactory())
    page.goto(f"/datasets/releases/{release.pk}/")
    expect(page.locator("#dataset-card")).to_contain_text("This release holds 9 messages in 3 conversation trees")
    expect(page.get_by_role("button", name="Publish to the Hugging Face Hub")).to_have_count(0)
