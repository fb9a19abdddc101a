"""Helpers for the dataset tests: the fixture sample, exports into memory, canonical comparison."""

import io
import itertools
import json
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from exports.filters import ExportFilter
from exports.oasst_format import normalize
from exports.services.exporting import export_to
from exports.services.importing import imported_tables

SAMPLE = Path(settings.BASE_DIR) / "fixtures" / "oasst_sample.jsonl"


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
