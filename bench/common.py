"""What the in-process benchmarks share: their own PostgreSQL database holding the reference scale (SPEC 9),
and percentiles."""

import argparse
import time
from urllib.parse import urlparse

REFERENCE_TREES = 66_497  # the 2023 release


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database named in ``url`` if it does not exist."""
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin_url = parsed._replace(path="/postgres").geturl().replace("postgres://", "postgresql://", 1)
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def setup_django(url: str, **environment: str) -> None:
    """Django on the database ``url`` (created if it is PostgreSQL's and missing), as in production (``DEBUG``
    off), with any further ``environment`` variables set before the settings are read."""
    import os

    if url.startswith(("postgres://", "postgresql://")):
        ensure_database(url)
    os.environ.update({"DATABASE_URL": url, "DEBUG": "0", **environment})
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
    # Not a line per rendered page in the figures' output.
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oasst.settings")
    import django

    django.setup()


def add_reference_arguments(parser: argparse.ArgumentParser, *, database_url: str) -> None:
    """--database-url, --skip-generate and --trees: where the reference-scale trees are, or are to be generated."""
    parser.add_argument("--database-url", default=database_url, help="created if missing (PostgreSQL)")
    parser.add_argument("--skip-generate", action="store_true", help="use the data already in the database")
    parser.add_argument(
        "--trees", type=int, default=REFERENCE_TREES, help="trees to generate (the 2023 release: 66497)"
    )


def ensure_reference_trees(args: argparse.Namespace) -> int:
    """Migrate the database set up by ``setup_django`` and, unless --skip-generate or it holds trees already,
    fill it with ``generate_oasst --trees N --seed 1``, vacuumed and analysed as autovacuum would leave it.
    Returns the number of trees it holds."""
    from django.core.management import call_command
    from django.db import connection

    from annotation.models import MessageTree

    call_command("migrate", verbosity=0)
    trees = MessageTree.objects.count()
    if not args.skip_generate and trees == 0:
        print(f"Generating {args.trees} trees (seed 1)...", flush=True)
        started = time.perf_counter()
        call_command("generate_oasst", trees=args.trees, seed=1, verbosity=0)
        connection.cursor().execute("VACUUM (ANALYZE)")
        print(f"  done in {time.perf_counter() - started:.0f} s", flush=True)
        trees = MessageTree.objects.count()
    return trees
