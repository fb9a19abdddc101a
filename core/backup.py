"""Backing up and restoring the database (``manage.py backup`` / ``manage.py restore``; README, "Backups").

PostgreSQL: ``pg_dump``'s custom format (compressed, one consistent snapshot, taken while the site runs) and
``pg_restore`` in one transaction, so that a restore that fails leaves the database as it was. SQLite: SQLite's
online backup, a copy of the file as of one moment. Export files (``EXPORTS_ROOT`` or the bucket) and ``MEDIA_ROOT``
are not in the database: they are backed up as files.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path


class BackupError(Exception):
    pass


def _vendor(database: dict) -> str:
    engine = database["ENGINE"].rsplit(".", 1)[-1]
    if engine not in ("postgresql", "sqlite3"):
        raise BackupError(f"no backup for the database engine {database['ENGINE']}")
    return engine


def _pg_env(database: dict) -> dict[str, str]:
    """libpq's environment for the database's settings (a password never goes on a command line)."""
    env = dict(os.environ)
    options = database.get("OPTIONS") or {}
    for key, name in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if database.get(key):
            env[name] = str(database[key])
    if options.get("sslmode"):
        env["PGSSLMODE"] = options["sslmode"]
    env["PGDATABASE"] = database["NAME"]
    return env


def _tool(name: str, bin_dir: str | None) -> str:
    path = shutil.which(name, path=bin_dir) if bin_dir else shutil.which(name)
    if path is None:
        raise BackupError(f"{name} not found{f' in {bin_dir}' if bin_dir else ''}: install the PostgreSQL client")
    return path


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip()[-2000:]}")


def backup(*, database: dict, path: Path, bin_dir: str | None = None) -> None:
    """Writes a backup of ``database`` (a ``DATABASES`` entry) to ``path``."""
    if _vendor(database) == "postgresql":
        command = [_tool("pg_dump", bin_dir), "--format=custom", "--no-owner", "--no-privileges", f"--file={path}"]
        _run(command, _pg_env(database))
        return
    with sqlite3.connect(database["NAME"]) as source, sqlite3.connect(path) as target:
        source.backup(target)
    target.close()
    source.close()


def has_tables(database: dict) -> bool:
    if _vendor(database) == "postgresql":
        import psycopg

        keys = {"host": "HOST", "port": "PORT", "user": "USER", "password": "PASSWORD", "dbname": "NAME"}
        params = {param: str(database[key]) for param, key in keys.items() if database.get(key)}
        with psycopg.connect(**params, **(database.get("OPTIONS") or {})) as connection:
            query = "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
            return connection.execute(query).fetchone()[0] > 0
    if not Path(database["NAME"]).exists():
        return False
    with sqlite3.connect(database["NAME"]) as connection:
        found = connection.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0] > 0
    connection.close()
    return found


def restore(*, database: dict, path: Path, clean: bool = False, bin_dir: str | None = None) -> None:
    """Restores the backup at ``path`` into ``database``, which must be empty unless ``clean`` (then what it holds
    is dropped first)."""
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    if not clean and has_tables(database):
        raise BackupError("the database is not empty: restore into a new database, or pass --clean to replace it")
    if _vendor(database) == "postgresql":
        command = [_tool("pg_restore", bin_dir), "--no-owner", "--no-privileges", "--exit-on-error"]
        command += ["--single-transaction", *(["--clean", "--if-exists"] if clean else [])]
        command += [f"--dbname={database['NAME']}", str(path)]
        _run(command, _pg_env(database))
        return
    with sqlite3.connect(path) as source, sqlite3.connect(database["NAME"]) as target:
        source.backup(target)
    target.close()
    source.close()
