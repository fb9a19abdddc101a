"""JSON for dataset files and bulk writes: orjson where it can, the standard library where it cannot.

orjson is several times faster on the millions of small objects of an import or export. It refuses
integers beyond 64 bits, lone surrogates and keys that are not strings, which the standard library takes:
those rare values take the slow path. ``NaN`` and ``Infinity`` are not JSON and are refused by both.
"""

import json
from typing import Any

import orjson

_std_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON value")


def loads(text: str | bytes) -> Any:
    """Parse JSON text; raises ValueError (as ``json.loads`` does) when it is not valid JSON."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text, parse_constant=_refuse_constant)


def dumps(value: Any) -> str:
    """Compact JSON text, non-ASCII characters kept as they are."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return _std_dumps(value)
