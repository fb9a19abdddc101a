"""Fast inserts of many rows with a fixed column list: COPY on PostgreSQL, executemany elsewhere.

Rows are tuples of Python values in the order of the given fields (UUIDs or their text, aware datetimes, dicts and
lists for JSON fields). The model's other concrete fields get their defaults; auto ids are left to the
database. Nothing here runs model ``save()`` or signals, and ``auto_now_add`` fields must be given.

For COPY the rows are first encoded into COPY's text format (``RowWriter.encode``), column by column with
the string methods of Python itself, which is quicker than handing psycopg one row at a time. It needs no
database connection, so an import encodes its next batch in another thread (services.importing).
"""

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection, models

from exports.jsoncodec import dumps

EMPTY_JSON = {dict: "{}", list: "[]"}
NULL = "\\N"


def _escaped(text: str) -> str:
    """Text as a COPY text-format field: backslash, tab, newline and carriage return escaped."""
    if "\\" in text:
        text = text.replace("\\", "\\\\")
    if "\t" in text:
        text = text.replace("\t", "\\t")
    if "\n" in text:
        text = text.replace("\n", "\\n")
    if "\r" in text:
        text = text.replace("\r", "\\r")
    return text


_SPECIAL = re.compile(r"[\\\t\n\r]")


def _text_column(values: Sequence[Any]) -> list[str]:
    return [NULL if value is None else _escaped(value) for value in values]


def _short_text_column(values: Sequence[Any]) -> Sequence[str]:
    """Names, codes and such, where there is seldom anything to escape: one look at them all."""
    if None not in values and not _SPECIAL.search("".join(values)):
        return values
    return _text_column(values)


def _plain_column(values: Sequence[Any]) -> list[str]:
    """Values whose text needs no escaping: UUIDs, numbers, datetimes (as ISO 8601) or their text."""
    return [NULL if value is None else str(value) for value in values]


_BOOLEANS = {True: "t", False: "f", None: NULL}


def _bool_column(values: Sequence[Any]) -> list[str]:
    return list(map(_BOOLEANS.__getitem__, values))


def _json_column(values: Sequence[Any]) -> list[str]:
    # JSON text holds no raw control characters (they are escaped inside strings): only backslashes double.
    return [
        NULL if value is None else dumps(value).replace("\\", "\\\\") if value else EMPTY_JSON[type(value)]
        for value in values
    ]


def _column_encoder(field: models.Field) -> Callable[[Sequence[Any]], Sequence[str]]:
    if isinstance(field, models.JSONField):
        return _json_column
    if isinstance(field, models.BooleanField):
        return _bool_column
    if isinstance(field, (models.CharField, models.GenericIPAddressField)):
        return _short_text_column
    if isinstance(field, models.TextField):
        return _text_column
    if isinstance(field, (models.UUIDField, models.ForeignKey, models.IntegerField, models.DateTimeField)):
        return _plain_column
    raise TypeError(f"{field} has no COPY encoding")


class RowWriter:
    def __init__(self, model: type[models.Model], field_names: Sequence[str]) -> None:
        meta = model._meta
        self.table = meta.db_table
        self.fields = [meta.get_field(name) for name in field_names]
        given = {field.name for field in self.fields}
        self.default_fields = [
            field
            for field in meta.concrete_fields
            if field.name not in given and not isinstance(field, models.AutoField)
        ]
        self.defaults = tuple(field.get_default() for field in self.default_fields)
        self.all_fields = self.fields + self.default_fields
        self.column_encoders = [_column_encoder(field) for field in self.fields]
        # The default columns end every line in the same way.
        defaults = zip(self.default_fields, self.defaults, strict=True)
        self.line_end = "".join("\t" + _column_encoder(field)([value])[0] for field, value in defaults) + "\n"
        self.columns = ", ".join(connection.ops.quote_name(field.column) for field in self.all_fields)

    def write(self, rows: Sequence[tuple]) -> None:
        if not rows:
            return
        if connection.vendor == "postgresql":
            self.copy(self.encode(rows))
        else:
            self._insert(rows)

    def encode(self, rows: Sequence[tuple]) -> bytes:
        """The rows in COPY's text format, ready for ``copy`` (no database needed)."""
        if not rows:
            return b""
        columns = [encode(values) for encode, values in zip(self.column_encoders, zip(*rows, strict=True), strict=True)]
        # Each line encoded on its own: joining them as text first would widen every line to the widest
        # character of the batch (an emoji makes it four bytes a character), which is much slower.
        line_end = self.line_end.encode()
        return line_end.join(map(str.encode, map("\t".join, zip(*columns, strict=True)))) + line_end

    def copy(self, data: bytes) -> None:
        """Store rows encoded by ``encode`` (PostgreSQL)."""
        if not data:
            return
        sql = f"COPY {connection.ops.quote_name(self.table)} ({self.columns}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            copy.write(data)

    def _insert(self, rows: Sequence[tuple]) -> None:
        placeholders = ", ".join(["%s"] * len(self.all_fields))
        preps = [field.get_db_prep_save for field in self.all_fields]
        prepared = [
            [prep(value, connection) for prep, value in zip(preps, row + self.defaults, strict=True)] for row in rows
        ]
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {connection.ops.quote_name(self.table)} ({self.columns}) VALUES ({placeholders})",
                prepared,
            )


def secondary_structures(
    cursor: Any, tables: Sequence[str], *, keys_of: Sequence[str] = ()
) -> tuple[list[str], list[str]]:
    """Statements dropping the tables' plain indexes and foreign keys, and statements making them again
    (PostgreSQL; ``cursor`` a Django or psycopg cursor). Primary keys and unique constraints are kept,
    except those of the tables ``keys_of``, which go too, with the foreign keys of any table that point
    to them."""
    cursor.execute(
        """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
           WHERE i.indrelid::regclass::text = ANY(%s) AND NOT i.indisprimary
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)""",
        [list(tables)],
    )
    indexes = cursor.fetchall()
    cursor.execute(
        """SELECT conrelid::regclass::text, quote_ident(conname), pg_get_constraintdef(oid) FROM pg_constraint
           WHERE contype IN ('p', 'u') AND conrelid::regclass::text = ANY(%s)""",
        [list(keys_of)],
    )
    keys = cursor.fetchall()
    cursor.execute(
        """SELECT conrelid::regclass::text, quote_ident(conname), pg_get_constraintdef(oid) FROM pg_constraint
           WHERE contype = 'f' AND (conrelid::regclass::text = ANY(%s) OR confrelid::regclass::text = ANY(%s))""",
        [list(tables), list(keys_of)],
    )
    foreign_keys = cursor.fetchall()
    drop = [f"ALTER TABLE {table} DROP CONSTRAINT {name}" for table, name, _ in foreign_keys + keys]
    drop += [f"DROP INDEX {name}" for name, _ in indexes]
    make = [definition for _, definition in indexes]
    make += [
        f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}" for table, name, definition in keys + foreign_keys
    ]
    return drop, make


@contextmanager
def indexes_made_after(tables: Sequence[str], *, keys_of: Sequence[str] = ()) -> Iterator[None]:
    """Load the tables without their plain indexes and foreign keys, made again on leaving (PostgreSQL).

    pg_restore's order: storing rows and then building an index in one sort, and checking a foreign key
    in one join, costs PostgreSQL far less than keeping them up to date row by row. Run it inside a
    transaction: the tables stay locked until it ends, and on an error everything is as it was. Primary
    keys and unique constraints stay, so duplicates are still refused as the rows come, except those of
    the tables ``keys_of`` (for tables that were empty, whose rows the caller knows to be unique: building
    those keys afterwards saves PostgreSQL much of its loading work too).
    """
    with connection.cursor() as cursor:
        drop, make = secondary_structures(cursor, tables, keys_of=keys_of)
        _check_deferred_constraints(cursor)
        for statement in drop:
            cursor.execute(statement)
    yield
    with connection.cursor() as cursor:
        _check_deferred_constraints(cursor)
        for statement in make:
            cursor.execute(statement)


def _check_deferred_constraints(cursor: Any) -> None:
    """Run the checks deferred so far (a table with checks pending cannot be altered), then defer again."""
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
