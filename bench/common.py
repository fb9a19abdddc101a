"""What the in-process benchmarks share: their own PostgreSQL database, and percentiles."""

from urllib.parse import urlparse


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
