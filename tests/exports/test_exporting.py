import gzip
import json
import re
import threading
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.db.models import F

from annotation.models import Message, MessageTree, Ranking
from exports.filters import ExportFilter, Inclusion, anonymous_id
from exports.oasst_format import normalize
from exports.services import exporting
from exports.services.exporting import export_to_file
from exports.services.importing import import_file
from tests.exports.conftest import SAMPLE, assert_round_trip, delete_trees, export_objs, read_lines

pytestmark = pytest.mark.django_db

ENGLISH_TREE = "92276658-1e27-41c0-8a6a-63ec24ede6a4"
SYNTHETIC_USER_TREE_AUTHOR = "6513270e-269e-4d37-b2a7-4de452e6b438"


@pytest.fixture(autouse=True)
def _sample():
    import_file(SAMPLE)


def _walk(node):
    yield node
    for reply in node.get("replies", ()):
        yield from _walk(reply)


def _messages(trees):
    return [node for tree in trees for node in _walk(tree["prompt"])]


def test_default_export_is_the_released_dataset():
    trees = export_objs(ExportFilter())
    assert {tree["tree_state"] for tree in trees} == {"ready_for_export"}
    assert len(trees) == 3
    messages = _messages(trees)
    assert not any(m["deleted"] or m["synthetic"] or m.get("review_result") is False for m in messages)


def test_state_and_language_filters():
    assert len(export_objs(ExportFilter(states=()))) == 9  # the rejected prompt is left out by default
    trees = export_objs(ExportFilter.everything(states=("growing", "ranking")))
    assert sorted(tree["tree_state"] for tree in trees) == ["growing", "growing", "ranking"]
    trees = export_objs(ExportFilter.everything(langs=("ja", "he")))
    assert sorted(tree["prompt"]["lang"] for tree in trees) == ["he", "ja"]


def test_deleted_filter():
    excluded = _messages(export_objs(ExportFilter.everything(deleted=Inclusion.EXCLUDE)))
    assert len(excluded) == 26 and not any(m["deleted"] for m in excluded)
    # In a tree file the thread leading to a deleted message comes with it.
    only = export_objs(ExportFilter.everything(deleted=Inclusion.ONLY))
    assert [m["deleted"] for m in _messages(only)] == [False, True, True]
    flat = export_objs(ExportFilter.everything(deleted=Inclusion.ONLY), flat=True)
    assert [m["deleted"] for m in flat] == [True, True]


def test_rejected_filter():
    rejected = export_objs(ExportFilter.everything(rejected=Inclusion.ONLY), flat=True)
    assert {m["lang"] for m in rejected} == {"es", "zh"}
    assert all(m["review_result"] is False for m in rejected)
    kept = export_objs(ExportFilter.everything(rejected=Inclusion.EXCLUDE), flat=True)
    assert len(kept) == 28 - 3  # the rejected reply, its follow-up, the rejected prompt


def test_synthetic_filter():
    only = export_objs(ExportFilter.everything(synthetic=Inclusion.ONLY), flat=True)
    assert [(m["synthetic"], m["model_name"]) for m in only] == [(True, "oasst-sft-1-pythia-12b")]
    assert len(export_objs(ExportFilter.everything(synthetic=Inclusion.EXCLUDE), flat=True)) == 27


def test_user_filter():
    user = uuid.UUID(SYNTHETIC_USER_TREE_AUTHOR)
    flat = export_objs(ExportFilter.everything(user_id=user), flat=True)
    assert len(flat) == 2 and all(m["user_id"] == str(user) for m in flat)
    trees = export_objs(ExportFilter.everything(user_id=user))
    assert [tree["message_tree_id"] for tree in trees] == [ENGLISH_TREE]
    # The follow-up comes with the thread that leads to it, the other replies are left out.
    assert len(_messages(trees)) == 3


def test_date_range_uses_tree_creation(capsys):
    call_command("export_oasst", "-", state=["all"], date_from="2023-02-10", date_to="2023-02-11", deleted="include")
    trees = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert sorted(tree["prompt"]["lang"] for tree in trees) == ["ar", "ja"]


def test_prompts_only_no_labels_no_events():
    trees = export_objs(ExportFilter.everything(prompts_only=True, labels=False, events=False))
    assert len(trees) == 10
    for tree in trees:
        assert tree["prompt"]["replies"] == []
        assert "labels" not in tree["prompt"] and "events" not in tree["prompt"]
    assert "detoxify" in trees[0]["prompt"] or any("detoxify" in tree["prompt"] for tree in trees)


def test_anonymization_is_stable_for_a_seed():
    first = export_objs(ExportFilter.everything(anonymize_seed="s1"))
    again = export_objs(ExportFilter.everything(anonymize_seed="s1"))
    other = export_objs(ExportFilter.everything(anonymize_seed="s2"))
    assert first == again
    assert first != other
    plain = export_objs(ExportFilter.everything())
    text = json.dumps(first)
    for node in _messages(plain):
        assert node["message_id"] not in text
        assert node.get("user_id", "no user") not in text
    english = next(tree for tree in first if tree["message_tree_id"] == anonymous_id("message", ENGLISH_TREE, "s1"))
    prompt = english["prompt"]
    assert prompt["message_id"] == english["message_tree_id"]
    ranking = prompt["events"]["ranking"][0]
    assert ranking["ranking_parent_id"] == prompt["message_id"]
    assert set(ranking["ranked_message_ids"]) == {reply["message_id"] for reply in prompt["replies"]}
    assert all(reply["parent_id"] == prompt["message_id"] for reply in prompt["replies"])


def test_command_writes_gzip_and_flat_files(tmp_path):
    path = tmp_path / "out.jsonl.gz"
    call_command("export_oasst", str(path), flat=True, state=["all"], lang=["en,es"], verbosity=0)
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        messages = [json.loads(line) for line in handle]
    assert {m["lang"] for m in messages} == {"en", "es"}
    assert all(m["tree_state"] and m["message_tree_id"] for m in messages)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"state": ["finished"]}, "Unknown tree state"),
        ({"deleted": "maybe"}, "include, exclude or only"),
        ({"date_from": "2023-02-30"}, "Not a date"),
        ({"user": "bob"}, "Not a user id"),
        ({"date_from": "2023-03-01", "date_to": "2023-02-01"}, "before its end"),
    ],
)
def test_command_refuses_bad_options(options, message):
    with pytest.raises(CommandError, match=message):
        call_command("export_oasst", "-", **options)


@pytest.mark.postgres
def test_export_runs_a_bounded_number_of_queries_per_chunk(django_assert_max_num_queries):
    assert MessageTree.objects.count() == 10
    # 5 chunks of 2 trees: each chunk reads trees, messages (with their scores), rankings, reactions, reports.
    with django_assert_max_num_queries(5 * 5 + 1):
        trees = export_objs(chunk_size=2)
    assert len(trees) == 10
    assert Message.objects.count() == len(_messages(trees))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_chunks_are_read_by_two_threads_on_their_own_connections(sample, monkeypatch):
    readers, wrappers = set(), []
    fetch = exporting._Assembler.fetch

    def recording_fetch(self, trees):
        rows = fetch(self, trees)
        readers.add((threading.current_thread().name, connection.connection.info.backend_pid))
        wrappers.append(connections["default"])
        return rows

    monkeypatch.setattr(exporting._Assembler, "fetch", recording_fetch)
    assert_round_trip(sample, export_objs(chunk_size=2))
    flat = export_objs(chunk_size=3, flat=True)
    assert sorted(m["message_id"] for m in flat) == sorted(map(str, Message.objects.values_list("pk", flat=True)))
    names, pids = {name for name, _pid in readers}, {pid for _name, pid in readers}
    assert len(names) == 2 and threading.current_thread().name not in names
    assert len(pids) == 4 and connection.connection.info.backend_pid not in pids
    # Each reading thread closed its connection as it ended.
    assert all(wrapper.connection is None for wrapper in wrappers)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("flat", [False, True])
def test_an_export_is_one_snapshot_whatever_is_written_meanwhile(sample, monkeypatch, flat):
    last_tree = MessageTree.objects.order_by("-id").first()
    fetch = exporting._Assembler.fetch
    written, first_chunk = [], threading.Lock()

    def write_meanwhile():
        # Committed on a connection of its own, after the export's first chunk was read.
        Message.objects.filter(pk=last_tree.pk).update(text="Written while the export ran")
        MessageTree.objects.exclude(pk=last_tree.pk).order_by("-id").first().delete()
        connections.close_all()

    def fetch_then_write(self, trees):
        rows = fetch(self, trees)
        # Two reading threads may finish a chunk at once: only one of them writes.
        with first_chunk:
            if not written:
                writer = threading.Thread(target=write_meanwhile)
                writer.start()
                writer.join()
                written.append(True)
        return rows

    monkeypatch.setattr(exporting._Assembler, "fetch", fetch_then_write)
    exported = export_objs(chunk_size=2, flat=flat)
    assert written and Message.objects.get(pk=last_tree.pk).text == "Written while the export ran"
    assert MessageTree.objects.count() == 9
    if flat:
        assert len(exported) == 28 and "Written while the export ran" not in {m["text"] for m in exported}
    else:
        assert_round_trip(sample, exported)


def test_stored_reactions_come_before_the_emoji_events_kept_verbatim():
    message = Message.objects.filter(reactions__isnull=False).first()
    Message.objects.filter(pk=message.pk).update(extra={"events": {"emoji": [{"type": "emoji", "note": "kept"}]}})
    stored = [
        {"type": "emoji", "user_id": str(user), "emoji": emoji}
        for user, emoji in message.reactions.order_by("id").values_list("user_id", "emoji")
    ]
    for seed in (None, "s"):
        exported = export_objs(ExportFilter.everything(anonymize_seed=seed), flat=True)
        emoji = next(m for m in exported if m["text"] == message.text)["events"]["emoji"]
        assert [event.get("emoji") for event in emoji] == [event["emoji"] for event in stored] + [None]
        assert emoji[-1] == {"type": "emoji", "note": "kept"}
        if seed is None:
            assert emoji[:-1] == stored


def test_a_ranking_without_its_user_and_one_of_nothing_rankable_are_exported_as_stored():
    parent = Message.objects.get(pk=ENGLISH_TREE)
    shown = [str(pk) for pk in parent.children.order_by("created_at").values_list("pk", flat=True)]
    Ranking.objects.create(parent=parent, tree_id=parent.tree_id, user=None, ranked_message_ids=shown, ranking=[])
    Ranking.objects.create(parent=parent, tree_id=parent.tree_id, ranked_message_ids=shown, not_rankable=True)
    for seed in (None, "s"):
        trees = export_objs(ExportFilter.everything(anonymize_seed=seed))
        prompt = next(t for t in trees if t["prompt"]["text"] == parent.text)["prompt"]
        *_, without_user, not_rankable = prompt["events"]["ranking"]
        assert "user_id" not in without_user and "user_id" not in not_rankable
        # not_rankable is written only when true, as the original platform writes it.
        assert without_user["ranking"] == [] and "not_rankable" not in without_user
        assert (not_rankable["ranking"], not_rankable["not_rankable"]) == ([], True)
        if seed is None:
            assert not_rankable == {
                "type": "ranking",
                "ranking": [],
                "ranked_message_ids": shown,
                "ranking_parent_id": ENGLISH_TREE,
                "message_tree_id": ENGLISH_TREE,
                "not_rankable": True,
            }


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_when_writing_fails_the_reading_threads_end_at_once(monkeypatch):
    def failing_assemble(self, rows):
        raise OSError("disk full")

    monkeypatch.setattr(exporting._Assembler, "assemble", failing_assemble)
    with pytest.raises(OSError, match="disk full"):
        export_objs(chunk_size=2)
    # Still inside the test, which holds the error and its traceback.
    assert not [thread for thread in threading.enumerate() if thread.name.startswith("map-in-threads")]


_ANY_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def test_an_anonymized_export_replaces_every_id_also_in_what_was_kept_as_imported(tmp_path):
    MessageTree.objects.all().delete()
    tree = read_lines(SAMPLE)[0]
    prompt = tree["prompt"]
    # A ranking that fits no row (a key of its own) is kept as imported, so are unknown fields of a node or tree.
    kept = {**prompt["events"]["ranking"][0], "note": "kept as imported"}
    prompt["events"]["ranking"].append(kept)
    prompt["x_related"] = {"message_ids": [reply["message_id"] for reply in prompt["replies"]], "reviewer_user": kept}
    tree["x_batch"] = {"first": prompt["message_id"].upper()}
    source = json.dumps(tree)
    path = tmp_path / "tree.jsonl"
    path.write_text(source + "\n", encoding="utf-8")
    assert import_file(path).errors == []
    assert Message.objects.get(pk=prompt["message_id"]).extra["events"]["ranking"] == [kept]
    original_ids = set(_ANY_UUID.findall(source.lower()))
    for flat in (False, True):
        exported = export_objs(ExportFilter.everything(anonymize_seed="s", events=True), flat=flat)
        text = json.dumps(exported)
        assert not original_ids & set(_ANY_UUID.findall(text.lower()))
    [anonymized] = export_objs(ExportFilter.everything(anonymize_seed="s", events=True))
    prompt_out = anonymized["prompt"]
    kept_out = prompt_out["events"]["ranking"][-1]
    assert kept_out["note"] == "kept as imported"
    assert kept_out["ranking_parent_id"] == kept_out["message_tree_id"] == prompt_out["message_id"]
    assert kept_out["ranked_message_ids"] == [anonymous_id("message", i, "s") for i in kept["ranked_message_ids"]]
    assert set(kept_out["ranked_message_ids"]) == {reply["message_id"] for reply in prompt_out["replies"]}
    assert kept_out["user_id"] == anonymous_id("user", kept["user_id"], "s")
    assert prompt_out["x_related"]["reviewer_user"]["ranking_parent_id"] == prompt_out["message_id"]
    assert prompt_out["x_related"]["reviewer_user"]["user_id"] == kept_out["user_id"]
    assert anonymized["x_batch"] == {"first": prompt_out["message_id"]}


def test_events_are_written_only_when_asked_for(capsys):
    assert not any("events" in m for m in export_objs(ExportFilter(states=()), flat=True))
    call_command("export_oasst", "-", state=["all"], flat=True)
    assert not any("events" in json.loads(line) for line in capsys.readouterr().out.splitlines())
    call_command("export_oasst", "-", state=["all"], flat=True, events=True)
    with_events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert with_events == export_objs(ExportFilter(states=(), events=True), flat=True)
    assert sum("events" in m for m in with_events) == 7


def test_leaves_carry_an_empty_list_of_replies():
    messages = _messages(export_objs())
    assert all(isinstance(m["replies"], list) for m in messages)
    leaves = {m["message_id"] for m in messages if m["replies"] == []}
    assert leaves == {str(pk) for pk in Message.objects.filter(children__isnull=True).values_list("pk", flat=True)}
    assert not any("replies" in m for m in export_objs(flat=True))


def test_a_failed_export_leaves_no_file(tmp_path, monkeypatch):
    def failing_assemble(self, rows):
        raise RuntimeError("failed half way")

    monkeypatch.setattr(exporting._Assembler, "assemble", failing_assemble)
    path = tmp_path / "out.jsonl.gz"
    with pytest.raises(RuntimeError, match="failed half way"):
        export_to_file(path, ExportFilter.everything())
    assert not path.exists()


def _stored_state():
    """What an operator would miss if a round trip lost it."""
    messages = Message.objects.order_by("pk").values_list(
        "pk", "tree_id", "parent_id", "author_id", "role", "lang", "text", "depth", "created_at", "review_count",
        "review_result", "rank", "ranking_count", "children_count", "deleted", "synthetic", "model_name", "emojis",
        "labels", "extra",
    )  # fmt: skip
    trees = MessageTree.objects.order_by("pk").values_list("pk", "state", "lang", "origin", "created_at")
    rankings = Ranking.objects.order_by("parent_id", "user_id", "ranking").values_list(
        "parent_id", "user_id", "ranked_message_ids", "ranking", "not_rankable"
    )
    return list(messages), list(trees), list(rankings)


def _backup_round_trip(tmp_path):
    path = tmp_path / "backup.jsonl.gz"
    call_command("export_oasst", str(path), backup=True, verbosity=0)
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        first = handle.read()
    before = _stored_state()
    delete_trees()
    assert import_file(path).errors == []
    after = _stored_state()
    for rows_before, rows_after in zip(before, after, strict=True):
        for row_before, row_after in zip(rows_before, rows_after, strict=True):
            assert row_after == row_before
        assert len(rows_after) == len(rows_before)
    call_command("export_oasst", str(path), backup=True, verbosity=0)
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        assert sorted(handle.read().splitlines()) == sorted(first.splitlines())
    return [json.loads(line) for line in first.splitlines()]


def test_a_backup_gives_back_what_was_exported(tmp_path):
    # Rejected with two reviews: the public format leaves the review result out, a backup keeps it.
    rejected = Message.objects.filter(parent__isnull=False, review_result=True).order_by("pk").first()
    Message.objects.filter(pk=rejected.pk).update(review_result=False, review_count=2)
    Message.objects.filter(pk=rejected.parent_id).update(children_count=F("children_count") - 1)
    public = export_objs(ExportFilter.everything(), flat=True)
    assert "review_result" not in next(m for m in public if m["message_id"] == str(rejected.pk))
    trees = _backup_round_trip(tmp_path)
    assert len(trees) == 10
    assert Message.objects.get(pk=rejected.pk).review_result is False
    nodes = [node for tree in trees for node in _walk(tree["prompt"])]
    assert any("events" in node for node in nodes) and any("labels" in node for node in nodes)
    assert normalize(trees, backup=True) == trees


def test_a_backup_of_generated_data_gives_back_what_was_exported(tmp_path):
    MessageTree.objects.all().delete()
    call_command("generate_oasst", trees=150, seed=8, verbosity=0)
    undecided_in_public = {
        m["message_id"]
        for m in export_objs(ExportFilter.everything(), flat=True)
        if "review_result" not in m and m["review_count"]
    }
    rejected = Message.objects.filter(review_result=False, review_count__lte=2)
    assert rejected.exists() and {str(pk) for pk in rejected.values_list("pk", flat=True)} <= undecided_in_public
    _backup_round_trip(tmp_path)


@pytest.mark.parametrize(
    ("options", "message"),
    [({"anonymize_seed": "s"}, "A backup cannot be anonymized"), ({"flat": True}, "A backup is a file of trees")],
)
def test_a_backup_is_neither_anonymized_nor_flat(options, message):
    with pytest.raises(CommandError, match=message):
        call_command("export_oasst", "-", backup=True, **options)
