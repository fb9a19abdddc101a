"""Dataset round trip at scale: generate a tree file, import it, export it; times and peak memory.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/roundtrip.py [--trees 66497]

It (re)creates its own database (``oasst_bench_roundtrip`` by default) on the server of DATABASE_URL, migrates it,
and drops it at the end. Each step runs as its own ``manage.py`` process (start-up time included); the
peak memory of an export is the maximum resident size of that process. A second export of about half
the trees shows that the export's memory does not grow with the number of trees.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import environ
import psycopg

ROOT = Path(__file__).resolve().parent.parent
EVERYTHING = ["--state", "all", "--deleted", "include", "--rejected", "include", "--synthetic", "include"]
# Trees are spread over 65 days from 2023-02-05: up to 2023-03-09 is about half of them.
HALF = ["--to", "2023-03-09"]


def measure(command: list[str]) -> None:
    """Run in a process of its own: the command is its only child, so RUSAGE_CHILDREN is the command's."""
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({"seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024}))


def run_step(args: list[str], env: dict[str, str]) -> dict:
    command = [sys.executable, str(ROOT / "manage.py"), *args, "--skip-checks", "-v", "0"]
    result = subprocess.run(
        [sys.executable, __file__, "--measure", "--", *command], env=env, check=True, capture_output=True, text=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def count_lines(path: Path) -> int:
    with open(path, "rb") as handle:
        return sum(1 for _ in handle)


def recreate_database(server_url: str, name: str, *, drop_only: bool = False) -> None:
    config = environ.Env.db_url_config(server_url)
    with psycopg.connect(
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        dbname=config["NAME"] or "postgres",
        autocommit=True,
    ) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            connection.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--measure":
        measure(sys.argv[3:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trees", type=int, default=66_497)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", default="oasst_bench_roundtrip", help="database to create (dropped after)")
    options = parser.parse_args()

    server_url = os.environ.get("DATABASE_URL", "")
    if not server_url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/postgres")
    bench_url = server_url.rsplit("/", 1)[0] + f"/{options.database}"
    env = {**os.environ, "DATABASE_URL": bench_url, "DEBUG": "0", "SECRET_KEY": os.environ.get("SECRET_KEY", "bench")}

    recreate_database(server_url, options.database)
    try:
        subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "migrate", "-v", "0", "--skip-checks"], env=env, check=True
        )
        with tempfile.TemporaryDirectory() as tmp:
            source, out, half = Path(tmp) / "trees.jsonl", Path(tmp) / "export.jsonl", Path(tmp) / "half.jsonl"
            generated = run_step(
                ["generate_oasst", "--trees", str(options.trees), "--seed", str(options.seed), "--output", str(source)],
                env,
            )
            imported = run_step(["import_oasst", str(source)], env)
            exported = run_step(["export_oasst", str(out), "--flat", *EVERYTHING], env)
            messages = count_lines(out)
            exported_trees = run_step(["export_oasst", str(out), *EVERYTHING], env)
            trees = count_lines(out)
            half_export = run_step(["export_oasst", str(half), "--flat", *EVERYTHING, *HALF], env)
            half_messages = count_lines(half)
    finally:
        recreate_database(server_url, options.database, drop_only=True)

    print(f"trees: {trees}, messages: {messages} (seed {options.seed}); load average {os.getloadavg()[0]:.1f}")
    print("step                  wall s    messages/s   (process CPU s, messages per CPU s)")
    for name, step in (
        ("generate (to file)", generated),
        ("import", imported),
        ("export (flat)", exported),
        ("export (trees)", exported_trees),
    ):
        print(
            f"{name:<20} {step['seconds']:7.1f}  {messages / step['seconds']:11,.0f}"
            f"   ({step['cpu']:6.1f}, {messages / step['cpu']:9,.0f})"
        )
    print(f"export peak RSS:      {max(exported['peak_mb'], exported_trees['peak_mb']):7.1f} MB (all trees)")
    print(f"export peak RSS:      {half_export['peak_mb']:7.1f} MB ({half_messages} messages, about half)")


if __name__ == "__main__":
    main()
