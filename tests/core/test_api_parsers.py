"""The API's JSON parser: what it reads, and what it refuses before any serializer sees it."""

import io

import pytest
from rest_framework.exceptions import ParseError

from core.api.parsers import MAX_NESTING, JSONParser, nesting_exceeds


def parse(body: bytes | str, encoding: str = "utf-8") -> object:
    raw = body.encode(encoding) if isinstance(body, str) else body
    return JSONParser().parse(io.BytesIO(raw), "application/json", {"encoding": encoding})


def nested(depth: int, leaf: str = "1") -> str:
    return "[" * depth + leaf + "]" * depth


def test_reads_json():
    assert parse('{"text": "Hi \\ud83d\\ude00", "values": {"spam": 0.5}, "ranking": [1, 2]}') == {
        "text": "Hi \U0001f600",
        "values": {"spam": 0.5},
        "ranking": [1, 2],
    }


def test_nesting_up_to_the_limit_is_read():
    value = parse(nested(MAX_NESTING))
    for _ in range(MAX_NESTING - 1):
        value = value[0]
    assert value == [1]


@pytest.mark.parametrize(
    "body",
    [
        nested(MAX_NESTING + 1),
        '{"a": ' * (MAX_NESTING + 1) + "1" + "}" * (MAX_NESTING + 1),
        '{"values": {"spam": ' + nested(MAX_NESTING) + "}}",
        # Deeper than Python's recursion limit: the decoder itself gives up.
        nested(5_000),
        nested(200_000),
    ],
)
def test_deeper_nesting_is_a_parse_error(body):
    with pytest.raises(ParseError, match="nested"):
        parse(body)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"text": "caf\xe9"}', "not valid utf-8"),
        (b"\xff\xfe{}", "not valid utf-8"),
        ("{not json", "not valid JSON"),
        ('{"spam": NaN}', "not valid JSON"),
        ('{"text": "\\ud800"}', "lone surrogate"),
        ('{"\\udfff": 1}', "lone surrogate"),
        ('["\\ud83d"]', "lone surrogate"),
    ],
)
def test_refuses_what_is_not_valid_json_text(body, message):
    with pytest.raises(ParseError, match=message):
        parse(body)


def test_reads_the_encoding_the_request_names():
    assert parse('{"text": "café"}', encoding="latin-1") == {"text": "café"}


def test_nesting_exceeds_counts_levels_of_arrays_and_objects():
    assert not nesting_exceeds("text", 0)
    assert not nesting_exceeds([], 1) and nesting_exceeds([], 0)
    assert not nesting_exceeds({"a": [1, {"b": 2}], "c": []}, 3)
    assert nesting_exceeds({"a": [1, {"b": []}]}, 3)
