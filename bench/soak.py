"""Soak test: many simulated volunteers, moderators and a researcher against a production-style server.

    .venv/bin/python bench/soak.py [--volunteers 64] [--seconds 300] [--database oasst_bench_soak] [--keep]

The server runs as in production: gunicorn with gunicorn.conf.py, DEBUG off, PostgreSQL and Redis, a Celery
worker for the task engine's jobs, one for the dataset exports and the beat scheduler, each a process of its own
(as docker-compose.yml runs them). The database is dropped and made again (migrate, the demo data of
``load_demo`` with generated trees, prompts waiting for review, the soak's users and their tokens).

The volunteers mix every task kind through the REST API (personal tokens, and users of an API client) and the
task pages (session cookies and htmx posts; the sessions are made in the session store, so that no login form
is used): hand-outs of random and chosen types, acknowledgements, claim renewals, skips, releases, hoarding up to
the open-task limit, submissions sent once, twice in parallel and again after a client-side timeout, garbage
bodies (invalid JSON, wrong types, huge and hostile texts, other encodings), reactions and reports. Moderators
work the flag queue (hide, restore, dismiss, edit, halt and resume) through the API and its page; a researcher
requests exports, waits for them and downloads them. Every client records what it was told.

Afterwards it prints the requests per endpoint (count, p50/p99, statuses) and checks the database: no slot
over-filled counting open claims (also on snapshots taken during the run), no user above the open-task limit,
every submission answered 2xx stored exactly once with what the client was told, no duplicate from retries,
every tree consistent (``manage.py check_trees``), no 5xx. Exit status 1 if any check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlparse

import httpx
import psutil
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import percentile

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LANG = "en"
# The per-user rate limits of SPEC 3 would stop a simulated volunteer after a few requests. A tree's goal is
# smaller than the default, and as many trees grow at once as a quarter of the volunteers (at least 4), so that
# trees go through growth, ranking and scoring within a short run. Every other limit is the product's own.
SERVER_TM_OVERRIDES = {
    "TM_RATE_LIMIT_TASK_REQUESTS": "1000000",
    "TM_RATE_LIMIT_ASSISTANT_REPLIES": "1000000",
    "TM_RATE_LIMIT_PROMPTER_REPLIES": "1000000",
    "TM_GOAL_TREE_SIZE": "6",
}
TASK_TYPES = (
    "initial_prompt",
    "assistant_reply",
    "prompter_reply",
    "label_initial_prompt",
    "label_assistant_reply",
    "label_prompter_reply",
    "rank_assistant_replies",
    "rank_prompter_replies",
)
TEXT_TYPES = {"initial_prompt", "assistant_reply", "prompter_reply"}
SCALE = (0.0, 0.25, 0.5, 0.75, 1.0)
EMOJIS = ("+1", "-1", "red_flag", "100", "heart_eyes", "skull")
HOARD_LANGUAGES = ("de", "fr", "es", "it", "pt", "nl", "pl", "sv", "ja")
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# A few texts hold words a toxicity classifier scores high, so that its flags reach the moderators' queue too.
RUDE = "You are a stupid idiot and this is crap."
FLAVOURS = (
    "Plain text.",
    "With **markdown**, `code` and a list:\n\n- one\n- two",
    "Ünïcödé, 漢字, עברית, 🙂🚀",
    "A link: <https://example.org> and <b>inline html</b>",
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- Recording what the clients were told -----------------------------------------------------------


@dataclass
class Submission:
    """One submission request and what it was answered."""

    task_id: str
    task_type: str
    user: str
    channel: str  # api, web
    mode: str  # once, parallel, retry, garbage
    status: int
    text: str | None = None
    result_id: str | None = None  # message, review or ranking id from a 2xx answer (API)


@dataclass
class Recorder:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    submissions: list[Submission] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)
    transport_errors: Counter = field(default_factory=Counter)
    behaviours: Counter = field(default_factory=Counter)
    error_codes: Counter = field(default_factory=Counter)
    volunteers_active: set[str] = field(default_factory=set)
    volunteers_crashed: list[str] = field(default_factory=list)

    def record(self, endpoint: str, response: httpx.Response | None, took: float, error: str = "") -> None:
        if response is None:
            self.statuses[endpoint][error] += 1
            self.transport_errors[f"{endpoint} {error}"] += 1
            return
        self.latencies[endpoint].append(took)
        self.statuses[endpoint][str(response.status_code)] += 1
        if 400 <= response.status_code < 500 and response.headers.get("content-type", "").startswith(
            "application/json"
        ):
            code = json_or_empty(response)
            if isinstance(code, dict) and code.get("error_code"):
                self.error_codes[f"{response.status_code} {code['error_code']}"] += 1
        if response.status_code >= 500:
            self.server_errors.append(f"{endpoint} {response.status_code} {response.text[:300]!r}")

    @property
    def requests(self) -> int:
        """Requests answered (those that timed out on the client or lost their connection are not)."""
        return sum(len(latencies) for latencies in self.latencies.values())


def endpoint_name(method: str, path: str) -> str:
    path = UUID_RE.sub("{id}", path.split("?")[0])
    return f"{method} {path}"


class Client:
    """An httpx client that records every request under its endpoint's name."""

    def __init__(self, base: str, recorder: Recorder, *, headers: dict | None = None, label: str = "") -> None:
        # Idle connections are dropped before gunicorn's keep-alive (2 s) closes them under a pausing client.
        limits = httpx.Limits(keepalive_expiry=1)
        self.http = httpx.AsyncClient(
            base_url=base, headers=headers or {}, timeout=60, follow_redirects=False, limits=limits
        )
        self.recorder = recorder
        self.label = label

    async def request(
        self, method: str, path: str, *, name: str | None = None, timeout: float | None = None, **kwargs
    ) -> httpx.Response | None:
        endpoint = name or endpoint_name(method, path)
        if timeout is not None:
            kwargs["timeout"] = timeout
        start = time.perf_counter()
        try:
            response = await self.http.request(method, path, **kwargs)
        except httpx.TimeoutException:
            self.recorder.record(endpoint, None, 0, "timeout")
            return None
        except httpx.TransportError as exc:
            self.recorder.record(endpoint, None, 0, type(exc).__name__)
            return None
        self.recorder.record(endpoint, response, time.perf_counter() - start)
        return response

    async def close(self) -> None:
        await self.http.aclose()


def json_or_empty(response: httpx.Response | None) -> dict | list:
    if response is None:
        return {}
    try:
        return response.json()
    except ValueError:
        return {}


# --- Bodies -------------------------------------------------------------------------------------------


def new_text(rnd: random.Random, kind: str) -> str:
    words = " ".join(
        rnd.choice(("alpha", "beta", "gamma", "delta", "river", "stone")) for _ in range(rnd.randint(3, 60))
    )
    text = f"Soak {kind} {uuid.uuid4()}: {rnd.choice(FLAVOURS)} {words}"
    if rnd.random() < 0.04:
        text += " " + RUDE
    return text


def review_values(rnd: random.Random, names: list[str]) -> dict[str, float]:
    values = {}
    for name in names:
        if name == "spam":
            values[name] = 1.0 if rnd.random() < 0.08 else 0.0
        elif name in ("quality", "toxicity", "humor", "helpfulness", "creativity", "violence"):
            values[name] = rnd.choice(SCALE)
        else:
            values[name] = 0.0
    return values


def submission_body(rnd: random.Random, task: dict) -> tuple[dict, str | None]:
    kind = task["type"]
    if kind in TEXT_TYPES:
        text = new_text(rnd, kind)
        return ({"text": text, "lang": LANG} if kind == "initial_prompt" else {"text": text}), text
    if kind.startswith("label_"):
        return {"values": review_values(rnd, task.get("label_names") or []), "comment": ""}, None
    replies = [reply["id"] for reply in task.get("replies") or []]
    rnd.shuffle(replies)
    if rnd.random() < 0.05:
        return {"not_rankable": True}, None
    return {"ranking": replies}, None


def garbage(rnd: random.Random) -> tuple[str, bytes, dict[str, str]]:
    """(name, body, headers) of a body no submission should accept; none may cause a 5xx."""
    json_type = {"Content-Type": "application/json"}
    choices = [
        ("invalid_json", b'{"text": "unterminated', json_type),
        ("not_an_object", b'["text", 1, null]', json_type),
        ("wrong_types", json.dumps({"text": 12345, "values": "yes", "ranking": {"a": 1}}).encode(), json_type),
        ("nested", json.dumps({"text": {"$gt": ""}, "values": [[[]]], "ranking": [None, 1.5]}).encode(), json_type),
        ("huge_text", json.dumps({"text": "x" * 200_000, "values": {"spam": "x" * 100_000}}).encode(), json_type),
        ("too_big_body", b'{"text": "' + b"y" * 3_000_000 + b'"}', json_type),
        ("nul_and_controls", json.dumps({"text": "a\u0000b\u001b[31m", "comment": "\u0000"}).encode(), json_type),
        ("lone_surrogate", b'{"text": "\\ud800 half a pair", "lang": "\\udfff"}', json_type),
        ("invalid_utf8", b'{"text": "\xff\xfe\xc0\xaf overlong"}', json_type),
        (
            "utf16",
            json.dumps({"text": "utf-16 text"}).encode("utf-16"),
            {"Content-Type": "application/json; charset=utf-16"},
        ),
        ("latin1_charset", '{"text": "café"}'.encode("latin-1"), {"Content-Type": "application/json; charset=latin-1"}),
        ("form_body", b"text=hello&values=1", {"Content-Type": "application/x-www-form-urlencoded"}),
        ("no_content_type", b'{"text": "hello"}', {}),
        ("bom", b'\xef\xbb\xbf{"text": 1}', json_type),
        ("deep_nesting", b"[" * 50_000 + b"]" * 50_000, json_type),
        ("huge_number", b'{"values": {"quality": 1e999999}, "ranking": [1e400]}', json_type),
        ("blank_text", json.dumps({"text": "\u200b \u3164 \n\t"}).encode(), json_type),
    ]
    return rnd.choice(choices)


# --- Volunteers through the API -----------------------------------------------------------------------


class ApiVolunteer:
    def __init__(self, name: str, client: Client, recorder: Recorder, rnd: random.Random, pause: float) -> None:
        self.name, self.client, self.recorder, self.rnd, self.pause = name, client, recorder, rnd, pause
        self.seen_messages: list[str] = []

    async def run(self, until: float) -> None:
        while time.monotonic() < until:
            roll = self.rnd.random()
            if roll < 0.05:
                await self.hoard(until)
            else:
                await self.one_task()
            if self.rnd.random() < 0.2:
                await self.react()
            if self.rnd.random() < 0.05:
                await self.browse()
            if self.pause:
                await asyncio.sleep(self.rnd.expovariate(1 / self.pause))

    def pick_type(self) -> str:
        roll = self.rnd.random()
        if roll < 0.45:
            return "random"
        if roll < 0.55:
            return "initial_prompt"
        return self.rnd.choice(TASK_TYPES[1:])

    async def request_task(self, task_type: str | None = None, lang: str = LANG) -> dict | None:
        task_type = task_type or self.pick_type()
        response = await self.client.request("POST", "/api/v1/tasks/", json={"type": task_type, "lang": lang})
        if response is None or response.status_code != 201:
            if response is not None and response.status_code == 404:
                await asyncio.sleep(0.2)
            return None
        task = response.json()
        self.seen_messages.extend(m["id"] for m in task.get("thread") or [])
        self.seen_messages = self.seen_messages[-30:]
        self.recorder.volunteers_active.add(self.name)
        return task

    async def hoard(self, until: float) -> None:
        """Ask for many tasks without doing them (up to the open-task limit), then work them off."""
        self.recorder.behaviours["hoard"] += 1
        held = []
        for task_type in [*self.rnd.sample(TASK_TYPES, len(TASK_TYPES)), "random", "random"]:
            task = await self.request_task(task_type)
            if task is not None and task["id"] not in {t["id"] for t in held}:
                held.append(task)
        # An open task is given back to a request for the same type in the same language: prompts in other
        # languages are new tasks each, up to the open-task limit and beyond.
        for lang in HOARD_LANGUAGES:
            task = await self.request_task("initial_prompt", lang)
            if task is not None and task["id"] not in {t["id"] for t in held}:
                held.append(task)
        for task in held:
            if time.monotonic() >= until:
                break
            await self.work(task)

    async def one_task(self) -> None:
        task = await self.request_task()
        if task is not None:
            await self.work(task)

    async def work(self, task: dict) -> None:
        base = f"/api/v1/tasks/{task['id']}"
        if task.get("acknowledged_at") is None:
            await self.client.request("POST", f"{base}/ack/")
        roll = self.rnd.random()
        if roll < 0.15:
            await self.client.request("POST", f"{base}/renew/")
        if roll < 0.02:
            await self.client.request("GET", f"{base}/")
        roll = self.rnd.random()
        if roll < 0.07:
            self.recorder.behaviours["skip"] += 1
            await self.client.request(
                "POST", f"{base}/skip/", json={"reason": self.rnd.choice(["", "unclear", "x" * 600])}
            )
            return
        if roll < 0.09:
            self.recorder.behaviours["release"] += 1
            await self.client.request("POST", f"{base}/release/")
            return
        if roll < 0.17 and await self.send_garbage(task):
            return
        await self.submit(task)

    async def send_garbage(self, task: dict) -> bool:
        """A garbage body to one of the task's endpoints; True if a submission took it (the task is done)."""
        name, body, headers = garbage(self.rnd)
        target = self.rnd.choice(["submit", "request", "skip"])
        path = {
            "submit": f"/api/v1/tasks/{task['id']}/submit/",
            "request": "/api/v1/tasks/",
            "skip": f"/api/v1/tasks/{task['id']}/skip/",
        }[target]
        response = await self.client.request(
            "POST", path, name=f"GARBAGE {endpoint_name('POST', path)}", content=body, headers=headers
        )
        status = response.status_code if response is not None else "no answer"
        self.recorder.behaviours[f"garbage {name} to {target} -> {status}"] += 1
        if response is not None and response.status_code < 300 and target == "submit":
            # Accepted after all (a text in Latin-1 that says so, a number taken as a text): the task is done, and
            # the check compares it with the database like any other.
            self.record_submission(task, "garbage", response, None)
            return True
        return response is not None and response.status_code < 300 and target == "skip"

    def record_submission(self, task: dict, mode: str, response: httpx.Response | None, text: str | None) -> None:
        status = response.status_code if response is not None else 0
        result_id = None
        if response is not None and 200 <= status < 300:
            data = response.json()
            for key in ("message", "review", "ranking"):
                if data.get(key):
                    result_id = str(data[key]["id"])
        self.recorder.submissions.append(
            Submission(task["id"], task["type"], self.name, "api", mode, status, text, result_id)
        )

    async def submit(self, task: dict) -> None:
        body, text = submission_body(self.rnd, task)
        path = f"/api/v1/tasks/{task['id']}/submit/"
        roll = self.rnd.random()
        if roll < 0.12:
            mode = "parallel"
            responses = await asyncio.gather(
                self.client.request("POST", path, json=body), self.client.request("POST", path, json=body)
            )
        elif roll < 0.22:
            mode = "retry"
            # The first attempt gives up before the answer (the server goes on with it); the retry sends the same.
            first = await self.client.request(
                "POST", path, name="POST /api/v1/tasks/{id}/submit/ (timed out)", json=body, timeout=0.002
            )
            responses = [first, await self.client.request("POST", path, json=body)]
        else:
            mode = "once"
            responses = [await self.client.request("POST", path, json=body)]
        self.recorder.behaviours[f"submit {mode}"] += 1
        for response in responses:
            if response is not None:
                self.record_submission(task, mode, response, text)
        ok = [r for r in responses if r is not None and r.status_code == 201]
        if ok and ok[0].json().get("message"):
            message_id = ok[0].json()["message"]["id"]
            self.seen_messages.append(message_id)
            if self.rnd.random() < 0.05:
                # An edit of one's own text races the reviews of it (allowed only while nobody reviewed it).
                edit = {"text": f"{text} (edited {uuid.uuid4()})"}
                await self.client.request("PATCH", f"/api/v1/messages/{message_id}/", json=edit)

    async def react(self) -> None:
        if not self.seen_messages:
            return
        message_id = self.rnd.choice(self.seen_messages)
        roll = self.rnd.random()
        if roll < 0.75:
            emoji = self.rnd.choice(EMOJIS)
            await self.client.request(
                "POST", f"/api/v1/messages/{message_id}/emojis/", json={"emoji": emoji, "on": self.rnd.random() < 0.8}
            )
        else:
            body = {
                "report_type": self.rnd.choice(["spam", "other", "red_flag", "toxicity"]),
                "reason": self.rnd.choice(["", "rude", "contains an address", "ü" * 50]),
            }
            await self.client.request("POST", f"/api/v1/messages/{message_id}/reports/", json=body)

    async def browse(self) -> None:
        roll = self.rnd.random()
        if roll < 0.3:
            await self.client.request("GET", "/api/v1/me/stats/")
        elif roll < 0.5:
            await self.client.request("GET", "/api/v1/tasks/availability/", params={"lang": LANG})
        elif roll < 0.6:
            await self.client.request("GET", "/api/v1/tasks/")
        elif self.seen_messages:
            message_id = self.rnd.choice(self.seen_messages)
            which = self.rnd.choice(["", "thread/", "children/", "tree/"])
            await self.client.request("GET", f"/api/v1/messages/{message_id}/{which}")


# --- Volunteers through the task pages ------------------------------------------------------------------

KIND_RE = re.compile(r'class="task task-([a-z_]+)"')
RADIO_RE = re.compile(r'<input type="radio" name="([a-z_]+)" value="([0-9.]+)"')
RANKING_RE = re.compile(r'<input type="hidden" name="ranking" value="([0-9a-f-]{36})"')
TASK_ID_RE = re.compile(r'data-task-id="([0-9a-f-]{36})"')


class WebVolunteer:
    """A volunteer on the task pages: a session cookie, the CSRF token, htmx posts."""

    def __init__(self, name: str, client: Client, recorder: Recorder, rnd: random.Random, pause: float) -> None:
        self.name, self.client, self.recorder, self.rnd, self.pause = name, client, recorder, rnd, pause

    def csrf_headers(self) -> dict[str, str]:
        return {"X-CSRFToken": self.client.http.cookies.get("csrftoken", ""), "HX-Request": "true"}

    async def run(self, until: float) -> None:
        await self.client.request("GET", "/")
        while time.monotonic() < until:
            if self.rnd.random() < 0.08:
                await self.hoard(until)
                continue
            task_type = self.rnd.choice(["", "", *TASK_TYPES])
            response = await self.client.request("GET", "/tasks/new/", params={"type": task_type, "lang": LANG})
            if response is None or response.status_code != 302:
                await asyncio.sleep(0.3)
                continue
            page = await self.client.request("GET", response.headers["location"])
            if page is None or page.status_code != 200:
                continue
            await self.work(page.text)
            if self.pause:
                await asyncio.sleep(self.rnd.expovariate(1 / self.pause))

    async def hoard(self, until: float) -> None:
        """Take one task of each kind, and replies with a draft typed in each (a reply with a draft is not given
        back by the next request), up to the open-task limit and beyond, then do them."""
        self.recorder.behaviours["web hoard"] += 1
        held = []
        replies = [self.rnd.choice(["assistant_reply", "prompter_reply"]) for _ in range(8)]
        for task_type in ["initial_prompt", "label_initial_prompt", "label_assistant_reply", *replies]:
            response = await self.client.request("GET", "/tasks/new/", params={"type": task_type, "lang": LANG})
            if response is None or response.status_code != 302:
                continue
            task_id = response.headers["location"].rstrip("/").rsplit("/", 1)[-1]
            held.append(task_id)
            if task_type in TEXT_TYPES:
                draft = {"text": f"draft {uuid.uuid4()}"}
                await self.client.request("POST", f"/tasks/{task_id}/draft/", data=draft, headers=self.csrf_headers())
        for task_id in dict.fromkeys(held):
            if time.monotonic() >= until:
                return
            page = await self.client.request("GET", f"/tasks/{task_id}/")
            if page is not None and page.status_code == 200:
                await self.work(page.text)

    async def work(self, html: str) -> None:
        kind_match, id_match = KIND_RE.search(html), TASK_ID_RE.search(html)
        if not kind_match or not id_match:
            return
        kind, task_id = kind_match.group(1), id_match.group(1)
        self.recorder.volunteers_active.add(self.name)
        if self.rnd.random() < 0.1:
            await self.client.request("POST", f"/tasks/{task_id}/renew/", headers=self.csrf_headers())
        if self.rnd.random() < 0.06:
            self.recorder.behaviours["web skip"] += 1
            await self.client.request(
                "POST", f"/tasks/{task_id}/skip/", data={"reason": "unclear", "note": ""}, headers=self.csrf_headers()
            )
            return
        text = None
        if kind == "review":
            choices: dict[str, list[str]] = defaultdict(list)
            for name, value in RADIO_RE.findall(html):
                choices[name].append(value)
            data = {name: ("0" if name == "spam" else self.rnd.choice(values)) for name, values in choices.items()}
        elif kind == "ranking":
            replies = RANKING_RE.findall(html)
            self.rnd.shuffle(replies)
            data = {"ranking": replies}
        else:
            text = new_text(self.rnd, f"web-{kind}")
            data = {"text": text, "lang": LANG}
        response = await self.client.request(
            "POST", f"/tasks/{task_id}/submit/", data=data, headers=self.csrf_headers()
        )
        if response is not None:
            self.recorder.submissions.append(
                Submission(task_id, kind, self.name, "web", "once", response.status_code, text, None)
            )


# --- Moderators and the researcher --------------------------------------------------------------------------


class ApiModerator:
    def __init__(self, name: str, client: Client, recorder: Recorder, rnd: random.Random) -> None:
        self.name, self.client, self.recorder, self.rnd = name, client, recorder, rnd

    async def run(self, until: float) -> None:
        while time.monotonic() < until:
            state = self.rnd.choice(["open", "open", "open", "acted_on", "dismissed"])
            queue = json_or_empty(
                await self.client.request("GET", "/api/v1/moderation/queue/", params={"state": state})
            )
            items = queue.get("items") or [] if isinstance(queue, dict) else []
            if items:
                await self.act(self.rnd.choice(items))
            elif self.rnd.random() < 0.3:
                await self.client.request("GET", "/api/v1/moderation/actions/")
            if self.rnd.random() < 0.1:
                await self.client.request("GET", "/api/v1/moderation/trollboard/", params={"frame": "day"})
            await asyncio.sleep(self.rnd.uniform(0.3, 1.2))

    async def act(self, item: dict) -> None:
        message = item["message"]
        base = f"/api/v1/moderation/messages/{message['id']}"
        reason = {"reason": self.rnd.choice(["", "soak", "spam"])}
        roll = self.rnd.random()
        if message["deleted"]:
            await self.client.request("POST", f"{base}/restore/", json=reason)
        elif roll < 0.4:
            await self.client.request("POST", f"{base}/dismiss-flags/", json=reason)
        elif roll < 0.7:
            await self.client.request("POST", f"{base}/hide/", json=reason)
        elif roll < 0.8:
            body = {"text": f"Edited by a moderator {uuid.uuid4()}", **reason}
            await self.client.request("POST", f"{base}/edit/", json=body)
        elif roll < 0.9:
            response = await self.client.request(
                "POST", f"/api/v1/moderation/trees/{message['tree_id']}/halt/", json=reason
            )
            if response is not None and response.status_code == 200:
                await asyncio.sleep(self.rnd.uniform(0.5, 3))
                await self.client.request("POST", f"/api/v1/moderation/trees/{message['tree_id']}/resume/", json=reason)
        else:
            await self.client.request("GET", f"/api/v1/moderation/queue/{message['id']}/")


QUEUE_ACTION_RE = re.compile(r"/moderation/queue/([0-9a-f-]{36})/(dismiss|hide|restore)/")


class WebModerator:
    """A moderator on the flag queue page: htmx posts of its buttons."""

    def __init__(self, name: str, client: Client, recorder: Recorder, rnd: random.Random) -> None:
        self.name, self.client, self.recorder, self.rnd = name, client, recorder, rnd

    async def run(self, until: float) -> None:
        while time.monotonic() < until:
            state = self.rnd.choice(["open", "open", "acted_on"])
            page = await self.client.request("GET", "/moderation/queue/", params={"state": state})
            actions = QUEUE_ACTION_RE.findall(page.text) if page is not None and page.status_code == 200 else []
            if actions:
                message_id, action = self.rnd.choice(actions)
                headers = {"X-CSRFToken": self.client.http.cookies.get("csrftoken", ""), "HX-Request": "true"}
                await self.client.request(
                    "POST",
                    f"/moderation/queue/{message_id}/{action}/",
                    data={"reason": "soak", "state": state},
                    headers=headers,
                )
            await asyncio.sleep(self.rnd.uniform(0.5, 1.5))


class Researcher:
    """Requests exports one after the other while the volunteers work, waits for each and downloads it."""

    KINDS = ("trees", "messages", "parquet", "threads", "sft", "pairs")

    def __init__(self, client: Client, recorder: Recorder, rnd: random.Random) -> None:
        self.client, self.recorder, self.rnd = client, recorder, rnd
        self.jobs: Counter = Counter()

    async def run(self, until: float) -> None:
        for kind in self.KINDS * 100:
            if time.monotonic() >= until:
                return
            body = {"kind": kind, "states": [], "deleted": "include", "compress": self.rnd.random() < 0.5}
            response = await self.client.request("POST", "/api/v1/exports/", json=body)
            if response is None or response.status_code != 201:
                await asyncio.sleep(1)
                continue
            job_id = response.json()["id"]
            state = "queued"
            while time.monotonic() < until:
                await asyncio.sleep(1)
                job = json_or_empty(await self.client.request("GET", f"/api/v1/exports/{job_id}/"))
                state = job.get("state", state) if isinstance(job, dict) else state
                if state in ("ready", "failed", "expired"):
                    break
            else:
                state = f"{state} at the end"
            self.jobs[state] += 1
            if state == "ready":
                await self.client.request("GET", f"/api/v1/exports/{job_id}/download/")
            await self.client.request("GET", "/api/v1/exports/")


# --- The load -------------------------------------------------------------------------------------------------


@dataclass
class Accounts:
    tokens: list[tuple[str, str]]  # (username, personal token)
    client_token: str  # an API client's token; its users are named in X-OASST-User
    client_users: list[str]
    web_sessions: list[tuple[str, str]]  # (username, session key)
    moderator_tokens: list[str]
    moderator_session: str
    researcher_token: str


async def event_loop_lag(until: float, lags: list[float]) -> None:
    """How late the event loop wakes a sleeper: a loaded client shows here before it shows in the server's
    figures."""
    while time.monotonic() < until:
        start = time.perf_counter()
        await asyncio.sleep(0.05)
        lags.append(time.perf_counter() - start - 0.05)


async def run_load(base: str, accounts: Accounts, seconds: float, pause: float, recorder: Recorder, seed: int) -> dict:
    until = time.monotonic() + seconds
    clients: list[Client] = []
    actors = []

    def client(**kwargs) -> Client:
        made = Client(base, recorder, **kwargs)
        clients.append(made)
        return made

    for i, (username, token) in enumerate(accounts.tokens):
        actors.append(
            ApiVolunteer(
                username, client(headers={"Authorization": f"Token {token}"}), recorder, random.Random(seed + i), pause
            )
        )
    for i, external_id in enumerate(accounts.client_users):
        headers = {
            "Authorization": f"ApiClient {accounts.client_token}",
            "X-OASST-User": external_id,
            "X-OASST-User-Name": f"Soak bot user {i}",
        }
        actors.append(
            ApiVolunteer(
                f"client:{external_id}", client(headers=headers), recorder, random.Random(seed + 1000 + i), pause
            )
        )
    for i, (username, session_key) in enumerate(accounts.web_sessions):
        web = client()
        web.http.cookies.set("sessionid", session_key)
        actors.append(WebVolunteer(username, web, recorder, random.Random(seed + 2000 + i), pause))
    moderators = [
        ApiModerator(
            f"moderator-{i}",
            client(headers={"Authorization": f"Token {token}"}),
            recorder,
            random.Random(seed + 3000 + i),
        )
        for i, token in enumerate(accounts.moderator_tokens)
    ]
    page_moderator = client()
    page_moderator.http.cookies.set("sessionid", accounts.moderator_session)
    await page_moderator.request("GET", "/")
    moderators.append(WebModerator("moderator-web", page_moderator, recorder, random.Random(seed + 4000)))
    researcher = Researcher(
        client(headers={"Authorization": f"Token {accounts.researcher_token}"}), recorder, random.Random(seed + 5000)
    )

    async def guarded(actor) -> None:
        try:
            await actor.run(until)
        except Exception:  # a client bug must not hide behind the server's figures
            where = traceback.format_exc().strip().splitlines()[-3:]
            recorder.volunteers_crashed.append(f"{getattr(actor, 'name', 'researcher')}: {' | '.join(where)}")

    lags: list[float] = []
    process = psutil.Process()
    cpu_before = process.cpu_times()
    started = time.perf_counter()
    await asyncio.gather(*(guarded(a) for a in [*actors, *moderators, researcher]), event_loop_lag(until, lags))
    elapsed = time.perf_counter() - started
    cpu_after = process.cpu_times()
    for made in clients:
        await made.close()
    client_cpu = (cpu_after.user + cpu_after.system) - (cpu_before.user + cpu_before.system)
    return {
        "elapsed": elapsed,
        "client_cpu_share": client_cpu / elapsed,
        "loop_lag_p99_ms": percentile(lags, 0.99) * 1000 if lags else 0.0,
        "volunteers": len(actors),
        "exports": dict(researcher.jobs),
    }


# --- The servers -----------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(command: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen:
    log(" ".join(command))
    handle = log_path.open("w")
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)


def stop_all(processes: list[subprocess.Popen]) -> None:
    """Ask every process to stop (gunicorn and the workers finish what they are doing), then wait for each."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_for_health(base: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the server exited at start; see its log")
        try:
            if httpx.get(f"{base}/api/v1/health/", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not start")


# --- Database: creation, seeding, checks ---------------------------------------------------------------


def admin_url(database_url: str) -> str:
    parsed = urlparse(database_url)
    return parsed._replace(path="/postgres").geturl().replace("postgres://", "postgresql://", 1)


def recreate_database(database_url: str) -> None:
    name = urlparse(database_url).path.lstrip("/")
    with psycopg.connect(admin_url(database_url), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def drop_database(database_url: str) -> None:
    name = urlparse(database_url).path.lstrip("/")
    with psycopg.connect(admin_url(database_url), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seed(
    *, volunteers: int, web_share: float, client_share: float, moderators: int, prompts: int, trees: int
) -> Accounts:
    """The demo data, prompts waiting for their reviews and the soak's users, with their tokens and sessions."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.core.management import call_command
    from django.utils import timezone

    from accounts.models import Role, User
    from accounts.services.api_clients import create_api_client
    from accounts.services.tokens import issue_personal_token
    from annotation.services.tree_transitions import start_tree

    call_command("migrate", verbosity=0)
    call_command("load_demo", trees=trees, verbosity=0, stdout=io.StringIO())
    now = timezone.now()
    session_store = import_module(settings.SESSION_ENGINE).SessionStore

    def user(username: str, role: str = Role.VOLUNTEER) -> User:
        return User.objects.create(
            username=username, role=role, languages=[LANG], tos_accepted_at=now, email=f"{username}@example.org"
        )

    def session(account: User) -> str:
        store = session_store()
        store[SESSION_KEY] = str(account.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = account.get_session_auth_hash()
        store.create()
        return store.session_key

    web = max(1, round(volunteers * web_share))
    bots = max(1, round(volunteers * client_share))
    api = max(1, volunteers - web - bots)
    tokens = []
    for i in range(api):
        account = user(f"soak-volunteer-{i}")
        tokens.append((account.username, issue_personal_token(user=account)))
    web_sessions = [(f"soak-web-{i}", session(user(f"soak-web-{i}"))) for i in range(web)]
    _, client_token = create_api_client(name="soak-bot")
    moderator_tokens = [
        issue_personal_token(user=user(f"soak-moderator-{i}", Role.MODERATOR)) for i in range(moderators)
    ]
    moderator_session = session(user("soak-moderator-web", Role.MODERATOR))
    researcher_token = issue_personal_token(user=user("soak-researcher", Role.RESEARCHER))
    authors = [user(f"soak-author-{i}") for i in range(4)]
    for i in range(prompts):
        start_tree(
            author=authors[i % len(authors)], text=f"Seed prompt {i}: {uuid.uuid4()}", lang=LANG, origin="web", now=now
        )
    return Accounts(
        tokens=tokens,
        client_token=client_token,
        client_users=[f"bot-user-{i}" for i in range(bots)],
        web_sessions=web_sessions,
        moderator_tokens=moderator_tokens,
        moderator_session=moderator_session,
        researcher_token=researcher_token,
    )


# Slot rows whose results plus open claims exceed what they may take (the limits of settings.TREE_MANAGER and of
# each tree), in one snapshot. Only the rows a task of the soak was handed out on: imported trees (the demo's and
# the generated ones) may hold more than today's limits, and the hand-out never offers them. A reply a moderator
# restored is not counted: its slot was freed when it was hidden and may have been taken since; putting it back is
# the moderator's call, not a hand-out's (RESTORED_OVER_CAPACITY counts the parents it over-fills, for the report).
OVER_CAPACITY = {
    "reply": """
        SELECT p.id FROM annotation_message p JOIN annotation_messagetree t ON t.id = p.tree_id
        WHERE EXISTS (SELECT 1 FROM annotation_task s WHERE s.parent_message_id = p.id AND s.created_at >= %(since)s
                      AND s.type IN ('assistant_reply', 'prompter_reply'))
          AND (SELECT count(*) FROM annotation_message c
               WHERE c.parent_id = p.id AND NOT c.deleted AND c.review_result IS DISTINCT FROM false
               AND NOT EXISTS (SELECT 1 FROM moderation_moderationaction a
                               WHERE a.kind = 'restore_message' AND a.details->'restored_ids' ? c.id::text))
            + (SELECT count(*) FROM annotation_task k WHERE k.parent_message_id = p.id AND k.state = 'open'
               AND k.type IN ('assistant_reply', 'prompter_reply'))
            > CASE WHEN p.role = 'prompter' THEN t.max_children_count ELSE %(prompter_replies)s END
    """,
    "review": """
        SELECT m.id FROM annotation_message m
        WHERE EXISTS (SELECT 1 FROM annotation_task s WHERE s.message_id = m.id AND s.created_at >= %(since)s)
          AND (SELECT count(*) FROM annotation_review r WHERE r.message_id = m.id)
            + (SELECT count(*) FROM annotation_task k WHERE k.message_id = m.id AND k.state = 'open'
               AND k.type LIKE 'label_%%')
            > CASE WHEN m.parent_id IS NULL THEN %(prompt_reviews)s ELSE %(reply_reviews)s END
    """,
    "ranking": """
        SELECT p.id FROM annotation_message p
        WHERE EXISTS (SELECT 1 FROM annotation_task s WHERE s.parent_message_id = p.id AND s.created_at >= %(since)s
                      AND s.type IN ('rank_assistant_replies', 'rank_prompter_replies'))
          AND (SELECT count(*) FROM annotation_ranking r WHERE r.parent_id = p.id)
            + (SELECT count(*) FROM annotation_task k WHERE k.parent_message_id = p.id AND k.state = 'open'
               AND k.type IN ('rank_assistant_replies', 'rank_prompter_replies'))
            > %(rankings)s
    """,
}
RESTORED_OVER_CAPACITY = """
    SELECT count(*) FROM annotation_message p JOIN annotation_messagetree t ON t.id = p.tree_id
    WHERE EXISTS (SELECT 1 FROM annotation_message c JOIN moderation_moderationaction a
                  ON a.kind = 'restore_message' AND a.details->'restored_ids' ? c.id::text
                  WHERE c.parent_id = p.id AND a.created_at >= %(since)s)
      AND (SELECT count(*) FROM annotation_message c
           WHERE c.parent_id = p.id AND NOT c.deleted AND c.review_result IS DISTINCT FROM false)
        > CASE WHEN p.role = 'prompter' THEN t.max_children_count ELSE %(prompter_replies)s END
"""
OVER_PENDING = """
    SELECT user_id, count(*) FROM annotation_task WHERE state = 'open' AND expires_at > now()
    GROUP BY user_id HAVING count(*) > %(pending)s
"""


def limits(since: datetime) -> dict:
    from django.conf import settings

    cfg = settings.TREE_MANAGER
    return {
        "since": since,
        "prompter_replies": cfg.num_prompter_replies,
        "prompt_reviews": cfg.num_reviews_initial_prompt,
        "reply_reviews": cfg.num_reviews_reply,
        "rankings": cfg.num_required_rankings,
        "pending": cfg.max_pending_tasks_per_user,
    }


def snapshot(connection: psycopg.Connection, params: dict) -> dict[str, list]:
    """Over-filled slots and users above the open-task limit, read in one REPEATABLE READ snapshot."""
    found = {}
    with connection.transaction():
        connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        for name, sql in OVER_CAPACITY.items():
            found[name] = [str(row[0]) for row in connection.execute(sql, params).fetchall()]
        found["pending"] = [f"{row[0]}: {row[1]}" for row in connection.execute(OVER_PENDING, params).fetchall()]
    return found


class Snapshots(threading.Thread):
    """Takes a snapshot every few seconds while the load runs: an over-filled slot may be gone by the end."""

    def __init__(self, database_url: str, params: dict, every: float = 5.0) -> None:
        super().__init__(daemon=True)
        self.url = database_url.replace("postgres://", "postgresql://", 1)
        self.params, self.every = params, every
        self.stop_event = threading.Event()
        self.taken = 0
        self.violations: dict[str, set[str]] = defaultdict(set)
        self.loads: list[float] = []

    def run(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as connection:
            while not self.stop_event.wait(self.every):
                self.loads.append(os.getloadavg()[0])
                for name, rows in snapshot(connection, self.params).items():
                    self.violations[name].update(rows)
                self.taken += 1


def check_submissions(recorder: Recorder, since: datetime) -> dict[str, list[str]]:
    """Every submission answered 2xx is stored exactly once, as the client was told; no retry stored twice
    (among the reviews and rankings of the soak: imported data may hold a user's two rankings of a parent)."""
    from django.db.models import Count, Max, Q

    from annotation.models import Message, Ranking, Review, Task, TaskState

    problems: dict[str, list[str]] = defaultdict(list)
    by_task: dict[str, list[Submission]] = defaultdict(list)
    for submission in recorder.submissions:
        by_task[submission.task_id].append(submission)
    told_ok = {task_id: subs for task_id, subs in by_task.items() if any(200 <= s.status < 300 for s in subs)}
    tasks = Task.objects.in_bulk(list(told_ok))
    for task_id, subs in told_ok.items():
        task = tasks.get(uuid.UUID(task_id))
        if task is None or task.state != TaskState.DONE:
            problems["stored"].append(f"task {task_id} answered 2xx but is {task.state if task else 'missing'}")
            continue
        told = {s.result_id for s in subs if 200 <= s.status < 300 and s.result_id}
        if task.type in TEXT_TYPES:
            stored_id = str(task.result_message_id)
            # A garbage body the server took (mode garbage) left a text the client did not write down.
            garbled = any(s.mode == "garbage" and 200 <= s.status < 300 for s in subs)
            texts = set() if garbled else {s.text for s in subs if s.text}
            # A moderator may have edited the text since: the text sent is then the message's first revision.
            written = set(
                Message.objects.filter(Q(text__in=texts) | Q(revisions__text__in=texts), author_id=task.user_id)
                .values_list("pk", flat=True)
                .distinct()
            )
            if texts and written != {task.result_message_id}:
                problems["stored"].append(f"task {task_id}: messages with its text {sorted(map(str, written))}")
        elif task.type.startswith("label_"):
            reviews = Review.objects.filter(message_id=task.message_id, reviewer_id=task.user_id)
            stored_id = str(task.result["review_id"])
            if reviews.count() != 1:
                problems["stored"].append(f"task {task_id}: {reviews.count()} reviews")
        else:
            rankings = Ranking.objects.filter(parent_id=task.parent_message_id, user_id=task.user_id)
            stored_id = str(task.result["ranking_id"])
            if rankings.count() != 1:
                problems["stored"].append(f"task {task_id}: {rankings.count()} rankings")
        if told - {stored_id}:
            problems["told"].append(f"task {task_id}: told {sorted(told)}, stored {stored_id}")
    duplicates = {
        "messages": Message.objects.filter(parent__isnull=False)
        .values("author", "text")
        .annotate(n=Count("pk"))
        .filter(n__gt=1, author__username__startswith="soak-"),
        "reviews": Review.objects.values("message", "reviewer")
        .annotate(n=Count("pk"), last=Max("created_at"))
        .filter(n__gt=1, last__gte=since),
        "rankings": Ranking.objects.values("parent", "user")
        .annotate(n=Count("pk"), last=Max("created_at"))
        .filter(n__gt=1, last__gte=since),
    }
    for name, rows in duplicates.items():
        for row in rows[:20]:
            problems["duplicates"].append(f"{name}: {row}")
    return problems


def database_summary(since: datetime) -> list[str]:
    """What the soak left in the database: tasks per type and state, trees per state, moderation, exports."""
    from django.db.models import Count

    from annotation.models import Message, MessageTree, Ranking, Report, Review, Task
    from exports.models import ExportJob
    from moderation.models import ModerationAction

    tasks: dict[str, Counter] = defaultdict(Counter)
    for row in Task.objects.filter(created_at__gte=since).values("type", "state").annotate(n=Count("pk")):
        tasks[row["type"]][row["state"]] = row["n"]
    lines = [
        f"tasks {kind}: " + " ".join(f"{state} {n}" for state, n in sorted(states.items()))
        for kind, states in sorted(tasks.items())
    ]
    trees = MessageTree.objects.values_list("state").annotate(n=Count("pk")).order_by("state")
    lines.append("trees now: " + ", ".join(f"{state} {n}" for state, n in trees))
    written = {
        "messages": Message.objects.filter(created_at__gte=since).count(),
        "reviews": Review.objects.filter(created_at__gte=since).count(),
        "rankings": Ranking.objects.filter(created_at__gte=since).count(),
        "reports and flags": Report.objects.filter(created_at__gte=since).count(),
        "moderation actions": ModerationAction.objects.filter(created_at__gte=since).count(),
        "export jobs": ExportJob.objects.filter(created_at__gte=since).count(),
    }
    lines.append("written during the run: " + ", ".join(f"{name} {n}" for name, n in written.items()))
    return lines


def check_trees() -> tuple[bool, str]:
    """The project's own re-check of every active tree (``manage.py check_trees``, without --fix)."""
    from django.core.management import call_command

    out = io.StringIO()
    call_command("check_trees", stdout=out)
    lines = out.getvalue().strip().splitlines()
    return bool(lines) and lines[-1].startswith("0 of "), "\n    ".join(lines[-10:])


# --- Report ---------------------------------------------------------------------------------------------------


def print_report(recorder: Recorder, load: dict, loads: list[float], snapshots: int) -> None:
    served = recorder.requests
    print()
    crashed = sum(not name.startswith(("moderator", "researcher")) for name in recorder.volunteers_crashed)
    print(
        f"volunteers held: {load['volunteers'] - crashed} of {load['volunteers']} to the end "
        f"({len(recorder.volunteers_active)} were handed tasks, {len(recorder.volunteers_crashed)} client crashes)"
    )
    unanswered = sum(recorder.transport_errors.values())
    print(
        f"requests served: {served} in {load['elapsed']:.1f} s = {served / load['elapsed']:.1f} req/s "
        f"(and {unanswered} without an answer: the client's own timeouts and lost connections)"
    )
    print(
        f"client: {load['client_cpu_share'] * 100:.0f}% of one CPU, "
        f"event loop lag p99 {load['loop_lag_p99_ms']:.1f} ms; "
        f"load average (1 min) during the run: {min(loads, default=0):.2f} to {max(loads, default=0):.2f}"
    )
    print(f"exports: {load['exports']}; snapshots checked during the run: {snapshots}")
    print()
    width = max(len(name) for name in recorder.statuses) if recorder.statuses else 20
    print(f"{'endpoint':<{width}} {'count':>7} {'p50 ms':>8} {'p99 ms':>8}  statuses")
    for name in sorted(recorder.statuses, key=lambda n: -sum(recorder.statuses[n].values())):
        latencies = recorder.latencies.get(name) or [0.0]
        statuses = " ".join(f"{code}:{n}" for code, n in sorted(recorder.statuses[name].items()))
        count = sum(recorder.statuses[name].values())
        print(
            f"{name:<{width}} {count:>7} {percentile(latencies, 0.5) * 1000:>8.1f} "
            f"{percentile(latencies, 0.99) * 1000:>8.1f}  {statuses}"
        )
    modes = Counter(f"{s.channel} {s.mode}" for s in recorder.submissions)
    print()
    print("submissions recorded: " + ", ".join(f"{k} {v}" for k, v in sorted(modes.items())))
    print("API refusals: " + ", ".join(f"{k} {v}" for k, v in recorder.error_codes.most_common()))
    print("behaviours: " + ", ".join(f"{k} {v}" for k, v in sorted(recorder.behaviours.items())))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--volunteers", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--database", default="oasst_bench_soak", help="database name, on DATABASE_URL's server")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--pause", type=float, default=0.2, help="mean pause of a volunteer between tasks, seconds")
    parser.add_argument("--web-share", type=float, default=0.2, help="share of volunteers on the task pages")
    parser.add_argument("--client-share", type=float, default=0.2, help="share of volunteers through an API client")
    parser.add_argument("--moderators", type=int, default=3, help="moderators on the API (one more on the page)")
    parser.add_argument(
        "--export-trees", type=int, default=0, help="generated trees (generate_oasst) added to the demo's"
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    base_url = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
    database_url = urlparse(base_url)._replace(path=f"/{args.database}").geturl()
    folder = Path(tempfile.mkdtemp(prefix="soak-"))
    env = {
        **os.environ,
        **SERVER_TM_OVERRIDES,
        "DATABASE_URL": database_url,
        "REDIS_URL": args.redis_url,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SETTINGS_MODULE": "oasst.settings",
        "MEDIA_ROOT": str(folder / "media"),
        "LOG_LEVEL": "WARNING",
        "NIGHTLY_RELEASE_HOUR": "-1",
        "TM_MAX_ACTIVE_TREES": str(max(4, args.volunteers // 4)),
    }
    started = time.monotonic()
    log(f"database {args.database}, logs in {folder}")
    recreate_database(database_url)
    os.environ.update(env)
    celery = str(BIN / "celery")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # The server boots and the queues are purged (jobs an earlier run left there would name rows of a database that
    # is gone) while the database is filled; the workers and beat start once both are done.
    gunicorn = [str(BIN / "gunicorn"), "oasst.wsgi", "--bind", f"127.0.0.1:{port}", "--log-level", "warning"]
    processes = [start(gunicorn, env, folder / "gunicorn.log")]
    purge = subprocess.Popen(
        [celery, "-A", "oasst", "purge", "-f", "-Q", "celery,exports"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    recorder = Recorder()
    snapshots = None
    try:
        import django

        django.setup()
        from django.db import connection

        accounts = seed(
            volunteers=args.volunteers,
            web_share=args.web_share,
            client_share=args.client_share,
            moderators=args.moderators,
            prompts=max(8, args.volunteers // 2),
            trees=args.export_trees,
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT now()")
            since = cursor.fetchone()[0]
        params = limits(since)
        connection.close()
        purge.wait()
        worker = [celery, "-A", "oasst", "worker", "--concurrency", "1", "--loglevel", "WARNING"]
        beat = [
            celery,
            "-A",
            "oasst",
            "beat",
            "--loglevel",
            "WARNING",
            "--schedule",
            str(folder / "celerybeat-schedule"),
        ]
        processes += [
            start([*worker, "-n", f"soak-{port}@%h", "--queues", "celery"], env, folder / "worker.log"),
            start(
                [*worker, "-n", f"soak-exports-{port}@%h", "--queues", "exports", "--prefetch-multiplier", "1"],
                env,
                folder / "exports-worker.log",
            ),
            start(beat, env, folder / "beat.log"),
        ]
        wait_for_health(base, processes[0])
        log(
            f"{args.volunteers} volunteers for {args.seconds:.0f} s against {base} "
            f"(set up in {time.monotonic() - started:.0f} s)"
        )
        snapshots = Snapshots(database_url, params)
        snapshots.start()
        load = asyncio.run(run_load(base, accounts, args.seconds, args.pause, recorder, args.seed))
    finally:
        if snapshots is not None:
            snapshots.stop_event.set()
        stop_all([purge, *processes])
    snapshots.join(timeout=30)
    log(f"load and shutdown done after {time.monotonic() - started:.0f} s")

    print_report(recorder, load, snapshots.loads, snapshots.taken)
    failures = 0

    def verdict(name: str, problems: list[str]) -> None:
        nonlocal failures
        if problems:
            failures += 1
            print(f"invariant {name}: FAILED ({len(problems)})")
            for problem in problems[:10]:
                print(f"    {problem}")
        else:
            print(f"invariant {name}: ok")

    print()
    with psycopg.connect(database_url.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        final = snapshot(conn, params)
        restored = conn.execute(RESTORED_OVER_CAPACITY, params).fetchone()[0]
    print(f"parents holding more replies than their limit since a moderator restored one: {restored}")
    for name in OVER_CAPACITY:
        verdict(f"no over-filled {name} slot", sorted(snapshots.violations[name] | set(final[name])))
    verdict("no user above the open-task limit", sorted(snapshots.violations["pending"] | set(final["pending"])))
    for line in database_summary(since):
        print(line)
    print()
    submission_problems = check_submissions(recorder, since)
    connection.close()
    verdict("every 2xx submission stored exactly once", submission_problems["stored"] + submission_problems["told"])
    verdict("no duplicate from retries", submission_problems["duplicates"])
    trees_ok, trees_line = check_trees()
    connection.close()
    verdict("trees consistent (check_trees)", [] if trees_ok else [trees_line])
    verdict("zero 5xx", recorder.server_errors)
    verdict("no client crash", recorder.volunteers_crashed)
    if not args.keep:
        drop_database(database_url)
    log(f"checked after {time.monotonic() - started:.0f} s")
    print(f"\n{'FAILED' if failures else 'PASSED'}: {failures} invariants violated")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
