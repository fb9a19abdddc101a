import json

import pytest

from exports.jsoncodec import Verbatim, as_value, dumps, loads


def test_round_trip_keeps_text_and_numbers():
    value = {"text": "مرحبا 👋 ```code```", "n": [0, -1, 0.25, 1e-05, 10**20]}
    assert loads(dumps(value)) == value
    assert loads(dumps(value).encode()) == value
    assert "👋" in dumps(value)


def test_what_orjson_refuses_takes_the_standard_path():
    assert loads("[123456789012345678901234567890]") == [123456789012345678901234567890]
    assert json.loads(dumps({"big": 2**70})) == {"big": 2**70}
    assert dumps({1: "a"}) == '{"1":"a"}'


def test_big_integers_are_exact_wherever_they_stand():
    assert loads('{"n": -123456789012345678901234567890}') == {"n": -123456789012345678901234567890}
    assert loads("123456789012345678901234567890") == 123456789012345678901234567890
    assert loads('{"n":\n\t18446744073709551616}') == {"n": 18446744073709551616}


def test_long_fractions_and_exponents_take_the_fast_path(monkeypatch):
    # Detoxify scores have long fractions; orjson reads them as the standard library does.
    def slow_path(*args, **kwargs):
        raise AssertionError("the standard library was used")

    text = '{"insult": 0.00000006724881428063392, "e": 1.2345678901234567890123e-7, "f": 5e-1234567890123456789}'
    expected = json.loads(text)
    monkeypatch.setattr("exports.jsoncodec.json.loads", slow_path)
    assert loads(text) == expected


@pytest.mark.parametrize("text", ["NaN", "[Infinity]", "{", "", "[1,]"])
def test_what_is_not_json_is_refused(text):
    with pytest.raises(ValueError):
        loads(text)


def test_verbatim_text_is_written_as_it_is_on_both_paths():
    scores = Verbatim('[{"type":"emoji","emoji":"+1"}]')
    assert dumps({"events": scores}) == '{"events":[{"type":"emoji","emoji":"+1"}]}'
    # A key that is not a string sends the value down the standard library's path.
    assert dumps({1: scores}) == '{"1":[{"type":"emoji","emoji":"+1"}]}'
    assert as_value(scores) == [{"type": "emoji", "emoji": "+1"}]
    assert as_value([1]) == [1]


def _nested(depth):
    value = {"leaf": ["é", 1.5, None, True]}
    for i in range(depth):
        value = {"replies": [value], "n": i}
    return value


def _depth(value):
    depth = 0
    while isinstance(value, dict) and "replies" in value:
        [value] = value["replies"]
        depth += 1
    return depth


@pytest.mark.parametrize("depth", [100, 600, 5000])
def test_values_nested_deeper_than_the_parsers_recurse_are_read_and_written(depth):
    value = _nested(depth)
    text = dumps(value)
    assert text.startswith('{"replies":[{"replies":[') and text.endswith(f'"n":{depth - 1}}}')
    back = loads(text)
    assert _depth(back) == depth and dumps(back) == text
    assert _depth(loads(text.encode())) == depth


def test_deep_values_are_checked_as_json():
    deep = "[" * 3000 + "]" * 3000
    assert _depth_of_lists(loads(deep)) == 3000
    for text in ("[" * 3000 + "]" * 2999, "[" * 3000 + "1,]" + "]" * 2999, "[" * 3000 + "NaN" + "]" * 3000):
        with pytest.raises(ValueError):
            loads(text)
    exact = "[" * 2000 + '{"n": 123456789012345678901234567890, "s": "a\\u00e9\\ud83d\\ude00"}' + "]" * 2000
    inner = loads(exact)
    for _ in range(2000):
        [inner] = inner
    assert inner == {"n": 123456789012345678901234567890, "s": "aé😀"}
    assert dumps({"deep": Verbatim("[1]"), 1: [_nested(1500)]}).startswith('{"deep":[1],"1":[{"replies"')


def _depth_of_lists(value):
    depth = 0
    while value == [] or isinstance(value, list):
        if not value:
            return depth + 1
        [value] = value
        depth += 1
    return depth
