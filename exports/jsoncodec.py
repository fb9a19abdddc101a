"""JSON for dataset files and bulk writes: orjson where it can, the standard library where it cannot.

orjson is several times faster on the millions of small objects of an import or export. It refuses
lone surrogates and keys that are not strings, which the standard library takes, and reads integers
beyond 64 bits as floats: texts with an integer of 19 digits or more take the slow, exact path.
Fractions and exponents read the same in both (the nearest double), so long detoxify scores keep the
fast path. ``NaN`` and ``Infinity`` are not JSON and are refused by both.

Both recurse over nesting (orjson stops at 1024 levels when reading and 255 when writing, the standard
library at the interpreter's recursion limit): a value nested deeper, such as a tree line thousands of
replies deep, is read and written by ``_loads_deep`` and ``_dumps_deep``, which keep their own stack.
"""

import json
import re
from json.decoder import scanstring
from json.encoder import encode_basestring
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
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        return _loads_deep(text if isinstance(text, str) else text.decode("utf-8"))


def dumps(value: Any) -> str:
    """Compact JSON text, non-ASCII characters kept as they are."""
    try:
        return orjson.dumps(value, default=_fragment).decode()
    except TypeError:
        try:
            return _std_dumps(value)
        except RecursionError:
            return _dumps_deep(value)


# --- Values nested deeper than the parsers' recursion allows -------------------------------------------

_BLANK = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_LITERALS = {"t": ("true", True), "f": ("false", False), "n": ("null", None)}


def _loads_deep(text: str) -> Any:
    """``json.loads`` without recursion: the objects and arrays being read are on a list."""
    blank, number = _BLANK.match, _NUMBER.match
    # The open objects and arrays, innermost last, each with the key its next value goes under (None: array).
    open_: list[list] = []
    pos = blank(text, 0).end()
    while True:
        char = text[pos : pos + 1]
        if char in ("{", "["):
            pos = blank(text, pos + 1).end()
            if text.startswith("}" if char == "{" else "]", pos):
                value, pos = ({} if char == "{" else []), pos + 1
            elif char == "[":
                open_.append([[], None])
                continue
            else:
                key, pos = _key(text, pos)
                open_.append([{}, key])
                continue
        elif char == '"':
            value, pos = scanstring(text, pos + 1, True)
        elif char in _LITERALS:
            word, value = _LITERALS[char]
            if not text.startswith(word, pos):
                raise json.JSONDecodeError("Expecting value", text, pos)
            pos += len(word)
        else:
            match = number(text, pos) if char else None
            if match is None:
                raise json.JSONDecodeError("Expecting value", text, pos)
            value = float(match.group()) if match.group(1) or match.group(2) else int(match.group())
            pos = match.end()
        # A value is read: it goes into its container, and the containers that end here are values in turn.
        while True:
            if not open_:
                pos = blank(text, pos).end()
                if pos != len(text):
                    raise json.JSONDecodeError("Extra data", text, pos)
                return value
            top = open_[-1]
            container = top[0]
            if top[1] is None:
                container.append(value)
            else:
                container[top[1]] = value
            pos = blank(text, pos).end()
            char = text[pos : pos + 1]
            if char == ",":
                pos = blank(text, pos + 1).end()
                if top[1] is not None:
                    top[1], pos = _key(text, pos)
                break
            if char != ("]" if top[1] is None else "}"):
                raise json.JSONDecodeError("Expecting ',' delimiter", text, pos)
            pos += 1
            open_.pop()
            value = container


def _key(text: str, pos: int) -> tuple[str, int]:
    """The key of an object's member at ``pos``, and where its value starts."""
    if not text.startswith('"', pos):
        raise json.JSONDecodeError("Expecting property name enclosed in double quotes", text, pos)
    key, pos = scanstring(text, pos + 1, True)
    pos = _BLANK.match(text, pos).end()
    if not text.startswith(":", pos):
        raise json.JSONDecodeError("Expecting ':' delimiter", text, pos)
    return key, _BLANK.match(text, pos + 1).end()


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return encode_basestring(value)
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float) and value - value == 0:  # neither NaN nor infinite
        return float.__repr__(value)
    if isinstance(value, float):
        raise ValueError(f"{value!r} is not a JSON value")
    return _unsupported(value)


_END = object()


def _dumps_deep(value: Any) -> str:
    """``dumps`` without recursion: the objects and arrays being written are on a list."""
    out: list[str] = []
    # The open objects and arrays, innermost last: [their items, closing bracket, nothing written yet, object].
    open_: list[list] = []
    while True:
        if isinstance(value, Verbatim):
            out.append(value.text)
        elif isinstance(value, dict):
            out.append("{")
            open_.append([iter(value.items()), "}", True, True])
        elif isinstance(value, (list, tuple)):
            out.append("[")
            open_.append([iter(value), "]", True, False])
        else:
            out.append(_scalar(value))
        while open_:
            top = open_[-1]
            item = next(top[0], _END)
            if item is _END:
                out.append(top[1])
                open_.pop()
                continue
            if not top[2]:
                out.append(",")
            top[2] = False
            if top[3]:
                key, item = item
                out.append(encode_basestring(key if isinstance(key, str) else _scalar(key).strip('"')) + ":")
            value = item
            break
        else:
            return "".join(out)
