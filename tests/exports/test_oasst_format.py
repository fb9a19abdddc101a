import json
import random

import pytest

from exports import jsoncodec
from exports.oasst_format import FormatError, iter_records, normalize, read_timestamp, read_tree_line
from tests.exports.conftest import SAMPLE, chain_tree, read_lines

OTHER_ID = "6f1b3d2c-1f4e-4b8a-9a0e-3c1d2b4a5e6f"


def _records(lines: list[str]):
    return list(iter_records(lines))


def test_sample_reads_into_rows():
    records = _records(SAMPLE.read_text(encoding="utf-8").splitlines())
    assert all(not isinstance(record, FormatError) for record in records)
    assert len(records) == 10
    first = records[0]
    assert first.id == first.messages[0][0]
    assert len(first.rankings) == 6
    assert {row[2] for row in first.reactions} == {"+1", "heart_eyes", "-1"}
    # The rating event is not modelled: it stays verbatim in Message.extra.
    assert first.messages[0][-1]["events"]["rating"][0]["rating"] == "good"


def test_normalize_orders_replies_by_rank_then_date_and_drops_nulls():
    tree = read_lines(SAMPLE)[5]  # Japanese, two unranked replies, the later one first in the file
    tree["prompt"]["model_name"] = None
    canonical = normalize([tree])[0]["prompt"]
    assert "model_name" not in canonical
    dates = [reply["created_date"] for reply in canonical["replies"]]
    assert dates == sorted(dates)


def test_normalize_writes_review_result_only_when_true_or_enough_reviews():
    node = {
        "message_id": "6f1b3d2c-1f4e-4b8a-9a0e-3c1d2b4a5e6f",
        "text": "t",
        "role": "prompter",
        "lang": "en",
        "created_date": "2023-02-05T14:23:50.983374Z",
        "review_count": 2,
        "review_result": False,
    }
    tree = {"message_tree_id": node["message_id"], "tree_state": "growing", "prompt": node}
    prompt = normalize([tree])[0]["prompt"]
    assert "review_result" not in prompt
    assert prompt["created_date"] == "2023-02-05T14:23:50.983374+00:00"
    assert prompt["deleted"] is False and prompt["synthetic"] is False


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.pop("tree_state"), "missing field 'tree_state'"),
        (lambda t: t.update(tree_state="finished"), "unknown tree_state"),
        (lambda t: t["prompt"].update(role="system"), "unknown role"),
        (lambda t: t["prompt"].update(message_id="not-a-uuid"), "not a valid UUID"),
        (lambda t: t["prompt"].pop("text"), "missing field 'text'"),
        (lambda t: t["prompt"].update(created_date="yesterday"), "not an ISO 8601 date"),
        (lambda t: t["prompt"].update(rank=-1), "rank must be a whole number"),
        (
            lambda t: t["prompt"]["replies"][0].update(parent_id="6f1b3d2c-1f4e-4b8a-9a0e-3c1d2b4a5e6f"),
            "parent_id does not match",
        ),
    ],
)
def test_malformed_tree_lines_are_refused(change, message):
    tree = read_lines(SAMPLE)[0]
    change(tree)
    with pytest.raises(FormatError, match=message):
        read_tree_line(tree, line=1)


REPLY_ID = "ae97ba94-d0ed-482f-8f6d-05584ef8aa38"  # the first reply of the first tree of the sample
DETOXIFY = {
    "toxicity": 0.1,
    "severe_toxicity": 0.0,
    "obscene": 0.0,
    "identity_attack": 0.0,
    "insult": 0.0,
    "threat": 0.0,
    "sexual_explicit": 0.0,
}


def _reply(tree):
    return tree["prompt"]["replies"][0]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r.update(emojis={"+1": "many"}), "emojis must count each code with a whole number"),
        (lambda r: r.update(emojis={"+1": -1}), "emojis must count each code"),
        (lambda r: r.update(emojis={"+1": True}), "emojis must count each code"),
        (lambda r: r.update(emojis=["+1"]), "emojis must be an object of counts"),
        (lambda r: r.update(labels={"spam": 1}), "label 'spam' must be"),
        (lambda r: r.update(labels={"spam": {"value": 2.0, "count": 3}}), "label 'spam' must be"),
        (lambda r: r.update(labels={"spam": {"value": 0.5}}), "label 'spam' must be"),
        (lambda r: r.update(labels={"spam": {"value": 0.5, "count": 1, "note": "x"}}), "label 'spam' must be"),
        (lambda r: r.update(detoxify={"toxicity": 0.1}), "detoxify must hold the seven scores"),
        (lambda r: r.update(detoxify={**DETOXIFY, "toxicity": "low"}), "detoxify must hold the seven scores"),
        (lambda r: r.update(detoxify={**DETOXIFY, "extra": 0.1}), "detoxify must hold the seven scores"),
        (lambda r: r["events"]["emoji"][0].pop("type"), "an event of kind 'emoji' must be an object with \"type\""),
        (lambda r: r["events"]["emoji"][0].update(type="ranking"), 'must be an object with "type": "emoji"'),
        (lambda r: r["events"].update(rating=["good"]), "an event of kind 'rating' must be an object"),
        (lambda r: r["events"].update(emoji={"type": "emoji"}), "events must be an object of lists"),
        (lambda r: r["events"]["emoji"][0].update(user_id="bob"), "has a user_id that is not a UUID"),
        (lambda r: r["events"]["emoji"][0].update(emoji=7), "must have an emoji code"),
        (
            lambda r: r["events"].update(ranking=[{"type": "ranking", "ranking": ["a"], "ranked_message_ids": []}]),
            "must have a ranking: a list of whole numbers",
        ),
        (
            lambda r: r["events"].update(ranking=[{"type": "ranking", "ranking": [0], "ranked_message_ids": [1]}]),
            "must have ranked_message_ids",
        ),
        (
            lambda r: r["events"].update(
                ranking=[{"type": "ranking", "ranking": [], "ranked_message_ids": [], "not_rankable": "no"}]
            ),
            "not_rankable that is not true or false",
        ),
        (lambda r: r.update(lang=""), "lang must be a language tag"),
        (lambda r: r.update(lang="english language"), "lang must be a language tag"),
        (lambda r: r.update(lang=None), "missing field 'lang'"),
        (lambda r: r.update(emojis={"name": ["+1", "-1"], "count": [1]}), "emojis must hold lists of the same length"),
        (lambda r: r.update(labels={"name": ["spam"], "value": [3], "count": [1]}), "label 'spam' must be"),
    ],
)
def test_values_the_format_does_not_allow_are_refused_naming_the_message(change, message):
    tree = read_lines(SAMPLE)[0]
    change(_reply(tree))
    with pytest.raises(FormatError, match=message) as refused:
        read_tree_line(tree, line=1)
    assert refused.value.message_id == REPLY_ID
    assert str(refused.value).startswith(f"message {REPLY_ID}: ")


def test_a_label_without_a_mean_is_taken_as_the_original_schema_allows():
    tree = read_lines(SAMPLE)[0]
    _reply(tree)["labels"]["humor"] = {"value": None, "count": 0}
    assert read_tree_line(tree, line=1).messages[1][18]["humor"] == {"value": None, "count": 0}


def test_an_empty_detoxify_or_one_of_nulls_is_no_scores():
    tree = read_lines(SAMPLE)[0]
    _reply(tree)["detoxify"] = dict.fromkeys(DETOXIFY)
    tree["prompt"]["detoxify"] = {}
    record = read_tree_line(tree, line=1)
    assert tree["prompt"]["message_id"] not in {row[0] for row in record.toxicity}
    assert REPLY_ID not in {row[0] for row in record.toxicity}
    prompt = normalize([tree])[0]["prompt"]
    assert "detoxify" not in prompt and "detoxify" not in _reply({"prompt": prompt})


def _hugging_face_layout(node):
    """The node as ``datasets``' to_json writes a row of the Hugging Face release: lists per field."""
    emojis, labels = node.get("emojis", {}), node.get("labels", {})
    node["emojis"] = {"name": list(emojis), "count": list(emojis.values())}
    node["labels"] = {
        "name": list(labels),
        "value": [label["value"] for label in labels.values()],
        "count": [label["count"] for label in labels.values()],
    }
    return node


def test_the_hugging_face_layout_reads_as_the_canonical_form():
    tree = read_lines(SAMPLE)[0]
    expected = normalize([tree])[0]
    _hugging_face_layout(tree["prompt"])
    _hugging_face_layout(_reply(tree))
    record = read_tree_line(tree, line=1)
    rows = {row[0]: row for row in record.messages}
    assert rows[REPLY_ID][17] == {"+1": 2, "heart_eyes": 1}
    assert rows[REPLY_ID][18]["quality"] == {"value": 0.9166666666666666, "count": 3}
    assert normalize([tree])[0] == expected
    # A list of {name, count} objects, as other Parquet writers store a list of structs, reads the same.
    _reply(tree)["emojis"] = [{"name": "+1", "count": 2}, {"name": "heart_eyes", "count": 1}]
    assert read_tree_line(tree, line=1).messages[1][17] == {"+1": 2, "heart_eyes": 1}


def test_ranking_events_without_not_rankable_are_stored_and_written_without_it():
    tree = read_lines(SAMPLE)[0]
    for event in tree["prompt"]["events"]["ranking"]:
        del event["not_rankable"]  # as the original platform writes an event whose not_rankable is false
    record = read_tree_line(tree, line=1)
    assert len(record.rankings) == 6 and all(row[5] is False for row in record.rankings)
    assert record.messages[0][12] == 3  # the prompt's ranking_count
    assert "ranking" not in record.messages[0][-1].get("events", {})
    canonical = normalize(read_lines(SAMPLE)[:1])[0]["prompt"]["events"]["ranking"]
    assert canonical == normalize([tree])[0]["prompt"]["events"]["ranking"]
    assert all("not_rankable" not in event for event in canonical)


def test_leaves_have_an_empty_list_of_replies_and_events_are_left_out_when_not_asked_for():
    tree = normalize(read_lines(SAMPLE)[:1], events=False)[0]
    stack = [tree["prompt"]]
    leaves = 0
    while stack:
        node = stack.pop()
        assert "events" not in node
        leaves += node["replies"] == []
        stack.extend(node["replies"])
    assert leaves >= 3


def test_a_tree_thousands_deep_is_read_and_normalized_without_recursion():
    tree = chain_tree(5000)
    text = jsoncodec.dumps(tree)
    assert text.count('"replies":[') == 5000
    [record] = iter_records([text, ""])
    assert len(record.messages) == 5000 and max(row[7] for row in record.messages) == 4999
    node, depth = normalize([jsoncodec.loads(text)])[0]["prompt"], 0
    while node["replies"]:
        [node] = node["replies"]
        depth += 1
    assert depth == 4999 and node["text"] == "Message 4999"


def test_errors_carry_their_line_numbers():
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    results = _records([lines[0], "{not json", lines[1], '{"message_id": "x"}', "[1, 2]"])
    errors = [(r.line, str(r)) for r in results if isinstance(r, FormatError)]
    assert [line for line, _ in errors] == [2, 4, 5]
    assert "not valid JSON" in errors[0][1]
    assert "message x: missing field 'message_tree_id'" in errors[1][1]


def test_the_lines_of_a_flat_file_are_read_tree_by_tree_wherever_they_stand():
    flat = [
        {**node, "message_tree_id": tree["message_tree_id"], "tree_state": tree["tree_state"]}
        for tree in normalize(read_lines(SAMPLE))
        for node in _nodes(tree["prompt"])
    ]
    lines = [json.dumps(node) for node in flat]
    random.Random(4).shuffle(lines)
    lines.insert(7, "{not json")
    records = list(iter_records(lines))
    errors = [record for record in records if isinstance(record, FormatError)]
    assert [(error.line, "not valid JSON" in str(error)) for error in errors] == [(8, True)]
    trees = [record for record in records if not isinstance(record, FormatError)]
    assert len(trees) == 10 and sum(len(record.messages) for record in trees) == 28
    # Line numbers are those of the file.
    first = trees[0]
    for message_id, line in first.lines.items():
        assert json.loads(lines[line - 1])["message_id"] == message_id
    assert first.line == min(first.lines.values())


def _nodes(node):
    stack = [node]
    while stack:
        node = stack.pop()
        yield {key: value for key, value in node.items() if key != "replies"}
        stack.extend(node.get("replies", ()))


def test_nul_characters_are_refused():
    tree = read_lines(SAMPLE)[3]
    tree["prompt"]["text"] = "a\x00b"
    [result] = _records([json.dumps(tree)])
    assert isinstance(result, FormatError)
    assert "NUL" in str(result)


def test_lone_surrogates_are_refused_and_pairs_taken():
    tree = read_lines(SAMPLE)[3]
    tree["prompt"]["text"] = "a\ud800b"
    paired = read_lines(SAMPLE)[4]
    paired["prompt"]["text"] = "\U0001f600"
    # Written with escapes (ensure_ascii), as other tools write them.
    lone, pair = _records([json.dumps(tree), json.dumps(paired)])
    assert isinstance(lone, FormatError) and lone.line == 1
    assert "lone surrogate" in str(lone)
    assert pair.messages[0][6] == "\U0001f600"


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("2023-02-05T14:23:50.983374+00:00", "2023-02-05T14:23:50.983374+00:00"),
        ("2023-02-05T14:23:50+00:00", "2023-02-05T14:23:50+00:00"),
        ("2023-02-05T14:23:50.000000+00:00", "2023-02-05T14:23:50+00:00"),
        ("2023-02-05T16:23:50.5+02:00", "2023-02-05T14:23:50.500000+00:00"),
        ("2023-02-05T14:23:50.983374", "2023-02-05T14:23:50.983374+00:00"),
    ],
)
def test_timestamps_are_read_into_their_canonical_text(written, canonical):
    assert read_timestamp(written) == canonical


@pytest.mark.parametrize("written", ["2023-02-30T14:23:50+00:00", "yesterday", 1675607030])
def test_a_timestamp_that_is_no_date_is_refused(written):
    with pytest.raises(FormatError, match="created_date"):
        read_timestamp(written)
