import json

import pytest

from exports.jsoncodec import dumps, loads


def test_round_trip_keeps_text_and_numbers():
    value = {"text": "مرحبا 👋 ```code```", "n": [0, -1, 0.25, 1e-05, 10**20]}
    assert loads(dumps(value)) == value
    assert loads(dumps(value).encode()) == value
    assert "👋" in dumps(value)


def test_what_orjson_refuses_takes_the_standard_path():
    assert loads("[123456789012345678901234567890]") == [123456789012345678901234567890]
    assert json.loads(dumps({"big": 2**70})) == {"big": 2**70}
    assert dumps({1: "a"}) == '{"1":"a"}'


@pytest.mark.parametrize("text", ["NaN", "[Infinity]", "{", "", "[1,]"])
def test_what_is_not_json_is_refused(text):
    with pytest.raises(ValueError):
        loads(text)
