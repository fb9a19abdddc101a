"""No planner statistics for the JSON columns (PostgreSQL).

No query filters, joins or sorts on them, so their statistics would never be used; gathering them was most
of the cost of analyzing these tables: 0.56 of 0.9 s after loading the reference data, and as much again in
each of autovacuum's analyses.
"""

from django.db import migrations

JSON_COLUMNS = {
    "annotation_message": ("labels", "emojis", "extra"),
    "annotation_ranking": ("ranked_message_ids", "ranking"),
    "annotation_toxicityscore": ("scores",),
    "annotation_review": ("values",),
}


def _set_statistics(target: int):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        quote = schema_editor.quote_name
        for table, columns in JSON_COLUMNS.items():
            alterations = ", ".join(f"ALTER COLUMN {quote(column)} SET STATISTICS {target}" for column in columns)
            schema_editor.execute(f"ALTER TABLE {quote(table)} {alterations}")

    return run


class Migration(migrations.Migration):
    dependencies = [("annotation", "0004_drop_redundant_indexes")]

    operations = [migrations.RunPython(_set_statistics(0), _set_statistics(-1))]
