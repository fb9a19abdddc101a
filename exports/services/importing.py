"""Import of oasst1 files (trees or flat messages, ``.jsonl`` or ``.jsonl.gz``) in one streaming pass.

Lines are read into ``TreeRecord``s (exports.oasst_format) and written in batches with bulk inserts.
A tree is all or nothing: a malformed line is reported with its line number (and the message at fault)
and its tree skipped; with ``strict`` the first error aborts the whole import, which runs in one
transaction. Trees already in the database are left as they are and counted; a tree that comes twice in
the file is stored once and its copy reported. A file that cannot be read to its end (a truncated ``.gz``)
is imported as far as it could be read, and the failure reported like a malformed line, with the tree
whose lines it may have cut. The report says what was stored and what was skipped, and why. Authors and
event users we do not know become placeholder users (the user id kept, an unusable password,
``is_placeholder`` set).

A flat file is read whole before its trees are stored (exports.oasst_format.in_tree_order), so that the
lines of a tree may stand anywhere in it. A ``.parquet`` file (the Hugging Face layout) is read as flat lines.

The first import into a PostgreSQL database without trees (loading a release into a new platform) runs in
one transaction with the tables' plain indexes and foreign keys made after the rows (exports.bulk), and the
keys of the tables of trees too: building them once over all rows is far less work for PostgreSQL than
keeping them up to date row by row.
The tables are locked until it ends. A duplicate is then found by the importer itself, which remembers the
trees and messages it wrote.

On PostgreSQL a file of more than one chunk (CHUNK_BYTES) is read in worker processes, one per CPU, forked
with the importer (exports.pipeline.map_in_processes): they parse, check and encode the rows of their chunk
while this process only passes the encoded rows on to PostgreSQL. Reading in a thread instead would leave
the other CPUs half idle: Python's reading, most of an import's work, runs on one CPU at a time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, nullcontext
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.db import DatabaseError, IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from tqdm import tqdm

from accounts.display_names import name_skeleton
from accounts.models import User
from annotation.models import (
    EmojiReaction,
    Message,
    MessageTree,
    Ranking,
    Report,
    Review,
    Role,
    ToxicityScore,
    TreeState,
)
from annotation.services.tree_transitions import tree_limits
from core.errors import InvalidInput
from exports.bulk import RowWriter, indexes_made_after
from exports.files import open_text
from exports.jsoncodec import dumps
from exports.memory import no_cyclic_garbage_collection
from exports.oasst_format import (
    NOT_FLAT,
    FormatError,
    ParsedLine,
    ReadError,
    TreeRecord,
    Unreadable,
    flat_tree_id,
    in_tree_order,
    parse_lines,
    readable_lines,
    records_of,
)
from exports.pipeline import map_in_processes, processes_available, read_ahead

BATCH_MESSAGES = 5000
# Lines handed to a worker process at a time: a few thousand messages, enough that handing them over costs
# little next to reading them, few enough that the workers start early and finish together.
CHUNK_BYTES = 4 << 20
ANALYZE_AFTER_MESSAGES = 50_000
# Trees whose messages are all there; with ``backlog`` they wait for a ranking slot instead.
FINISHED_STATES = frozenset(
    (TreeState.RANKING, TreeState.READY_FOR_SCORING, TreeState.READY_FOR_EXPORT, TreeState.SCORING_FAILED)
)
MESSAGE_FIELDS = (
    "id",
    "tree",
    "parent",
    "author",
    "role",
    "lang",
    "text",
    "depth",
    "created_at",
    "review_count",
    "review_result",
    "rank",
    "ranking_count",
    "children_count",
    "deleted",
    "synthetic",
    "model_name",
    "emojis",
    "labels",
    "extra",
)
ACCEPTED, DELETED = MESSAGE_FIELDS.index("review_result"), MESSAGE_FIELDS.index("deleted")
ROLE, DEPTH, CHILDREN = (MESSAGE_FIELDS.index(name) for name in ("role", "depth", "children_count"))


@dataclass(frozen=True)
class LineError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class ImportReport:
    """What an import stored, and what it left out and why."""

    trees: int = 0
    messages: int = 0
    users_created: int = 0
    # Trees that were already in the database before the import, left as they were.
    existing_trees: list[str] = field(default_factory=list)
    # What was skipped, by line, in the order of the file: malformed lines (their trees left out), trees the
    # database refused, copies of a tree or message found earlier in the file, what could not be read.
    errors: list[LineError] = field(default_factory=list)


class ImportFailed(InvalidInput):
    code = "import_failed"
    default_message = _("The file could not be imported.")


class _Writers:
    """One RowWriter per table, made once per import."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self.trees = RowWriter(
            MessageTree,
            (
                *("id", "state", "lang", "origin", "created_at", "state_changed_at"),
                *tree_limits(),
            ),
        )
        self.messages = RowWriter(Message, MESSAGE_FIELDS)
        self.rankings = RowWriter(
            Ranking, ("parent", "tree", "user", "ranked_message_ids", "ranking", "not_rankable", "created_at")
        )
        self.reactions = RowWriter(EmojiReaction, ("message", "user", "emoji", "created_at"))
        self.reports = RowWriter(Report, ("message", "user", "report_type", "reason", "created_at"))
        self.toxicity = RowWriter(ToxicityScore, ("message", "model_name", "scores", "created_at"))
        self.reviews = RowWriter(Review, ("message", "reviewer", "values", "full", "created_at"))
        self.users = RowWriter(
            User, ("id", "username", "username_skeleton", "password", "is_placeholder", "date_joined")
        )

    def all(self) -> list[RowWriter]:
        return [writer for writer in vars(self).values() if isinstance(writer, RowWriter)]

    def tables(self) -> list[str]:
        return [writer.table for writer in self.all()]

    def tree_tables(self) -> list[str]:
        """The tables of trees and what hangs on them: empty before a first load, unlike the users'."""
        return [writer.table for writer in self.all() if writer is not self.users]


NumberedLine = tuple[int, str | bytes]


@dataclass
class _Batch:
    """Trees to write together, with their rows per writer; on PostgreSQL already encoded for COPY.

    A batch read in a worker process comes back with its encoded rows and ids only; its records are read
    again from its ``lines`` in the rare case they are needed (a tree to leave out, an error to name).
    """

    read_records: list[TreeRecord] | None
    tree_ids: list[str]
    message_ids: list[str]
    user_ids: set[str]
    rows: dict[str, list[tuple]]
    encoded: dict[str, bytes] | None
    # Line numbers of the first and the last line of the batch's records, and those lines once known.
    span: tuple[int, int] = (0, 0)
    lines: list[NumberedLine] = field(default_factory=list)
    origin: str = ""
    # The line of each tree (in the order of tree_ids).
    tree_lines: list[int] = field(default_factory=list)

    @property
    def records(self) -> list[TreeRecord]:
        if self.read_records is None:
            read = records_of(parse_lines(self.lines), origin=self.origin)
            self.read_records = [record for record in read if isinstance(record, TreeRecord)]
        return self.read_records


@dataclass
class _ChunkRead:
    """A chunk of lines as a worker process read it (``Importer.read_chunk``).

    The flat lines at either end of a chunk may belong to a tree whose lines go on in the chunk before or
    after it: they are left to the caller, who reads them with their neighbours. ``head`` and ``tail`` are
    the indexes in the chunk where its middle starts and ends; ``head`` is None when the whole chunk is such
    lines of one tree.
    """

    head: int | None
    items: list[_Batch | FormatError]
    tail: int


TABLE_ORDER = ("trees", "messages", "rankings", "reactions", "reports", "toxicity", "reviews")


@dataclass
class _Written:
    """What writing a batch stored, and what it left out (committed to the report with the batch)."""

    batch: _Batch
    users: set[str]
    existing: list[tuple[str, int]]  # (tree id, line) of trees already in the database
    skipped: list[tuple[int, str]]  # (line, why) of trees left out


class Importer:
    """Writes records in batches. ``known_users`` grows with the users seen, not with the trees.

    On PostgreSQL the batches are read and encoded while the database stores the batch before: in worker
    processes for a file of several chunks (``batches_in_processes``), else in a helper thread (``batches``,
    exports.pipeline.read_ahead). ``run`` writes them.
    """

    def __init__(
        self,
        *,
        strict: bool,
        backlog: bool,
        report: ImportReport,
        first_load: bool = False,
        origin: str = "",
        progress: tqdm | None = None,
        line_number: Callable[[int], int] | None = None,
    ) -> None:
        self.strict = strict
        self.backlog = backlog
        self.report = report
        self.origin = origin
        self.progress = progress
        # The line in the file of a line read (a flat file's lines are read tree by tree: in_tree_order).
        self.line_number = line_number or (lambda line: line)
        # Into a database without trees, which then holds no messages either: no need to look them up.
        self.first_load = first_load
        # The trees met so far, stored or already there (id -> line), and the messages stored: what the file
        # holds twice is told apart from what the database held before.
        self.seen_trees: dict[str, int] = {}
        self.written_messages: set[str] = set()
        self.known_users: set[str] = set()
        self.limits = tree_limits()
        self.writers = _Writers(timezone.now())
        self.encode = connection.vendor == "postgresql"

    def run(self, items: Iterable[_Batch | FormatError]) -> ImportReport:
        """Write the batches (``batches``, ``batches_in_processes``) and report the errors, in order."""
        for item in items:
            if isinstance(item, FormatError):
                self._fail(item.line, str(item))
            else:
                self._flush(item)
        if self.report.messages >= ANALYZE_AFTER_MESSAGES:
            self._refresh_statistics()
        self.report.errors.sort(key=lambda error: error.line)
        return self.report

    def batches(self, records: Iterable[TreeRecord | FormatError]) -> Iterator[_Batch | FormatError]:
        """The records in batches; on PostgreSQL each batch made in a helper thread while the one before
        is stored."""
        batches = self._batches(records)
        return read_ahead(batches) if self.encode else batches

    def batches_in_processes(
        self, chunks: Iterable[list[NumberedLine]], *, processes: int
    ) -> Iterator[_Batch | FormatError]:
        """The batches of chunks of lines, read and encoded in worker processes (PostgreSQL), in order.

        The lines at the ends of a chunk that may continue a tree of the next chunk are read here, once
        their neighbours are known: for a tree file that is nothing, for a flat file a tree per chunk.
        """
        pending: list[NumberedLine] = []
        for chunk, read in map_in_processes(self.read_chunk, chunks, processes=processes):
            # The Unreadable that ends a file comes alone (_chunks): read with the lines before it, which it
            # may cut.
            if read.head is None:
                pending += chunk
                continue
            pending += chunk[: read.head]
            yield from self._batches(self._records(pending))
            first_line = chunk[0][0]
            for item in read.items:
                if isinstance(item, _Batch):
                    item.lines = chunk[item.span[0] - first_line : item.span[1] - first_line + 1]
                yield item
            pending = chunk[read.tail :]
        yield from self._batches(self._records(pending))

    def read_chunk(self, chunk: list[NumberedLine]) -> _ChunkRead:
        """In a worker process: the batches and errors of a chunk's middle (see ``_ChunkRead``)."""
        parsed = list(parse_lines(chunk))
        head = _same_tree_run(parsed)
        if head == len(parsed) or isinstance(parsed[0][1], ReadError):
            return _ChunkRead(None, [], len(chunk))
        tail = _same_tree_run(parsed[::-1])
        first_line = chunk[0][0]
        items = []
        for item in self._batches(records_of(parsed[head : len(parsed) - tail], origin=self.origin)):
            if isinstance(item, _Batch):
                # Only what the caller writes goes back: no rows, no records.
                item.read_records, item.rows = None, {}
            items.append(item)
        return _ChunkRead(
            parsed[head - 1][0] - first_line + 1 if head else 0,
            items,
            parsed[len(parsed) - tail][0] - first_line if tail else len(chunk),
        )

    def _records(self, lines: Iterable[NumberedLine]) -> Iterator[TreeRecord | FormatError]:
        """The records of numbered lines (this import's origin for trees whose lines give none)."""
        return records_of(parse_lines(lines), origin=self.origin)

    def _batches(self, records: Iterable[TreeRecord | FormatError]) -> Iterator[_Batch | FormatError]:
        """Records grouped into batches of about BATCH_MESSAGES messages, and the errors as they come."""
        group: list[TreeRecord] = []
        size = 0
        for record in records:
            if isinstance(record, FormatError):
                yield record
                continue
            group.append(record)
            size += len(record.messages)
            if size >= BATCH_MESSAGES:
                yield self._batch(group)
                group, size = [], 0
        if group:
            yield self._batch(group)

    def _batch(self, records: list[TreeRecord]) -> _Batch:
        trees = [
            (r.id, self._state(r.state), r.lang, r.origin, r.created_at, self.writers.now, *self._limits(r).values())
            for r in records
        ]
        rows = {"trees": trees}
        for name in TABLE_ORDER[1:]:
            rows[name] = [row for r in records for row in getattr(r, name)]
        encoded = (
            {name: getattr(self.writers, name).encode(table) for name, table in rows.items()} if self.encode else None
        )
        tree_ids = [r.id for r in records]
        message_ids = [row[0] for row in rows["messages"]]
        user_ids = set().union(*(r.user_ids for r in records))
        span = (records[0].line, max(records[-1].lines.values(), default=records[-1].line)) if records else (0, 0)
        tree_lines = [r.line for r in records]
        return _Batch(
            records, tree_ids, message_ids, user_ids, rows, encoded, span, origin=self.origin, tree_lines=tree_lines
        )

    def _refresh_statistics(self) -> None:
        """Let PostgreSQL plan with the new rows in mind at once, not after autovacuum's next round:
        an export or a task hand-out right after a large import would otherwise pick slow plans. The JSON
        columns have no statistics (migration annotation 0005); the texts keep theirs, which the task hand-out's
        plans use."""
        if connection.vendor != "postgresql":
            return
        tables = ", ".join(connection.ops.quote_name(table) for table in self.writers.tables())
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {tables}")

    def _fail(self, line: int, message: str) -> None:
        """Report what was skipped at ``line`` (a line as read: its number in the file is given), or with
        ``strict`` stop the import."""
        line = self.line_number(line)
        if self.strict:
            raise ImportFailed(_("line %(line)s: %(message)s") % {"line": line, "message": message}, line=line)
        self.report.errors.append(LineError(line, message))

    def _flush(self, batch: _Batch) -> None:
        if self.strict:
            try:
                written = self._write(batch)
            except DatabaseError as exc:
                first, last = (self.line_number(line) for line in (batch.tree_lines[0], batch.tree_lines[-1]))
                self._fail(batch.tree_lines[0], f"the trees of lines {first}-{last} could not be stored: {exc}")
            self._commit(written)
            return
        try:
            with transaction.atomic():
                written = self._write(batch)
        except DatabaseError:
            # Find the tree at fault: each one again on its own.
            for record in batch.records:
                try:
                    with transaction.atomic():
                        written = self._write(self._batch([record]))
                except DatabaseError as exc:
                    self._fail(record.line, f"tree {record.id} could not be stored: {exc}".strip())
                    self.seen_trees.setdefault(record.id, record.line)
                    continue
                self._commit(written)
            return
        self._commit(written)

    def _commit(self, written: _Written) -> None:
        batch = written.batch
        self.seen_trees.update(zip(batch.tree_ids, batch.tree_lines, strict=True))
        self.seen_trees.update(written.existing)
        self.written_messages.update(batch.message_ids)
        self.known_users |= written.users
        self.report.users_created += len(written.users)
        self.report.trees += len(batch.tree_ids)
        self.report.messages += len(batch.message_ids)
        self.report.existing_trees += [tree_id for tree_id, _line in written.existing]
        for line, message in written.skipped:
            self._fail(line, message)
        if self.progress is not None:
            self.progress.update(len(batch.tree_ids) + len(written.existing) + len(written.skipped))

    def _write(self, batch: _Batch) -> _Written:
        """Insert the trees of the batch not met yet; returns them, the placeholder users created, and the
        trees left out."""
        records, existing, skipped = self._new_trees(batch)
        if records is not None:
            batch = self._batch(records)
        self._store(batch, "trees")
        users = self._create_placeholders(batch.user_ids - self.known_users)
        for name in TABLE_ORDER[1:]:
            self._store(batch, name)
        return _Written(batch, users, existing, skipped)

    def _store(self, batch: _Batch, name: str) -> None:
        writer: RowWriter = getattr(self.writers, name)
        if batch.encoded is None:
            writer.write(batch.rows[name])
        else:
            writer.copy(batch.encoded[name])

    def _limits(self, record: TreeRecord) -> dict[str, int]:
        return imported_tree_limits(record, platform=self.limits)

    def _state(self, state: str) -> str:
        return TreeState.BACKLOG_RANKING if self.backlog and state in FINISHED_STATES else state

    def _new_trees(self, batch: _Batch) -> tuple[list[TreeRecord] | None, list[tuple[str, int]], list[tuple[int, str]]]:
        """The batch's records without the trees met before (earlier in the file: skipped; already in the
        database: left as they are) and the trees with a message stored elsewhere (skipped); None when all of
        them are new. Also those trees already in the database, and the trees skipped with the reason."""
        # A first load finds nothing in the database: it held no trees, so no messages either.
        stored_trees = set() if self.first_load else _stored(MessageTree, batch.tree_ids)
        stored_messages = set() if self.first_load else _stored(Message, batch.message_ids)
        trees, messages = set(batch.tree_ids), set(batch.message_ids)
        if (
            len(trees) == len(batch.tree_ids)
            and len(messages) == len(batch.message_ids)
            and not stored_trees
            and not stored_messages
            and trees.isdisjoint(self.seen_trees)
            and messages.isdisjoint(self.written_messages)
        ):
            return None, [], []  # all new, as nearly always: found by set operations alone
        kept: list[TreeRecord] = []
        existing: list[tuple[str, int]] = []
        skipped: list[tuple[int, str]] = []
        seen_trees: dict[str, int] = {}
        seen_messages: set[str] = set()
        for record in batch.records:
            first = self.seen_trees.get(record.id, seen_trees.get(record.id))
            if first is not None:
                where = self.line_number(first)
                skipped.append(
                    (record.line, f"tree {record.id} is left out: it comes twice in the file (line {where})")
                )
                continue
            seen_trees[record.id] = record.line
            if record.id in stored_trees:
                existing.append((record.id, record.line))
                continue
            ids = record.message_ids
            clash = next(
                (i for i in ids if i in self.written_messages or i in seen_messages or i in stored_messages), None
            )
            if clash is not None:
                earlier = clash in self.written_messages or clash in seen_messages
                where = "comes earlier in the file" if earlier else "is already stored, in another tree"
                skipped.append(
                    (record.lines.get(clash, record.line), f"message {clash}: {where}; tree {record.id} is left out")
                )
                continue
            seen_messages.update(ids)
            kept.append(record)
        return kept, existing, skipped

    def _create_placeholders(self, user_ids: set[str]) -> set[str]:
        if not user_ids:
            return set()
        missing = user_ids - _stored(User, list(user_ids))
        now = self.writers.now
        password = make_password(None)
        names = {i: f"imported-{i.replace('-', '')}" for i in sorted(missing)}
        rows = [(i, name, name_skeleton(name), password, True, now) for i, name in names.items()]
        self.writers.users.write(rows)
        return missing


def imported_tree_limits(record: TreeRecord, *, platform: dict[str, int]) -> dict[str, int]:
    """The limits an imported tree keeps as its own (MessageTree fields; SPEC 2: a tree has its own copy of
    the limits it was created under).

    A release may hold trees grown under other limits than this platform's (deeper threads, more replies
    under a prompt): the limits a tree was created under were at least what it holds, so its depth and
    children limits are this platform's, widened to its deepest message and to the most live replies under
    one of its prompter messages. So no prompt or prompter reply starts out over its tree's own limits, and a
    tree still growing may grow as deep and as wide as it already is. (Follow-ups under an assistant reply are
    limited by the platform's ``num_prompter_replies``, which no tree copies: a reply holding more takes no
    more.)

    A tree imported in ranking or a later state is complete as it is: its goal is the number of accepted
    messages it holds, so it is ranked, never grown further.
    """
    rows = record.messages
    deepest = max((row[DEPTH] for row in rows), default=0)
    most_replies = max((row[CHILDREN] for row in rows if row[ROLE] == Role.PROMPTER), default=0)
    limits = {
        **platform,
        "max_depth": max(platform["max_depth"], deepest),
        "max_children_count": max(platform["max_children_count"], most_replies),
    }
    if record.state in FINISHED_STATES:
        accepted = sum(1 for row in rows if row[ACCEPTED] and not row[DELETED])
        limits["goal_tree_size"] = min(platform["goal_tree_size"], accepted)
    return limits


def imported_tables() -> tuple[list[str], list[str]]:
    """The tables an import writes, and among them the tables of trees (those whose keys a first load makes
    after the rows)."""
    writers = _Writers(timezone.now())
    return writers.tables(), writers.tree_tables()


def _stored(model: type[models.Model], ids: list[str]) -> set[str]:
    """Those of the ids already in the model's table."""
    if not ids:
        return set()
    if connection.vendor != "postgresql":
        return {str(i) for i in model.objects.filter(id__in=ids).values_list("id", flat=True)}
    # One parameter instead of thousands of placeholders, which cost more to build than to run (and one text
    # instead of an array, which psycopg would adapt item by item).
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id::text FROM {table} WHERE id = ANY(string_to_array(%s, ',')::uuid[])", [",".join(ids)]
        )
        return {row[0] for row in cursor.fetchall()}


def import_records(
    records: Iterable[TreeRecord | FormatError], *, strict: bool = False, backlog: bool = False
) -> ImportReport:
    """Write records (from a file or the generator): in one transaction with ``strict`` or into a database
    without trees (then with indexes and foreign keys made after the rows), else a transaction per batch."""
    return _import(lambda importer: importer.batches(records), strict=strict, backlog=backlog)


def import_lines(
    lines: Iterable[str | bytes],
    *,
    strict: bool = False,
    origin: str | None = None,
    backlog: bool = False,
    progress: bool = False,
) -> ImportReport:
    """Import the lines of a file, as ``import_records`` does. On PostgreSQL, more lines than a chunk are read
    in worker processes, one per CPU (they are forked). What the lines' reader raises ends the lines and is
    reported (a truncated file), as a malformed line is."""
    ordered = in_tree_order(readable_lines(lines))
    processes = processes_available() if connection.vendor == "postgresql" else 0
    chunks = _chunks(ordered.lines)
    first_chunks = list(islice(chunks, 2)) if processes else []
    if len(first_chunks) == 2:

        def batches(importer: Importer) -> Iterator[_Batch | FormatError]:
            return importer.batches_in_processes(chain(first_chunks, chunks), processes=processes)
    else:
        numbered = chain.from_iterable(first_chunks) if first_chunks else enumerate(ordered.lines, start=1)

        def batches(importer: Importer) -> Iterator[_Batch | FormatError]:
            return importer.batches(importer._records(numbered))

    try:
        with tqdm(unit=" trees", desc=str(_("Importing")), disable=None if progress else True) as bar:
            return _import(
                batches,
                strict=strict,
                backlog=backlog,
                origin=origin or "",
                progress=bar,
                line_number=ordered.line_number,
            )
    finally:
        ordered.close()


def _import(
    batches: Callable[[Importer], Iterator[_Batch | FormatError]],
    *,
    strict: bool,
    backlog: bool,
    origin: str = "",
    progress: tqdm | None = None,
    line_number: Callable[[int], int] | None = None,
) -> ImportReport:
    first_load = _is_first_load()
    importer = Importer(
        strict=strict,
        backlog=backlog,
        report=ImportReport(),
        first_load=first_load,
        origin=origin,
        progress=progress,
        line_number=line_number,
    )
    # closing(): when the import fails, its reading (a helper thread or worker processes) stops at once.
    with no_cyclic_garbage_collection():
        if first_load:
            tables, tree_tables = imported_tables()
            try:
                with (
                    transaction.atomic(),
                    indexes_made_after(tables, keys_of=tree_tables),
                    closing(batches(importer)) as items,
                ):
                    return importer.run(items)
            except IntegrityError as exc:  # a key made after the rows found two rows alike
                raise ImportFailed(_("The rows could not be stored: %(error)s") % {"error": exc}) from exc
        with transaction.atomic() if strict else nullcontext(), closing(batches(importer)) as items:
            return importer.run(items)


def _chunks(lines: Iterable[str | bytes | Unreadable]) -> Iterator[list[NumberedLine]]:
    """The lines, numbered from 1, in chunks of about CHUNK_BYTES; an Unreadable, which ends them, in a chunk
    of its own."""
    chunk: list[NumberedLine] = []
    size = 0
    for numbered in enumerate(lines, start=1):
        if type(numbered[1]) is Unreadable:
            if chunk:
                yield chunk
            chunk, size = [], 0
        chunk.append(numbered)
        size += len(numbered[1])
        if size >= CHUNK_BYTES:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def _same_tree_run(parsed: list[ParsedLine]) -> int:
    """How many of the first parsed lines are flat lines of the tree of the first (0 if it is none)."""
    if not parsed or isinstance(parsed[0][1], FormatError):
        return 0
    tree_id = flat_tree_id(parsed[0][1])
    if tree_id is None or tree_id is NOT_FLAT:
        return 0
    run = 0
    for _line, obj in parsed:
        if isinstance(obj, FormatError) or flat_tree_id(obj) != tree_id:
            break
        run += 1
    return run


def _is_first_load() -> bool:
    return connection.vendor == "postgresql" and not MessageTree.objects.exists()


def import_file(
    path: str | Path,
    *,
    strict: bool = False,
    origin: str | None = None,
    backlog: bool = False,
    progress: bool = False,
) -> ImportReport:
    """Import a tree file or a flat message file (``.jsonl``, ``.jsonl.gz``, or ``.parquet`` in the Hugging
    Face layout); raises ImportFailed (strict) or InvalidInput (a file that cannot be opened). A file that
    fails part way is imported as far as it could be read, and the failure reported (``ImportReport.errors``)."""
    try:
        if str(path).endswith(".parquet"):
            rows = _parquet_lines(path)
            return import_lines(rows, strict=strict, origin=origin, backlog=backlog, progress=progress)
        with open_text(path, "rb") as lines:
            return import_lines(lines, strict=strict, origin=origin, backlog=backlog, progress=progress)
    except (OSError, EOFError) as exc:
        raise InvalidInput(_("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc}) from exc


PARQUET_BATCH_ROWS = 4096


def _parquet_lines(path: str | Path) -> Iterator[bytes]:
    """The rows of a Parquet file as flat lines (JSON), read a batch at a time. The file is opened at once, so
    that a file that cannot be opened fails here."""
    import pyarrow.parquet  # a large import, needed only here

    try:
        parquet = pyarrow.parquet.ParquetFile(path)
    except pyarrow.ArrowException as exc:  # not a Parquet file
        raise OSError(str(exc)) from exc

    def rows() -> Iterator[bytes]:
        try:
            for batch in parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS):
                for row in batch.to_pylist():
                    yield dumps(row).encode()
        finally:
            parquet.close()

    return rows()
