"""Dataset round trip at scale: generate a tree file, import it, export it; times and peak memory.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/roundtrip.py [--trees 66497]

It (re)creates its own database (``oasst_bench_roundtrip`` by default) on the server of DATABASE_URL, migrates it,
and drops it at the end. Each step runs as its own ``manage.py`` process (start-up time included); the
peak memory of an export is the maximum resident size of that process. A second export of about half
the trees shows that the export's memory does not grow with the number of trees.

It then measures what no importer can beat on this machine: PostgreSQL storing the very rows of the
import, read back into files beforehand, with no client work at all (COPY of those files, once into the
schema as it is, once pg_restore-style with indexes and foreign keys made afterwards), and the time it
takes only to parse the file's JSON. Their sum spread over all CPUs is a lower bound on the import's time.
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
import orjson
import psutil
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from exports.bulk import secondary_structures  # noqa: E402 (the project is on the path from here on)

EVERYTHING = ["--state", "all", "--deleted", "include", "--rejected", "include", "--synthetic", "include", "--events"]
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


def connect(url: str, *, autocommit: bool = False) -> psycopg.Connection:
    config = environ.Env.db_url_config(url)
    return psycopg.connect(
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        dbname=config["NAME"] or "postgres",
        autocommit=autocommit,
    )


def database_url(server_url: str, name: str) -> str:
    """The URL of database ``name`` on the server of ``server_url``."""
    return server_url.rsplit("/", 1)[0] + f"/{name}"


def recreate_database(server_url: str, name: str, *, drop_only: bool = False, template: str | None = None) -> None:
    with connect(server_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            connection.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))


def backend_cpu(connection: psycopg.Connection) -> float:
    """CPU seconds used so far by the connection's server process (NaN when the server is not local)."""
    try:
        times = psutil.Process(connection.info.backend_pid).cpu_times()
    except psutil.Error:
        return float("nan")
    return times.user + times.system


def importer_tables(env: dict[str, str]) -> tuple[list[str], list[str]]:
    """The tables an import writes, and those of them whose keys a first load makes after the rows, as the
    importer itself lists them (exports.services.importing.imported_tables)."""
    os.environ.update({key: env[key] for key in ("DATABASE_URL", "DEBUG", "SECRET_KEY")})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oasst.settings")
    import django

    django.setup()
    from exports.services.importing import imported_tables

    return imported_tables()


def dump_tables(url: str, directory: Path, tables: list[str]) -> None:
    with connect(url) as connection:
        for table in tables:
            with (
                open(directory / table, "wb") as out,
                connection.cursor().copy(f'COPY "{table}" TO STDOUT (FORMAT binary)') as copy,
            ):
                for data in copy:
                    out.write(data)


def load_tables(url: str, directory: Path, tables: tuple[list[str], list[str]], *, restore_style: bool) -> dict:
    """COPY the dumped rows back in one transaction; the client only passes the files' bytes on."""
    imported, tree_tables = tables
    with connect(url) as connection:
        # As a first import does it: the keys of the tables of trees are made after the rows too.
        drop, make = (
            secondary_structures(connection.cursor(), imported, keys_of=tree_tables) if restore_style else ([], [])
        )
        started, cpu = time.perf_counter(), backend_cpu(connection)
        for statement in drop:
            connection.execute(statement)
        for table in imported:
            with (
                open(directory / table, "rb") as rows,
                connection.cursor().copy(f'COPY "{table}" FROM STDIN (FORMAT binary)') as copy,
            ):
                while data := rows.read(1 << 20):
                    copy.write(data)
        for statement in make:
            connection.execute(statement)
        connection.commit()
        return {"seconds": time.perf_counter() - started, "cpu": backend_cpu(connection) - cpu}


def parse_only(path: Path) -> float:
    started = time.process_time()
    with open(path, "rb") as lines:
        for line in lines:
            orjson.loads(line)
    return time.process_time() - started


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
    bench_url = database_url(server_url, options.database)
    env = {**os.environ, "DATABASE_URL": bench_url, "DEBUG": "0", "SECRET_KEY": os.environ.get("SECRET_KEY", "bench")}

    empty = f"{options.database}_empty"
    floor_url = database_url(server_url, f"{options.database}_floor")
    recreate_database(server_url, empty)
    try:
        subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "migrate", "-v", "0", "--skip-checks"],
            env={**env, "DATABASE_URL": database_url(server_url, empty)},
            check=True,
        )
        recreate_database(server_url, options.database, template=empty)
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
            tables = importer_tables(env)
            dump_tables(bench_url, Path(tmp), tables[0])
            floors = {}
            for restore_style in (False, True):
                recreate_database(server_url, f"{options.database}_floor", template=empty)
                floors[restore_style] = load_tables(floor_url, Path(tmp), tables, restore_style=restore_style)
            parsing = parse_only(source)
    finally:
        for name in (options.database, f"{options.database}_floor", empty):
            recreate_database(server_url, name, drop_only=True)

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
    print("\nWhat no import can beat here (PostgreSQL storing the imported rows from files, no client work):")
    for restore_style, label in ((False, "into the schema as it is"), (True, "pg_restore-style")):
        floor = floors[restore_style]
        print(
            f"  {label:<26} {floor['seconds']:6.1f} s  {messages / floor['seconds']:8,.0f} messages/s"
            f"   (server process CPU {floor['cpu']:.1f} s)"
        )
    cpus = os.cpu_count() or 1
    bound = (floors[True]["cpu"] + parsing) / cpus
    print(f"  parsing the file's JSON alone (orjson): {parsing:.1f} s CPU")
    print(
        f"  lower bound on {cpus} CPUs, pg_restore-style: ({floors[True]['cpu']:.1f} + {parsing:.1f}) / {cpus}"
        f" = {bound:.1f} s, at best {messages / bound:,.0f} messages/s, before building any row"
    )


if __name__ == "__main__":
    main()
