"""Throwaway servers for the fault tests, each on a free port in the test's temporary folder, which a test may
stop and start again at will: Redis, a PostgreSQL cluster, the app under gunicorn and a Celery worker. The shared
PostgreSQL (5432) and Redis (6379) are never touched."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path(os.environ.get("OASST_PG_BIN", "/usr/lib/postgresql/15/bin"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, *, timeout: float, what: str, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(interval)


def port_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def stop_process(process: subprocess.Popen | None, *, timeout: float = 20) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class RedisServer:
    """``redis-server`` without persistence: what it holds is lost when it stops, as after a crash."""

    def __init__(self) -> None:
        require("redis-server")
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        wait_for(lambda: port_answers(self.port), timeout=10, what="Redis to start")

    def stop(self) -> None:
        stop_process(self.process)
        self.process = None


def require(program: str) -> None:
    """Skip the test when ``program`` is missing, or fail it in CI (OASST_REQUIRE_SERVICES=1, as tests/conftest.py)."""
    if shutil.which(program) is None:
        if os.environ.get("OASST_REQUIRE_SERVICES") == "1":
            pytest.fail(f"required in CI: {program} not found")
        pytest.skip(f"{program} not found")


class PostgresServer:
    """A PostgreSQL cluster of its own (trust authentication, no fsync), run by the ``postgres`` system user when the
    tests run as root."""

    def __init__(self) -> None:
        require(str(PG_BIN / "initdb"))
        # In the system's temporary folder: pytest's is private to root, where the postgres user cannot go.
        self.folder = Path(tempfile.mkdtemp(prefix="oasst-faults-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")

    def _run(self, program: str, *args: str) -> None:
        command = [str(PG_BIN / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=self.folder)

    def _ctl(self, action: str, *args: str) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "log"), "-w", "-o", options, action, *args)

    def url(self, name: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def start(self) -> None:
        self._ctl("start")

    def stop(self) -> None:
        """A fast shutdown: open connections are cut, transactions in progress rolled back."""
        self._ctl("stop", "-m", "fast")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._ctl("stop", "-m", "immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


def app_env(**settings: str) -> dict[str, str]:
    """The environment of a server or worker process: the real settings, without DEBUG, with ``settings``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("OASST_", "EXPORTS_S3", "DJANGO_", "PYTEST", "REDIS_", "CELERY_"))
    }
    env.update(DJANGO_SETTINGS_MODULE="oasst.settings", SECRET_KEY="fault-test", DEBUG="0", LOG_LEVEL="WARNING")
    env.update(settings)
    return env


class AppServer:
    """The app under gunicorn: one worker process of eight threads, like one of a deployment's. What it logs goes
    to ``log`` (an outage logs a traceback per request), printed at the end when the test fails inside."""

    def __init__(self, env: dict[str, str], *, log: Path) -> None:
        self.port = free_port()
        self.env = env
        self.log = log
        self.process: subprocess.Popen | None = None
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> AppServer:
        command = [sys.executable, "-m", "gunicorn", "oasst.wsgi:application", "--bind", f"127.0.0.1:{self.port}"]
        command += ["--workers", "1", "--threads", "8", "--graceful-timeout", "2", "--log-level", "warning"]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)

        def answers() -> bool:
            if self.process.poll() is not None:
                raise AssertionError("the app server exited")
            try:
                return requests.get(f"{self.url}/api/v1/health/", timeout=1).ok
            except requests.RequestException:
                return False

        wait_for(answers, timeout=60, what="the app server to answer", interval=0.2)
        return self

    def __exit__(self, exc_type: type | None, *exc_info: object) -> None:
        stop_process(self.process)
        if exc_type is not None:
            print(f"--- the end of {self.log} ---\n{self.log.read_text(errors='replace')[-5000:]}")


def start_worker(env: dict[str, str], *queues: str, log: Path) -> subprocess.Popen:
    """A Celery worker (one process) on ``queues``, logging to ``log``; stop it with ``stop_process``."""
    command = [sys.executable, "-m", "celery", "-A", "oasst", "worker", "--pool=solo", "--loglevel=WARNING"]
    command += ["--without-mingle", "--without-gossip", "-Q", ",".join(queues)]
    with open(log, "ab") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
