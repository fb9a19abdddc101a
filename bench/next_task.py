"""Load test of task hand-out and submission over HTTP, against reference-scale data in PostgreSQL.

    .venv/bin/python bench/next_task.py                      # new database oasst_bench_api, migrate, generate
    .venv/bin/python bench/next_task.py --skip-generate      # reuse the data of a previous run

The server runs as in production (gunicorn, DEBUG off). 32 simulated volunteers ask for tasks, acknowledge
and submit them for a fixed time, each asking again as soon as it is answered; a trivial endpoint of the
same server (GET /api/v1/health/) under the same concurrency gives the floor, and the volunteers' list of
their open tasks (GET /api/v1/tasks/: the token's lookup and one query, the least a task request does) the
floor of an authenticated request that reads the database. Then the same volunteers
pause between tasks (random pauses) so that they offer half the throughput just measured: the latency a
volunteer sees when the server is busy but not saturated. Each figure is the median of --runs runs.

The load generator, the server and PostgreSQL share this machine's CPUs, so the bench also reports the CPU
time each of them spends per request in the saturated phases: a task request reaches half the floor's
throughput only if it costs at most twice the floor's CPU in all.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import httpx
import psutil
import psycopg

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/oasst_bench_api"
# The per-user rate limits of SPEC 3 would stop one simulated volunteer after a few requests.
SERVER_TM_OVERRIDES = {
    "TM_RATE_LIMIT_TASK_REQUESTS": "1000000",
    "TM_RATE_LIMIT_ASSISTANT_REPLIES": "1000000",
    "TM_RATE_LIMIT_PROMPTER_REPLIES": "1000000",
}
TEXT_TASKS = {"initial_prompt", "prompter_reply", "assistant_reply"}
CPU_PARTIES = ("client", "server", "PostgreSQL")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def base_env(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        "DJANGO_SETTINGS_MODULE": "oasst.settings",
        "LOG_LEVEL": "ERROR",
    }


def manage(env: dict[str, str], *args: str) -> None:
    log(f"manage.py {' '.join(args)}")
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


def recreate_database(database_url: str) -> None:
    parsed = urlparse(database_url)
    name = parsed.path.lstrip("/")
    admin_url = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def create_volunteers(env: dict[str, str], count: int) -> list[str]:
    """Users bench-volunteer-N with personal tokens; returns the tokens."""
    code = f"""
from django.utils import timezone
from accounts.services.tokens import issue_personal_token
from accounts.models import User
from annotation.models import Task, TaskState
for i in range({count}):
    user, _ = User.objects.get_or_create(
        username=f"bench-volunteer-{{i}}", defaults={{"languages": ["en"], "tos_accepted_at": timezone.now()}}
    )
    # Open tasks of an earlier run would count against the limit of pending tasks.
    Task.objects.filter(user=user, state=TaskState.OPEN).update(expires_at=timezone.now())
    print("token", issue_personal_token(user=user))
"""
    out = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return [line.split()[1] for line in out.stdout.splitlines() if line.startswith("token ")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env: dict[str, str], port: int, workers: int, threads: int) -> subprocess.Popen:
    server_env = {**env, **SERVER_TM_OVERRIDES, "ALLOWED_HOSTS": "127.0.0.1"}
    command = [
        str(Path(PYTHON).parent / "gunicorn"),
        "oasst.wsgi",
        "-w",
        str(workers),
        "-k",
        "gthread",
        "--threads",
        str(threads),
        "-b",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
    ]
    log(" ".join(command))
    server = subprocess.Popen(command, cwd=ROOT, env=server_env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health/", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("the server did not start")


@dataclass
class Stats:
    handout: list[float] = field(default_factory=list)
    submit: list[float] = field(default_factory=list)
    other: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    task_types: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def requests(self) -> int:
        return len(self.handout) + len(self.submit) + len(self.other) + sum(self.errors.values())


def submission_body(task: dict) -> dict:
    kind = task["type"]
    if kind in TEXT_TASKS:
        body = {"text": f"Benchmark text {uuid.uuid4()}: a reply long enough to look like one."}
        return {**body, "lang": "en"} if kind == "initial_prompt" else body
    if kind.startswith("label_"):
        values = {name: 0.0 for name in task["label_names"]}
        values["quality"] = 0.75
        return {"values": values}
    replies = [reply["id"] for reply in task["replies"]]
    random.shuffle(replies)
    return {"ranking": replies}


def timed(client: httpx.Client, method: str, url: str, **kwargs) -> tuple[httpx.Response, float]:
    start = time.perf_counter()
    response = client.request(method, url, **kwargs)
    return response, time.perf_counter() - start


def volunteer(base: str, token: str, until: float, stats: Stats, pause: float = 0.0) -> None:
    """Ask for a task, acknowledge it, submit it; again, after ``pause`` seconds on average (0: at once)."""
    headers = {"Authorization": f"Token {token}"}
    pauses = random.Random(token)
    # Idle connections are dropped before gunicorn's keep-alive (2 s) closes them under a paused volunteer.
    limits = httpx.Limits(keepalive_expiry=1)
    with httpx.Client(base_url=base, headers=headers, timeout=30, limits=limits) as client:
        while time.monotonic() < until:
            if pause:
                wake = time.monotonic() + pauses.expovariate(1 / pause)
                time.sleep(max(min(wake, until) - time.monotonic(), 0))
                if wake >= until:
                    # Asking at the deadline instead would send every pausing volunteer at once.
                    break
            response, took = timed(client, "POST", "/api/v1/tasks/", json={"type": "random", "lang": "en"})
            if response.status_code != 201:
                with stats.lock:
                    stats.errors[f"handout {response.status_code} {response.json().get('error_code')}"] += 1
                time.sleep(0.05)
                continue
            task = response.json()
            _, ack_took = timed(client, "POST", f"/api/v1/tasks/{task['id']}/ack/")
            done, submit_took = timed(client, "POST", f"/api/v1/tasks/{task['id']}/submit/", json=submission_body(task))
            with stats.lock:
                stats.handout.append(took)
                stats.task_types[task["type"]] += 1
                stats.other.append(ack_took)
                if done.status_code == 201:
                    stats.submit.append(submit_took)
                else:
                    stats.errors[f"submit {task['type']} {done.status_code} {done.json().get('error_code')}"] += 1
            if done.status_code != 201:
                client.post(f"/api/v1/tasks/{task['id']}/skip/", json={"reason": "benchmark"})


def repeating_client(
    base: str,
    until: float,
    latencies: list[float],
    lock: threading.Lock,
    path: str,
    token: str | None = None,
) -> None:
    """Ask for ``path`` again and again until ``until``, recording each request's latency."""
    headers = {"Authorization": f"Token {token}"} if token else {}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        while time.monotonic() < until:
            response, took = timed(client, "GET", path)
            response.raise_for_status()
            with lock:
                latencies.append(took)


def _cpu_seconds(processes: list[psutil.Process]) -> dict[int, float]:
    """Process id -> CPU seconds used so far (processes that ended meanwhile are left out)."""
    seconds = {}
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        seconds[process.pid] = times.user + times.system
    return seconds


class CpuMeter:
    """CPU seconds used by the load generator (this process), the server (its master and workers) and
    PostgreSQL (all its processes), as the operating system counts them.

    A phase's figure is the sum over the processes alive at its end of what each used since its start (or
    since it started): a database connection that closes during a phase takes its last moments with it.
    """

    def __init__(self, server_pid: int) -> None:
        self.server = psutil.Process(server_pid)

    def read(self) -> dict[str, dict[int, float]]:
        try:
            server = [self.server, *self.server.children(recursive=True)]
        except psutil.NoSuchProcess:
            server = []
        return {
            "client": _cpu_seconds([psutil.Process()]),
            "server": _cpu_seconds(server),
            "PostgreSQL": _cpu_seconds([p for p in psutil.process_iter(["name"]) if p.info["name"] == "postgres"]),
        }


def run_phase(meter: CpuMeter, target, args_per_thread: list[tuple]) -> tuple[float, dict[str, float]]:
    """Run the phase's threads: (elapsed seconds, CPU seconds used meanwhile by each party)."""
    before = meter.read()
    elapsed = run_threads(target, args_per_thread)
    after = meter.read()
    used = {
        party: sum(seconds - before[party].get(pid, 0.0) for pid, seconds in after[party].items())
        for party in CPU_PARTIES
    }
    return elapsed, used


def cpu_per_request(used: dict[str, float], requests: int, prefix: str = "") -> dict[str, float]:
    """``<prefix><party>``: milliseconds of CPU per request."""
    return {f"{prefix}{party}": seconds / max(requests, 1) * 1000 for party, seconds in used.items()}


def run_threads(target, args_per_thread: list[tuple]) -> float:
    threads = [threading.Thread(target=target, args=args) for args in args_per_thread]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start


def pct(values: list[float], p: int) -> float:
    """The p-th percentile in milliseconds."""
    if len(values) < 2:
        return float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1] * 1000


def one_run(base: str, tokens: list[str], seconds: float, paced_share: float, meter: CpuMeter) -> dict[str, float]:
    lock, floor, auth_floor = threading.Lock(), [], []
    until = time.monotonic() + seconds
    floor_elapsed, floor_cpu = run_phase(
        meter, repeating_client, [(base, until, floor, lock, "/api/v1/health/")] * len(tokens)
    )
    until = time.monotonic() + seconds
    auth_elapsed, auth_cpu = run_phase(
        meter, repeating_client, [(base, until, auth_floor, lock, "/api/v1/tasks/", t) for t in tokens]
    )
    stats = Stats()
    until = time.monotonic() + seconds
    elapsed, tasks_cpu = run_phase(meter, volunteer, [(base, token, until, stats) for token in tokens])
    log(f"  task types: {dict(stats.task_types)}")
    log_refusals(stats)
    # The same volunteers with pauses between tasks, offering ``paced_share`` of the throughput just measured:
    # each pauses volunteers * 3 / (offered requests per second) on average (its own requests add little).
    tasks_rps = stats.requests / elapsed
    pause = len(tokens) * 3 / (tasks_rps * paced_share)
    paced = Stats()
    until = time.monotonic() + seconds
    paced_elapsed = run_threads(volunteer, [(base, token, until, paced, pause) for token in tokens])
    log_refusals(paced, "paced")
    return {
        "floor rps": len(floor) / floor_elapsed,
        "floor p50": pct(floor, 50),
        "floor p99": pct(floor, 99),
        "auth floor rps": len(auth_floor) / auth_elapsed,
        "auth floor p50": pct(auth_floor, 50),
        "auth floor p99": pct(auth_floor, 99),
        "tasks rps": tasks_rps,
        "tasks done/s": len(stats.submit) / elapsed,
        **latencies(stats),
        "paced rps": paced.requests / paced_elapsed,
        **latencies(paced, "paced "),
        **cpu_per_request(floor_cpu, len(floor), "floor cpu "),
        **cpu_per_request(auth_cpu, len(auth_floor), "auth cpu "),
        **cpu_per_request(tasks_cpu, stats.requests, "tasks cpu "),
    }


def log_refusals(stats: Stats, phase: str = "") -> None:
    if stats.errors:
        log(f"  refused{' (' + phase + ')' if phase else ''}: {dict(stats.errors)}")


def latencies(stats: Stats, prefix: str = "") -> dict[str, float]:
    """p50 and p99 of hand-out and submission, keyed ``<prefix>handout p50`` and so on."""
    return {f"{prefix}{kind} p{p}": pct(getattr(stats, kind), p) for kind in ("handout", "submit") for p in (50, 99)}


def print_latencies(median: dict[str, float], prefix: str = "") -> None:
    for label, kind in (("hand-out POST /tasks/", "handout"), ("submission POST /tasks/{id}/submit/", "submit")):
        print(
            f"         {label:<38} p50 {median[f'{prefix}{kind} p50']:6.1f} ms"
            f"  p99 {median[f'{prefix}{kind} p99']:6.1f} ms"
        )


def print_cpu(median: dict[str, float], rows: dict[str, str]) -> None:
    """CPU per request of each party in the saturated phases (``rows``: phase -> label), and the budget a task
    request has if it is to reach half the floor's throughput."""
    print(f"  CPU per request (ms), saturated  {'  '.join(f'{party:>10}' for party in CPU_PARTIES)}       total")
    for phase, label in rows.items():
        cells = [median[f"{phase} cpu {party}"] for party in CPU_PARTIES]
        print(f"         {label:<24} {'  '.join(f'{cell:10.2f}' for cell in cells)}  {sum(cells):10.2f}")
    floor_cpu = sum(median[f"floor cpu {party}"] for party in CPU_PARTIES)
    print(
        f"  half the floor's throughput allows {2 * floor_cpu:.2f} ms of CPU per request in all"
        f" ({os.cpu_count()} CPUs shared by the load generator, the server and PostgreSQL)"
    )


def share(text: str) -> float:
    value = float(text)
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"{text} is not above 0 and at most 1")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--skip-generate", action="store_true", help="use the database as it is")
    parser.add_argument("--trees", type=int, default=66497)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--volunteers", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument(
        "--paced-share",
        type=share,
        default=0.5,
        help="load of the paced phase, a share (above 0, at most 1) of the measured throughput",
    )
    args = parser.parse_args()

    env = base_env(args.database_url)
    if not args.skip_generate:
        recreate_database(args.database_url)
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "generate_oasst", "--trees", str(args.trees), "--seed", str(args.seed))
        # Fresh statistics, as autovacuum would give a database in production.
        with psycopg.connect(args.database_url, autocommit=True) as conn:
            conn.execute("ANALYZE")
    tokens = create_volunteers(env, args.volunteers)
    port = free_port()
    server = start_server(env, port, args.workers, args.threads)
    meter = CpuMeter(server.pid)
    try:
        results = []
        for run in range(1, args.runs + 1):
            log(f"run {run}/{args.runs}: {args.volunteers} volunteers, {args.seconds:g} s each phase")
            results.append(one_run(f"http://127.0.0.1:{port}", tokens, args.seconds, args.paced_share, meter))
            log("  " + ", ".join(f"{k} {v:.1f}" for k, v in results[-1].items()))
    finally:
        server.terminate()
        server.wait(timeout=30)

    median = {key: statistics.median(r[key] for r in results) for key in results[0]}
    print(f"\nMedian of {args.runs} runs ({os.cpu_count()} CPUs, gunicorn {args.workers}x{args.threads} gthread):")
    print(
        f"  floor  GET /api/v1/health/  {median['floor rps']:8.1f} req/s  p50 {median['floor p50']:6.1f} ms"
        f"  p99 {median['floor p99']:6.1f} ms"
    )
    print(
        f"  auth   GET /api/v1/tasks/   {median['auth floor rps']:8.1f} req/s  p50 {median['auth floor p50']:6.1f} ms"
        f"  p99 {median['auth floor p99']:6.1f} ms  ({median['auth floor rps'] / median['floor rps']:.2f} of the floor)"
    )
    print(
        f"  tasks  all task requests    {median['tasks rps']:8.1f} req/s  ({median['tasks done/s']:.1f} tasks done/s)"
    )
    print_latencies(median)
    ratio = median["tasks rps"] / median["floor rps"]
    print(
        f"  hand-out p99 < 50 ms: {'yes' if median['handout p99'] < 50 else 'NO'};"
        f" throughput / floor = {ratio:.2f} ({'ok' if ratio >= 0.5 else 'below 0.5'})"
    )
    print(
        f"  paced  {args.volunteers} volunteers pausing between tasks, {median['paced rps']:.1f} req/s"
        f" ({args.paced_share:.0%} of the throughput above):"
    )
    print_latencies(median, "paced ")
    print_cpu(median, {"floor": "floor", "auth": "auth", "tasks": "a task request"})
    # Volunteers here ask again as soon as they are answered: by Little's law the mean latency of a
    # request is then volunteers / requests per second, whatever the server does.
    needed = args.volunteers / 0.050
    print(
        f"  Little's law: {args.volunteers} volunteers without pause see a mean latency under 50 ms only above"
        f" {needed:.0f} req/s; the trivial endpoint alone gives {median['floor rps']:.0f} req/s"
        f" at p99 {median['floor p99']:.0f} ms on this machine"
    )


if __name__ == "__main__":
    main()
