"""JSON for dataset files and bulk writes: orjson where it can, the standard library where it cannot.

orjson is several times faster on the millions of small objects of an import or export. It refuses
lone surrogates and keys that are not strings, which the standard library takes, and reads integers
beyond 64 bits as floats: texts with an integer of 19 digits or more take the slow, exact path.
Fractions and exponents read the same in both (the nearest double), so long detoxify scores keep the
fast path. ``NaN`` and ``Infinity`` are not JSON and are refused by both.
"""

import json
from typing import Any

import orjson

# An integer literal of 19 digits or more follows ``:``, ``[`` or ``,`` (and maybe blanks and a sign).
# Digits are mapped to 0, those three to ``:``, blanks and signs dropped: then one substring test finds
# them all (and, harmlessly, a few such runs inside strings), several times faster than a regex.
_INTEGER_CONTEXT = bytes.maketrans(b"123456789[,", b"000000000::")
_DROPPED = b" \t\r\n-"
_LONG_INTEGER = b":" + b"0" * 19


def _has_long_integer(raw: bytes) -> bool:
    context = raw.translate(_INTEGER_CONTEXT, _DROPPED)
    return _LONG_INTEGER in context or context.startswith(_LONG_INTEGER[1:])


class Verbatim:
    """JSON text that ``dumps`` writes as it is where it stands in a value."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def as_value(value: Any) -> Any:
    """The value itself, or the value a ``Verbatim`` text stands for."""
    return loads(value.text) if isinstance(value, Verbatim) else value


def _unsupported(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _fragment(value: Any) -> orjson.Fragment:
    """orjson's hook for what it does not know: a ``Verbatim`` text goes in as it is."""
    return orjson.Fragment(value.text) if isinstance(value, Verbatim) else _unsupported(value)


def _std_default(value: Any) -> Any:
    """The standard library's hook: a ``Verbatim`` text goes in as the value it stands for."""
    return as_value(value) if isinstance(value, Verbatim) else _unsupported(value)


_std_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_std_default).encode


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON value")


def loads(text: str | bytes) -> Any:
    """Parse JSON text; raises ValueError (as ``json.loads`` does) when it is not valid JSON."""
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if not _has_long_integer(raw):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text, parse_constant=_refuse_constant)


def dumps(value: Any) -> str:
    """Compact JSON text, non-ASCII characters kept as they are."""
    try:
        return orjson.dumps(value, default=_fragment).decode()
    except TypeError:
        return _std_dumps(value)
