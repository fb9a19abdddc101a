"""The Parquet message file (SPEC 8): one row per message in the layout of the Hugging Face release of oasst1.

The columns and their types are fixed here, once (``SCHEMA``), whatever the messages hold; what a message
does not have is null. ``created_date`` stays the ISO 8601 text of the JSON files, as in that release.
``emojis`` ({code: count}) becomes {name: [...], count: [...]}, ``labels`` ({name: {value, count}})
becomes {name: [...], value: [...], count: [...]}, both in the order of the JSON object. A number that does
not fit its column (a count that is not a whole number, an imported score that is not a number) is null.
Events and the keys an import kept verbatim have no column.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

DETOXIFY_FIELDS = (
    "toxicity",
    "severe_toxicity",
    "obscene",
    "identity_attack",
    "insult",
    "threat",
    "sexual_explicit",
)
SCHEMA = pa.schema(
    [
        pa.field("message_id", pa.string()),
        pa.field("parent_id", pa.string()),
        pa.field("user_id", pa.string()),
        pa.field("created_date", pa.string()),
        pa.field("text", pa.string()),
        pa.field("role", pa.string()),
        pa.field("lang", pa.string()),
        pa.field("review_count", pa.int32()),
        pa.field("review_result", pa.bool_()),
        pa.field("deleted", pa.bool_()),
        pa.field("rank", pa.int32()),
        pa.field("synthetic", pa.bool_()),
        pa.field("model_name", pa.string()),
        pa.field("detoxify", pa.struct([pa.field(name, pa.float64()) for name in DETOXIFY_FIELDS])),
        pa.field("message_tree_id", pa.string()),
        pa.field("tree_state", pa.string()),
        pa.field(
            "emojis", pa.struct([pa.field("name", pa.list_(pa.string())), pa.field("count", pa.list_(pa.int32()))])
        ),
        pa.field(
            "labels",
            pa.struct(
                [
                    pa.field("name", pa.list_(pa.string())),
                    pa.field("value", pa.list_(pa.float64())),
                    pa.field("count", pa.list_(pa.int32())),
                ]
            ),
        ),
    ]
)
# Columns copied from the message as they are (the JSON types are the columns' own).
PLAIN_COLUMNS = tuple(name for name in SCHEMA.names if name not in ("detoxify", "emojis", "labels"))
INT32 = (-(2**31), 2**31 - 1)


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _int32(value: Any) -> int | None:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and INT32[0] <= value <= INT32[1]:
        return value
    return None


def _detoxify(scores: Any) -> dict | None:
    if not isinstance(scores, dict) or not scores:
        return None
    return {name: _float(scores.get(name)) for name in DETOXIFY_FIELDS}


def _emojis(emojis: Any) -> dict | None:
    if not isinstance(emojis, dict) or not emojis:
        return None
    return {"name": list(emojis), "count": [_int32(count) for count in emojis.values()]}


def _labels(labels: Any) -> dict | None:
    if not isinstance(labels, dict) or not labels:
        return None
    entries = [entry if isinstance(entry, dict) else {} for entry in labels.values()]
    return {
        "name": list(labels),
        "value": [_float(entry.get("value")) for entry in entries],
        "count": [_int32(entry.get("count")) for entry in entries],
    }


def message_table(messages: list[dict]) -> pa.Table:
    """The rows of ``messages`` (lines of the flat message file, parsed) as a table of ``SCHEMA``."""
    columns: dict[str, list] = {name: [message.get(name) for message in messages] for name in PLAIN_COLUMNS}
    columns["review_count"] = [_int32(value) for value in columns["review_count"]]
    columns["rank"] = [_int32(value) for value in columns["rank"]]
    columns["detoxify"] = [_detoxify(message.get("detoxify")) for message in messages]
    columns["emojis"] = [_emojis(message.get("emojis")) for message in messages]
    columns["labels"] = [_labels(message.get("labels")) for message in messages]
    return pa.Table.from_pydict(columns, schema=SCHEMA)
