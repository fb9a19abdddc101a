"""JSON for dataset files and bulk writes: orjson where it can, the standard library where it cannot.

orjson is several times faster on the millions of small objects of an import or export. It refuses
lone surrogates and keys that are not strings, which the standard library takes, and reads integers
beyond 64 bits as floats: texts with such values (or with a run of 19 digits anywhere, in a string too)
take the slow, exact path. ``NaN`` and ``Infinity`` are not JSON and are refused by both.
"""

import json
import re
from typing import Any

import orjson

_LONG_NUMBER = re.compile(rb"\d{19}")

_std_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON value")


def loads(text: str | bytes) -> Any:
    """Parse JSON text; raises ValueError (as ``json.loads`` does) when it is not valid JSON."""
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if _LONG_NUMBER.search(raw) is None:
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text, parse_constant=_refuse_constant)


def dumps(value: Any) -> str:
    """Compact JSON text, non-ASCII characters kept as they are."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return _std_dumps(value)
