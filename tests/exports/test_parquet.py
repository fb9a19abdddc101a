"""Messages to Parquet rows (exports.parquet): nulls where a message has nothing, odd imported values."""

from exports.parquet import SCHEMA, message_table


def test_absent_fields_are_null():
    [row] = message_table([{"message_id": "m", "text": "hi", "role": "prompter", "lang": "en"}]).to_pylist()
    assert row["message_id"] == "m"
    assert all(row[name] is None for name in SCHEMA.names if name not in ("message_id", "text", "role", "lang"))


def test_values_that_do_not_fit_their_column_are_null():
    message = {
        "message_id": "m",
        "review_count": 3,
        "rank": 2.0,
        # One score only (a model that gives one), and a score that is not a number.
        "detoxify": {"toxicity": 0.5, "insult": "high"},
        "emojis": {"+1": 2, "_skip_reply": 1.0, "odd": "many", "huge": 2**40},
        "labels": {"spam": {"value": 0, "count": 3}, "quality": {"value": 0.75}, "broken": 1},
    }
    [row] = message_table([message]).to_pylist()
    assert (row["review_count"], row["rank"]) == (3, 2)
    assert row["detoxify"] == {
        "toxicity": 0.5,
        "severe_toxicity": None,
        "obscene": None,
        "identity_attack": None,
        "insult": None,
        "threat": None,
        "sexual_explicit": None,
    }
    assert row["emojis"] == {"name": ["+1", "_skip_reply", "odd", "huge"], "count": [2, 1, None, None]}
    assert row["labels"] == {
        "name": ["spam", "quality", "broken"],
        "value": [0.0, 0.75, None],
        "count": [3, None, None],
    }


def test_empty_objects_are_null():
    [row] = message_table([{"message_id": "m", "emojis": {}, "labels": {}, "detoxify": {}}]).to_pylist()
    assert (row["emojis"], row["labels"], row["detoxify"]) == (None, None, None)
