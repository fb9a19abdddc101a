"""A local stand-in of the Hugging Face Hub's HTTP API, as far as ``HfApi.create_repo`` and ``create_commit``
use it: repository creation, README metadata validation, the preupload endpoint (which answers "regular" for
every file, so that the client sends each file's content inline in the commit) and the commit endpoint (which
reads the NDJSON commit and keeps its files). It listens on a free port of 127.0.0.1, in a thread."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import yaml

REPO_PATH = r"/api/(?P<type>models|datasets|spaces)/(?P<repo>[^/]+/[^/]+)"
PREUPLOAD = re.compile(REPO_PATH + r"/preupload/(?P<revision>[^/?]+)")
COMMIT = re.compile(REPO_PATH + r"/commit/(?P<revision>[^/?]+)")


@dataclass
class Commit:
    repo_id: str
    revision: str
    summary: str
    description: str
    files: dict[str, bytes]
    oid: str


@dataclass
class HubStandIn:
    token: str = "hf_test_token"
    # Repository id ("org/name") -> its files at the head of main.
    repos: dict[str, dict[str, bytes]] = field(default_factory=dict)
    commits: list[Commit] = field(default_factory=list)
    # (method, path) of every request, in order; the Authorization header of each.
    requests: list[tuple[str, str]] = field(default_factory=list)
    authorizations: list[str | None] = field(default_factory=list)
    # An HTTP status with which to refuse every commit (e.g. 403), or None.
    refuse_commits: int | None = None
    endpoint: str = ""

    def __enter__(self) -> HubStandIn:
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                stand_in._handle(self)

            def do_GET(self) -> None:
                stand_in._handle(self)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="hub-stand-in", daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    # --- Routing -------------------------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        path = request.path.split("?", 1)[0]
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        self.requests.append((request.command, path))
        self.authorizations.append(request.headers.get("Authorization"))
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return self._reply(request, 401, {"error": "Invalid credentials in Authorization header"})
        if request.command == "POST" and path == "/api/repos/create":
            return self._create_repo(request, json.loads(body))
        if request.command == "POST" and path == "/api/validate-yaml":
            return self._validate_yaml(request, json.loads(body))
        if request.command == "POST" and (match := PREUPLOAD.fullmatch(path)):
            return self._preupload(request, match["repo"], json.loads(body))
        if request.command == "POST" and (match := COMMIT.fullmatch(path)):
            return self._commit(request, match["repo"], match["revision"], body)
        return self._reply(request, 404, {"error": f"The stand-in has no {request.command} {path}"})

    def _reply(self, request: BaseHTTPRequestHandler, status: int, payload: dict, headers: dict | None = None) -> None:
        data = json.dumps(payload).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(data)

    # --- Endpoints -----------------------------------------------------------------------------

    def _create_repo(self, request: BaseHTTPRequestHandler, payload: dict) -> None:
        repo_id = f"{payload['organization']}/{payload['name']}" if payload.get("organization") else payload["name"]
        url = f"{self.endpoint}/{payload.get('type', 'model')}s/{repo_id}"
        if repo_id in self.repos:
            return self._reply(request, 409, {"error": "You already created this dataset repo", "url": url})
        self.repos[repo_id] = {}
        return self._reply(request, 200, {"url": url, "name": repo_id})

    def _validate_yaml(self, request: BaseHTTPRequestHandler, payload: dict) -> None:
        content = payload["content"]
        if not content.startswith("---\n"):
            return self._reply(request, 200, {"errors": [], "warnings": [{"message": "Empty metadata"}]})
        try:
            metadata = yaml.safe_load(content[4 : content.index("\n---\n", 3)])
        except (ValueError, yaml.YAMLError) as error:
            return self._reply(request, 400, {"errors": [{"message": str(error)}]})
        if not isinstance(metadata, dict):
            return self._reply(request, 400, {"errors": [{"message": "The metadata is not a mapping"}]})
        return self._reply(request, 200, {"errors": [], "warnings": []})

    def _preupload(self, request: BaseHTTPRequestHandler, repo_id: str, payload: dict) -> None:
        if repo_id not in self.repos:
            return self._reply(request, 404, {"error": "Repository not found"}, {"X-Error-Code": "RepoNotFound"})
        files = [{"path": file["path"], "uploadMode": "regular", "shouldIgnore": False} for file in payload["files"]]
        return self._reply(request, 200, {"files": files})

    def _commit(self, request: BaseHTTPRequestHandler, repo_id: str, revision: str, body: bytes) -> None:
        if repo_id not in self.repos:
            return self._reply(request, 404, {"error": "Repository not found"}, {"X-Error-Code": "RepoNotFound"})
        if self.refuse_commits is not None:
            return self._reply(request, self.refuse_commits, {"error": "You are not allowed to push to this repo"})
        header: dict = {}
        files: dict[str, bytes] = {}
        for line in body.splitlines():
            item = json.loads(line)
            if item["key"] == "header":
                header = item["value"]
            elif item["key"] == "file" and item["value"].get("encoding") == "base64":
                files[item["value"]["path"]] = base64.b64decode(item["value"]["content"])
            else:
                return self._reply(request, 400, {"error": f"The stand-in takes no {item['key']} operation"})
        oid = hashlib.sha1(body).hexdigest()
        self.commits.append(
            Commit(repo_id, revision, header.get("summary", ""), header.get("description", ""), files, oid)
        )
        self.repos[repo_id].update(files)
        url = f"{self.endpoint}/datasets/{repo_id}/commit/{oid}"
        return self._reply(request, 200, {"success": True, "commitOid": oid, "commitUrl": url, "hookOutput": ""})
