"""The embedded default of `make run`: SQLite and a worker without Redis, served over HTTP.

This is the one place where SQLite is the point of the test. It runs the real commands in
subprocesses with a clean environment (no DATABASE_URL, no REDIS_URL).
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


@pytest.fixture
def embedded_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(DEBUG="1", DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    return env


def _manage(env, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_make_run_serves_the_demo_on_sqlite_without_redis(embedded_env):
    _manage(embedded_env, "migrate", "--noinput", "-v", "0")
    printed = _manage(embedded_env, "load_demo", "--trees", "50")
    assert "alice" in printed and "demo-password" in printed

    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=embedded_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        home = _wait_for(f"http://127.0.0.1:{port}/")
        assert "<html" in home
        login = _wait_for(f"http://127.0.0.1:{port}/accounts/login/")
        assert "password" in login.lower()
        assert json.loads(_wait_for(f"http://127.0.0.1:{port}/healthz")) == {"status": "ok"}
        # No worker runs here: the database and the file cache answer, the workers' heartbeats are missing, and the
        # local broker's folder is there once `make run` made it.
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5)
        assert answer.value.code == 503
        checks = json.loads(answer.value.read())["checks"]
        assert {name: check["ok"] for name, check in checks.items()} == {
            "database": True,
            "broker": os.access(ROOT / "var" / "broker", os.W_OK),
            "cache": True,
            "worker:celery": False,
            "worker:exports": False,
        }
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_docker_compose_defines_the_whole_platform():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(compose["services"])
    for name in ("web", "worker", "beat"):
        service = compose["services"][name]
        assert service["environment"]["DATABASE_URL"].startswith("postgres://")
        assert service["environment"]["REDIS_URL"].startswith("redis://")
    assert "celery" in compose["services"]["worker"]["command"]
    assert "beat" in compose["services"]["beat"]["command"]
