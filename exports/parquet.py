"""The Parquet message file (SPEC 8): one row per message in the layout of the Hugging Face release of oasst1.

The columns and their types are fixed here, once (``SCHEMA``), whatever the messages hold; what a message
does not have is null. ``created_date`` stays the ISO 8601 text of the JSON files, as in that release.
``emojis`` ({code: count}) becomes {name: [...], count: [...]}, ``labels`` ({name: {value, count}})
becomes {name: [...], value: [...], count: [...]}, both in the order of the JSON object. A number that does
not fit its column (a count that is not a whole number, an imported score that is not a number) is null.
Events and the keys an import kept verbatim have no column.
"""

from __future__ import annotations

import io
from typing import Any, BinaryIO

import orjson
import pyarrow as pa
import pyarrow.json as pa_json
import pyarrow.parquet as pq

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
PARSE_OPTIONS = pa_json.ParseOptions(explicit_schema=SCHEMA, unexpected_field_behavior="error")
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


def _row(message: dict) -> dict:
    row = {name: message.get(name) for name in PLAIN_COLUMNS}
    row["review_count"] = _int32(row["review_count"])
    row["rank"] = _int32(row["rank"])
    row["detoxify"] = _detoxify(message.get("detoxify"))
    row["emojis"] = _emojis(message.get("emojis"))
    row["labels"] = _labels(message.get("labels"))
    return row


def message_table(messages: list[dict]) -> pa.Table:
    """The rows of ``messages`` (lines of the flat message file, parsed) as a table of ``SCHEMA``.

    The rows are handed to Arrow as JSON in the columns' shape, which its reader turns into columns: building
    them from Python lists (``pa.array``) would make pyarrow import pandas, 50 MB more for a writing process,
    and is no faster."""
    data = b"\n".join(orjson.dumps(_row(message)) for message in messages)
    # One block: a line may not straddle two.
    read_options = pa_json.ReadOptions(use_threads=False, block_size=len(data) + 1)
    return pa_json.read_json(io.BytesIO(data), read_options=read_options, parse_options=PARSE_OPTIONS)


class MessageFileWriter:
    """Writes messages to a Parquet file of ``SCHEMA`` in row groups of at least ``ROW_GROUP_ROWS`` rows.

    The messages are turned into Arrow columns ``BATCH_ROWS`` at a time, which hold them far more compactly
    than the parsed JSON; ``end_chunk`` (after each chunk of the export) writes the batches as one row group
    once they hold enough rows. Memory is bounded by a row group's Arrow data and a batch of parsed messages.
    """

    BATCH_ROWS = 1000
    ROW_GROUP_ROWS = 10_000

    def __init__(self, out: BinaryIO) -> None:
        self.writer = pq.ParquetWriter(out, SCHEMA)
        self.messages: list[dict] = []
        self.tables: list[pa.Table] = []
        self.batched_rows = 0
        self.rows = 0

    def add(self, message: dict) -> None:
        self.messages.append(message)
        if len(self.messages) >= self.BATCH_ROWS:
            self._batch()

    def end_chunk(self) -> None:
        if self.batched_rows + len(self.messages) >= self.ROW_GROUP_ROWS:
            self._row_group()

    def close(self) -> None:
        """Write what is left and the file's footer (the caller's file stays open)."""
        self._row_group()
        self.writer.close()

    def _batch(self) -> None:
        if self.messages:
            self.tables.append(message_table(self.messages))
            self.batched_rows += len(self.messages)
            self.messages = []

    def _row_group(self) -> None:
        self._batch()
        if self.tables:
            table = pa.concat_tables(self.tables)
            self.writer.write_table(table, row_group_size=table.num_rows)
            self.rows += table.num_rows
            self.tables, self.batched_rows = [], 0
