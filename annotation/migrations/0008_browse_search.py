"""Full-text search of messages on PostgreSQL: a stored tsvector column in the message's language and its GIN index.

The column is not a model field (SQLite, the development database, has no tsvector); the browse selector reads it
by name. Languages map to the configurations this server has (``annotation.search_config``), 'simple' otherwise.
"""

from django.db import migrations

from annotation.search_config import CONFIG_FUNCTION, SEARCH_CONFIGS, SIMPLE


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT cfgname FROM pg_ts_config")
        available = {row[0] for row in cursor.fetchall()}
    branches = " ".join(
        f"WHEN '{lang}' THEN '{config}'::regconfig"
        for lang, config in sorted(SEARCH_CONFIGS.items())
        if config in available
    )
    schema_editor.execute(
        f"CREATE OR REPLACE FUNCTION {CONFIG_FUNCTION}(lang text) RETURNS regconfig "
        "LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ "
        f"SELECT CASE lower(split_part(lang, '-', 1)) {branches} ELSE '{SIMPLE}'::regconfig END $$"
    )
    schema_editor.execute(
        "ALTER TABLE annotation_message ADD COLUMN search_vector tsvector "
        f"GENERATED ALWAYS AS (to_tsvector({CONFIG_FUNCTION}(lang), text)) STORED"
    )
    schema_editor.execute("CREATE INDEX message_search_vector_idx ON annotation_message USING gin (search_vector)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE annotation_message DROP COLUMN IF EXISTS search_vector")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {CONFIG_FUNCTION}(text)")


class Migration(migrations.Migration):
    dependencies = [("annotation", "0007_demo_task_intro")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
