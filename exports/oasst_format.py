"""The oasst1 dataset format (SPEC 8): reading nodes into table rows, and the canonical form of a node.

A tree line holds ``message_tree_id``, ``tree_state``, ``prompt`` (the root node) and ``origin``; a flat
line is one node with ``message_tree_id`` and ``tree_state`` and no ``replies``. Each node maps to a
``Message`` row; its ``detoxify`` scores to a ``ToxicityScore`` (model ``detoxify``); its ``events`` of
kind ``ranking``, ``emoji`` and ``report`` to ``Ranking``, ``EmojiReaction`` and ``Report`` rows (a
ranking event sits on the node whose children it ranks). Node keys and event kinds we do not model
are kept verbatim in ``Message.extra`` (unknown keys of a tree line in its prompt's ``extra`` under
``__tree__``), so an export gives them back. A message's ``depth``, ``children_count`` (live
replies) and ``ranking_count`` (ranking events on it) are computed from the tree.

Values are checked against the format, and a node that breaks it is refused with an error naming it:
``lang`` a language tag, ``emojis`` {code: whole number >= 0}, ``labels`` {name: {value: number in [0, 1]
or null (as the original schema allows), count: whole number}}, ``detoxify`` all seven scores as numbers in
[0, 1], each event an object whose ``type`` is its kind (and, for the kinds we model, with values of the
right types). The layout of the
Hugging Face release (``datasets``' ``to_json``, Parquet) is read too: ``emojis`` as {name: [...], count:
[...]} and ``labels`` as {name: [...], value: [...], count: [...]} become the canonical objects.

An export writes every node in its canonical form, and ``normalize`` turns any input line into that
form, so that ``export(import(X)) == normalize(X)`` up to key order and line order. The canonical form:

- fields that are null are left out, and so are empty ``emojis``, ``labels``, ``events``, ``detoxify``
  and an empty ``model_name``; ``origin`` of a tree is left out when null or empty;
- ``replies`` is written on every node of a tree line, an empty list on leaves (as the original
  exporter writes it), never in a flat line;
- ``review_count`` (default 0), ``deleted`` and ``synthetic`` (default false) are always written;
- ``review_result`` is written only when it is true or when ``review_count`` > 2 (a backup writes it
  whenever it is known);
- ``created_date`` is re-serialised in ISO 8601 in UTC with its offset
  (``2023-02-05T14:23:50.983374+00:00``; a date without an offset is taken as UTC, fractions of a
  second beyond microseconds are dropped);
- ids are written as lowercase hyphenated UUIDs; ``parent_id`` of a reply is the id of the node it
  sits under (and is added when missing); ``message_tree_id`` and ``tree_state`` are left out of nodes
  inside a tree line, and in a flat line ``tree_state`` is the one of the tree's prompt;
- ``replies`` are ordered by rank, then the unranked ones by creation date (then id);
- ``labels``, ``emojis`` and ``detoxify`` are kept as they are, their numbers with the same values
  (an export writes them as the database gives them back: PostgreSQL writes ``1e-05`` as ``0.00001``,
  and puts a space after ``:`` and ``,``); other numbers are written as Python writes them;
- ``events`` are written only when asked for. An event is stored as a row only when it fits that row
  exactly (the row's keys and no other, for a ranking the ``ranking_parent_id`` and ``message_tree_id``
  of the node it sits on, for an emoji a user and no duplicate); any other event is kept verbatim.
  Within a kind, the events stored as rows come first, then the verbatim ones, each in file order. A
  stored event is written without its null fields, and a ranking's ``not_rankable`` only when true.

Nothing here recurses over the depth of a tree: trees thousands of messages deep are read, normalized and
written like any other.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from annotation.models import Role, TreeState
from exports import jsoncodec

TREE_STATES = frozenset(TreeState.values)
ROLES = frozenset(Role.values)
TREE_KEYS = ("message_tree_id", "tree_state", "prompt", "origin")
# Node keys that map to columns or rows; any other key goes to Message.extra.
NODE_KEYS = frozenset(
    (
        "message_id",
        "parent_id",
        "user_id",
        "created_date",
        "text",
        "role",
        "lang",
        "review_count",
        "review_result",
        "deleted",
        "rank",
        "synthetic",
        "model_name",
        "emojis",
        "labels",
        "events",
        "detoxify",
        "replies",
        "message_tree_id",
        "tree_state",
    )
)
EVENT_KEYS = {
    "ranking": frozenset(
        ("type", "user_id", "ranking", "ranked_message_ids", "ranking_parent_id", "message_tree_id", "not_rankable")
    ),
    "emoji": frozenset(("type", "user_id", "emoji")),
    "report": frozenset(("type", "user_id", "report_type", "reason")),
}
DETOXIFY_FIELDS = (
    "toxicity",
    "severe_toxicity",
    "obscene",
    "identity_attack",
    "insult",
    "threat",
    "sexual_explicit",
)
_DETOXIFY_KEYS = frozenset(DETOXIFY_FIELDS)
# The Hugging Face layout of emojis and labels: a list per field (``datasets``' Sequence of a struct).
_HF_EMOJI_KEYS = frozenset(("name", "count"))
_HF_LABEL_KEYS = frozenset(("name", "value", "count"))
_LABEL_KEYS = frozenset(("value", "count"))
_VALUE_AND_COUNT = itemgetter("value", "count")
_NUMBER = (int, float)
TREE_EXTRA_KEY = "__tree__"
# As ``format_datetime`` writes them: UTC, microseconds only when there are any.
_CANONICAL_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.(?!000000)\d{6})?\+00:00")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_UUID_LIST = re.compile(f"({_UUID.pattern}(,{_UUID.pattern})*)?")
# A BCP-47 language tag as the platform writes them: "en", "pt-BR", "zh-Hans", "es-419".
_LANG = re.compile(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*")
DETOXIFY_MODEL = "detoxify"
MAX_SMALLINT = 32767
MAX_INT = 2147483647
MAX_LANG = 32
MAX_CODE = 32  # emoji codes and report types, as their columns hold them


class FormatError(ValueError):
    """A line that does not follow the format; ``message_id`` names the node at fault when known, and the
    error's text then starts with it."""

    def __init__(self, message: str, *, message_id: Any = None, line: int = 0) -> None:
        self.message_id = None if message_id is None else str(message_id)[:60]
        super().__init__(f"message {self.message_id}: {message}" if self.message_id else message)
        self.line = line


class ReadError(FormatError):
    """The rest of the file could not be read (a truncated or corrupt file). ``cuts_tree``: the flat lines
    just before it may be a tree whose other lines were never read."""

    def __init__(self, message: str, *, cuts_tree: bool = True, line: int = 0) -> None:
        super().__init__(message, line=line)
        self.cuts_tree = cuts_tree


class Unreadable:
    """Stands in a file's lines where they could no longer be read: ``parse_lines`` gives it as a ReadError.
    ``cuts_tree``: the flat lines just before it may be a tree whose other lines were never read."""

    __slots__ = ("cuts_tree", "message")

    def __init__(self, message: str, *, cuts_tree: bool = True) -> None:
        self.message = message
        self.cuts_tree = cuts_tree

    def __len__(self) -> int:
        return 0

    def __reduce__(self) -> tuple:
        return (_unreadable, (self.message, self.cuts_tree))


def _unreadable(message: str, cuts_tree: bool) -> Unreadable:
    return Unreadable(message, cuts_tree=cuts_tree)


def readable_lines(lines: Iterable[str | bytes]) -> Iterator[str | bytes | Unreadable]:
    """The lines of a file, then, if reading fails (a truncated ``.gz``, a disk error), an ``Unreadable``
    saying how far it got: what came before is imported and the failure reported, not raised."""
    count = 0
    iterator = iter(lines)
    while True:
        try:
            line = next(iterator)
        except StopIteration:
            return
        except Exception as exc:  # whatever the reader raises: gzip, zlib, OS, Parquet errors
            yield Unreadable(f"the file could not be read after line {count}: {exc}")
            return
        count += 1
        yield line


# --- Small value readers -------------------------------------------------------------------------


def parse_uuid(value: Any, what: str, *, message_id: Any = None) -> str:
    """The id in canonical form (lowercase, hyphenated)."""
    if not isinstance(value, str):
        raise FormatError(f"{what} must be a UUID string", message_id=message_id)
    if _UUID.fullmatch(value):
        return value
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise FormatError(f"{what} is not a valid UUID: {value[:60]!r}", message_id=message_id) from None


def parse_datetime(value: Any, what: str = "created_date", *, message_id: Any = None) -> dt.datetime:
    if not isinstance(value, str):
        raise FormatError(f"{what} must be an ISO 8601 string", message_id=message_id)
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise FormatError(f"{what} is not an ISO 8601 date: {value[:60]!r}", message_id=message_id) from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def format_datetime(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat()


def read_timestamp(value: Any, what: str = "created_date", *, message_id: Any = None) -> str:
    """The date in its canonical text (``format_datetime``). Text already in that form is returned as it is:
    formatting a datetime costs a microsecond, six times more than checking the text."""
    if isinstance(value, str) and _CANONICAL_TIMESTAMP.fullmatch(value):
        parse_datetime(value, what, message_id=message_id)
        return value
    return format_datetime(parse_datetime(value, what, message_id=message_id))


def _int(value: Any, what: str, message_id: str, *, maximum: int) -> int:
    if type(value) is not int or not 0 <= value <= maximum:
        raise FormatError(f"{what} must be a whole number from 0 to {maximum}", message_id=message_id)
    return value


def _bool(value: Any, what: str, message_id: str) -> bool:
    if type(value) is not bool:
        raise FormatError(f"{what} must be true or false", message_id=message_id)
    return value


def _str(value: Any, what: str, message_id: str, *, max_length: int | None = None) -> str:
    if not isinstance(value, str):
        raise FormatError(f"{what} must be a string", message_id=message_id)
    if max_length is not None and len(value) > max_length:
        raise FormatError(f"{what} is longer than {max_length} characters", message_id=message_id)
    return value


def _is_canonical_uuid(value: Any) -> bool:
    return isinstance(value, str) and _UUID.fullmatch(value) is not None


def _is_fraction(value: Any) -> bool:
    """A number from 0 to 1 (booleans are not numbers here)."""
    return type(value) in _NUMBER and 0 <= value <= 1


def read_lang(value: Any, message_id: str) -> str:
    if type(value) is str and value in _LANGS_SEEN:  # a file holds a few dozen languages: each checked once
        return value
    if not isinstance(value, str) or len(value) > MAX_LANG or not _LANG.fullmatch(value):
        shown = repr(value)[:60]
        raise FormatError(f"lang must be a language tag such as 'en' or 'pt-BR', not {shown}", message_id=message_id)
    if len(_LANGS_SEEN) < 1000:
        _LANGS_SEEN.add(value)
    return value


_LANGS_SEEN: set[str] = set()


def _columns(value: dict, keys: frozenset, what: str, message_id: str) -> Iterator[tuple]:
    """The rows of the Hugging Face layout: one list per field, all of the same length."""
    columns = [value[key] for key in keys]
    if not all(isinstance(column, list) for column in columns) or len({len(column) for column in columns}) != 1:
        raise FormatError(
            f"{what} must hold lists of the same length under {', '.join(sorted(keys))}", message_id=message_id
        )
    return zip(*(value[key] for key in sorted(keys)), strict=True)


def read_emojis(value: Any, message_id: str) -> dict[str, int]:
    """{code: count}; also read from the Hugging Face layout {name: [...], count: [...]} (or a list of
    {name, count} objects, as some Parquet writers store it)."""
    if not value:
        return {}
    if type(value) is dict and value.keys() == _HF_EMOJI_KEYS and isinstance(value["name"], list):
        pairs: Iterable = ((name, count) for count, name in _columns(value, _HF_EMOJI_KEYS, "emojis", message_id))
    elif type(value) is list:
        if not all(type(item) is dict and item.keys() == _HF_EMOJI_KEYS for item in value):
            raise FormatError("emojis must be an object of counts", message_id=message_id)
        pairs = ((item["name"], item["count"]) for item in value)
    elif type(value) is dict:
        if _all_counts(value.values()) and "" not in value and all(map(str.__instancecheck__, value)):
            return value
        pairs = value.items()
    else:
        raise FormatError("emojis must be an object of counts", message_id=message_id)
    emojis: dict[str, int] = {}
    for code, count in pairs:
        if not _is_code(code) or code in emojis:
            raise FormatError(f"emojis has an empty or repeated code: {str(code)[:60]!r}", message_id=message_id)
        if type(count) is not int or count < 0:
            raise FormatError(
                f"emojis must count each code with a whole number of at least 0, not {str(count)[:60]!r} for {code!r}",
                message_id=message_id,
            )
        emojis[code] = count
    return emojis


def _is_code(value: Any) -> bool:
    return isinstance(value, str) and value != ""


# Checks of many numbers at once, each a few calls in C, far quicker than a test per number: an import
# checks a dozen labels and seven scores on every message.
_INT = frozenset((int,))
_NUMBERS = frozenset(_NUMBER)


def _all_counts(values: Iterable) -> bool:
    """Whole numbers of at least 0 (True for none)."""
    values = values if type(values) in (list, tuple) else list(values)
    return not values or (set(map(type, values)) == _INT and min(values) >= 0)


def _all_fractions(values: Iterable) -> bool:
    """Numbers from 0 to 1 (True for none)."""
    values = values if type(values) in (list, tuple) else list(values)
    return not values or (set(map(type, values)) <= _NUMBERS and min(values) >= 0 and max(values) <= 1)


def read_labels(value: Any, message_id: str) -> dict[str, dict]:
    """{name: {value, count}}; also read from the Hugging Face layout {name: [...], value: [...], count:
    [...]} (or a list of {name, value, count} objects)."""
    if not value:
        return {}
    if type(value) is dict and value.keys() == _HF_LABEL_KEYS and isinstance(value["name"], list):
        rows: Iterable = (
            (name, {"value": mean, "count": count})
            for count, name, mean in _columns(value, _HF_LABEL_KEYS, "labels", message_id)
        )
    elif type(value) is list:
        if not all(type(item) is dict and item.keys() == _HF_LABEL_KEYS for item in value):
            raise FormatError("labels must be an object of {value, count} objects", message_id=message_id)
        rows = ((item["name"], {"value": item["value"], "count": item["count"]}) for item in value)
    elif type(value) is dict:
        if _canonical_labels(value):
            return value
        for name, label in value.items():
            _check_label(name, label, message_id)
        return value
    else:
        raise FormatError("labels must be an object of {value, count} objects", message_id=message_id)
    labels: dict[str, dict] = {}
    for name, label in rows:
        if name in labels:
            raise FormatError(f"labels has a repeated name: {str(name)[:60]!r}", message_id=message_id)
        _check_label(name, label, message_id)
        labels[name] = label
    return labels


def _canonical_labels(labels: dict) -> bool:
    """Whether every label is {value: a number from 0 to 1, count: a whole number of at least 0}."""
    values = labels.values()
    try:
        means, counts = zip(*map(_VALUE_AND_COUNT, values), strict=True)
    except (TypeError, KeyError, ValueError):
        return False
    return (
        set(map(type, counts)) == _INT
        and min(counts) >= 0
        and set(map(type, means)) <= _NUMBERS
        and min(means) >= 0
        and max(means) <= 1
        and sum(map(len, values)) == 2 * len(counts)  # no other keys
        and "" not in labels
    )


def _check_label(name: Any, label: Any, message_id: str) -> None:
    if not _is_code(name):
        raise FormatError("labels has an empty name", message_id=message_id)
    if (
        type(label) is not dict
        or label.keys() != _LABEL_KEYS
        or not (label["value"] is None or _is_fraction(label["value"]))
        or type(label["count"]) is not int
        or label["count"] < 0
    ):
        raise FormatError(
            f'label {name[:60]!r} must be {{"value": a number from 0 to 1 (or null), "count": a whole number}}, '
            f"not {jsoncodec.dumps(label)[:80]}",
            message_id=message_id,
        )


def read_detoxify(value: Any, message_id: str) -> dict | None:
    """The seven Detoxify scores, each from 0 to 1; None when there are none (null, {}, or all seven null, as
    a Parquet file holds a missing struct)."""
    if not value:
        return None
    if type(value) is dict and value.keys() == _DETOXIFY_KEYS:
        if _all_fractions(value.values()):
            return value
        if all(score is None for score in value.values()):
            return None
    raise FormatError(
        f"detoxify must hold the seven scores ({', '.join(DETOXIFY_FIELDS)}), each a number from 0 to 1",
        message_id=message_id,
    )


def read_events(value: Any, message_id: str) -> dict[str, list]:
    """The events of a node by kind, as an object of lists (each event is checked by ``check_event``)."""
    if not value:
        return {}
    if type(value) is not dict or not all(type(events) is list for events in value.values()):
        raise FormatError("events must be an object of lists of events, by kind", message_id=message_id)
    return value


def check_event(kind: str, event: Any, message_id: str) -> None:
    """An event must be an object whose ``type`` is its kind, with ids as UUID strings, and for the kinds we
    model (ranking, emoji, report) values of the right types. (An event that fits a row, ``split_events``, is
    all that already.)"""
    problem = _event_problem(kind, event)
    if problem:
        raise FormatError(f"an event of kind {kind!r} {problem}", message_id=message_id)


def _event_problem(kind: str, event: Any) -> str:
    """What makes ``event`` break the format, or ""."""
    if type(event) is not dict or event.get("type") != kind:
        return f'must be an object with "type": {jsoncodec.dumps(kind)}'
    if not _is_uuid_or_none(event.get("user_id")):
        return "has a user_id that is not a UUID"
    if kind == "ranking":
        ranking, ids = event.get("ranking"), event.get("ranked_message_ids")
        if type(ranking) is not list or not all(type(i) is int and i >= 0 for i in ranking):
            return "must have a ranking: a list of whole numbers"
        if type(ids) is not list or not all(i is not None and _is_uuid_or_none(i) for i in ids):
            return "must have ranked_message_ids: a list of message ids"
        if not _is_uuid_or_none(event.get("ranking_parent_id")) or not _is_uuid_or_none(event.get("message_tree_id")):
            return "has a ranking_parent_id or message_tree_id that is not a UUID"
        not_rankable = event.get("not_rankable")
        if not_rankable is not None and type(not_rankable) is not bool:
            return "has a not_rankable that is not true or false"
    elif kind == "emoji":
        if not _is_code(event.get("emoji")):
            return "must have an emoji code"
    elif kind == "report" and (
        not isinstance(event.get("report_type"), str) or not isinstance(event.get("reason", ""), str)
    ):
        return "must have a report_type and a reason that are strings"
    return ""


def _is_uuid_or_none(value: Any) -> bool:
    if value is None or _is_canonical_uuid(value):
        return True
    try:
        return isinstance(value, str) and bool(uuid.UUID(value))
    except ValueError:
        return False


# --- Reading ---------------------------------------------------------------------------------------


@dataclass
class TreeRecord:
    """One tree read from a file, as rows ready for the bulk writers (see services.importing)."""

    line: int
    id: str
    state: str
    origin: str
    lang: str
    created_at: str  # canonical text (read_timestamp), as in the rows
    messages: list[tuple] = field(default_factory=list)
    rankings: list[tuple] = field(default_factory=list)
    reactions: list[tuple] = field(default_factory=list)
    reports: list[tuple] = field(default_factory=list)
    toxicity: list[tuple] = field(default_factory=list)
    # Filled by the generator only: (message_id, reviewer_id, values, full, created_at).
    reviews: list[tuple] = field(default_factory=list)
    user_ids: set[str] = field(default_factory=set)
    # message id -> line number, for flat files (errors then name the message's own line).
    lines: dict[str, int] = field(default_factory=dict)

    @property
    def message_ids(self) -> list[str]:
        return [row[0] for row in self.messages]


def split_events(kind: str, events: list, *, node_id: str, tree_id: str) -> tuple[list[dict], list]:
    """The events of one kind that fit a row exactly, and the others (kept verbatim), both in order."""
    fitting: list[dict] = []
    verbatim: list = []
    seen_emojis: set[tuple[str, str]] = set()
    for event in events:
        if _event_fits(kind, event, node_id=node_id, tree_id=tree_id, seen_emojis=seen_emojis):
            fitting.append(event)
        else:
            verbatim.append(event)
    return fitting, verbatim


def _event_fits(kind: str, event: Any, *, node_id: str, tree_id: str, seen_emojis: set) -> bool:
    keys = EVENT_KEYS.get(kind)
    if keys is None or not isinstance(event, dict) or event.get("type") != kind or not event.keys() <= keys:
        return False
    user_id = event.get("user_id")
    if user_id is not None and not _is_canonical_uuid(user_id):
        return False
    if kind == "ranking":
        ranking, ids = event.get("ranking"), event.get("ranked_message_ids")
        not_rankable = event.get("not_rankable")
        # The original platform leaves not_rankable out when it is false.
        return (
            isinstance(ranking, list)
            and _all_counts(ranking)
            and isinstance(ids, list)
            and all(map(str.__instancecheck__, ids))
            and _UUID_LIST.fullmatch(",".join(ids)) is not None
            and event.get("ranking_parent_id") == node_id
            and event.get("message_tree_id") == tree_id
            and (not_rankable is None or type(not_rankable) is bool)
        )
    if kind == "emoji":
        emoji = event.get("emoji")
        if user_id is None or not isinstance(emoji, str) or not 0 < len(emoji) <= MAX_CODE:
            return False
        if (user_id, emoji) in seen_emojis:
            return False
        seen_emojis.add((user_id, emoji))
        return True
    report_type, reason = event.get("report_type"), event.get("reason")
    return isinstance(report_type, str) and len(report_type) <= MAX_CODE and isinstance(reason, str)


def stored_event(kind: str, event: dict) -> dict:
    """An event that fits a row, as an export writes that row: without null fields, ``not_rankable`` only
    when true."""
    out = {key: value for key, value in event.items() if value is not None}
    if kind == "ranking" and out.get("not_rankable") is False:
        del out["not_rankable"]
    return out


def read_tree_line(obj: Any, *, line: int, origin: str = "") -> TreeRecord:
    """Validate a tree line and turn it into rows. Raises FormatError."""
    if not isinstance(obj, dict):
        raise FormatError("a line must hold a JSON object")
    for key in ("message_tree_id", "tree_state", "prompt"):
        if key not in obj:
            raise FormatError(f"missing field {key!r}")
    tree_id = parse_uuid(obj["message_tree_id"], "message_tree_id")
    state = obj["tree_state"]
    if state not in TREE_STATES:
        raise FormatError(f"unknown tree_state {str(state)[:60]!r}", message_id=tree_id)
    file_origin = obj.get("origin")
    if file_origin is not None:
        file_origin = _str(file_origin, "origin", tree_id, max_length=64)
    prompt = obj["prompt"]
    if not isinstance(prompt, dict):
        raise FormatError("prompt must be an object", message_id=tree_id)
    tree_extra = {key: value for key, value in obj.items() if key not in TREE_KEYS and value is not None}
    return _read_tree(
        prompt, tree_id=tree_id, state=state, origin=file_origin or origin, line=line, tree_extra=tree_extra
    )


def read_flat_tree(nodes: list[tuple[int, dict]], *, origin: str = "") -> TreeRecord:
    """Assemble the flat lines of one tree (line number, node) into a tree and read it."""
    first_line = nodes[0][0]
    tree_id = parse_uuid(nodes[0][1].get("message_tree_id"), "message_tree_id")
    by_id: dict[str, dict] = {}
    lines: dict[str, int] = {}
    for line, node in nodes:
        message_id = node.get("message_id")
        if not isinstance(message_id, str):
            raise FormatError("missing field 'message_id'", line=line)
        if "replies" in node:
            raise FormatError("a flat message line has no 'replies'", message_id=message_id, line=line)
        if message_id in by_id:
            raise FormatError(f"appears twice in tree {tree_id}", message_id=message_id, line=line)
        by_id[message_id] = {key: value for key, value in node.items() if key not in ("message_tree_id", "tree_state")}
        lines[message_id] = line
    root = None
    for line, node in nodes:
        parent_id = node.get("parent_id")
        copy = by_id[node["message_id"]]
        if parent_id is None:
            if root is not None:
                raise FormatError(f"tree {tree_id} has two prompts", message_id=node["message_id"], line=line)
            root, root_state = copy, node.get("tree_state")
        elif parent_id in by_id:
            by_id[parent_id].setdefault("replies", []).append(copy)
        else:
            raise FormatError(
                f"its parent {str(parent_id)[:60]} is not in tree {tree_id}", message_id=node["message_id"], line=line
            )
    if root is None:
        raise FormatError(f"tree {tree_id} has no prompt (a message without parent_id)", line=first_line)
    if root_state not in TREE_STATES:
        raise FormatError(
            f"unknown tree_state {str(root_state)[:60]!r}",
            message_id=root["message_id"],
            line=lines[root["message_id"]],
        )
    record = _read_tree(root, tree_id=tree_id, state=root_state, origin=origin, line=first_line, tree_extra={})
    if len(record.messages) != len(by_id):
        reached = {str(row[0]) for row in record.messages}
        stray = next(message_id for message_id in by_id if _id_key(message_id) not in reached)
        raise FormatError("is not connected to the prompt", message_id=stray, line=lines[stray])
    # Errors found later (a message already stored) name the line of the message by its canonical id.
    record.lines = {_id_key(message_id): line for message_id, line in lines.items()}
    return record


def _id_key(value: str) -> str:
    """The id in canonical form, or as it is when it is none."""
    try:
        return parse_uuid(value, "message_id")
    except FormatError:
        return value


def _read_tree(prompt: dict, *, tree_id: str, state: str, origin: str, line: int, tree_extra: dict) -> TreeRecord:
    if parse_uuid(prompt.get("message_id"), "message_id", message_id=tree_id) != tree_id:
        raise FormatError("message_tree_id differs from the prompt's message_id", message_id=tree_id)
    if prompt.get("parent_id") is not None:
        raise FormatError("the prompt has a parent_id", message_id=tree_id)
    record = TreeRecord(
        line=line, id=tree_id, state=state, origin=origin, lang=read_lang(prompt.get("lang"), tree_id), created_at=""
    )
    seen: set[str] = set()
    stack: list[tuple[dict, str | None, int]] = [(prompt, None, 0)]
    while stack:
        node, parent_id, depth = stack.pop()
        replies = _read_node(node, record=record, parent_id=parent_id, depth=depth, seen=seen, tree_extra=tree_extra)
        message_id = record.messages[-1][0]
        stack.extend((reply, message_id, depth + 1) for reply in reversed(replies))
        tree_extra = {}
    record.created_at = record.messages[0][8]
    return record


def _read_node(
    node: Any, *, record: TreeRecord, parent_id: str | None, depth: int, seen: set, tree_extra: dict
) -> list:
    if not isinstance(node, dict):
        raise FormatError(f"a reply of message {parent_id} is not an object")
    for key in ("message_id", "text", "role", "lang", "created_date"):
        if node.get(key) is None:
            raise FormatError(f"missing field {key!r}", message_id=node.get("message_id"))
    message_id = mid = parse_uuid(node["message_id"], "message_id", message_id=node["message_id"])
    if message_id in seen:
        raise FormatError("appears twice in its tree", message_id=mid)
    seen.add(message_id)
    if depth > MAX_SMALLINT:
        raise FormatError(f"is deeper than {MAX_SMALLINT} replies", message_id=mid)
    file_parent = node.get("parent_id")
    if (
        parent_id is not None
        and file_parent is not None
        and parse_uuid(file_parent, "parent_id", message_id=mid) != parent_id
    ):
        raise FormatError("parent_id does not match the node it sits under", message_id=mid)
    role = node["role"]
    if role not in ROLES:
        raise FormatError(f"unknown role {str(role)[:60]!r}", message_id=mid)
    author_id = None
    if node.get("user_id") is not None:
        author_id = parse_uuid(node["user_id"], "user_id", message_id=mid)
        record.user_ids.add(author_id)
    created_at = read_timestamp(node["created_date"], message_id=mid)
    review_count = _int(node.get("review_count") or 0, "review_count", mid, maximum=MAX_INT)
    review_result = node.get("review_result")
    if review_result is not None:
        _bool(review_result, "review_result", mid)
    rank = node.get("rank")
    if rank is not None:
        _int(rank, "rank", mid, maximum=MAX_SMALLINT)
    replies = node.get("replies") or []
    if not isinstance(replies, list):
        raise FormatError("replies must be a list", message_id=mid)

    extra = {key: value for key, value in node.items() if key not in NODE_KEYS and value is not None}
    if tree_extra:
        extra[TREE_EXTRA_KEY] = tree_extra
    ranking_count = _read_events(
        read_events(node.get("events"), mid), record=record, message_id=message_id, created_at=created_at, extra=extra
    )
    detoxify = read_detoxify(node.get("detoxify"), mid)
    if detoxify is not None:
        record.toxicity.append((message_id, DETOXIFY_MODEL, detoxify, created_at))
    record.messages.append(
        (
            message_id,
            record.id,
            parent_id,
            author_id,
            role,
            read_lang(node["lang"], mid),
            _str(node["text"], "text", mid),
            depth,
            created_at,
            review_count,
            review_result,
            rank,
            ranking_count,
            sum(1 for r in replies if _is_live(r)),
            _bool(node.get("deleted", False) or False, "deleted", mid),
            _bool(node.get("synthetic", False) or False, "synthetic", mid),
            _str(node.get("model_name") or "", "model_name", mid, max_length=256),
            read_emojis(node.get("emojis"), mid),
            read_labels(node.get("labels"), mid),
            extra,
        )
    )
    return replies


def _is_live(node: Any) -> bool:
    """Counted in the parent's children_count: not deleted, not rejected."""
    return isinstance(node, dict) and not node.get("deleted") and node.get("review_result") is not False


def _read_events(events: dict, *, record: TreeRecord, message_id: str, created_at: str, extra: dict) -> int:
    """Rows for the (checked) events that fit them; the others into ``extra['events']``. Returns the ranking
    count."""
    if not events:
        return 0
    ranking_count = 0
    verbatim_events = {}
    for kind, kind_events in events.items():
        fitting, verbatim = split_events(kind, kind_events, node_id=message_id, tree_id=record.id)
        if verbatim:
            for event in verbatim:
                check_event(kind, event, message_id)
            verbatim_events[kind] = verbatim
        for event in fitting:
            user_id = event.get("user_id")
            if user_id is not None:
                record.user_ids.add(user_id)
            if kind == "ranking":
                ranking_count += 1
                row = (message_id, record.id, user_id, event["ranked_message_ids"], event["ranking"])
                record.rankings.append((*row, event.get("not_rankable") or False, created_at))
            elif kind == "emoji":
                record.reactions.append((message_id, user_id, event["emoji"], created_at))
            else:
                record.reports.append((message_id, user_id, event["report_type"], event["reason"], created_at))
    if verbatim_events:
        extra["events"] = verbatim_events
    return ranking_count


def iter_records(lines: Iterable[str | bytes], *, origin: str = "") -> Iterator[TreeRecord | FormatError]:
    """Read tree lines and flat lines (detected per line) into records, or errors naming their line.

    In a file that starts with a flat line, the lines of each tree are brought together wherever they stand
    (``in_tree_order``); in a file of trees, the flat lines of one tree must follow each other.
    """
    ordered = in_tree_order(readable_lines(lines))
    try:
        for item in records_of(parse_lines(enumerate(ordered.lines, start=1)), origin=origin):
            yield ordered.renumbered(item)
    finally:
        ordered.close()


ParsedLine = tuple[int, Any]  # line number, and the parsed value or the FormatError of the line


def parse_lines(numbered_lines: Iterable[tuple[int, str | bytes | Unreadable]]) -> Iterator[ParsedLine]:
    """Each line that is not blank, parsed, or the error that makes it unreadable."""
    for line_no, text in numbered_lines:
        if type(text) is Unreadable:
            yield line_no, ReadError(text.message, cuts_tree=text.cuts_tree)
            continue
        if not text.strip():
            continue
        try:
            obj = jsoncodec.loads(text)
        except (ValueError, RecursionError) as exc:
            yield line_no, FormatError(f"not valid JSON ({exc})")
            continue
        refusal = _unstorable_text(text, obj)
        yield line_no, FormatError(refusal) if refusal else obj


NOT_FLAT = object()


def flat_tree_id(obj: Any) -> Any:
    """The ``message_tree_id`` of a flat message line (None when it has none), or NOT_FLAT."""
    if isinstance(obj, dict) and "prompt" not in obj and "message_id" in obj:
        return obj.get("message_tree_id")
    return NOT_FLAT


def records_of(parsed_lines: Iterable[ParsedLine], *, origin: str = "") -> Iterator[TreeRecord | FormatError]:
    """The records of parsed lines (``parse_lines``), the flat lines of a tree that follow each other read
    together. A ReadError ends the lines: flat lines just before it are a tree that may miss the lines never
    read, and are left out."""
    group: list[tuple[int, dict]] = []

    def flush_group() -> Iterator[TreeRecord | FormatError]:
        if group:
            try:
                yield read_flat_tree(group, origin=origin)
            except FormatError as exc:
                yield _with_line(exc, group[0][0], _flat_lines(group))
            group.clear()

    for line_no, obj in parsed_lines:
        if isinstance(obj, FormatError):
            if isinstance(obj, ReadError) and obj.cuts_tree and group:
                yield cut_tree_error(group[0][1].get("message_tree_id"), group[0][0])
                group.clear()
            yield from flush_group()
            yield _with_line(obj, line_no, {})
            continue
        tree_id = flat_tree_id(obj)
        if tree_id is None:
            yield from flush_group()
            yield _with_line(
                FormatError("missing field 'message_tree_id'", message_id=obj.get("message_id")), line_no, {}
            )
            continue
        if tree_id is not NOT_FLAT:
            if group and group[0][1].get("message_tree_id") != tree_id:
                yield from flush_group()
            group.append((line_no, obj))
            continue
        yield from flush_group()
        try:
            yield read_tree_line(obj, line=line_no, origin=origin)
        except FormatError as exc:
            yield _with_line(exc, line_no, {})
    yield from flush_group()


def cut_tree_error(tree_id: Any, line: int) -> FormatError:
    return FormatError(
        f"tree {str(tree_id)[:60]} is left out: the file could not be read to the end, and lines of this tree "
        "may be among those not read",
        line=line,
    )


# --- Flat files in any order ------------------------------------------------------------------------

# Lines of a flat file held in memory while it is read; beyond, they go to a temporary file.
SPOOL_BYTES = 64 << 20


class TreeOrder:
    """The lines of a file with the flat lines of each tree brought together (``in_tree_order``).

    ``lines`` are the lines in their new order (as bytes); ``renumbered`` and ``line_number`` turn the
    position of a line in that order back into its line number in the file."""

    def __init__(self, lines: Iterator, numbers: list[int] | None, spool: Any = None) -> None:
        self.lines = lines
        self.numbers = numbers
        self._spool = spool

    def line_number(self, position: int) -> int:
        if self.numbers is None or not 0 < position <= len(self.numbers):
            return position
        return self.numbers[position - 1]

    def renumbered(self, item: TreeRecord | FormatError) -> TreeRecord | FormatError:
        if self.numbers is None:
            return item
        item.line = self.line_number(item.line)
        if isinstance(item, TreeRecord):
            item.lines = {message_id: self.line_number(line) for message_id, line in item.lines.items()}
        return item

    def close(self) -> None:
        if self._spool is not None:
            self._spool.close()


def in_tree_order(lines: Iterable[str | bytes | Unreadable]) -> TreeOrder:
    """A file whose first line is a flat line is read whole first (its lines kept in a temporary file past
    SPOOL_BYTES), then given tree by tree: each tree's lines together, in the order of their first line,
    every other line (a tree line, a line that cannot be read) where it stands. A file of trees is given as
    it is. So flat files whose trees are interleaved (sorted by date, merged, shuffled) import whole.

    When the file cannot be read to its end, the tree of the last line read may miss lines: it goes last,
    followed by the ``Unreadable``, which then leaves it out (``records_of``)."""
    iterator = iter(lines)
    first: list = []
    for text in iterator:
        first.append(text)
        if type(text) is Unreadable or text.strip():
            break
    head = first[-1] if first else None
    if head is None or type(head) is Unreadable or not _is_flat_line(head):
        return TreeOrder(_chain(first, iterator), None)
    # Closed by TreeOrder.close, once the lines are read.
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
    # Tree id (or the line's own number) -> the lines: (line number, offset in the spool, length).
    units: dict[Any, list[tuple[int, int, int]]] = {}
    unreadable: Unreadable | None = None
    last_unit: Any = None
    line_no = 0
    try:
        for text in _chain(first, iterator):
            line_no += 1
            if type(text) is Unreadable:
                unreadable = text
                break
            raw = text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")
            if not raw.strip():
                continue
            offset = spool.tell()
            spool.write(raw)
            try:
                tree_id = flat_tree_id(jsoncodec.loads(raw))
            except (ValueError, RecursionError):
                tree_id = NOT_FLAT
            last_unit = tree_id if isinstance(tree_id, str) else ("line", line_no)
            units.setdefault(last_unit, []).append((line_no, offset, len(raw)))
    except BaseException:
        spool.close()
        raise
    if unreadable is not None and isinstance(last_unit, str):
        units[last_unit] = units.pop(last_unit)  # to the end, just before the Unreadable
    numbers = [number for entries in units.values() for number, _, _ in entries]
    if unreadable is not None:
        numbers.append(line_no)

    def ordered() -> Iterator[bytes | Unreadable]:
        for entries in units.values():
            for _, offset, length in entries:
                spool.seek(offset)
                yield spool.read(length)
        if unreadable is not None:
            yield Unreadable(unreadable.message, cuts_tree=isinstance(last_unit, str))

    return TreeOrder(ordered(), numbers, spool)


def _chain(first: list, rest: Iterator) -> Iterator:
    yield from first
    yield from rest


def _is_flat_line(text: str | bytes) -> bool:
    try:
        return isinstance(flat_tree_id(jsoncodec.loads(text)), str)
    except (ValueError, RecursionError):
        return False


# --- Text PostgreSQL cannot store ------------------------------------------------------------------


def _has_text(value: Any, pattern: re.Pattern) -> bool:
    """Whether a string anywhere in the parsed value (keys too) holds a match of ``pattern``."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if pattern.search(item) is not None:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


_NUL = re.compile("\x00")
# JSON reads a pair of escaped surrogates as one character: what is left is a surrogate alone.
_SURROGATE = re.compile("[\ud800-\udfff]")


_ESCAPES = {
    str: ("\\u", "\\u0000", ("\\ud", "\\uD")),
    bytes: (b"\\u", b"\\u0000", (b"\\ud", b"\\uD")),
    bytearray: (b"\\u", b"\\u0000", (b"\\ud", b"\\uD")),
}


def _unstorable_text(line: str | bytes, obj: Any) -> str:
    """Why the parsed line cannot be stored as text (PostgreSQL takes neither), or "". Only lines with
    the escapes that make such characters are searched (most lines hold no ``\\u`` escape at all)."""
    any_escape, nul, surrogates = _ESCAPES[type(line)]
    if any_escape not in line:
        return ""
    if nul in line and _has_text(obj, _NUL):
        return "the line holds a NUL character (\\u0000)"
    if any(escape in line for escape in surrogates) and _has_text(obj, _SURROGATE):
        return "the line holds a lone surrogate (\\ud800-\\udfff), which is not a character"
    return ""


def _flat_lines(group: list[tuple[int, dict]]) -> dict[str, int]:
    return {node.get("message_id"): line for line, node in group if isinstance(node.get("message_id"), str)}


def _with_line(exc: FormatError, line: int, lines: dict[str, int]) -> FormatError:
    if not exc.line:
        exc.line = lines.get(exc.message_id, line)
    return exc


# --- Canonical form --------------------------------------------------------------------------------


def reply_sort_key(node: dict) -> tuple:
    rank = node.get("rank")
    return (rank is None, rank if rank is not None else 0, node["created_date"], node["message_id"])


def canonical_node(
    node: dict,
    *,
    parent_id: str | None,
    tree_id: str,
    flat_state: str | None = None,
    events: bool = True,
    labels: bool = True,
    backup: bool = False,
) -> dict:
    """The canonical form of one node (with its replies unless flat), with or without its events and labels;
    ``backup`` keeps every known ``review_result``."""
    options = {"tree_id": tree_id, "events": events, "labels": labels, "backup": backup}
    out = _canonical_fields(node, parent_id, **options)
    if flat_state is not None:
        out["message_tree_id"] = tree_id
        out["tree_state"] = flat_state
        return out
    stack = [(node, out)]
    while stack:
        source, target = stack.pop()
        replies = [
            (_canonical_fields(reply, target["message_id"], **options), reply) for reply in source.get("replies") or ()
        ]
        replies.sort(key=lambda pair: reply_sort_key(pair[0]))
        target["replies"] = [reply for reply, _ in replies]
        stack.extend((source_reply, reply) for reply, source_reply in replies)
    return out


def _canonical_fields(
    node: dict, parent_id: str | None, *, tree_id: str, events: bool, labels: bool, backup: bool
) -> dict:
    """The canonical form of one node without its replies."""
    mid = str(uuid.UUID(node["message_id"]))
    out: dict[str, Any] = {"message_id": mid}
    if parent_id is not None:
        out["parent_id"] = parent_id
    if node.get("user_id") is not None:
        out["user_id"] = str(uuid.UUID(node["user_id"]))
    out["created_date"] = read_timestamp(node["created_date"])
    out["text"] = node["text"]
    out["role"] = node["role"]
    out["lang"] = node["lang"]
    review_count = node.get("review_count") or 0
    out["review_count"] = review_count
    review_result = node.get("review_result")
    if review_result is not None and (review_result or review_count > 2 or backup):
        out["review_result"] = review_result
    out["deleted"] = bool(node.get("deleted"))
    if node.get("rank") is not None:
        out["rank"] = node["rank"]
    out["synthetic"] = bool(node.get("synthetic"))
    if node.get("model_name"):
        out["model_name"] = node["model_name"]
    emojis = read_emojis(node.get("emojis"), mid)
    if emojis:
        out["emojis"] = emojis
    node_labels = read_labels(node.get("labels"), mid) if labels else None
    if node_labels:
        out["labels"] = node_labels
    node_events = {}
    for kind, kind_events in (node.get("events") or {}).items() if events else ():
        fitting, verbatim = split_events(kind, kind_events, node_id=mid, tree_id=tree_id)
        if fitting or verbatim:
            node_events[kind] = [stored_event(kind, event) for event in fitting] + verbatim
    if node_events:
        out["events"] = node_events
    detoxify = read_detoxify(node.get("detoxify"), mid)
    if detoxify:
        out["detoxify"] = detoxify
    out.update((key, value) for key, value in node.items() if key not in NODE_KEYS and value is not None)
    return out


def normalize(objs: Iterable[dict], *, events: bool = True, labels: bool = True, backup: bool = False) -> list[dict]:
    """The canonical form of parsed lines (trees and flat messages), in input order: what an export with
    or without events and labels (or a backup) writes of what an import of them stores.

    Expects lines that import without errors; a flat line's ``tree_state`` becomes its prompt's.
    """
    objs = list(objs)
    options = {"events": events, "labels": labels, "backup": backup}
    prompt_states = {
        obj["message_tree_id"]: obj["tree_state"]
        for obj in objs
        if "prompt" not in obj and obj.get("parent_id") is None
    }
    result = []
    for obj in objs:
        if "prompt" in obj:
            tree_id = str(uuid.UUID(obj["message_tree_id"]))
            tree = {key: value for key, value in obj.items() if key not in TREE_KEYS and value is not None}
            tree.update(message_tree_id=tree_id, tree_state=obj["tree_state"])
            tree["prompt"] = canonical_node(obj["prompt"], parent_id=None, tree_id=tree_id, **options)
            if obj.get("origin"):
                tree["origin"] = obj["origin"]
            result.append(tree)
        else:
            tree_id = str(uuid.UUID(obj["message_tree_id"]))
            parent_id = str(uuid.UUID(obj["parent_id"])) if obj.get("parent_id") is not None else None
            state = prompt_states.get(obj["message_tree_id"], obj["tree_state"])
            result.append(canonical_node(obj, parent_id=parent_id, tree_id=tree_id, flat_state=state, **options))
    return result
