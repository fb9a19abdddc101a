"""The oasst1 dataset format (SPEC 8): reading nodes into table rows, and the canonical form of a node.

A tree line holds ``message_tree_id``, ``tree_state``, ``prompt`` (the root node) and ``origin``; a flat
line is one node with ``message_tree_id`` and ``tree_state`` and no ``replies``. Each node maps to a
``Message`` row; its ``detoxify`` scores to a ``ToxicityScore`` (model ``detoxify``); its ``events`` of
kind ``ranking``, ``emoji`` and ``report`` to ``Ranking``, ``EmojiReaction`` and ``Report`` rows (a
ranking event sits on the node whose children it ranks). Node keys and event kinds we do not model
are kept verbatim in ``Message.extra`` (unknown keys of a tree line in its prompt's ``extra`` under
``__tree__``), so an export gives them back. A message's ``depth``, ``children_count`` (live
replies) and ``ranking_count`` (ranking events on it) are computed from the tree.

An export writes every node in its canonical form, and ``normalize`` turns any input line into that
form, so that ``export(import(X)) == normalize(X)`` up to key order and line order. The canonical form:

- fields that are null are left out, and so are empty ``emojis``, ``labels``, ``events``, ``detoxify``,
  ``replies`` and an empty ``model_name``; ``origin`` of a tree is left out when null or empty;
- ``review_count`` (default 0), ``deleted`` and ``synthetic`` (default false) are always written;
- ``review_result`` is written only when it is true or when ``review_count`` > 2;
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
- an event is stored as a row only when it fits that row exactly (a ``type`` equal to its kind, the
  row's keys and no other, for a ranking the ``ranking_parent_id`` and ``message_tree_id`` of the node
  it sits on, for an emoji a user and no duplicate); any other event is kept verbatim. Within a kind,
  the events stored as rows come first, then the verbatim ones, each in file order.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
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
TREE_EXTRA_KEY = "__tree__"
# As ``format_datetime`` writes them: UTC, microseconds only when there are any.
_CANONICAL_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.(?!000000)\d{6})?\+00:00")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
DETOXIFY_MODEL = "detoxify"
MAX_SMALLINT = 32767
MAX_INT = 2147483647


class FormatError(ValueError):
    """A line that does not follow the format; ``message_id`` names the node at fault when known."""

    def __init__(self, message: str, *, message_id: str | None = None, line: int = 0) -> None:
        super().__init__(message)
        self.message_id = message_id
        self.line = line


# --- Small value readers -------------------------------------------------------------------------


def parse_uuid(value: Any, what: str, *, message_id: str | None = None) -> str:
    """The id in canonical form (lowercase, hyphenated)."""
    if not isinstance(value, str):
        raise FormatError(f"{what} must be a UUID string", message_id=message_id)
    if _UUID.fullmatch(value):
        return value
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise FormatError(f"{what} is not a valid UUID: {value[:60]!r}", message_id=message_id) from None


def parse_datetime(value: Any, what: str = "created_date", *, message_id: str | None = None) -> dt.datetime:
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


def read_timestamp(value: Any, what: str = "created_date", *, message_id: str | None = None) -> str:
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


def _dict(value: Any, what: str, message_id: str) -> dict:
    if not isinstance(value, dict):
        raise FormatError(f"{what} must be an object", message_id=message_id)
    return value


def _is_canonical_uuid(value: Any) -> bool:
    return isinstance(value, str) and _UUID.fullmatch(value) is not None


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
        return (
            isinstance(ranking, list)
            and all(type(i) is int for i in ranking)
            and isinstance(ids, list)
            and all(isinstance(i, str) for i in ids)
            and event.get("ranking_parent_id") == node_id
            and event.get("message_tree_id") == tree_id
            and type(event.get("not_rankable")) is bool
        )
    if kind == "emoji":
        emoji = event.get("emoji")
        if user_id is None or not isinstance(emoji, str) or not 0 < len(emoji) <= 32:
            return False
        if (user_id, emoji) in seen_emojis:
            return False
        seen_emojis.add((user_id, emoji))
        return True
    report_type, reason = event.get("report_type"), event.get("reason")
    return isinstance(report_type, str) and len(report_type) <= 32 and isinstance(reason, str)


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
        raise FormatError(f"unknown tree_state {str(state)[:60]!r}")
    file_origin = obj.get("origin")
    if file_origin is not None:
        file_origin = _str(file_origin, "origin", str(tree_id), max_length=64)
    prompt = obj["prompt"]
    if not isinstance(prompt, dict):
        raise FormatError("prompt must be an object")
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
            raise FormatError("a flat message line has no 'replies'", line=line)
        if message_id in by_id:
            raise FormatError(f"message {message_id} appears twice", line=line)
        by_id[message_id] = {key: value for key, value in node.items() if key not in ("message_tree_id", "tree_state")}
        lines[message_id] = line
    root = None
    for line, node in nodes:
        parent_id = node.get("parent_id")
        copy = by_id[node["message_id"]]
        if parent_id is None:
            if root is not None:
                raise FormatError(f"tree {tree_id} has two prompts", line=line)
            root, root_state = copy, node.get("tree_state")
        elif parent_id in by_id:
            by_id[parent_id].setdefault("replies", []).append(copy)
        else:
            raise FormatError(f"parent {str(parent_id)[:60]} is not in tree {tree_id}", line=line)
    if root is None:
        raise FormatError(f"tree {tree_id} has no prompt (a message without parent_id)", line=first_line)
    if root_state not in TREE_STATES:
        raise FormatError(f"unknown tree_state {str(root_state)[:60]!r}", line=lines[root["message_id"]])
    record = _read_tree(root, tree_id=tree_id, state=root_state, origin=origin, line=first_line, tree_extra={})
    if len(record.messages) != len(by_id):
        reached = {str(row[0]) for row in record.messages}
        stray = next(message_id for message_id in by_id if message_id not in reached)
        raise FormatError(f"message {stray} is not connected to the prompt", line=lines[stray])
    record.lines = lines
    return record


def _read_tree(prompt: dict, *, tree_id: str, state: str, origin: str, line: int, tree_extra: dict) -> TreeRecord:
    if parse_uuid(prompt.get("message_id"), "message_id") != tree_id:
        raise FormatError("message_tree_id differs from the prompt's message_id")
    if prompt.get("parent_id") is not None:
        raise FormatError("the prompt has a parent_id", message_id=prompt.get("message_id"))
    lang = prompt.get("lang")
    if not isinstance(lang, str):
        raise FormatError("missing field 'lang'", message_id=prompt.get("message_id"))
    record = TreeRecord(line=line, id=tree_id, state=state, origin=origin, lang=lang, created_at="")
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
        raise FormatError("a node must be an object")
    for key in ("message_id", "text", "role", "lang", "created_date"):
        if node.get(key) is None:
            raise FormatError(f"missing field {key!r}", message_id=node.get("message_id"))
    raw_id = node["message_id"]
    message_id = mid = parse_uuid(raw_id, "message_id")
    if message_id in seen:
        raise FormatError(f"message {mid} appears twice", message_id=mid)
    seen.add(message_id)
    file_parent = node.get("parent_id")
    if parent_id is not None and file_parent is not None and parse_uuid(file_parent, "parent_id") != parent_id:
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
        node.get("events"), record=record, message_id=message_id, created_at=created_at, extra=extra
    )
    detoxify = node.get("detoxify")
    if detoxify:
        record.toxicity.append((message_id, DETOXIFY_MODEL, _dict(detoxify, "detoxify", mid), created_at))
    record.messages.append(
        (
            message_id,
            record.id,
            parent_id,
            author_id,
            role,
            _str(node["lang"], "lang", mid, max_length=32),
            _str(node["text"], "text", mid),
            depth,
            created_at,
            review_count,
            review_result,
            rank,
            ranking_count,
            sum(
                1
                for r in replies
                if isinstance(r, dict) and not r.get("deleted") and r.get("review_result") is not False
            ),
            _bool(node.get("deleted", False) or False, "deleted", mid),
            _bool(node.get("synthetic", False) or False, "synthetic", mid),
            _str(node.get("model_name") or "", "model_name", mid, max_length=256),
            _dict(node.get("emojis") or {}, "emojis", mid),
            _dict(node.get("labels") or {}, "labels", mid),
            _dict(extra, "an unknown field", mid),
        )
    )
    return replies


def _is_live(node: Any) -> bool:
    """Counted in the parent's children_count: not deleted, not rejected."""
    return isinstance(node, dict) and not node.get("deleted") and node.get("review_result") is not False


def _read_events(events: Any, *, record: TreeRecord, message_id: str, created_at: str, extra: dict) -> int:
    """Rows for the events that fit them; the others into ``extra['events']``. Returns the ranking count."""
    if not events:
        return 0
    mid = message_id
    if not isinstance(events, dict) or not all(isinstance(value, list) for value in events.values()):
        raise FormatError("events must be an object of lists", message_id=mid)
    ranking_count = 0
    verbatim_events = {}
    for kind, kind_events in events.items():
        fitting, verbatim = split_events(kind, kind_events, node_id=mid, tree_id=record.id)
        if verbatim:
            verbatim_events[kind] = verbatim
        for event in fitting:
            user_id = event.get("user_id")
            if user_id is not None:
                record.user_ids.add(user_id)
            if kind == "ranking":
                ranking_count += 1
                row = (message_id, record.id, user_id, event["ranked_message_ids"], event["ranking"])
                record.rankings.append((*row, event["not_rankable"], created_at))
            elif kind == "emoji":
                record.reactions.append((message_id, user_id, event["emoji"], created_at))
            else:
                record.reports.append((message_id, user_id, event["report_type"], event["reason"], created_at))
    if verbatim_events:
        extra["events"] = verbatim_events
    return ranking_count


def iter_records(lines: Iterable[str | bytes], *, origin: str = "") -> Iterator[TreeRecord | FormatError]:
    """Read tree lines and flat lines (detected per line) into records, or errors naming their line.

    The flat lines of one tree must follow each other; a tree ends where a line of another tree starts.
    """
    return records_of(parse_lines(enumerate(lines, start=1)), origin=origin)


ParsedLine = tuple[int, Any]  # line number, and the parsed value or the FormatError of the line


def parse_lines(numbered_lines: Iterable[tuple[int, str | bytes]]) -> Iterator[ParsedLine]:
    """Each line that is not blank, parsed, or the error that makes it unreadable."""
    for line_no, text in numbered_lines:
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
    """The records of parsed lines (``parse_lines``), flat lines grouped into their trees."""
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
            yield from flush_group()
            yield _with_line(obj, line_no, {})
            continue
        tree_id = flat_tree_id(obj)
        if tree_id is None:
            yield from flush_group()
            yield _with_line(FormatError("missing field 'message_tree_id'"), line_no, {})
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


def _has_text(value: Any, pattern: re.Pattern) -> bool:
    """Whether a string anywhere in the parsed value (keys too) holds a match of ``pattern``."""
    if isinstance(value, str):
        return pattern.search(value) is not None
    if isinstance(value, dict):
        return any(_has_text(key, pattern) or _has_text(item, pattern) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_text(item, pattern) for item in value)
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


def canonical_node(node: dict, *, parent_id: str | None, tree_id: str, flat_state: str | None = None) -> dict:
    """The canonical form of one node (with its replies unless flat)."""
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
    if review_result is not None and (review_result or review_count > 2):
        out["review_result"] = review_result
    out["deleted"] = bool(node.get("deleted"))
    if node.get("rank") is not None:
        out["rank"] = node["rank"]
    out["synthetic"] = bool(node.get("synthetic"))
    for key in ("model_name", "emojis", "labels"):
        if node.get(key):
            out[key] = node[key]
    events = {}
    for kind, kind_events in (node.get("events") or {}).items():
        fitting, verbatim = split_events(kind, kind_events, node_id=mid, tree_id=tree_id)
        if fitting or verbatim:
            events[kind] = fitting + verbatim
    if events:
        out["events"] = events
    if node.get("detoxify"):
        out["detoxify"] = node["detoxify"]
    out.update((key, value) for key, value in node.items() if key not in NODE_KEYS and value is not None)
    if flat_state is not None:
        out["message_tree_id"] = tree_id
        out["tree_state"] = flat_state
    else:
        replies = [canonical_node(reply, parent_id=mid, tree_id=tree_id) for reply in node.get("replies") or ()]
        if replies:
            out["replies"] = sorted(replies, key=reply_sort_key)
    return out


def normalize(objs: Iterable[dict]) -> list[dict]:
    """The canonical form of parsed lines (trees and flat messages), in input order.

    Expects lines that import without errors; a flat line's ``tree_state`` becomes its prompt's.
    """
    objs = list(objs)
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
            tree["prompt"] = canonical_node(obj["prompt"], parent_id=None, tree_id=tree_id)
            if obj.get("origin"):
                tree["origin"] = obj["origin"]
            result.append(tree)
        else:
            tree_id = str(uuid.UUID(obj["message_tree_id"]))
            parent_id = str(uuid.UUID(obj["parent_id"])) if obj.get("parent_id") is not None else None
            state = prompt_states.get(obj["message_tree_id"], obj["tree_state"])
            result.append(canonical_node(obj, parent_id=parent_id, tree_id=tree_id, flat_state=state))
    return result
