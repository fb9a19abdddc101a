import json

import pytest

from exports.oasst_format import FormatError, iter_records, normalize, read_timestamp, read_tree_line
from tests.exports.conftest import SAMPLE, read_lines

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


def test_errors_carry_their_line_numbers():
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    results = _records([lines[0], "{not json", lines[1], '{"message_id": "x"}', "[1, 2]"])
    errors = [(r.line, str(r)) for r in results if isinstance(r, FormatError)]
    assert [line for line, _ in errors] == [2, 4, 5]
    assert "not valid JSON" in errors[0][1]
    assert "missing field 'message_tree_id'" in errors[1][1]


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
