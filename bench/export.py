"""Dataset files at scale: time, throughput and peak memory of writing each file kind, against PostgreSQL's floor.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/export.py [--trees 66497]

It (re)creates its own database (``oasst_bench_export`` by default) on the server of DATABASE_URL, fills it with
``generate_oasst --trees N --seed S`` and ``import_oasst``, and drops it at the end (``--keep`` keeps it, and a
later run that finds it filled uses it as it is). Every file is written with the filter of every tree and every
message (``ExportFilter.everything()``: all states, deleted, rejected and synthetic messages included), so that
the files hold all of the reference scale's messages; the trees keep the states the generator gives them.

Each file is written by a separate process through the product (an export job run by ``run_export`` of
exports.services.export_jobs, as the worker runs it, called by this script's ``--write`` mode), once for all trees
and once for the trees created up to 2023-03-09 (about half): its peak resident memory must not grow with the number
of trees, and stay under 250 MB. The floor is PostgreSQL's own ``COPY (SELECT ...) TO STDOUT`` of the same message
rows (with their detoxify scores and their tree's state), read by a client that does nothing with them; and the same
plus the rows of their events (rankings, reactions, reports), which a tree file holds too.
"""

import argparse
import datetime as dt
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.roundtrip import connect, database_url, recreate_database  # noqa: E402 (the project is on the path)

# Trees are spread over 65 days from 2023-02-05: those created before 2023-03-10 are about half of them.
HALF_END = dt.datetime(2023, 3, 10, tzinfo=dt.UTC)
MEMORY_LIMIT_MB = 250
# Peak memory "does not grow with the number of trees": all trees may take at most this much more than half.
# Twice the trees would add some 100 MB if a chunk's data were kept; the peak of the same export varies by about
# 15 MB from run to run (where the allocator's high-water mark falls).
FLAT_TOLERANCE_MB = 20
FLOOR_RUNS = 3
TARGET_RATIO = 3.0


def setup_django(env: dict[str, str]) -> None:
    os.environ.update({key: env[key] for key in ("DATABASE_URL", "DEBUG", "SECRET_KEY")})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oasst.settings")
    import django

    django.setup()


def export_filter(*, half: bool):
    from exports.filters import ExportFilter

    return ExportFilter.everything(date_to=HALF_END) if half else ExportFilter.everything()


def write_through_product(kind: str, path: str, *, half: bool) -> None:
    """The ``--write`` mode, in a process of its own: run one export job (its row made here, as a request or a
    release makes it) through the job service, as the worker does, and print what it took as JSON."""
    os.environ["EXPORTS_ROOT"] = str(Path(path).parent)
    setup_django(dict(os.environ))
    from exports.models import ExportJob, JobState
    from exports.services.export_jobs import run_export
    from exports.storage import export_storage

    if kind == "parquet":
        import pyarrow.parquet  # noqa: F401 (loaded before the baseline, as a process that writes Parquet does)
    job = ExportJob.objects.create(kind=kind, filters=export_filter(half=half).to_json())
    baseline_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started, cpu = time.perf_counter(), time.process_time()
    job = run_export(job_id=job.pk)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if job.state != JobState.READY:
        sys.exit(f"The export job ended {job.state}: {job.error}")
    export_storage().delete(job.file)
    job.delete()
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu": cpu,
                "baseline_mb": baseline_mb,
                "peak_mb": peak_mb,
                "trees": job.trees,
                "messages": job.messages,
                "rows": job.rows,
                "bytes": job.size_bytes,
            }
        )
    )


def write(kind: str, path: Path, env: dict[str, str], *, half: bool) -> dict:
    command = [sys.executable, __file__, "--write", kind, str(path), *(["--half"] if half else [])]
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"Writing {kind} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def floor_queries(*, half: bool) -> tuple[str, list[str]]:
    """The SELECT of the exported message rows, and those of their events (Django's table and column names)."""
    from annotation.models import EmojiReaction, Message, MessageTree, Ranking, Report, ToxicityScore
    from exports.oasst_format import DETOXIFY_MODEL

    message, tree, score = Message._meta.db_table, MessageTree._meta.db_table, ToxicityScore._meta.db_table
    trees = f"SELECT id FROM {tree}" + (f" WHERE created_at < '{HALF_END.isoformat()}'" if half else "")
    messages = (
        f"SELECT m.id, m.tree_id, m.parent_id, m.author_id, m.created_at, m.text, m.role, m.lang, m.review_count,"
        f" m.review_result, m.deleted, m.rank, m.synthetic, m.model_name, m.emojis, m.labels, m.extra, s.scores,"
        f" t.state, t.origin FROM {message} m JOIN {tree} t ON t.id = m.tree_id"
        f" LEFT JOIN {score} s ON s.message_id = m.id AND s.model_name = '{DETOXIFY_MODEL}'"
        f" WHERE m.tree_id IN ({trees})"
    )
    events = [
        f"SELECT r.* FROM {Ranking._meta.db_table} r WHERE r.tree_id IN ({trees})",
        f"SELECT e.* FROM {EmojiReaction._meta.db_table} e JOIN {message} m ON m.id = e.message_id"
        f" WHERE m.tree_id IN ({trees})",
        f"SELECT r.* FROM {Report._meta.db_table} r JOIN {message} m ON m.id = r.message_id"
        f" WHERE m.tree_id IN ({trees})",
    ]
    return messages, events


def copy_seconds(url: str, queries: list[str]) -> float:
    """Wall time of PostgreSQL writing the rows of ``queries`` with COPY to a client that drops them."""
    with connect(url) as connection:
        started = time.perf_counter()
        for query in queries:
            with connection.cursor().copy(f"COPY ({query}) TO STDOUT") as copy:
                for _data in copy:
                    pass
        return time.perf_counter() - started


def floors(url: str, *, half: bool) -> dict[str, float]:
    messages, events = floor_queries(half=half)
    runs = {"messages": [], "events": []}
    for _ in range(FLOOR_RUNS):
        runs["messages"].append(copy_seconds(url, [messages]))
        runs["events"].append(copy_seconds(url, [messages, *events]))
    return {name: statistics.median(seconds) for name, seconds in runs.items()}


def tree_count(url: str) -> int:
    from annotation.models import MessageTree

    try:
        with connect(url) as connection:
            return connection.execute(f"SELECT count(*) FROM {MessageTree._meta.db_table}").fetchone()[0]
    except Exception:  # no database, or not migrated
        return 0


def fill(server_url: str, name: str, env: dict[str, str], *, trees: int, seed: int) -> None:
    recreate_database(server_url, name)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v", "0", "--skip-checks"], env=env, check=True)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "trees.jsonl"
        generate = ["generate_oasst", "--trees", str(trees), "--seed", str(seed), "--output", str(source)]
        subprocess.run([*manage, *generate, "-v", "0", "--skip-checks"], env=env, check=True)
        subprocess.run([*manage, "import_oasst", str(source), "-v", "0", "--skip-checks"], env=env, check=True)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--write":
        write_through_product(sys.argv[2], sys.argv[3], half="--half" in sys.argv[4:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trees", type=int, default=66_497)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", default="oasst_bench_export", help="database to create (dropped after)")
    parser.add_argument("--keep", action="store_true", help="keep the database (a later run reuses it)")
    parser.add_argument("--kinds", default="trees,messages,parquet,threads,sft,pairs", help="comma separated")
    options = parser.parse_args()

    server_url = os.environ.get("DATABASE_URL", "")
    if not server_url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/postgres")
    bench_url = database_url(server_url, options.database)
    env = {**os.environ, "DATABASE_URL": bench_url, "DEBUG": "0", "SECRET_KEY": os.environ.get("SECRET_KEY", "bench")}
    setup_django(env)
    kinds = [kind.strip() for kind in options.kinds.split(",") if kind.strip()]

    load_before = os.getloadavg()[0]
    results: dict[tuple[str, bool], dict] = {}
    try:
        filled = tree_count(bench_url)
        if filled:
            print(f"Using {options.database} as it is: {filled} trees.")
        else:
            fill(server_url, options.database, env, trees=options.trees, seed=options.seed)
        with tempfile.TemporaryDirectory() as tmp:
            for kind in kinds:
                for half in (True, False):
                    path = Path(tmp) / f"{kind}{'-half' if half else ''}"
                    results[kind, half] = write(kind, path, env, half=half)
                    path.unlink(missing_ok=True)
        floor = {half: floors(bench_url, half=half) for half in (True, False)}
    finally:
        if not options.keep:
            recreate_database(server_url, options.database, drop_only=True)

    full, half = results[kinds[0], False], results[kinds[0], True]
    print(
        f"{full['trees']:,} trees, {full['messages']:,} messages (half: {half['trees']:,} trees, {half['messages']:,}"
        f" messages); every state, every message. Load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after"
        f" on {os.cpu_count()} CPUs."
    )
    print(
        f"\n{'kind':<9} {'rows':>9} {'MB':>7} {'wall s':>7} {'messages/s':>11} {'CPU s':>6}"
        f" {'peak MB (half)':>15} {'baseline':>9}  memory"
    )
    failed = False
    for kind in kinds:
        step, halfway = results[kind, False], results[kind, True]
        flat = step["peak_mb"] - halfway["peak_mb"] <= FLAT_TOLERANCE_MB and step["peak_mb"] <= MEMORY_LIMIT_MB
        failed |= not flat
        print(
            f"{kind:<9} {step['rows']:>9,} {step['bytes'] / 1e6:>7.1f} {step['seconds']:>7.1f}"
            f" {step['messages'] / step['seconds']:>11,.0f} {step['cpu']:>6.1f}"
            f" {step['peak_mb']:>7.1f} ({halfway['peak_mb']:5.1f}) {step['baseline_mb']:>9.1f}"
            f"  {'flat, under' if flat else 'GROWS or over'} {MEMORY_LIMIT_MB} MB"
        )
    print(
        f"\nFloor, PostgreSQL's COPY of the same rows to a client that drops them (median of {FLOOR_RUNS}):"
        f"\n  message rows:              {floor[False]['messages']:6.2f} s ({floor[True]['messages']:.2f} s for half)"
        f"\n  message rows and events:   {floor[False]['events']:6.2f} s ({floor[True]['events']:.2f} s for half)"
    )
    if "trees" in kinds:
        trees_seconds = results["trees", False]["seconds"]
        # The tree file holds the messages and their events: the floor of the same rows is the one with events.
        ratio = trees_seconds / floor[False]["events"]
        print(
            f"tree JSONL / floor of the same rows (messages and events): {ratio:.2f} (target within"
            f" {TARGET_RATIO:.0f}: {'met' if ratio <= TARGET_RATIO else 'not met'}); against the message rows alone:"
            f" {trees_seconds / floor[False]['messages']:.2f}"
        )
    if failed:
        sys.exit(f"Peak memory grew with the number of trees or passed {MEMORY_LIMIT_MB} MB.")


if __name__ == "__main__":
    main()
