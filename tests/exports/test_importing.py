import contextlib
import gzip
import json
import multiprocessing
import random
import shutil
import uuid
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.display_names import name_skeleton
from accounts.models import User
from annotation.models import EmojiReaction, Message, MessageTree, Ranking, Report, ToxicityScore, TreeState
from annotation.services import tree_transitions
from annotation.services.tree_checks import recheck_trees
from annotation.services.tree_transitions import sync_tree
from exports.filters import ExportFilter
from exports.jsoncodec import dumps, loads
from exports.oasst_format import DETOXIFY_FIELDS, normalize
from exports.services import importing
from exports.services.exporting import export_to_file
from exports.services.importing import ImportFailed, import_file
from tests.exports.conftest import (
    SAMPLE,
    assert_round_trip,
    canonical,
    chain_tree,
    delete_trees,
    export_objs,
    flat_nodes,
    read_lines,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(
    params=[
        "in this process",
        pytest.param("in worker processes, a line at a time", marks=pytest.mark.postgres),
        pytest.param("in worker processes, a few lines at a time", marks=pytest.mark.postgres),
    ]
)
def reading(request, monkeypatch):
    """Files read in this process, or in chunks in worker processes: one line per chunk (every tree of flat
    lines then crosses chunks), or a few lines per chunk (trees of flat lines at a chunk's ends)."""
    if request.param == "in this process":
        monkeypatch.setattr(importing, "processes_available", lambda: 0)
        yield
        return
    chunks_read = []
    map_in_processes = importing.map_in_processes

    def counting(*args, **kwargs):
        for chunk, read in map_in_processes(*args, **kwargs):
            chunks_read.append(chunk)
            yield chunk, read

    monkeypatch.setattr(importing, "map_in_processes", counting)
    monkeypatch.setattr(importing, "processes_available", lambda: 2)
    monkeypatch.setattr(importing, "CHUNK_BYTES", 1 if "a line at a time" in request.param else 2500)
    yield
    assert len(chunks_read) >= 2
    # The worker processes are gone once the import ends, also when it fails.
    assert not multiprocessing.active_children()


def _write(path, objs_or_lines):
    lines = [line if isinstance(line, str) else json.dumps(line, ensure_ascii=False) for line in objs_or_lines]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_sample_round_trip(reading, sample):
    report = import_file(SAMPLE)
    assert (report.trees, report.messages, report.errors) == (10, 28, [])
    assert_round_trip(sample, export_objs())


def test_sample_rows():
    import_file(SAMPLE)
    english = MessageTree.objects.get(id="92276658-1e27-41c0-8a6a-63ec24ede6a4")
    assert (english.state, english.origin, english.lang) == (TreeState.READY_FOR_EXPORT, "fixture", "en")
    assert english.created_at == Message.objects.get(id=english.id).created_at
    assert Ranking.objects.filter(tree=english).count() == 6
    assert Ranking.objects.filter(parent_id=english.id).count() == 3
    assert Message.objects.get(id=english.id).ranking_count == 3
    assert Message.objects.get(id=english.id).children_count == 3
    assert EmojiReaction.objects.count() == 5
    assert Report.objects.get().report_type == "spam"
    assert ToxicityScore.objects.filter(model_name="detoxify").count() == 9
    synthetic = Message.objects.get(synthetic=True)
    assert synthetic.author is None and synthetic.model_name == "oasst-sft-1-pythia-12b"
    deleted = Message.objects.filter(deleted=True)
    assert deleted.count() == 2 and {m.depth for m in deleted} == {1, 2}


def test_gzip_and_plain_files_give_the_same_data(reading, tmp_path, sample):
    gz = tmp_path / "sample.jsonl.gz"
    with open(SAMPLE, "rb") as src, gzip.open(gz, "wb") as dst:
        shutil.copyfileobj(src, dst)
    call_command("import_oasst", str(gz), verbosity=0)
    assert_round_trip(sample, export_objs())


def test_unknown_users_become_placeholders():
    known = UserFactory(id="6513270e-269e-4d37-b2a7-4de452e6b438")
    report = import_file(SAMPLE)
    assert report.users_created == 11
    placeholders = User.objects.filter(is_placeholder=True)
    assert placeholders.count() == 11
    assert not User.objects.get(id=known.id).is_placeholder
    user = placeholders.first()
    assert not user.has_usable_password()
    assert user.username == f"imported-{user.id.hex}"
    assert user.username_skeleton == name_skeleton(user.username)


def test_existing_trees_are_skipped_and_reported(reading, capsys):
    import_file(SAMPLE)
    report = import_file(SAMPLE)
    assert (report.trees, len(report.existing_trees), report.errors) == (0, 10, [])
    assert MessageTree.objects.count() == 10
    call_command("import_oasst", str(SAMPLE))
    assert "Skipped 10 trees already present" in capsys.readouterr().out


def _broken_file(tmp_path):
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    bad_role = json.loads(lines[2])
    bad_role["prompt"]["replies"][0]["role"] = "robot"
    return _write(tmp_path / "broken.jsonl", [lines[0], "{broken", lines[1], bad_role, lines[3]])


def test_malformed_lines_are_skipped_with_their_line_numbers(reading, tmp_path):
    report = import_file(_broken_file(tmp_path))
    assert report.trees == 3
    assert [(error.line, "JSON" in error.message or "role" in error.message) for error in report.errors] == [
        (2, True),
        (4, True),
    ]
    # The tree of the bad line is not half imported.
    assert MessageTree.objects.count() == 3
    assert not Message.objects.filter(lang="de").exists()


def test_strict_import_stops_at_the_first_error_and_keeps_nothing(reading, tmp_path, capsys):
    path = _broken_file(tmp_path)
    with pytest.raises(ImportFailed, match="line 2"):
        import_file(path, strict=True)
    assert not MessageTree.objects.exists() and not User.objects.exists()
    with pytest.raises(CommandError, match="line 2: not valid JSON"):
        call_command("import_oasst", str(path), strict=True)
    assert not Message.objects.exists()


def test_command_reports_errors_and_fails_after_storing_the_rest(reading, tmp_path, capsys):
    with pytest.raises(CommandError, match=r"Lines skipped with errors: 2 \(listed above\); stored: 3 trees"):
        call_command("import_oasst", str(_broken_file(tmp_path)))
    captured = capsys.readouterr()
    robot = json.loads(SAMPLE.read_text(encoding="utf-8").splitlines()[2])["prompt"]["replies"][0]["message_id"]
    assert f"line 4: message {robot}: unknown role 'robot'" in captured.err
    assert "Imported 3 trees" in captured.out
    assert MessageTree.objects.count() == 3


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_oasst", str(tmp_path / "nope.jsonl"))


def test_flat_file_round_trip(reading, tmp_path):
    import_file(SAMPLE)
    flat = export_objs(flat=True)
    assert len(flat) == 28 and all("replies" not in m and "message_tree_id" in m for m in flat)
    Message.objects.all().delete()
    MessageTree.objects.all().delete()
    report = import_file(_write(tmp_path / "flat.jsonl", flat))
    assert (report.trees, report.messages, report.errors) == (10, 28, [])
    assert_round_trip(flat, export_objs(flat=True))


def test_flat_file_with_an_orphan_skips_its_tree(reading, tmp_path):
    import_file(SAMPLE)
    flat = export_objs(ExportFilter.everything(langs=("es",)), flat=True)
    MessageTree.objects.all().delete()
    orphan = next(i for i, m in enumerate(flat) if m.get("parent_id"))
    flat[orphan]["parent_id"] = "00000000-0000-4000-8000-000000000000"
    report = import_file(_write(tmp_path / "flat.jsonl", flat))
    assert report.trees == 0
    assert [error.line for error in report.errors] == [orphan + 1]
    assert "is not in tree" in report.errors[0].message


def test_backlog_puts_finished_trees_in_backlog_ranking():
    import_file(SAMPLE, backlog=True, origin="partner")
    states = dict(MessageTree.objects.values_list("lang", "state"))
    assert states["ar"] == TreeState.BACKLOG_RANKING
    assert states["de"] == TreeState.GROWING
    origins = dict(MessageTree.objects.values_list("lang", "origin"))
    assert (origins["en"], origins["ar"]) == ("fixture", "partner")


def test_an_imported_tree_in_ranking_stays_in_ranking():
    import_file(SAMPLE)
    ranking = MessageTree.objects.get(lang="pt-BR")
    assert ranking.state == TreeState.RANKING
    # Complete as it is: its goal is its own size (3 accepted messages), not this platform's 12.
    assert ranking.goal_tree_size == 3
    assert MessageTree.objects.get(lang="de").goal_tree_size == 12
    assert tree_transitions.sync_tree(tree_id=ranking.id).state == TreeState.RANKING


def _node(role, *replies, accepted=True, **fields):
    node = {
        "message_id": str(uuid.uuid4()),
        "created_date": "2023-03-01T10:00:00+00:00",
        "text": f"A {role} message.",
        "role": role,
        "lang": "en",
        "review_count": 3 if accepted is not None else 1,
        "deleted": False,
        "synthetic": False,
        "replies": list(replies),
        **fields,
    }
    if accepted is not None:
        node["review_result"] = accepted
    return node


def _tree_line(state, prompt):
    return {"message_tree_id": prompt["message_id"], "tree_state": state, "prompt": prompt}


def test_an_imported_tree_keeps_limits_widened_to_what_it_holds(tmp_path, settings):
    cfg = settings.TREE_MANAGER
    # Grown under wider limits than this platform's: four replies under the prompt, a thread four deep.
    deep_thread = _node("assistant", _node("prompter", _node("assistant", _node("prompter"))))
    wide = _node("prompter", deep_thread, *(_node("assistant") for _ in range(3)))
    small = _node("prompter", _node("assistant"), _node("assistant", accepted=False), _node("assistant"))
    finished = _node("prompter", *(_node("assistant") for _ in range(5)))
    lines = [_tree_line("growing", wide), _tree_line("growing", small), _tree_line("ready_for_export", finished)]
    assert import_file(_write(tmp_path / "trees.jsonl", lines)).errors == []

    def limits(prompt):
        tree = MessageTree.objects.get(pk=prompt["message_id"])
        return tree.max_depth, tree.max_children_count, tree.goal_tree_size

    assert limits(wide) == (4, 4, cfg.goal_tree_size)
    assert limits(small) == (cfg.max_tree_depth, cfg.max_children_count, cfg.goal_tree_size)
    assert limits(finished) == (cfg.max_tree_depth, 5, 6)
    # No message is over its tree's own limits, and the growing trees grow on.
    for message in Message.objects.select_related("tree"):
        assert message.depth <= message.tree.max_depth
        assert message.role != "prompter" or message.children_count <= message.tree.max_children_count
    assert recheck_trees() == []


def test_an_imported_tree_in_ranking_with_an_undecided_reply_stays_in_ranking(tmp_path):
    # Releases hold such trees: their platform ranked a tree once it held enough accepted replies.
    prompt = _node("prompter", _node("assistant"), _node("assistant"), _node("assistant", accepted=None))
    import_file(_write(tmp_path / "trees.jsonl", [_tree_line("ranking", prompt)]))
    assert recheck_trees() == []
    tree = sync_tree(tree_id=prompt["message_id"])
    assert (tree.state, tree.goal_tree_size) == (TreeState.RANKING, 3)


@pytest.mark.postgres
def test_a_large_import_refreshes_the_planner_statistics_but_of_json_columns(monkeypatch):
    monkeypatch.setattr(importing, "ANALYZE_AFTER_MESSAGES", 20)
    import_file(SAMPLE)
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'annotation_message'")
        assert cursor.fetchone()[0] == 28
        cursor.execute("SELECT tablename, attname FROM pg_stats WHERE tablename LIKE 'annotation_%%'")
        analyzed = set(cursor.fetchall())
    assert {
        ("annotation_message", "lang"),
        ("annotation_message", "text"),
        ("annotation_ranking", "parent_id"),
    } <= analyzed
    # Nothing filters, joins or sorts on them (migration annotation 0005).
    json_columns = {("annotation_message", name) for name in ("labels", "emojis", "extra")}
    json_columns |= {("annotation_ranking", "ranking"), ("annotation_toxicityscore", "scores")}
    assert not analyzed & json_columns


def _secondary_structures() -> set[str]:
    """The definitions of the plain indexes and foreign keys of the tables an import writes."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT pg_get_indexdef(indexrelid) FROM pg_index
               WHERE indrelid::regclass::text LIKE ANY (ARRAY['annotation_%%', 'accounts_%%'])
               UNION ALL
               SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
               FROM pg_constraint WHERE contype = 'f'"""
        )
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.postgres
def test_a_first_import_makes_indexes_and_foreign_keys_after_the_rows(sample):
    before = _secondary_structures()
    with CaptureQueriesContext(connection) as queries:
        report = import_file(SAMPLE)
    statements = [query["sql"] for query in queries.captured_queries]
    assert any(sql.startswith("DROP INDEX") for sql in statements)
    assert any(sql.startswith("ALTER TABLE") and "ADD CONSTRAINT" in sql for sql in statements)
    # The tables of trees were empty: their primary keys are made after the rows too, the users' are not.
    assert "ALTER TABLE annotation_message DROP CONSTRAINT annotation_message_pkey" in statements
    assert not any("DROP CONSTRAINT accounts_user_pkey" in sql for sql in statements)
    assert _secondary_structures() == before
    assert (report.trees, report.errors) == (10, [])
    assert_round_trip(sample, export_objs())


@pytest.mark.postgres
def test_a_later_import_leaves_indexes_and_foreign_keys_alone():
    import_file(SAMPLE)
    with CaptureQueriesContext(connection) as queries:
        report = import_file(SAMPLE)
    assert len(report.existing_trees) == 10
    assert not any(query["sql"].startswith(("DROP INDEX", "ALTER TABLE")) for query in queries.captured_queries)


@pytest.mark.postgres
def test_a_tree_the_database_refuses_in_a_first_import_is_skipped_alone(reading, monkeypatch):
    refused = "92276658-1e27-41c0-8a6a-63ec24ede6a4"
    write = importing.Importer._write

    def write_or_fail(self, batch):
        written = write(self, batch)
        if any(record.id == refused for record in batch.records):
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 / 0")  # a real error of the database, after the tree's rows
        return written

    monkeypatch.setattr(importing.Importer, "_write", write_or_fail)
    report = import_file(SAMPLE)
    assert report.trees == 9 and [error.line for error in report.errors] == [1]
    assert "could not be stored" in report.errors[0].message
    assert not MessageTree.objects.filter(id=refused).exists()
    assert Message.objects.filter(tree_id=refused).count() == 0
    assert MessageTree.objects.count() == 9


@pytest.mark.postgres
def test_a_tree_twice_in_a_first_import_is_stored_once(reading, tmp_path, monkeypatch):
    monkeypatch.setattr(importing, "BATCH_MESSAGES", 3)  # the copy comes in a later batch
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    report = import_file(_write(tmp_path / "twice.jsonl", [*lines, lines[0]]))
    # The copy is no tree already stored: it is skipped and reported as a copy.
    assert (report.trees, report.existing_trees) == (10, [])
    assert [str(error) for error in report.errors] == [
        "line 11: tree 92276658-1e27-41c0-8a6a-63ec24ede6a4 is left out: it comes twice in the file (line 1)"
    ]
    assert MessageTree.objects.count() == 10


@pytest.mark.postgres
def test_rows_alike_found_by_a_key_made_after_them_fail_the_first_import_whole(reading, monkeypatch):
    # Two reactions alike, which the reading of a file never gives: the unique key refuses them at the end.
    read = importing.Importer._batch

    def with_a_duplicate(self, records):
        for record in records:
            record.reactions.extend(record.reactions[:1])
        return read(self, records)

    monkeypatch.setattr(importing.Importer, "_batch", with_a_duplicate)
    with pytest.raises(ImportFailed, match="could not be stored"):
        import_file(SAMPLE)
    assert MessageTree.objects.count() == 0 and EmojiReaction.objects.count() == 0


def _nodes_of(tree):
    stack = [tree["prompt"]]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(node.get("replies", ()))


def test_ranking_events_as_the_original_platform_writes_them_are_stored(reading, tmp_path, sample):
    for tree in sample:
        for node in _nodes_of(tree):
            for event in node.get("events", {}).get("ranking", ()):
                if event["not_rankable"] is False:
                    del event["not_rankable"]  # left out when false
    report = import_file(_write(tmp_path / "original.jsonl", sample))
    assert report.errors == []
    assert Ranking.objects.count() == 13
    assert Message.objects.get(id="92276658-1e27-41c0-8a6a-63ec24ede6a4").ranking_count == 3
    assert not Message.objects.filter(extra__has_key="events", extra__events__has_key="ranking").exists()
    assert_round_trip(sample, export_objs())


def test_a_value_the_format_does_not_allow_skips_its_tree_and_fails_a_strict_import(reading, tmp_path, sample):
    reply = sample[0]["prompt"]["replies"][0]
    reply["emojis"] = {"+1": "many"}
    path = _write(tmp_path / "bad.jsonl", sample)
    report = import_file(path)
    assert report.trees == 9
    assert [str(error) for error in report.errors] == [
        f"line 1: message {reply['message_id']}: emojis must count each code with a whole number of at least 0, "
        "not 'many' for '+1'"
    ]
    assert not MessageTree.objects.filter(id=sample[0]["message_tree_id"]).exists()
    MessageTree.objects.all().delete()
    with pytest.raises(ImportFailed, match=f"line 1: message {reply['message_id']}: emojis"):
        import_file(path, strict=True)
    assert not MessageTree.objects.exists()


HF_FIELDS = (
    "message_id",
    "parent_id",
    "user_id",
    "created_date",
    "text",
    "role",
    "lang",
    "review_count",
    "review_result",
    "deleted",
    "rank",
    "synthetic",
    "model_name",
    "detoxify",
    "message_tree_id",
    "tree_state",
    "emojis",
    "labels",
)


def _hugging_face_dataset(flat):
    """The flat messages as a ``datasets`` Dataset with the features of the Hugging Face release."""
    datasets = pytest.importorskip("datasets")
    string, int32, double = datasets.Value("string"), datasets.Value("int32"), datasets.Value("float64")
    features = datasets.Features(
        {
            **{name: string for name in HF_FIELDS},
            "review_count": int32,
            "rank": int32,
            **{name: datasets.Value("bool") for name in ("review_result", "deleted", "synthetic")},
            "detoxify": {name: double for name in DETOXIFY_FIELDS},
            "emojis": datasets.Sequence({"name": string, "count": int32}),
            "labels": datasets.Sequence({"name": string, "value": double, "count": int32}),
        }
    )
    rows = []
    for message in flat:
        row = {name: message.get(name) for name in HF_FIELDS}
        emojis, labels = message.get("emojis", {}), message.get("labels", {})
        row["emojis"] = {"name": list(emojis), "count": list(emojis.values())}
        row["labels"] = {
            "name": list(labels),
            "value": [label["value"] for label in labels.values()],
            "count": [label["count"] for label in labels.values()],
        }
        rows.append(row)
    return datasets.Dataset.from_list(rows, features=features)


@pytest.mark.parametrize("written_by", ["to_json", "to_parquet"])
def test_the_hugging_face_layout_imports_as_the_canonical_form(reading, tmp_path, monkeypatch, written_by):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    import_file(SAMPLE)
    flat = export_objs(ExportFilter.everything(events=False), flat=True)
    for message in flat:
        message.pop("x_source", None)  # a field the release's features have no room for
    dataset = _hugging_face_dataset(flat)
    MessageTree.objects.all().delete()
    path = tmp_path / ("oasst.parquet" if written_by == "to_parquet" else "oasst.jsonl")
    getattr(dataset, written_by)(str(path))
    if written_by == "to_json":
        first = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
        assert set(first["emojis"]) == {"name", "count"} and first["rank"] is None
    report = import_file(path)
    assert (report.trees, report.messages, report.errors) == (10, 28, [])
    exported = export_objs(ExportFilter.everything(events=False), flat=True)
    assert all(isinstance(m.get("emojis", {}), dict) and "name" not in m.get("emojis", {}) for m in exported)
    # pandas, which writes the JSON of to_json, keeps 10 significant digits of a float.
    assert canonical(_rounded(exported)) == canonical(_rounded(flat))


def _rounded(value):
    if isinstance(value, float):
        return float(f"{value:.9g}")
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_rounded(item) for item in value]
    return value


def _cut_gzip(path, text):
    """``text`` gzipped and cut to two thirds, and how many of its lines can still be read."""
    whole = gzip.compress(text.encode("utf-8"))
    path.write_bytes(whole[: len(whole) * 2 // 3])
    readable = 0
    with gzip.open(path, "rb") as handle, contextlib.suppress(EOFError):
        for _line in handle:
            readable += 1
    assert 0 < readable < len(text.splitlines())
    return readable


def test_a_tree_file_cut_short_is_imported_as_far_as_it_could_be_read(reading, tmp_path, capsys):
    path = tmp_path / "cut.jsonl.gz"
    readable = _cut_gzip(path, SAMPLE.read_text(encoding="utf-8"))
    report = import_file(path)
    assert report.trees == readable
    [error] = report.errors
    assert error.line == readable + 1
    assert error.message.startswith(f"the file could not be read after line {readable}: Compressed file ended")
    stored = {str(pk) for pk in MessageTree.objects.values_list("pk", flat=True)}
    assert stored == {tree["message_tree_id"] for tree in read_lines(SAMPLE)[:readable]}
    MessageTree.objects.all().delete()
    with pytest.raises(CommandError, match=f"Lines skipped with errors: 1 .* stored: {readable} trees"):
        call_command("import_oasst", str(path))
    captured = capsys.readouterr()
    assert f"line {readable + 1}: the file could not be read after line {readable}" in captured.err
    assert f"Imported {readable} trees" in captured.out
    MessageTree.objects.all().delete()
    with pytest.raises(ImportFailed, match="could not be read"):
        import_file(path, strict=True)
    assert not MessageTree.objects.exists()


def test_a_flat_file_cut_short_leaves_out_the_tree_it_may_have_cut(reading, tmp_path):
    import_file(SAMPLE)
    flat = export_objs(flat=True)
    sizes = Counter(m["message_tree_id"] for m in flat)
    MessageTree.objects.all().delete()
    path = tmp_path / "cut.jsonl.gz"
    readable = _cut_gzip(path, "".join(json.dumps(m) + "\n" for m in flat))
    cut = flat[readable - 1]["message_tree_id"]
    report = import_file(path)
    complete = {m["message_tree_id"] for m in flat[:readable]} - {cut}
    assert {str(pk) for pk in MessageTree.objects.values_list("pk", flat=True)} == complete
    # Every tree stored is whole.
    assert all(Message.objects.filter(tree_id=tree).count() == sizes[tree] for tree in complete)
    first_line_of_cut = next(i for i, m in enumerate(flat, start=1) if m["message_tree_id"] == cut)
    assert [(error.line, error.message.split(":")[0]) for error in report.errors] == [
        (first_line_of_cut, f"tree {cut} is left out"),
        (readable + 1, f"the file could not be read after line {readable}"),
    ]


def test_a_flat_file_whose_trees_are_interleaved_imports_whole(reading, tmp_path):
    import_file(SAMPLE)
    flat = export_objs(flat=True)
    MessageTree.objects.all().delete()
    # Shuffled, as a file sorted by another key or merged from several holds them: trees' lines interleave.
    interleaved = list(flat)
    random.Random(5).shuffle(interleaved)
    trees = [m["message_tree_id"] for m in interleaved]
    assert any(trees.index(tree) + trees.count(tree) - 1 != _last(trees, tree) for tree in set(trees))
    orphan = next(i for i, m in enumerate(interleaved) if m.get("parent_id") and m["lang"] == "ja")
    lines = [json.dumps(m) for m in interleaved]
    lines[orphan] = json.dumps({**interleaved[orphan], "parent_id": "00000000-0000-4000-8000-000000000000"})
    report = import_file(_write(tmp_path / "interleaved.jsonl", [*lines, "{broken"]))
    assert (report.trees, report.messages) == (9, 28 - Counter(trees)[interleaved[orphan]["message_tree_id"]])
    # Errors name the lines of the file.
    assert [(error.line, "is not in tree" in error.message) for error in report.errors] == [
        (orphan + 1, True),
        (len(lines) + 1, False),
    ]
    assert interleaved[orphan]["message_id"] in report.errors[0].message
    MessageTree.objects.all().delete()
    report = import_file(_write(tmp_path / "interleaved.jsonl", [json.dumps(m) for m in interleaved]))
    assert (report.trees, report.messages, report.errors) == (10, 28, [])
    assert_round_trip(flat, export_objs(flat=True))


def _last(items, item):
    return len(items) - 1 - items[::-1].index(item)


def _copy_with_a_message_of(tree, reply):
    """A new tree whose reply has the id of ``reply`` (of another tree)."""
    prompt = {**tree["prompt"], "message_id": str(uuid.uuid4()), "events": {}, "replies": []}
    prompt["replies"] = [{**reply, "parent_id": prompt["message_id"], "events": {}, "replies": []}]
    return {"message_tree_id": prompt["message_id"], "tree_state": "growing", "prompt": prompt}


def test_a_copy_in_the_file_is_told_apart_from_what_was_already_stored(reading, tmp_path, monkeypatch, sample):
    monkeypatch.setattr(importing, "BATCH_MESSAGES", 3)  # copies come in later batches
    reply = sample[0]["prompt"]["replies"][0]
    copy = _copy_with_a_message_of(sample[3], reply)
    report = import_file(_write(tmp_path / "copies.jsonl", [*sample, copy]))
    assert report.trees == 10 and report.existing_trees == []
    assert [str(error) for error in report.errors] == [
        f"line 11: message {reply['message_id']}: comes earlier in the file; tree {copy['message_tree_id']} is left out"
    ]
    # In a later import: a tree stored before is left as it was, a message stored before is reported as such,
    # a tree twice in the file is stored once and its copy reported.
    new = _tree_line("growing", _node("prompter", _node("assistant")))
    report = import_file(_write(tmp_path / "again.jsonl", [sample[1], copy, new, new]))
    assert (report.trees, report.existing_trees) == (1, [sample[1]["message_tree_id"]])
    assert [str(error) for error in report.errors] == [
        f"line 2: message {reply['message_id']}: is already stored, in another tree; "
        f"tree {copy['message_tree_id']} is left out",
        f"line 4: tree {new['message_tree_id']} is left out: it comes twice in the file (line 3)",
    ]


def test_a_tree_thousands_deep_is_exported_and_imported_back(tmp_path):
    tree = chain_tree(5000)
    source = tmp_path / "deep.jsonl"
    source.write_text(dumps(tree) + "\n", encoding="utf-8")
    report = import_file(source)
    assert (report.trees, report.messages, report.errors) == (1, 5000, [])
    assert Message.objects.order_by("-depth").values_list("depth", flat=True).first() == 4999
    exported = tmp_path / "trees.jsonl"
    assert export_to_file(exported, ExportFilter.everything()).messages == 5000
    text = exported.read_text(encoding="utf-8")
    expected = flat_nodes(normalize([tree])[0]["prompt"])
    assert flat_nodes(loads(text)["prompt"]) == expected
    flat = tmp_path / "messages.jsonl.gz"
    export_to_file(flat, ExportFilter.everything(), flat=True)
    delete_trees()
    assert import_file(flat).errors == []
    again = tmp_path / "again.jsonl"
    export_to_file(again, ExportFilter.everything())
    assert again.read_text(encoding="utf-8") == text
