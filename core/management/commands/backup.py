"""``manage.py backup FILE``: the database to a file (core.backup; README, "Backups")."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from core.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back the database up to FILE: pg_dump's custom format on PostgreSQL (taken while the site runs), "
        "SQLite's online backup on SQLite. Export files and media are not in it: back them up as files."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--database", default="default", help="the DATABASES alias (default: default)")
        parser.add_argument("--bin-dir", help="folder of pg_dump, if not the one on PATH (its version >= the server's)")

    def handle(self, *args, file: Path, database: str, bin_dir: str | None, **options):
        try:
            backup(database=connections[database].settings_dict, path=file, bin_dir=bin_dir)
        except BackupError as error:
            raise CommandError(str(error)) from error
        if options["verbosity"]:
            self.stdout.write(f"Backed up to {file} ({file.stat().st_size} bytes).")
