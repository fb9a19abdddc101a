"""``manage.py restore FILE``: a backup of ``manage.py backup`` into the database (core.backup; README, "Backups")."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from core.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into the database, which must be empty (a new database) "
        "unless --clean is given. On PostgreSQL it is one transaction: a restore that fails changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--database", default="default", help="the DATABASES alias (default: default)")
        parser.add_argument("--clean", action="store_true", help="drop what the database holds first")
        parser.add_argument("--bin-dir", help="folder of pg_restore, if not the one on PATH")

    def handle(self, *args, file: Path, database: str, clean: bool, bin_dir: str | None, **options):
        connection = connections[database]
        connection.close()  # no session of this process holds a table the restore replaces
        try:
            restore(database=connection.settings_dict, path=file, clean=clean, bin_dir=bin_dir)
        except BackupError as error:
            raise CommandError(str(error)) from error
        if options["verbosity"]:
            self.stdout.write(f"Restored {file}.")
