"""Import of oasst1 files (trees or flat messages, ``.jsonl`` or ``.jsonl.gz``) in one streaming pass.

Lines are read into ``TreeRecord``s (exports.oasst_format) and written in batches with bulk inserts.
A tree is all or nothing: a malformed line is reported with its line number and its tree skipped; with
``strict`` the first error aborts the whole import, which runs in one transaction. Trees already in
the database are skipped and counted. Authors and event users we do not know become placeholder users
(the user id kept, an unusable password, ``is_placeholder`` set).

The first import into a PostgreSQL database without trees (loading a release into a new platform) runs in
one transaction with the tables' plain indexes and foreign keys made after the rows (exports.bulk):
PostgreSQL's share of the work falls to about 40% (bench/roundtrip.py). The tables are locked until it ends.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from tqdm import tqdm

from accounts.models import User
from annotation.errors import InvalidInput
from annotation.models import EmojiReaction, Message, MessageTree, Ranking, Report, Review, ToxicityScore, TreeState
from annotation.services.tree_lifecycle import tree_limits
from exports.bulk import RowWriter, indexes_made_after
from exports.files import open_text
from exports.memory import rare_garbage_collection
from exports.oasst_format import FormatError, TreeRecord, iter_records

BATCH_MESSAGES = 5000
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


@dataclass(frozen=True)
class LineError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class ImportReport:
    trees: int = 0
    messages: int = 0
    users_created: int = 0
    # Trees that were already in the database (or twice in the file), left as they were.
    existing_trees: list[str] = field(default_factory=list)
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
        self.users = RowWriter(User, ("id", "username", "password", "is_placeholder", "date_joined"))

    def tables(self) -> list[str]:
        return [writer.table for writer in vars(self).values() if isinstance(writer, RowWriter)]


class Importer:
    """Writes records in batches. ``known_users`` grows with the users seen, not with the trees."""

    def __init__(self, *, strict: bool, backlog: bool, report: ImportReport) -> None:
        self.strict = strict
        self.backlog = backlog
        self.report = report
        self.known_users: set[str] = set()
        self.limits = tree_limits()
        self.writers = _Writers(timezone.now())

    def run(self, records: Iterable[TreeRecord | FormatError]) -> ImportReport:
        batch: list[TreeRecord] = []
        size = 0
        for record in records:
            if isinstance(record, FormatError):
                self._fail(record.line, str(record))
                continue
            batch.append(record)
            size += len(record.messages)
            if size >= BATCH_MESSAGES:
                self._flush(batch)
                batch, size = [], 0
        self._flush(batch)
        if self.report.messages >= ANALYZE_AFTER_MESSAGES:
            self._refresh_statistics()
        return self.report

    def _refresh_statistics(self) -> None:
        """Let PostgreSQL plan with the new rows in mind at once, not after autovacuum's next round:
        an export or a task hand-out right after a large import would otherwise pick slow plans."""
        if connection.vendor != "postgresql":
            return
        tables = ", ".join(connection.ops.quote_name(table) for table in self.writers.tables())
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {tables}")

    def _fail(self, line: int, message: str) -> None:
        if self.strict:
            raise ImportFailed(_("line %(line)s: %(message)s") % {"line": line, "message": message}, line=line)
        self.report.errors.append(LineError(line, message))

    def _flush(self, batch: list[TreeRecord]) -> None:
        if not batch:
            return
        if self.strict:
            try:
                written = self._write(batch)
            except DatabaseError as exc:
                self._fail(
                    batch[0].line, f"the trees of lines {batch[0].line}-{batch[-1].line} could not be stored: {exc}"
                )
            self._commit(*written)
            return
        try:
            with transaction.atomic():
                written = self._write(batch)
        except DatabaseError:
            # Find the tree at fault: each one again on its own.
            for record in batch:
                try:
                    with transaction.atomic():
                        written = self._write([record])
                except DatabaseError as exc:
                    self._fail(record.line, f"tree {record.id} could not be stored: {exc}".strip())
                    continue
                self._commit(*written)
            return
        self._commit(*written)

    def _commit(self, records: list[TreeRecord], users: set[str]) -> None:
        self.known_users |= users
        self.report.users_created += len(users)
        self.report.trees += len(records)
        self.report.messages += sum(len(record.messages) for record in records)

    def _write(self, batch: list[TreeRecord]) -> tuple[list[TreeRecord], set[str]]:
        """Insert the trees of the batch not stored yet; returns them and the placeholder users created."""
        batch = self._new_trees(batch)
        w = self.writers
        trees = [
            (r.id, self._state(r.state), r.lang, r.origin, r.created_at, w.now, *self._limits(r).values())
            for r in batch
        ]
        w.trees.write(trees)
        users = self._create_placeholders(set().union(*(r.user_ids for r in batch)) - self.known_users)
        for name in ("messages", "rankings", "reactions", "reports", "toxicity", "reviews"):
            getattr(w, name).write([row for r in batch for row in getattr(r, name)])
        return batch, users

    def _limits(self, record: TreeRecord) -> dict[str, int]:
        """The tree's limits (MessageTree fields). A finished tree is complete as it is: its goal is the
        size it has, so it never goes back to growing for holding fewer replies than this platform's goal."""
        if record.state not in FINISHED_STATES:
            return self.limits
        accepted = sum(1 for row in record.messages if row[ACCEPTED] and not row[DELETED])
        return {**self.limits, "goal_tree_size": min(self.limits["goal_tree_size"], accepted)}

    def _state(self, state: str) -> str:
        return TreeState.BACKLOG_RANKING if self.backlog and state in FINISHED_STATES else state

    def _new_trees(self, batch: list[TreeRecord]) -> list[TreeRecord]:
        """Drop trees already stored (reported, not errors) and trees with a message stored elsewhere."""
        stored_trees = _stored(MessageTree, [r.id for r in batch])
        stored_messages = _stored(Message, [message_id for r in batch for message_id in r.message_ids])
        kept, seen_trees, seen_messages = [], set(), set()
        for record in batch:
            if record.id in stored_trees or record.id in seen_trees:
                self.report.existing_trees.append(str(record.id))
                continue
            ids = record.message_ids
            clash = next((i for i in ids if i in stored_messages or i in seen_messages), None)
            if clash is not None:
                self._fail(record.lines.get(str(clash), record.line), f"message {clash} is already stored")
                continue
            seen_trees.add(record.id)
            seen_messages.update(ids)
            kept.append(record)
        return kept

    def _create_placeholders(self, user_ids: set[str]) -> set[str]:
        if not user_ids:
            return set()
        missing = user_ids - _stored(User, list(user_ids))
        now = self.writers.now
        password = make_password(None)
        rows = [(i, f"imported-{i.replace('-', '')}", password, True, now) for i in sorted(missing)]
        self.writers.users.write(rows)
        return missing


def _stored(model: type[models.Model], ids: list[str]) -> set[str]:
    """Those of the ids already in the model's table."""
    if not ids:
        return set()
    if connection.vendor != "postgresql":
        return {str(i) for i in model.objects.filter(id__in=ids).values_list("id", flat=True)}
    # One array parameter instead of thousands of placeholders, which cost more to build than to run.
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id::text FROM {table} WHERE id = ANY(%s::uuid[])", [ids])
        return {row[0] for row in cursor.fetchall()}


def import_records(
    records: Iterable[TreeRecord | FormatError], *, strict: bool = False, backlog: bool = False
) -> ImportReport:
    """Write records (from a file or the generator): in one transaction with ``strict`` or into a database
    without trees (then with indexes and foreign keys made after the rows), else a transaction per batch."""
    importer = Importer(strict=strict, backlog=backlog, report=ImportReport())
    with rare_garbage_collection():
        if _is_first_load():
            with transaction.atomic(), indexes_made_after(importer.writers.tables()):
                return importer.run(records)
        with transaction.atomic() if strict else nullcontext():
            return importer.run(records)


def _is_first_load() -> bool:
    return connection.vendor == "postgresql" and not MessageTree.objects.exists()


def import_lines(
    lines: Iterable[str | bytes],
    *,
    strict: bool = False,
    origin: str | None = None,
    backlog: bool = False,
    progress: bool = False,
) -> ImportReport:
    records: Iterator[TreeRecord | FormatError] = iter_records(lines, origin=origin or "")
    if progress:
        records = tqdm(records, unit=" trees", desc=str(_("Importing")), disable=None)
    return import_records(records, strict=strict, backlog=backlog)


def import_file(
    path: str | Path,
    *,
    strict: bool = False,
    origin: str | None = None,
    backlog: bool = False,
    progress: bool = False,
) -> ImportReport:
    """Import a tree file or a flat message file; raises ImportFailed (strict) or InvalidInput (no file)."""
    try:
        with open_text(path, "rb") as lines:
            return import_lines(lines, strict=strict, origin=origin, backlog=backlog, progress=progress)
    except (OSError, EOFError) as exc:
        raise InvalidInput(_("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc}) from exc
