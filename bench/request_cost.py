"""What the least authenticated API request costs on this machine, against the trivial endpoint.

    .venv/bin/python bench/request_cost.py        # after bench/next_task.py made its database

The server runs as in bench/next_task.py (gunicorn, DEBUG off) with the endpoints of bench/probes.py in front
of the project's URLs. 32 clients ask, each again as soon as it is answered, for one endpoint at a time,
round after round:

    GET  /api/v1/health/            the floor: no authentication, no database
    POST /probe/token-noop/         the API's authentication (personal token) and permission check, nothing else
    POST /probe/token-write/        ... and the cheapest write: one row by primary key, one statement
    POST /probe/signed-noop/        a signed token carrying the user's id instead: no query to authenticate
    POST /probe/signed-write/       ... and the same write, which checks in its statement that the user is enabled
    bare cycle                      a signed token, then a reply task handed out, acknowledged and submitted,
                                    each in one prepared statement and nothing else (bench/probes.py)
    checked cycle                   ... with SPEC 3's checks of a reply task and its thread in those statements

It prints each endpoint's throughput as a share of the floor's and the CPU each party (load generator,
server, PostgreSQL) spends per request. Every task request authenticates and writes at least that much, so
these shares bound what bench/next_task.py's task requests can reach; the cycles are the cheapest form a
task engine's requests could take. Each cycle phase deletes what it wrote afterwards, so every round finds
the same free slots. Figures are medians of --runs rounds.
"""

import argparse
import os
import statistics
import threading
import time
import uuid

import httpx
import psycopg
from django.core import signing
from next_task import (
    CPU_PARTIES,
    DEFAULT_DATABASE_URL,
    CpuMeter,
    base_env,
    cpu_per_request,
    create_volunteers,
    free_port,
    log,
    pct,
    repeating_client,
    run_phase,
    start_server,
    timed,
)

# path -> (method, the token its clients send: none, a personal token or a signed one)
ENDPOINTS = {
    "/api/v1/health/": ("GET", None),
    "/probe/token-noop/": ("POST", "personal"),
    "/probe/token-write/": ("POST", "personal"),
    "/probe/signed-noop/": ("POST", "signed"),
    "/probe/signed-write/": ("POST", "signed"),
}
FLOOR = "/api/v1/health/"
# name -> (hand-out path, submission path prefix) of bench/probes.py's cycles; both acknowledge alike.
CYCLES = {
    "bare cycle": ("/probe/bare-handout/", "/probe/bare-submit/"),
    "checked cycle": ("/probe/checked-handout/", "/probe/checked-submit/"),
}


def cycle_client(
    base: str,
    until: float,
    latencies: list[float],
    lock: threading.Lock,
    token: str,
    handouts: list[float],
    paths: tuple[str, str],
    written: dict,
) -> None:
    """Hand-out, acknowledgement and submission of one of bench/probes.py's cycles, again and again; the ids of
    the tasks and messages it made go to ``written``, with the number of hand-outs that found no slot."""
    handout_path, submit_path = paths
    with httpx.Client(base_url=base, headers={"Authorization": f"Token {token}"}, timeout=30) as client:
        while time.monotonic() < until:
            response, handout = timed(client, "POST", handout_path, json={"lang": "en"})
            if response.status_code == 503:
                # The window held no free slot (the engine would search further): a request all the same.
                with lock:
                    latencies.append(handout)
                    written["misses"] += 1
                continue
            response.raise_for_status()
            task_id = response.json()["id"]
            ack, ack_took = timed(client, "POST", f"/probe/cycle-ack/{task_id}/")
            text = {"text": f"Benchmark text {uuid.uuid4()}: a reply long enough to look like one."}
            done, submit_took = timed(client, "POST", f"{submit_path}{task_id}/", json=text)
            with lock:
                written["tasks"].append(task_id)
                if done.status_code == 201:
                    written["messages"].append(done.json()["message_id"])
            ack.raise_for_status()
            done.raise_for_status()
            with lock:
                handouts.append(handout)
                latencies.extend((handout, ack_took, submit_took))


def signed_tokens(database_url: str, secret_key: str, tokens: list[str]) -> list[str]:
    """For each personal token, a token signed with the server's key that carries the token's user id."""
    with psycopg.connect(database_url) as conn:
        user_ids = dict(conn.execute("SELECT key, user_id FROM authtoken_token WHERE key = ANY(%s)", [tokens]))
    signer = signing.Signer(key=secret_key, fallback_keys=[])
    return [signer.sign_object(str(user_ids[token])) for token in tokens]


def undo_cycles(database_url: str, written: dict) -> None:
    """Delete the tasks and replies of a cycle phase and give their slots back, so that every round finds the
    same free slots (the cycles would use up the reply slots of the growing trees)."""
    with psycopg.connect(database_url) as conn:
        conn.execute(
            """
            WITH gone AS (DELETE FROM annotation_task WHERE id = ANY(%(tasks)s) RETURNING parent_message_id, state)
            UPDATE annotation_message m SET reply_claims = greatest(m.reply_claims - open.n, 0)
            FROM (SELECT parent_message_id, count(*) AS n FROM gone WHERE state = 'open' GROUP BY 1) open
            WHERE m.id = open.parent_message_id
            """,
            {"tasks": written["tasks"]},
        )
        conn.execute(
            """
            WITH gone AS (DELETE FROM annotation_message WHERE id = ANY(%(messages)s) RETURNING parent_id)
            UPDATE annotation_message m SET children_count = greatest(m.children_count - replies.n, 0)
            FROM (SELECT parent_id, count(*) AS n FROM gone GROUP BY 1) replies
            WHERE m.id = replies.parent_id
            """,
            {"messages": written["messages"]},
        )


def one_round(
    base: str, tokens: dict[str | None, list[str | None]], seconds: float, meter: CpuMeter, database_url: str
) -> dict[str, dict[str, float]]:
    figures = {}
    for path, (method, kind) in ENDPOINTS.items():
        lock, latencies = threading.Lock(), []
        until = time.monotonic() + seconds
        args = [(base, until, latencies, lock, path, token, method) for token in tokens[kind]]
        elapsed, used = run_phase(meter, repeating_client, args)
        figures[path] = {
            "rps": len(latencies) / elapsed,
            "p99": pct(latencies, 99),
            **cpu_per_request(used, len(latencies)),
        }
        log(f"  {path:<26} {figures[path]['rps']:7.1f} req/s")
    for name, paths in CYCLES.items():
        lock, latencies, handouts, written = threading.Lock(), [], [], {"tasks": [], "messages": [], "misses": 0}
        until = time.monotonic() + seconds
        args = [(base, until, latencies, lock, token, handouts, paths, written) for token in tokens["signed"]]
        elapsed, used = run_phase(meter, cycle_client, args)
        undo_cycles(database_url, written)
        figures[name] = {
            "rps": len(latencies) / elapsed,
            "p99": pct(handouts, 99),
            "misses": written["misses"] / max(len(handouts) + written["misses"], 1),
            **cpu_per_request(used, len(latencies)),
        }
        log(f"  {name:<26} {figures[name]['rps']:7.1f} req/s, {written['misses']} hand-outs found no slot")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()

    env = base_env(args.database_url)
    personal = create_volunteers(env, args.clients)
    signed = signed_tokens(args.database_url, env["SECRET_KEY"], personal)
    tokens = {None: [None] * args.clients, "personal": personal, "signed": signed}
    port = free_port()
    server = start_server(env, port, args.workers, args.threads, settings="bench.probe_settings")
    meter = CpuMeter(server.pid)
    try:
        rounds = []
        for run in range(1, args.runs + 1):
            log(f"round {run}/{args.runs}: {args.clients} clients, {args.seconds:g} s per endpoint")
            rounds.append(one_round(f"http://127.0.0.1:{port}", tokens, args.seconds, meter, args.database_url))
    finally:
        server.terminate()
        server.wait(timeout=30)

    median = {
        path: {key: statistics.median(r[path][key] for r in rounds) for key in rounds[0][path]}
        for path in (*ENDPOINTS, *CYCLES)
    }
    floor_rps = median[FLOOR]["rps"]
    print(f"\nMedian of {args.runs} rounds ({os.cpu_count()} CPUs, gunicorn {args.workers}x{args.threads} gthread):")
    print(
        f"  {'':<30} {'req/s':>8} {'of floor':>9} {'p99 ms':>7}  CPU ms/request: "
        + "  ".join(f"{party:>10}" for party in CPU_PARTIES)
        + "       total"
    )
    rows = [(path, method) for path, (method, _kind) in ENDPOINTS.items()] + [(name, "") for name in CYCLES]
    for path, method in rows:
        row = median[path]
        cells = [row[party] for party in CPU_PARTIES]
        print(
            f"  {method:<4} {path:<25} {row['rps']:8.1f} {row['rps'] / floor_rps:9.2f} {row['p99']:7.1f}"
            f"                 {'  '.join(f'{cell:10.2f}' for cell in cells)}  {sum(cells):10.2f}"
        )
    print(
        "  Every task request authenticates with a personal token and writes: on this machine it reaches at most"
        f" {median['/probe/token-write/']['rps'] / floor_rps:.2f} of the floor (token-write)."
    )

    print(
        "  Hand-outs that found no free slot in their window:"
        + ",".join(f" {name} {median[name]['misses']:.1%}" for name in CYCLES)
    )
    print(
        "  With a signed token and one prepared statement per request (p99 column: the hand-out's), a reply cycle"
        f" reaches {median['bare cycle']['rps'] / floor_rps:.2f} of the floor bare and"
        f" {median['checked cycle']['rps'] / floor_rps:.2f} with SPEC 3's checks."
    )


if __name__ == "__main__":
    main()
