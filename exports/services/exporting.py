"""Export of trees to oasst1 files (SPEC 8), streaming: memory does not grow with the number of trees.

Trees are read in id order, ``chunk_size`` at a time (keyset pagination). The messages (with their
detoxify scores), rankings, reactions and reports of a chunk come in one query each, as plain tuples,
and are assembled into nodes in the canonical form of exports.oasst_format, written, and dropped. Events
are written only when the filter asks for them; a backup (``ExportFilter.backup``) also keeps what the
public format leaves out by rule (a ``review_result`` false with two reviews or fewer), so that importing
it gives back what was exported. Anonymized, every id is replaced, also in the fields and events kept as
they were imported. Trees of any depth are written without recursion.

On PostgreSQL an export is one snapshot, as pg_dump's is: its queries, on all its connections, see the data
as they stood when it began, whatever volunteers write meanwhile (a read-only repeatable-read transaction
whose snapshot the reading threads import). Elsewhere, or inside the caller's transaction, its queries run
on the caller's connection.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TextIO

from django.contrib.postgres.aggregates import StringAgg
from django.db import connection, connections, transaction
from django.db.models import Case, F, Func, OuterRef, Q, QuerySet, Subquery, TextField, Value, When
from django.db.models.functions import Cast, Concat
from django.utils.translation import gettext_lazy as _
from tqdm import tqdm

from annotation.models import EmojiReaction, Message, MessageTree, Ranking, Report, ToxicityScore
from core.errors import InvalidInput
from exports.files import open_text
from exports.filters import ExportFilter, Inclusion, anonymous_id
from exports.jsoncodec import Verbatim, as_value, dumps, loads
from exports.memory import rare_garbage_collection
from exports.oasst_format import TREE_EXTRA_KEY
from exports.pipeline import map_in_threads
from toxicity.conf import export_model_names
from toxicity.models import TOXICITY_REPORT_TYPE

CHUNK_SIZE = 2000
# Two threads read chunks at once, so that PostgreSQL works on one chunk while Python converts another; a
# third reader gains nothing and holds one more chunk in memory. Larger chunks cost memory for no speed.
READING_THREADS = 2
MESSAGE_COLUMNS = (
    "id_out",
    "tree_id_out",
    "parent_id_out",
    "author_id_out",
    "created_at_out",
    "text",
    "role",
    "lang",
    "review_count",
    "review_result",
    "deleted",
    "rank",
    "synthetic",
    "model_name",
    "emojis_text",
    "labels_text",
    "extra_text",
    "detoxify_text",
    "emoji_events_text",
)
# JSON columns are spliced into the lines as the database writes them, without a decode and re-encode.
JSON_AS_TEXT = {f"{name}_text": Cast(name, TextField()) for name in ("emojis", "labels", "extra")}
EMPTY = ("{}", "", None)
ISO_UTC = """to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')"""
# Events as JSON text, built by PostgreSQL with the keys and values the Python path gives (_Assembler._events).
_EMOJI_EVENT_JSON = Concat(
    Value('{"type":"emoji","user_id":"'),
    Cast("user_id", TextField()),
    Value('","emoji":'),
    Cast(Func("emoji", function="to_json"), TextField()),
    Value("}"),
    output_field=TextField(),
)
_RANKING_EVENT_JSON = Concat(
    Value('{"type":"ranking",'),
    Case(
        When(user_id__isnull=True, then=Value("")),
        default=Concat(Value('"user_id":"'), Cast("user_id", TextField()), Value('",'), output_field=TextField()),
        output_field=TextField(),
    ),
    Value('"ranking":'),
    Cast("ranking", TextField()),
    Value(',"ranked_message_ids":'),
    Cast("ranked_message_ids", TextField()),
    Value(',"ranking_parent_id":"'),
    Cast("parent_id", TextField()),
    Value('","message_tree_id":"'),
    Cast("tree_id", TextField()),
    # Written only when true, as the original platform writes it.
    Case(When(not_rankable=True, then=Value('","not_rankable":true}')), default=Value('"}'), output_field=TextField()),
    output_field=TextField(),
)
(ID, TREE, PARENT, AUTHOR, CREATED, TEXT, ROLE, LANG, REVIEW_COUNT, REVIEW_RESULT, DELETED, RANK, SYNTHETIC) = range(13)
MODEL_NAME, EMOJIS, LABELS, EXTRA, DETOXIFY, EMOJI_EVENTS = range(13, 19)


def _detoxify_text() -> Subquery:
    """A message's detoxify scores: those of the first model of the export's list that scored it (toxicity.conf:
    TOXICITY_EXPORT_MODELS, by default imported ``detoxify`` scores, then the configured classifier's). Looked up by the
    unique index on (message, model) for each message read: a join with the scores of a chunk's messages made
    PostgreSQL scan all the scores, three times the work."""
    names = export_model_names()
    scores = ToxicityScore.objects.filter(message=OuterRef("pk"), model_name__in=names)
    if len(names) > 1:
        scores = scores.order_by(Case(*(When(model_name=name, then=Value(i)) for i, name in enumerate(names))))[:1]
    return Subquery(scores.annotate(scores_text=Cast("scores", TextField())).values("scores_text"))


# The emoji events of a message, oldest first, by the unique index on (message, user, emoji) likewise.
EMOJI_EVENTS_TEXT = Subquery(
    EmojiReaction.objects.filter(message=OuterRef("pk"))
    .values("message")
    .annotate(events=StringAgg(_EMOJI_EVENT_JSON, delimiter=",", order_by="id"))
    .values("events")
)


@dataclass
class ExportReport:
    trees: int = 0
    messages: int = 0


def export_to_file(
    path: str | Path, export_filter: ExportFilter, *, flat: bool = False, progress: bool = False
) -> ExportReport:
    """Write a tree file (or a flat message file); gzip when the name ends in ``.gz``, ``-`` for stdout.
    An export that fails leaves no file behind (rather than an empty or a partial one)."""
    opened = False
    try:
        with open_text(path, "w") as out:
            opened = str(path) != "-"
            return export_to(out, export_filter, flat=flat, progress=progress)
    except BaseException as exc:
        if opened:
            Path(path).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise InvalidInput(_("Cannot write %(path)s: %(error)s") % {"path": path, "error": exc}) from exc
        raise


def count_trees(export_filter: ExportFilter) -> int:
    """How many trees ``export_filter`` chooses (the total of an export's progress)."""
    return MessageTree.objects.filter(_trees_q(export_filter)).count()


def export_to(
    out: TextIO,
    export_filter: ExportFilter,
    *,
    flat: bool = False,
    chunk_size: int = CHUNK_SIZE,
    progress: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> ExportReport:
    """Write the export to ``out``, a chunk of trees at a time.

    On PostgreSQL, outside a transaction, the rows of the chunks are read by ``READING_THREADS`` threads,
    each on a database connection of its own, in the snapshot of the caller's connection, while a further
    thread turns rows into lines and writes them (see exports.pipeline). Inside a transaction, whose
    uncommitted rows only its own connection sees, the rows are read on the caller's thread and connection.
    ``on_progress`` is called after each chunk with the number of trees read so far. A backup is a tree file:
    a flat file has no room for a tree's own fields (its origin), so it could not give them back.
    """
    if flat and export_filter.backup:
        raise InvalidInput(_("A backup is a file of trees: flat messages cannot hold a tree's origin."))
    report = ExportReport()
    trees_read = 0
    bar = tqdm(unit=" trees", desc=str(_("Exporting")), disable=None if progress else True)
    assembler = _Assembler(export_filter, flat=flat)

    def write(rows: _ChunkRows) -> Chunk:
        chunk = assembler.assemble(rows)
        out.write("".join(chunk.lines))
        return chunk

    tree_chunks = _tree_chunks(export_filter, chunk_size)
    with ExitStack() as stack:
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            fetch = partial(_fetch_in_snapshot, assembler.fetch, stack.enter_context(_shared_snapshot()))
            # Each reading thread opens its own connection; it closes it as it ends.
            close = connections.close_all
            rows = map_in_threads(fetch, tree_chunks, threads=READING_THREADS, on_thread_exit=close)
        else:
            rows = (assembler.fetch(trees) for trees in tree_chunks)
        stack.enter_context(rare_garbage_collection())
        # closing(): when writing fails, the reading threads end (and close their connections) at once, before
        # the snapshot's transaction ends.
        stack.enter_context(closing(rows))
        for chunk in map_in_threads(write, rows):
            report.trees += chunk.trees_written
            report.messages += chunk.messages_written
            bar.update(chunk.trees_read)
            trees_read += chunk.trees_read
            if on_progress is not None:
                on_progress(trees_read)
    bar.close()
    return report


_SNAPSHOT_ID = re.compile(r"[0-9A-F-]+")
_ANY_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


@contextmanager
def _shared_snapshot() -> Iterator[str]:
    """A read-only repeatable-read transaction on this connection, and the id of its snapshot, which other
    connections import while it lasts (PostgreSQL)."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        # The readers write the id into a SET, which takes no parameters.
        if not _SNAPSHOT_ID.fullmatch(snapshot):
            raise ValueError(f"not a snapshot id: {snapshot!r}")
        yield snapshot


def _fetch_in_snapshot(fetch: Callable[[list[tuple]], _ChunkRows], snapshot: str, trees: list[tuple]) -> _ChunkRows:
    """``fetch`` in a transaction of this thread's connection that sees the exported ``snapshot`` (an id
    ``_shared_snapshot`` checked)."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            # SET takes no parameters: the id is written in.
            cursor.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
        return fetch(trees)


@dataclass
class Chunk:
    lines: list[str]  # each ends with a newline
    trees_read: int = 0
    trees_written: int = 0
    messages_written: int = 0


def _tree_chunks(export_filter: ExportFilter, chunk_size: int) -> Iterator[list[tuple]]:
    """(id, state, origin) of the trees to export, in id order, ``chunk_size`` at a time."""
    trees = MessageTree.objects.filter(_trees_q(export_filter)).order_by("id")
    trees = trees.annotate(**_out("id")).values_list("id_out", "state", "origin")
    last_id = None
    while True:
        chunk = list((trees if last_id is None else trees.filter(id__gt=last_id))[:chunk_size])
        if not chunk:
            return
        last_id = chunk[-1][0]
        yield chunk
        if len(chunk) < chunk_size:
            return


@dataclass
class _ChunkRows:
    """What the database holds for a chunk of trees: (id, state, origin) of each, and their rows."""

    trees: list[tuple]
    messages_by_tree: dict[Any, list[tuple]]
    events: dict[Any, dict[str, list]]


class _Assembler:
    """Reads the rows of a chunk of trees (``fetch``, on a reading thread) and turns them into file lines
    (``assemble``, on the export's writing thread, one chunk at a time). ``fetch`` only reads the filter, so
    several threads may run it at once, and the chunk-scoped state ``assemble`` keeps (events, node
    count) is its own."""

    def __init__(self, export_filter: ExportFilter, *, flat: bool) -> None:
        self.filter = export_filter
        self.flat = flat
        seed = export_filter.anonymize_seed
        if seed is None:
            self.message_id: Callable[[Any], str] = str
            self.user_id: Callable[[Any], str] = str
        else:
            self.message_id = lambda value: anonymous_id("message", str(value), seed)
            self.user_id = lambda value: anonymous_id("user", str(value), seed)
        self.kept = _predicate(export_filter, Inclusion.EXCLUDE)
        self.matches = _predicate(export_filter, Inclusion.ONLY)
        self.nodes = 0
        self.backup = export_filter.backup
        self.anonymize = seed is not None
        # 70,000 rankings and 250,000 reactions at the reference scale: PostgreSQL writes the list of a
        # message's events as JSON text, which the line takes as it is (a fifth of the export's Python
        # work). Anonymized, the ids in them are Python's to replace.
        self.events_in_sql = connection.vendor == "postgresql" and not self.anonymize and export_filter.events
        self.detoxify_text = _detoxify_text()

    def fetch(self, trees: list[tuple]) -> _ChunkRows:
        # The chunk's trees are those the tree filter selects between its first and last id: a few
        # parameters, where a list of ids would cost more to send than the query to run.
        first, last = trees[0][0], trees[-1][0]
        in_chunk = {
            prefix: _trees_q(self.filter, prefix) & Q(**{f"{prefix}id__gte": first, f"{prefix}id__lte": last})
            for prefix in ("tree__", "message__tree__")
        }
        messages = Message.objects.filter(in_chunk["tree__"])
        if self.filter.prompts_only:
            messages = messages.filter(parent__isnull=True)
        by_tree: dict[Any, list[tuple]] = defaultdict(list)
        messages = messages.annotate(
            **JSON_AS_TEXT,
            **_out("id", "tree_id", "parent_id", "author_id", "created_at"),
            detoxify_text=self.detoxify_text,
            emoji_events_text=EMOJI_EVENTS_TEXT if self.events_in_sql else Value(None, output_field=TextField()),
        )
        for row in messages.values_list(*MESSAGE_COLUMNS):
            by_tree[row[TREE]].append(row)
        events = self._events(in_chunk, by_tree) if self.filter.events else {}
        return _ChunkRows(trees=trees, messages_by_tree=by_tree, events=events)

    def assemble(self, rows: _ChunkRows) -> Chunk:
        """The lines of a chunk (called for one chunk at a time)."""
        self.events = rows.events
        chunk = Chunk(lines=[], trees_read=len(rows.trees))
        for tree_id, state, origin in rows.trees:
            messages = rows.messages_by_tree.get(tree_id)
            if messages:
                self._tree(messages, tree_id=tree_id, state=state, origin=origin, chunk=chunk)
        return chunk

    def _events(self, in_chunk: dict[str, Q], messages_by_tree: dict[Any, list[tuple]]) -> dict[Any, dict[str, list]]:
        events: dict[Any, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        rankings = Ranking.objects.filter(in_chunk["tree__"])
        if self.events_in_sql:
            for parent, text in _events_as_json(rankings, "parent_id", _RANKING_EVENT_JSON):
                events[parent]["ranking"] = text
            for rows in messages_by_tree.values():
                for row in rows:
                    if row[EMOJI_EVENTS]:
                        events[row[ID]]["emoji"] = Verbatim(f"[{row[EMOJI_EVENTS]}]")
        else:
            self._add_rankings(events, rankings)
            self._add_reactions(events, EmojiReaction.objects.filter(in_chunk["message__tree__"]))
        # A classifier's flag (toxicity.services.scoring) is not a volunteer's report: its scores are in detoxify.
        reports = Report.objects.filter(in_chunk["message__tree__"]).exclude(
            report_type=TOXICITY_REPORT_TYPE, user__isnull=True
        )
        reports = reports.order_by("id")
        reports = reports.annotate(**_out("message_id", "user_id"))
        columns = ("message_id_out", "user_id_out", "report_type", "reason")
        for message, user, report_type, reason in reports.values_list(*columns):
            event = {"type": "report"} if user is None else {"type": "report", "user_id": self.user_id(user)}
            event.update(report_type=report_type, reason=reason)
            events[message]["report"].append(event)
        return events

    def _add_rankings(self, events: dict[Any, dict[str, list]], rankings: QuerySet[Ranking]) -> None:
        message_id, user_id = self.message_id, self.user_id
        rankings = rankings.order_by("id").annotate(
            ranking_text=Cast("ranking", TextField()),
            ranked_ids_text=Cast("ranked_message_ids", TextField()),
            **_out("parent_id", "tree_id", "user_id"),
        )
        for parent, tree, user, ranking, ranked_ids, not_rankable in rankings.values_list(
            "parent_id_out", "tree_id_out", "user_id_out", "ranking_text", "ranked_ids_text", "not_rankable"
        ):
            event: dict[str, Any] = {"type": "ranking"}
            if user is not None:
                event["user_id"] = user_id(user)
            event["ranking"] = loads(ranking)
            ranked_ids = loads(ranked_ids)
            event["ranked_message_ids"] = [message_id(i) for i in ranked_ids] if self.anonymize else ranked_ids
            event["ranking_parent_id"] = message_id(parent)
            event["message_tree_id"] = message_id(tree)
            if not_rankable:
                event["not_rankable"] = True
            events[parent]["ranking"].append(event)

    def _add_reactions(self, events: dict[Any, dict[str, list]], reactions: QuerySet[EmojiReaction]) -> None:
        reactions = reactions.order_by("id").annotate(**_out("message_id", "user_id"))
        for message, user, emoji in reactions.values_list("message_id_out", "user_id_out", "emoji"):
            events[message]["emoji"].append({"type": "emoji", "user_id": self.user_id(user), "emoji": emoji})

    def _tree(self, rows: list[tuple], *, tree_id: Any, state: str, origin: str, chunk: Chunk) -> None:
        root = None
        children: dict[Any, list[tuple]] = defaultdict(list)
        for row in rows:
            if row[PARENT] is None:
                root = row
            else:
                children[row[PARENT]].append(row)
        if root is None:
            return
        for siblings in children.values():
            siblings.sort(key=_reply_order)
        tree_ref = self.message_id(tree_id)
        if self.flat:
            tail = dumps({"message_tree_id": tree_ref, "tree_state": state})[1:]
            written = len(chunk.lines)
            for row in self._flat_rows(root, children):
                chunk.lines.append(self._node(row)[:-1] + "," + tail + "\n")
            chunk.messages_written += len(chunk.lines) - written
            chunk.trees_written += len(chunk.lines) > written
            return
        before = self.nodes
        prompt = self._build(root, children)
        if prompt is None:
            return
        chunk.trees_written += 1
        chunk.messages_written += self.nodes - before
        tail: dict[str, Any] = {"origin": origin} if origin else {}
        if root[EXTRA] not in EMPTY:
            tail.update(self._kept_as_imported(loads(root[EXTRA]).get(TREE_EXTRA_KEY, {})))
        head = dumps({"message_tree_id": tree_ref, "tree_state": state})[:-1] + ',"prompt":' + prompt
        chunk.lines.append(head + ("," + dumps(tail)[1:] if tail else "}") + "\n")

    def _build(self, root: tuple, children: dict) -> str | None:
        """The node with its written replies (an empty list on a leaf), or None when neither it nor any reply is
        to be written. Depth first with a stack of its own: a tree may be thousands of replies deep."""
        kept, matches = self.kept, self.matches
        if not kept(root):
            return None
        # The nodes from the root to the one being built: (row, its children not yet built, its written replies).
        path: list[tuple[tuple, Iterator[tuple], list[str]]] = [(root, iter(children.get(root[ID], ())), [])]
        while True:
            row, pending, replies = path[-1]
            for child in pending:
                if kept(child):
                    path.append((child, iter(children.get(child[ID], ())), []))
                    break
            else:
                path.pop()
                node = None
                if replies or matches(row):
                    self.nodes += 1
                    node = self._node(row)[:-1] + ',"replies":[' + ",".join(replies) + "]}"
                if not path:
                    return node
                if node is not None:
                    path[-1][2].append(node)

    def _flat_rows(self, root: tuple, children: dict) -> Iterator[tuple]:
        """Depth first, in reply order: the kept messages under kept parents that match the filter."""
        stack = [root]
        while stack:
            row = stack.pop()
            if not self.kept(row):
                continue
            if self.matches(row):
                yield row
            stack.extend(reversed(children.get(row[ID], ())))

    def _node(self, row: tuple) -> str:
        """The node as JSON text, without its replies."""
        message_id = row[ID]
        node: dict[str, Any] = {"message_id": self.message_id(message_id)}
        if row[PARENT] is not None:
            node["parent_id"] = self.message_id(row[PARENT])
        if row[AUTHOR] is not None:
            node["user_id"] = self.user_id(row[AUTHOR])
        node["created_date"] = _iso(row[CREATED])
        node["text"] = row[TEXT]
        node["role"] = row[ROLE]
        node["lang"] = row[LANG]
        review_count = row[REVIEW_COUNT]
        node["review_count"] = review_count
        review_result = row[REVIEW_RESULT]
        if review_result or (review_result is not None and (review_count > 2 or self.backup)):
            node["review_result"] = review_result
        node["deleted"] = row[DELETED]
        if row[RANK] is not None:
            node["rank"] = row[RANK]
        node["synthetic"] = row[SYNTHETIC]
        if row[MODEL_NAME]:
            node["model_name"] = row[MODEL_NAME]
        extra = loads(row[EXTRA]) if row[EXTRA] not in EMPTY else {}
        if self.filter.events:
            events = self.events.get(message_id)
            verbatim = extra.get("events")
            if verbatim:
                events = events if events is not None else {}
                for kind, kind_events in verbatim.items():
                    kept = [self._verbatim_event(event) for event in kind_events]
                    events[kind] = as_value(events.get(kind, [])) + kept
            if events:
                node["events"] = events
        if extra:
            kept = {key: value for key, value in extra.items() if key not in ("events", TREE_EXTRA_KEY)}
            node.update(self._kept_as_imported(kept) if self.anonymize else kept)
        text = dumps(node)[:-1]
        if row[EMOJIS] not in EMPTY:
            text += ',"emojis":' + row[EMOJIS]
        if self.filter.labels and row[LABELS] not in EMPTY:
            text += ',"labels":' + row[LABELS]
        if row[DETOXIFY] not in EMPTY:
            text += ',"detoxify":' + row[DETOXIFY]
        return text + "}"

    def _verbatim_event(self, event: Any) -> Any:
        """An event kept as imported; anonymized, with every id in it replaced."""
        return self._kept_as_imported(event) if self.anonymize else event

    def _kept_as_imported(self, value: Any) -> Any:
        """A value kept as imported (an unknown field, an event that fits no row); anonymized, a copy with every
        id in it replaced, whatever its place: any string that is a UUID, keys too. Ids under a key that names
        a user (``user_id``, ``users``, also in a list under it) are taken as user ids, the others as message
        ids (a tree's id is its prompt's)."""
        if not self.anonymize:
            return value
        message_id, user_id = self.message_id, self.user_id

        def replaced(text: str, of_user: bool) -> str:
            if not _ANY_UUID.fullmatch(text):
                return text
            return (user_id if of_user else message_id)(str(uuid.UUID(text)))

        result: list[Any] = [None]
        # (value, the copy it goes into, its key or index there, under a key naming a user); no recursion, as
        # imported values may be nested deeply.
        stack: list[tuple[Any, Any, Any, bool]] = [(value, result, 0, False)]
        while stack:
            item, target, slot, of_user = stack.pop()
            if isinstance(item, str):
                target[slot] = replaced(item, of_user)
            elif isinstance(item, dict):
                copy: dict = {}
                target[slot] = copy
                for key, child in item.items():
                    new_key = replaced(key, of_user) if isinstance(key, str) else key
                    copy[new_key] = None
                    stack.append((child, copy, new_key, isinstance(key, str) and "user" in key.lower()))
            elif isinstance(item, list):
                items: list = [None] * len(item)
                target[slot] = items
                stack.extend((child, items, index, of_user) for index, child in enumerate(item))
            else:
                target[slot] = item
        return result[0]


def _out(*names: str) -> dict[str, Any]:
    """Columns read as ``<name>_out`` in their exported form: as text on PostgreSQL (ids, and dates in
    ISO 8601), which spares building UUID and datetime objects; elsewhere as Django converts them."""
    if connection.vendor != "postgresql":
        return {f"{name}_out": F(name) for name in names}
    return {
        f"{name}_out": Func(F(name), template=ISO_UTC, output_field=TextField())
        if name == "created_at"
        else Cast(name, TextField())
        for name in names
    }


def _events_as_json(rows: QuerySet, key: str, event_json: Concat) -> Iterator[tuple[Any, Verbatim]]:
    """(``key`` as exported, the JSON list of its events oldest first), written by PostgreSQL."""
    rows = rows.values(key).annotate(**_out(key), events=StringAgg(event_json, delimiter=",", order_by="id"))
    for owner, text in rows.values_list(f"{key}_out", "events"):
        yield owner, Verbatim(f"[{text}]")


def _iso(value: Any) -> str:
    """Dates as Python writes them, which leaves out a zero fraction of a second."""
    return value.replace(".000000+", "+", 1) if isinstance(value, str) else value.isoformat()


def _trees_q(export_filter: ExportFilter, prefix: str = "") -> Q:
    """The tree filter, on MessageTree itself or through a relation (``prefix``, e.g. ``tree__``)."""
    conditions = {
        "state__in": export_filter.states,
        "lang__in": export_filter.langs,
        "created_at__gte": export_filter.date_from,
        "created_at__lt": export_filter.date_to,
    }
    return Q(**{prefix + lookup: value for lookup, value in conditions.items() if value})


def _reply_order(row: tuple) -> tuple:
    rank = row[RANK]
    return (rank is None, rank or 0, row[CREATED], str(row[ID]))


def _predicate(export_filter: ExportFilter, inclusion: Inclusion) -> Callable[[tuple], bool]:
    """The test of a message row: the ``exclude`` filters (kept) or the ``only`` ones (matches)."""
    only = inclusion == Inclusion.ONLY
    tests: list[Callable[[tuple], bool]] = []
    if export_filter.deleted == inclusion:
        tests.append(lambda row: bool(row[DELETED]) == only)
    if export_filter.rejected == inclusion:
        tests.append(lambda row: (row[REVIEW_RESULT] is False) == only)
    if export_filter.synthetic == inclusion:
        tests.append(lambda row: bool(row[SYNTHETIC]) == only)
    if only and export_filter.user_id is not None:
        user_id = str(export_filter.user_id)
        tests.append(lambda row: str(row[AUTHOR]) == user_id)
    return lambda row: all(test(row) for test in tests)
