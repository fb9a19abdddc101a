"""manage.py backup / restore: a PostgreSQL database backed up while it holds trees of every state, restored into a
new database, gives the same full-fidelity export byte for byte and the same rows in every table."""

import sqlite3
from contextlib import contextmanager

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection, connections

from annotation.models import Message, Report, TreeState
from core.backup import BackupError, backup, restore
from moderation.models import ModerationAction
from tests.factories import ModerationActionFactory, UserFactory


def _connect(database: dict, name: str) -> psycopg.Connection:
    params = {"host": database["HOST"] or "127.0.0.1", "port": database["PORT"] or 5432, "user": database["USER"]}
    if database.get("PASSWORD"):
        params["password"] = database["PASSWORD"]
    return psycopg.connect(**params, dbname=name, autocommit=True)


def _row_counts(database: dict, name: str) -> dict[str, int]:
    with _connect(database, name) as db:
        tables = [row[0] for row in db.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        return {table: db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}


@pytest.fixture
def fresh_database():
    """An empty database beside the test database, dropped afterwards."""
    database = connection.settings_dict
    name = f"{database['NAME']}_restored"
    with _connect(database, "postgres") as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    yield name
    with _connect(database, "postgres") as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _fill() -> None:
    """The demo's trees (every state, reviews, rankings, reactions), a red flag, a hidden reply, a moderator's
    action."""
    call_command("load_demo", verbosity=0)
    assert {TreeState.GROWING, TreeState.RANKING, TreeState.READY_FOR_EXPORT} <= set(
        Message.objects.values_list("tree__state", flat=True)
    )
    reply = Message.objects.filter(parent__isnull=False, deleted=False).order_by("created_at").first()
    Report.objects.create(message=reply, user=UserFactory(), report_type="red_flag", reason="rude")
    Message.objects.filter(pk=reply.pk).update(deleted=True)
    ModerationActionFactory(kind=ModerationAction.Kind.HALT_TREE, details={"tree_id": str(reply.tree_id)})


@contextmanager
def _database_named(name: str):
    """The default connection, and the connections the export's reading threads open, on database ``name``."""
    database = connection.settings_dict
    original = database["NAME"]
    connections.close_all()
    database["NAME"] = name
    try:
        yield
    finally:
        connections.close_all()
        database["NAME"] = original


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # pg_dump sees only what is committed
def test_a_restored_backup_exports_the_same_bytes(tmp_path, fresh_database):
    _fill()
    database = connection.settings_dict
    backup_file = tmp_path / "oasst.dump"

    call_command("backup", str(backup_file), verbosity=0)
    call_command("export_oasst", str(tmp_path / "original.jsonl"), backup=True, events=True, verbosity=0)
    with _database_named(fresh_database):
        call_command("restore", str(backup_file), verbosity=0)
        call_command("export_oasst", str(tmp_path / "restored.jsonl"), backup=True, events=True, verbosity=0)

    original = (tmp_path / "original.jsonl").read_bytes()
    assert original and original == (tmp_path / "restored.jsonl").read_bytes()
    counts = _row_counts(database, database["NAME"])
    assert counts["annotation_report"] >= 1 and counts["moderation_moderationaction"] >= 1
    assert _row_counts(database, fresh_database) == counts


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_restore_into_a_database_that_is_not_empty_is_refused(tmp_path, fresh_database):
    backup_file = tmp_path / "oasst.dump"
    call_command("backup", str(backup_file), verbosity=0)
    database = connection.settings_dict
    with _connect(database, fresh_database) as db:
        db.execute("CREATE TABLE keep_me (id int)")

    with pytest.raises(BackupError, match="not empty"):
        restore(database={**database, "NAME": fresh_database}, path=backup_file)

    assert _row_counts(database, fresh_database) == {"keep_me": 0}


def test_sqlite_is_backed_up_and_restored_with_its_online_backup(tmp_path):
    engine = "django_prometheus.db.backends.sqlite3"
    source, copy, target = (tmp_path / name for name in ("site.sqlite3", "backup.sqlite3", "new.sqlite3"))
    with sqlite3.connect(source) as db:
        db.execute("CREATE TABLE tree (id integer primary key, state text)")
        db.execute("INSERT INTO tree (state) VALUES ('growing'), ('ranking')")
    db.close()

    backup(database={"ENGINE": engine, "NAME": str(source)}, path=copy)
    restore(database={"ENGINE": engine, "NAME": str(target)}, path=copy)
    with pytest.raises(BackupError, match="not empty"):
        restore(database={"ENGINE": engine, "NAME": str(target)}, path=copy)

    with sqlite3.connect(target) as db:
        assert db.execute("SELECT state FROM tree ORDER BY id").fetchall() == [("growing",), ("ranking",)]
    db.close()
