"""Helpers for the dataset tests: the fixture sample, exports into memory, canonical comparison, hand-made trees,
releases with stored files."""

import gzip
import io
import itertools
import json
import posixpath
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from annotation.models import Message, TreeState
from exports.filters import ExportFilter
from exports.oasst_format import normalize
from exports.services.exporting import export_to
from exports.services.importing import imported_tables
from tests.exports.hub_stand_in import HubStandIn
from tests.factories import UserFactory, make_prompt, make_reply

SAMPLE = Path(settings.BASE_DIR) / "fixtures" / "oasst_sample.jsonl"
REPO_ID = "open-assistant/conversations"


def read_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def canonical(objs: list[dict]) -> list[str]:
    """Lines compared byte for byte, key order and line order aside."""
    return sorted(json.dumps(obj, sort_keys=True, ensure_ascii=False) for obj in objs)


def export_objs(export_filter: ExportFilter | None = None, *, flat: bool = False, chunk_size: int = 2000) -> list[dict]:
    out = io.StringIO()
    export_to(out, export_filter or ExportFilter.everything(), flat=flat, chunk_size=chunk_size)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def assert_round_trip(source: list[dict], exported: list[dict]) -> None:
    """The export is already in canonical form and equals the canonical form of the source."""
    assert canonical(exported) == canonical(normalize(source))
    assert canonical(exported) == canonical(normalize(exported))


@pytest.fixture
def sample() -> list[dict]:
    return read_lines(SAMPLE)


def chain_tree(depth: int, *, state: str = "growing") -> dict:
    """A tree line whose prompt has one reply, which has one reply, ...: ``depth`` messages in all."""
    ids = [str(uuid.UUID(int=i + 1, version=4)) for i in range(depth)]
    nodes = [
        {
            "message_id": message_id,
            "created_date": "2023-03-01T10:00:00+00:00",
            "text": f"Message {i}",
            "role": "prompter" if i % 2 == 0 else "assistant",
            "lang": "en",
            "review_count": 3,
            "review_result": True,
            "deleted": False,
            "synthetic": False,
            "replies": [],
        }
        for i, message_id in enumerate(ids)
    ]
    for parent, child in itertools.pairwise(nodes):
        parent["replies"].append(child)
    return {"message_tree_id": ids[0], "tree_state": state, "prompt": nodes[0]}


def flat_nodes(node: dict) -> list[dict]:
    """The nodes of a tree without their replies, depth first, without recursion (trees may be deep)."""
    nodes, stack = [], [node]
    while stack:
        node = stack.pop()
        nodes.append({key: value for key, value in node.items() if key != "replies"})
        stack.extend(reversed(node.get("replies", ())))
    return nodes


def delete_trees() -> None:
    """Every tree and what hangs on it, with one statement per table: the ORM's cascade recurses over the
    depth of a tree."""
    _tables, tree_tables = imported_tables()
    with connection.cursor() as cursor:
        for table in reversed(tree_tables):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")


@pytest.fixture
def export_files(settings, tmp_path) -> Path:
    """The exports storage in a folder of the test's own; returns the folder."""
    folder = tmp_path / "exports"
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(folder)}},
    }
    return folder


def read_export(data: bytes, *, compress: bool) -> list[dict]:
    if compress:
        data = gzip.decompress(data)
    return [json.loads(line) for line in data.decode().splitlines()]


@pytest.fixture
def make_release(export_files):
    """Call make_release(files={kind: bytes}) for a ready release whose export jobs' files are stored."""
    from django.core.files.base import ContentFile

    from exports.file_kinds import FileKind, file_name
    from exports.models import ExportJob, JobState, Release, ReleaseState
    from exports.storage import export_storage

    def make(files=None, *, state=ReleaseState.READY, directory="releases/2026-12-07T0300Z/", seed="release-seed"):
        if files is None:
            files = {FileKind.TREES: b'{"message_tree_id": "t"}\n', FileKind.PARQUET: b"PAR1 not really PAR1"}
        release = Release.objects.create(state=state, directory=directory, anonymize_seed=seed)
        export_filter = ExportFilter(anonymize_seed=seed)
        for kind, content in files.items():
            compress = kind != FileKind.PARQUET
            name = posixpath.join(directory, file_name(kind, compress=compress))
            name = export_storage().save(name, ContentFile(content))
            ExportJob.objects.create(
                kind=kind,
                compress=compress,
                filters=export_filter.to_json(),
                state=JobState.READY,
                rows=content.count(b"\n") or 1,
                size_bytes=len(content),
                file=name,
                release=release,
            )
        return release

    return make


@pytest.fixture
def trees(db):
    """Two ready trees (en, de), a growing one and a ready one whose prompt is deleted.

    en: P1 ─ A1 ─ F1 ─ B1 (synthetic)        de: P2 ─ A4
           ├ A2 (deleted) ─ Q (under it)          └ A5
           └ A3 (rejected)
    """
    author = UserFactory()
    p1 = make_prompt(state=TreeState.READY_FOR_EXPORT, lang="en", author=author)
    a1 = make_reply(p1, author=author)
    a2 = make_reply(p1, deleted=True)
    q = make_reply(a2)
    a3 = make_reply(p1, review_result=False, review_count=3)
    f1 = make_reply(a1)
    b1 = make_reply(f1, synthetic=True, model_name="a-model")
    p2 = make_prompt(state=TreeState.READY_FOR_EXPORT, lang="de")
    a4 = make_reply(p2)
    a5 = make_reply(p2)
    p3 = make_prompt(state=TreeState.GROWING, lang="en")
    a6 = make_reply(p3)
    p4 = make_prompt(state=TreeState.READY_FOR_EXPORT, lang="en", deleted=True)
    r4 = make_reply(p4)
    return {name: message for name, message in locals().items() if isinstance(message, Message)} | {"author": author}


@pytest.fixture
def hub(settings, monkeypatch):
    """The stand-in, and the settings that point the client at it (never at the internet)."""
    from huggingface_hub import constants

    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_TELEMETRY", True)
    with HubStandIn() as stand_in:
        # The client is given the endpoint; its own default points at the stand-in too, should anything use it.
        monkeypatch.setenv("HF_ENDPOINT", stand_in.endpoint)
        monkeypatch.setattr(constants, "ENDPOINT", stand_in.endpoint)
        settings.HF_ENDPOINT = stand_in.endpoint
        settings.HF_TOKEN = stand_in.token
        settings.HF_DATASET_REPO_ID = REPO_ID
        yield stand_in


@pytest.fixture
def release(trees, make_release):
    """A finished release of the hand-made trees, with its card and plots written."""
    from exports.services.dataset_card import write_dataset_card

    return write_dataset_card(release_id=make_release().pk)


@pytest.fixture
def admin(db):
    from accounts.models import Role

    return UserFactory(role=Role.ADMIN)
