import datetime as dt
import gzip
import io
import json
import uuid
from functools import partial

import pandas as pd
import pyarrow as pa
import pyarrow.json as pa_json
import pyarrow.parquet as pq
import pytest
from django.db.models import Q

from annotation.models import Message
from exports.file_kinds import FileKind, file_name
from exports.filters import ExportFilter
from exports.parquet import MessageFileWriter
from exports.services import exporting, writing
from exports.services.exporting import count_trees
from exports.services.importing import import_file, import_lines
from exports.services.writing import _LineSink, write_file
from tests.exports.conftest import SAMPLE, export_objs

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sample():
    import_file(SAMPLE)


def test_filter_survives_json():
    export_filter = ExportFilter(
        states=("ready_for_export", "growing"),
        langs=("en",),
        deleted="only",
        user_id=uuid.uuid4(),
        date_from=dt.datetime(2023, 1, 1, tzinfo=dt.UTC),
        date_to=dt.datetime(2023, 2, 1, tzinfo=dt.UTC),
        prompts_only=True,
        labels=False,
        anonymize_seed="s",
    )
    assert ExportFilter.from_json(json.loads(json.dumps(export_filter.to_json()))) == export_filter


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("kind", [FileKind.TREES, FileKind.MESSAGES])
def test_json_lines_files_are_the_export(kind, compress):
    export_filter = ExportFilter.everything()
    out = io.BytesIO()
    seen = []
    report = write_file(kind, export_filter, out, compress=compress, on_progress=seen.append)
    data = gzip.decompress(out.getvalue()) if compress else out.getvalue()
    lines = [json.loads(line) for line in data.decode().splitlines()]
    assert lines == export_objs(export_filter, flat=kind == FileKind.MESSAGES)
    assert report.rows == len(lines)
    assert seen[-1] == count_trees(export_filter) == report.trees


def test_file_names():
    assert file_name(FileKind.TREES, compress=True) == "trees.jsonl.gz"
    assert file_name(FileKind.PARQUET, compress=True) == "messages.parquet"


# ---- the derived kinds -------------------------------------------------------------------------------------

ENGLISH_TREE = "92276658-1e27-41c0-8a6a-63ec24ede6a4"
JSON_LINES_KINDS = [FileKind.TREES, FileKind.MESSAGES, FileKind.THREADS, FileKind.SFT, FileKind.PAIRS]
# The Hugging Face oasst1 layout, spelled out here rather than taken from exports.parquet.
PARQUET_COLUMNS = [
    ("message_id", pa.string()),
    ("parent_id", pa.string()),
    ("user_id", pa.string()),
    ("created_date", pa.string()),
    ("text", pa.string()),
    ("role", pa.string()),
    ("lang", pa.string()),
    ("review_count", pa.int32()),
    ("review_result", pa.bool_()),
    ("deleted", pa.bool_()),
    ("rank", pa.int32()),
    ("synthetic", pa.bool_()),
    ("model_name", pa.string()),
    (
        "detoxify",
        pa.struct(
            [
                ("toxicity", pa.float64()),
                ("severe_toxicity", pa.float64()),
                ("obscene", pa.float64()),
                ("identity_attack", pa.float64()),
                ("insult", pa.float64()),
                ("threat", pa.float64()),
                ("sexual_explicit", pa.float64()),
            ]
        ),
    ),
    ("message_tree_id", pa.string()),
    ("tree_state", pa.string()),
    ("emojis", pa.struct([("name", pa.list_(pa.string())), ("count", pa.list_(pa.int32()))])),
    (
        "labels",
        pa.struct(
            [("name", pa.list_(pa.string())), ("value", pa.list_(pa.float64())), ("count", pa.list_(pa.int32()))]
        ),
    ),
]


def _write(tmp_path, kind, export_filter, *, compress=False, **options):
    path = tmp_path / file_name(kind, compress=compress)
    with open(path, "wb") as out:
        report = write_file(kind, export_filter, out, compress=compress, **options)
    return path, report


def _lines(path):
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle.read().split("\n") if line]


def _rows(kind, export_filter, **options):
    out = io.BytesIO()
    report = write_file(kind, export_filter, out, **options)
    rows = [json.loads(line) for line in out.getvalue().decode().split("\n") if line]
    assert report.rows == len(rows)
    return rows


def _walk(node, path=()):
    path = (*path, node)
    yield path, node
    for reply in node.get("replies", ()):
        yield from _walk(reply, path)


def _nodes(trees):
    return {node["message_id"]: node for tree in trees for _path, node in _walk(tree["prompt"])}


@pytest.fixture
def load_dataset(monkeypatch, tmp_path):
    """datasets.load_dataset with no network and a cache of the test's own."""
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    import datasets

    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(datasets.config, "HF_DATASETS_OFFLINE", True)

    def load(builder, path):
        return datasets.load_dataset(builder, data_files=str(path), cache_dir=str(tmp_path / "hf"), split="train")

    return load


def test_parquet_schema_column_by_column(tmp_path):
    path, _report = _write(tmp_path, FileKind.PARQUET, ExportFilter())
    schema = pq.read_schema(path)
    assert schema.names == [name for name, _type in PARQUET_COLUMNS]
    for name, expected in PARQUET_COLUMNS:
        assert schema.field(name).type == expected, name
        assert schema.field(name).nullable, name


@pytest.mark.parametrize("export_filter", [ExportFilter(), ExportFilter.everything(), ExportFilter(anonymize_seed="s")])
def test_parquet_rows_are_the_flat_messages(tmp_path, export_filter, load_dataset):
    path, report = _write(tmp_path, FileKind.PARQUET, export_filter)
    messages = export_objs(export_filter, flat=True)
    table = pq.read_table(path)
    assert report.rows == report.messages == table.num_rows == len(messages)
    for row, message in zip(table.to_pylist(), messages, strict=True):
        for name in ("message_id", "created_date", "text", "role", "lang", "review_count", "deleted"):
            assert row[name] == message[name], name
        for name in ("parent_id", "user_id", "review_result", "rank", "model_name"):
            assert row[name] == message.get(name), name
        assert (row["synthetic"], row["message_tree_id"], row["tree_state"]) == (
            message["synthetic"],
            message["message_tree_id"],
            message["tree_state"],
        )
        assert row["detoxify"] == message.get("detoxify")  # the sample's scores have all seven fields
        emojis = message.get("emojis", {})
        assert row["emojis"] == ({"name": list(emojis), "count": list(emojis.values())} if emojis else None)
        labels = message.get("labels", {})
        expected = {
            "name": list(labels),
            "value": [label["value"] for label in labels.values()],
            "count": [label["count"] for label in labels.values()],
        }
        assert row["labels"] == (expected if labels else None)
    frame = pd.read_parquet(path)
    assert list(frame.columns) == [name for name, _type in PARQUET_COLUMNS]
    assert list(frame["message_id"]) == [message["message_id"] for message in messages]
    dataset = load_dataset("parquet", path)
    assert dataset.num_rows == len(messages)
    assert dataset.to_list() == table.to_pylist()


def test_parquet_of_nothing_is_an_empty_file_with_the_schema(tmp_path):
    path, report = _write(tmp_path, FileKind.PARQUET, ExportFilter(langs=("xx",)))
    assert report.rows == 0
    table = pq.read_table(path)
    assert table.num_rows == 0 and table.schema.names == [name for name, _type in PARQUET_COLUMNS]


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("kind", JSON_LINES_KINDS)
def test_every_json_lines_kind_loads_in_pandas_pyarrow_and_datasets(tmp_path, kind, compress, load_dataset):
    path, report = _write(tmp_path, kind, ExportFilter.everything(), compress=compress)
    assert path.name == file_name(kind, compress=compress)
    rows = _lines(path)
    assert report.rows == len(rows) > 0
    frame = pd.read_json(path, lines=True, compression="gzip" if compress else None)
    assert len(frame) == len(rows)
    with (gzip.open if compress else open)(path, "rb") as handle:
        table = pa_json.read_json(handle)
    assert table.num_rows == len(rows)
    dataset = load_dataset("json", path)
    assert dataset.num_rows == len(rows)
    assert set(dataset.column_names) == {key for row in rows for key in row}


def test_threads_are_the_paths_to_every_leaf_and_assistant_reply(tmp_path):
    export_filter = ExportFilter.everything()
    trees = export_objs(export_filter)
    flat = {message["message_id"]: message for message in export_objs(export_filter, flat=True)}
    rows = _rows(FileKind.THREADS, export_filter)
    nodes = _nodes(trees)
    ends = {mid for mid, node in nodes.items() if node["role"] == "assistant" or not node.get("replies")}
    assert [row["thread_id"] for row in rows] == [
        node["message_id"] for tree in trees for _path, node in _walk(tree["prompt"]) if node["message_id"] in ends
    ]
    for row in rows:
        thread = row["thread"]
        assert thread[-1]["message_id"] == row["thread_id"]
        assert "parent_id" not in thread[0]
        assert [m["parent_id"] for m in thread[1:]] == [m["message_id"] for m in thread[:-1]]
        # Each message as the flat file writes it.
        assert thread == [flat[m["message_id"]] for m in thread]


def test_report_counts_trees_messages_and_rows_with_progress():
    seen = []
    out = io.BytesIO()
    report = write_file(FileKind.THREADS, ExportFilter(), out, on_progress=seen.append)
    assert (report.trees, report.messages, report.rows) == (3, 12, 8)
    assert seen[-1] == count_trees(ExportFilter()) == 3


def test_sft_examples_follow_the_best_ranked_path_of_the_sample():
    trees = {tree["message_tree_id"]: tree for tree in export_objs(ExportFilter())}
    nodes = _nodes(trees.values())
    rows = _rows(FileKind.SFT, ExportFilter())
    paths = {row["message_tree_id"][:8]: [mid[:8] for mid in row["message_ids"]] for row in rows}
    assert paths == {
        "92276658": ["92276658", "ae97ba94", "907a70c3", "7f150524"],  # rank 0, the only follow-up, rank 0
        "ec66a787": ["ec66a787", "3f98e277"],
        "6bf46c69": ["6bf46c69", "13deef86"],
    }
    for row in rows:
        assert row["messages"] == [
            {"role": {"prompter": "user"}.get(nodes[mid]["role"], "assistant"), "content": nodes[mid]["text"]}
            for mid in row["message_ids"]
        ]
        assert row["messages"][-1]["role"] == "assistant"
        assert row["lang"] == trees[row["message_tree_id"]]["prompt"]["lang"]
    # Every state: a growing tree's only reply is its best path; two unranked replies give no example.
    everything = {
        row["message_tree_id"][:8]: [m[:8] for m in row["message_ids"]]
        for row in _rows(FileKind.SFT, ExportFilter.everything())
    }
    assert everything["9be4bcfc"] == ["9be4bcfc", "830e07bc"]
    assert everything["58d5563d"] == ["58d5563d", "5affb229"]
    assert "57124242" not in everything and "4f426dcb" not in everything
    assert everything["ec66a787"] == ["ec66a787", "3f98e277"]  # the deleted, unranked reply is passed over


def test_all_paths_option():
    rows = _rows(FileKind.SFT, ExportFilter(), all_paths=True)
    assert sorted(row["message_ids"][-1][:8] for row in rows) == sorted(
        ["7f150524", "c6f87718", "923a7369", "3f98e277", "c7a2ea20", "13deef86", "ca02135e"]
    )


def test_preference_pairs_of_the_sample():
    trees = export_objs(ExportFilter())
    nodes = _nodes(trees)
    rows = _rows(FileKind.PAIRS, ExportFilter())
    pairs = [(row["parent_id"][:8], row["chosen_id"][:8], row["rejected_id"][:8], row["rank_margin"]) for row in rows]
    assert sorted(pairs) == sorted(
        [
            ("92276658", "ae97ba94", "923a7369", 1),
            ("907a70c3", "7f150524", "c6f87718", 1),
            ("ec66a787", "3f98e277", "c7a2ea20", 1),
            ("6bf46c69", "13deef86", "ca02135e", 1),
        ]
    )
    ranking_counts = dict(Message.objects.filter(ranking_count__gt=0).values_list("pk", "ranking_count"))
    for row in rows:
        chosen, rejected = nodes[row["chosen_id"]], nodes[row["rejected_id"]]
        assert chosen["parent_id"] == rejected["parent_id"] == row["parent_id"]
        assert (row["chosen_rank"], row["rejected_rank"]) == (chosen["rank"], rejected["rank"])
        assert row["chosen"] == [{"role": "assistant", "content": chosen["text"]}]
        assert row["rejected"] == [{"role": "assistant", "content": rejected["text"]}]
        assert row["prompt"][-1]["content"] == nodes[row["parent_id"]]["text"]
        assert row["ranking_count"] == ranking_counts[uuid.UUID(row["parent_id"])] > 0
    # The synthetic reply (rank 2) comes in when synthetic replies are: three pairs under the English prompt.
    everything = _rows(FileKind.PAIRS, ExportFilter.everything())
    english = [(row["chosen_rank"], row["rejected_rank"]) for row in everything if row["parent_id"] == ENGLISH_TREE]
    assert english == [(0, 1), (0, 2), (1, 2)]


def _hand_made_tree():
    """A tree with known ranks: the best reply (rank 0) was deleted after scoring."""
    ids = iter(uuid.UUID(int=n + 1, version=4) for n in range(100))
    user = str(uuid.UUID(int=999, version=4))

    def node(role, rank=None, replies=(), **fields):
        data = {
            "message_id": str(next(ids)),
            "user_id": user,
            "created_date": "2023-03-01T00:00:00+00:00",
            "role": role,
            "lang": "eo",
            "review_count": 3,
            "review_result": True,
            "deleted": False,
            "synthetic": False,
            **fields,
        }
        data["text"] = f"{role} {data['message_id'][-4:]}"
        if rank is not None:
            data["rank"] = rank
        data["replies"] = list(replies)
        return data

    deleted = node("assistant", 0, deleted=True)
    first = node(
        "assistant", 1, [node("prompter", None, [node("assistant", 0), node("assistant", 1), node("assistant", 2)])]
    )
    second = node("assistant", 2)
    prompt = node("prompter", None, [deleted, first, second])
    return {"message_tree_id": prompt["message_id"], "tree_state": "ready_for_export", "prompt": prompt}


def test_hand_made_tree_with_known_ranks():
    tree = _hand_made_tree()
    import_lines([json.dumps(tree)])
    prompt = tree["prompt"]
    deleted, first, second = prompt["replies"]
    follow_up = first["replies"][0]
    best, middle, worst = follow_up["replies"]
    only_eo = ExportFilter(langs=("eo",))
    [example] = _rows(FileKind.SFT, only_eo)
    # The deleted rank-0 reply is left out: the best remaining one is taken.
    assert example["message_ids"] == [
        prompt["message_id"],
        first["message_id"],
        follow_up["message_id"],
        best["message_id"],
    ]
    assert [turn["content"] for turn in example["messages"]] == [
        prompt["text"],
        first["text"],
        follow_up["text"],
        best["text"],
    ]
    pairs = [(row["chosen_id"], row["rejected_id"], row["rank_margin"]) for row in _rows(FileKind.PAIRS, only_eo)]
    assert pairs == [
        (first["message_id"], second["message_id"], 1),
        (best["message_id"], middle["message_id"], 1),
        (best["message_id"], worst["message_id"], 2),
        (middle["message_id"], worst["message_id"], 1),
    ]
    with_deleted = _rows(FileKind.PAIRS, ExportFilter(langs=("eo",), deleted="include"))
    assert [(row["chosen_id"], row["rejected_id"]) for row in with_deleted][:2] == [
        (deleted["message_id"], first["message_id"]),
        (deleted["message_id"], second["message_id"]),
    ]
    [example] = _rows(FileKind.SFT, ExportFilter(langs=("eo",), deleted="include"))
    assert example["message_ids"] == [prompt["message_id"], deleted["message_id"]]


def _message_ids(kind, path):
    """The ids of the messages a file holds (not those its events name)."""
    if kind == FileKind.PARQUET:
        return [row["message_id"] for row in pq.read_table(path).to_pylist()]
    rows = _lines(path)
    if kind == FileKind.TREES:
        return list(_nodes(rows))
    if kind == FileKind.MESSAGES:
        return [row["message_id"] for row in rows]
    if kind == FileKind.THREADS:
        return [message["message_id"] for row in rows for message in row["thread"]]
    if kind == FileKind.SFT:
        return [mid for row in rows for mid in row["message_ids"]]
    return [row[key] for row in rows for key in ("parent_id", "chosen_id", "rejected_id")]


def test_left_out_messages_are_in_no_file(tmp_path):
    left_out = Message.objects.filter(Q(deleted=True) | Q(synthetic=True) | Q(review_result=False))
    not_ready = Message.objects.exclude(tree__state="ready_for_export")
    left_out_ids = {str(pk) for pk in left_out.union(not_ready).values_list("pk", flat=True)}
    assert len(left_out) == 4  # two deleted, one synthetic, one rejected prompt
    kept = {str(pk) for pk in Message.objects.values_list("pk", flat=True)} - left_out_ids
    for kind in FileKind:
        path, report = _write(tmp_path, kind, ExportFilter())
        assert report.rows > 0
        ids = set(_message_ids(kind, path))
        assert ids and ids <= kept, kind
        if kind in (FileKind.SFT, FileKind.PAIRS):
            text = path.read_text(encoding="utf-8")
            assert not any(json.dumps(message.text, ensure_ascii=False)[1:-1] in text for message in left_out), kind


def test_anonymized_ids_are_the_same_in_every_kind():
    export_filter = ExportFilter.everything(anonymize_seed="s")
    trees = export_objs(export_filter)
    nodes = _nodes(trees)
    plain = {str(pk) for pk in Message.objects.values_list("pk", flat=True)}
    assert not plain & set(nodes)
    out = io.BytesIO()
    write_file(FileKind.PARQUET, export_filter, out)
    parquet = pq.read_table(pa.BufferReader(out.getvalue())).to_pylist()
    assert [row["message_id"] for row in parquet] == [m["message_id"] for m in export_objs(export_filter, flat=True)]
    assert {row["user_id"] for row in parquet} == {node.get("user_id") for node in nodes.values()}
    for row in parquet:
        assert row["parent_id"] == nodes[row["message_id"]].get("parent_id")
        assert row["message_tree_id"] in {tree["message_tree_id"] for tree in trees}
    for row in _rows(FileKind.THREADS, export_filter):
        assert all(
            message == {**message, **{k: v for k, v in nodes[message["message_id"]].items() if k != "replies"}}
            for message in row["thread"]
        )
    for row in _rows(FileKind.SFT, export_filter):
        assert [turn["content"] for turn in row["messages"]] == [nodes[mid]["text"] for mid in row["message_ids"]]
    pairs = _rows(FileKind.PAIRS, export_filter)
    assert pairs
    for row in pairs:
        assert nodes[row["chosen_id"]]["parent_id"] == nodes[row["rejected_id"]]["parent_id"] == row["parent_id"]


def test_lines_are_cut_at_newlines_only():
    # U+2028 and U+0085 stand raw in the JSON text; str.splitlines would cut a line there.
    message = Message.objects.get(pk="ae97ba94-d0ed-482f-8f6d-05584ef8aa38")
    Message.objects.filter(pk=message.pk).update(text="one\u2028two\x85three\r\nfour")
    threads = _rows(FileKind.THREADS, ExportFilter())
    assert "one\u2028two\x85three\r\nfour" in {m["text"] for row in threads for m in row["thread"]}
    received = []
    sink = _LineSink(received.append)
    for part in ('{"a": 1}\n{"b"', ': "x\u2028y"}', "\n", '{"c": 3}\n'):
        sink.write(part)
    sink.finish()
    assert received == [{"a": 1}, {"b": "x\u2028y"}, {"c": 3}]
    sink.write('{"d"')
    with pytest.raises(ValueError):
        sink.finish()


@pytest.mark.parametrize("kind", list(FileKind))
def test_chunks_of_the_export_give_the_same_file(tmp_path, kind, monkeypatch):
    whole, _report = _write(tmp_path, kind, ExportFilter.everything())
    monkeypatch.setattr(writing, "export_to", partial(exporting.export_to, chunk_size=2))
    monkeypatch.setattr(writing, "PARQUET_CHUNK_TREES", 2)
    (tmp_path / "chunked").mkdir()
    chunked, _report = _write(tmp_path / "chunked", kind, ExportFilter.everything())
    if kind == FileKind.PARQUET:
        assert pq.read_table(chunked) == pq.read_table(whole)
    else:
        assert chunked.read_bytes() == whole.read_bytes()


@pytest.mark.parametrize("least_rows", [1, 5, 10_000])
def test_parquet_row_groups_end_with_a_chunk_of_trees_once_they_hold_enough_rows(tmp_path, monkeypatch, least_rows):
    monkeypatch.setattr(writing, "PARQUET_CHUNK_TREES", 2)
    monkeypatch.setattr(MessageFileWriter, "ROW_GROUP_ROWS", least_rows)
    path, _report = _write(tmp_path, FileKind.PARQUET, ExportFilter.everything())
    metadata = pq.ParquetFile(path).metadata
    # The messages of each chunk of two trees (the flat file is in tree order), gathered into row groups.
    trees = [message["message_tree_id"] for message in export_objs(ExportFilter.everything(), flat=True)]
    order = list(dict.fromkeys(trees))
    chunks = [sum(trees.count(tree) for tree in order[n : n + 2]) for n in range(0, len(order), 2)]
    expected, rows = [], 0
    for size in chunks:
        rows += size
        if rows >= least_rows:
            expected.append(rows)
            rows = 0
    expected += [rows] if rows else []
    assert [metadata.row_group(n).num_rows for n in range(metadata.num_row_groups)] == expected
    assert len(expected) == {1: 5, 5: 3, 10_000: 1}[least_rows]
