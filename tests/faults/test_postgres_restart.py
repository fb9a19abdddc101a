"""PostgreSQL restarted while volunteers hand out and submit tasks: during the outage requests are refused cleanly
(503 with a retry message, ``database_unavailable`` and Retry-After under /api/, never a 500), the app reconnects
by itself once the server is back, and every submission is stored whole or not at all."""

import json
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest
import requests

from tests.faults.servers import ROOT, AppServer, PostgresServer, RedisServer, app_env, wait_for

pytestmark = pytest.mark.postgres

VOLUNTEERS = 4
OUTAGE = 1.5  # seconds between the server's fast shutdown and its start


class Volunteer(threading.Thread):
    """Requests, acknowledges and submits prompt tasks until told to stop; keeps every answer."""

    def __init__(self, url: str, token: str, name: str, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.url, self.label, self.stop = url, name, stop
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Token {token}"
        self.answers: list[tuple[float, str, requests.Response]] = []
        self.stored: list[str] = []  # texts whose submission was answered 201
        self.refused: list[str] = []  # texts whose submission was answered otherwise

    def call(self, what: str, path: str, body: dict | None = None) -> requests.Response:
        response = self.session.post(f"{self.url}{path}", json=body, timeout=30)
        self.answers.append((time.monotonic(), what, response))
        return response

    def run(self) -> None:
        for n in range(10_000):
            if self.stop.is_set():
                return
            response = self.call("request", "/api/v1/tasks/", {"type": "initial_prompt", "lang": "en"})
            if response.status_code != 201:
                time.sleep(0.05)
                continue
            task = response.json()["id"]
            if self.call("ack", f"/api/v1/tasks/{task}/ack/").status_code != 200:
                continue
            text = f"{self.label} asks question number {n}: how do tides work?"
            response = self.call("submit", f"/api/v1/tasks/{task}/submit/", {"text": text, "lang": "en"})
            (self.stored if response.status_code == 201 else self.refused).append(text)


class Reader(threading.Thread):
    """A volunteer's dashboard, read again and again with a session cookie."""

    def __init__(self, url: str, session_key: str, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.url, self.stop = url, stop
        self.session = requests.Session()
        self.session.cookies.set("sessionid", session_key)
        self.answers: list[tuple[float, str, requests.Response]] = []

    def run(self) -> None:
        while not self.stop.is_set():
            self.answers.append((time.monotonic(), "page", self.session.get(f"{self.url}/", timeout=30)))
            time.sleep(0.02)


def _remote(env: dict[str, str], *args: str) -> dict:
    command = [sys.executable, "-m", "tests.faults.remote", *args]
    return json.loads(subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True).stdout)


def test_a_postgres_restart_under_load_is_a_clean_503_and_leaves_nothing_half_written(tmp_path):
    postgres = PostgresServer()
    redis = RedisServer()
    postgres.start()
    redis.start()
    env = app_env(
        DATABASE_URL=postgres.url(),
        REDIS_URL=redis.url(),
        TOXICITY_BACKEND="off",
        TM_RATE_LIMIT_TASK_REQUESTS="100000",
        TM_MAX_PENDING_TASKS_PER_USER="100000",
    )
    threads: list[threading.Thread] = []
    try:
        subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
        seeded = _remote(env, "seed", str(VOLUNTEERS))
        with AppServer(env, log=tmp_path / "app.log") as app:
            stop = threading.Event()
            volunteers = [Volunteer(app.url, token, f"v{n}", stop) for n, token in enumerate(seeded["tokens"])]
            threads = [*volunteers, Reader(app.url, seeded["session"], stop)]
            for thread in threads:
                thread.start()
            wait_for(lambda: all(v.stored for v in volunteers), timeout=60, what="the first submissions")

            postgres.stop()
            time.sleep(OUTAGE)
            postgres.start()
            back = time.monotonic()
            # Each volunteer gets a submission through after the restart, and the reader a page: the app
            # reconnected by itself.
            wait_for(
                lambda: all(
                    any(at > back and what in ("submit", "page") and r.ok for at, what, r in t.answers) for t in threads
                ),
                timeout=60,
                what="submissions and pages after the restart",
            )
            stop.set()
            for thread in threads:
                thread.join(timeout=30)

        answers = [answer for thread in threads for answer in thread.answers]
        statuses = Counter(response.status_code for _, _, response in answers)
        assert set(statuses) <= {200, 201, 503}, statuses
        unavailable = [(what, response) for _, what, response in answers if response.status_code == 503]
        assert unavailable, "no request reached the database while it was down"
        for what, response in unavailable:
            assert response.headers["Retry-After"].isdigit()
            if what == "page":
                assert "The database is unavailable for a moment" in response.text
            else:
                assert response.json()["error_code"] == "database_unavailable"

        state = _remote(env, "check")
        assert state["problems"] == []
        texts = Counter(state["texts"])
        stored = [text for v in volunteers for text in v.stored]
        assert all(texts[text] == 1 for text in stored)
        # A refused submission was not stored (nor half of it: the invariants above).
        assert not [text for v in volunteers for text in v.refused if texts[text]]
        assert sum(texts.values()) == len(stored)
    finally:
        for thread in threads:
            thread.stop.set()
        redis.stop()
        postgres.remove()
