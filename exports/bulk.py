"""Fast inserts of many rows with a fixed column list: COPY on PostgreSQL, executemany elsewhere.

Rows are tuples of Python values in the order of the given fields (UUIDs or their text, aware datetimes, dicts and
lists for JSON fields). The model's other concrete fields get their defaults; auto ids are left to the
database. Nothing here runs model ``save()`` or signals, and ``auto_now_add`` fields must be given.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection, models

from exports.jsoncodec import dumps

EMPTY_JSON = {dict: "{}", list: "[]"}


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
        all_fields = self.fields + self.default_fields
        self.json_positions = [i for i, field in enumerate(all_fields) if isinstance(field, models.JSONField)]
        self.columns = ", ".join(connection.ops.quote_name(field.column) for field in all_fields)

    def write(self, rows: Sequence[tuple]) -> None:
        if not rows:
            return
        if connection.vendor == "postgresql":
            self._copy(rows)
        else:
            self._insert(rows)

    def _copy(self, rows: Sequence[tuple]) -> None:
        defaults = self.defaults
        positions = self.json_positions
        sql = f"COPY {connection.ops.quote_name(self.table)} ({self.columns}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            write_row = copy.write_row
            for row in rows:
                values = list(row + defaults) if positions else row + defaults
                for i in positions:
                    values[i] = dumps(values[i]) if values[i] else EMPTY_JSON[type(values[i])]
                write_row(values)

    def _insert(self, rows: Sequence[tuple]) -> None:
        all_fields = self.fields + self.default_fields
        placeholders = ", ".join(["%s"] * len(all_fields))
        preps = [field.get_db_prep_save for field in all_fields]
        prepared = [
            [prep(value, connection) for prep, value in zip(preps, row + self.defaults, strict=True)] for row in rows
        ]
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {connection.ops.quote_name(self.table)} ({self.columns}) VALUES ({placeholders})",
                prepared,
            )


def secondary_structures(cursor: Any, tables: Sequence[str]) -> tuple[list[str], list[str]]:
    """Statements dropping the tables' plain indexes and foreign keys, and statements making them again
    (PostgreSQL; ``cursor`` a Django or psycopg cursor). Primary keys and unique constraints are kept."""
    cursor.execute(
        """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
           WHERE i.indrelid::regclass::text = ANY(%s) AND NOT i.indisprimary
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)""",
        [list(tables)],
    )
    indexes = cursor.fetchall()
    cursor.execute(
        """SELECT conrelid::regclass::text, quote_ident(conname), pg_get_constraintdef(oid) FROM pg_constraint
           WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)""",
        [list(tables)],
    )
    foreign_keys = cursor.fetchall()
    drop = [f"ALTER TABLE {table} DROP CONSTRAINT {name}" for table, name, _ in foreign_keys]
    drop += [f"DROP INDEX {name}" for name, _ in indexes]
    make = [definition for _, definition in indexes]
    make += [f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}" for table, name, definition in foreign_keys]
    return drop, make


@contextmanager
def indexes_made_after(tables: Sequence[str]) -> Iterator[None]:
    """Load the tables without their plain indexes and foreign keys, made again on leaving (PostgreSQL).

    pg_restore's order: storing rows and then building an index in one sort, and checking a foreign key
    in one join, costs PostgreSQL about 40% of keeping them up to date row by row. Run it inside a
    transaction: the tables stay locked until it ends, and on an error everything is as it was. Primary
    keys and unique constraints stay, so duplicates are still refused as the rows come.
    """
    with connection.cursor() as cursor:
        drop, make = secondary_structures(cursor, tables)
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
