"""Fast inserts of many rows with a fixed column list: COPY on PostgreSQL, executemany elsewhere.

Rows are tuples of Python values in the order of the given fields (UUIDs or their text, aware datetimes, dicts and
lists for JSON fields). The model's other concrete fields get their defaults; auto ids are left to the
database. Nothing here runs model ``save()`` or signals, and ``auto_now_add`` fields must be given.
"""

from collections.abc import Sequence

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
