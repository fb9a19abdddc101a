"""A minute of the soak (bench/soak.py): gunicorn, a Celery worker and beat on PostgreSQL and Redis, volunteers,
moderators and a researcher at once; the database must hold every invariant afterwards and nothing may answer 5xx.

It runs the bench as a subprocess, in a database of its own named after the test database's server URL.
"""

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
INVARIANTS = (
    "no over-filled reply slot",
    "no over-filled review slot",
    "no over-filled ranking slot",
    "no user above the open-task limit",
    "every 2xx submission stored exactly once",
    "no duplicate from retries",
    "trees consistent (check_trees)",
    "zero 5xx",
    "no client crash",
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def test_a_minute_of_soak_keeps_every_invariant(redis_url):
    database_url = os.environ["DATABASE_URL"]
    database = f"{urlparse(database_url).path.lstrip('/') or 'oasst'}_soak"
    command = [
        sys.executable,
        "bench/soak.py",
        *("--seconds", "60", "--volunteers", "16"),
        *("--database", database, "--redis-url", redis_url),
    ]
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)

    report = result.stdout
    verdicts = [line for line in report.splitlines() if line.startswith(("invariant", "    "))]
    assert result.returncode == 0, "\n".join(verdicts) + result.stderr[-2000:]
    for invariant in INVARIANTS:
        assert f"invariant {invariant}: ok" in verdicts
    # Prompts, replies and reviews were done through the server, rankings handed out (the demo's trees have some
    # waiting from the start), and the researcher's exports finished.
    for task_type in ("initial_prompt", "assistant_reply", "label_initial_prompt", "label_assistant_reply"):
        assert f"tasks {task_type}: done" in report, report
    assert "tasks rank_assistant_replies:" in report, report
    # Every simulated client was let in: a refused token would leave its share of the traffic untested.
    assert not re.search(r"\b401:", report), report
    # Hoarding volunteers reached the open-task limit, so the limit was tested, not just never approached.
    assert "409 too_many_pending_tasks" in report, report
    assert "'ready':" in report.split("exports:", 1)[1].splitlines()[0]
