"""A local fake of the Anthropic Messages and Message Batches APIs, over real HTTP on 127.0.0.1.

Tests point the real `anthropic` SDK at it (``base_url``), so everything between the judge and
the wire (serialisation, retries and backoff, timeouts, JSONL result streaming) is the SDK's own
code. The fake records every request, checks the API key, simulates prompt caching in its usage
numbers, and can be scripted to misbehave:

    fake.on("q-17", "429", "ok")     # next request whose body mentions q-17: 429, then normal
    fake.on("q-18", "sleep:1.0")     # answer only after 1 s (longer than the client timeout)
    fake.on("q-19", "invalid")       # a 200 whose text is not a valid verdict
    fake.on("q-20", "errored")       # in a batch: an errored entry ("expired" also works)
    fake.on("q-21", "garbage")       # a 200 whose JSON body is not a Message

Unscripted requests get a valid verdict whose score comes from ``fake.grader(response_text)``.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_CUSTOM_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass
class Recorded:
    """One HTTP request as the fake received it."""

    method: str
    path: str
    headers: dict[str, str]
    body: str
    json: Any = None


@dataclass
class _Rule:
    match: str
    actions: list[str] = field(default_factory=list)


def _tokens(text: str) -> int:
    return -(-len(text) // 4)


def _error(kind: str, message: str) -> dict:
    return {"type": "error", "error": {"type": kind, "message": message}}


_STATUS_ERRORS = {
    "400": (400, "invalid_request_error"),
    "429": (429, "rate_limit_error"),
    "500": (500, "api_error"),
    "529": (529, "overloaded_error"),
}


class FakeAnthropic:
    """The fake server. `start()` serves in a daemon thread; `stop()` shuts it down."""

    def __init__(self, api_key: str = "test-key", retry_after_ms: int = 10) -> None:
        self.api_key = api_key
        self.retry_after_ms = retry_after_ms
        self.requests: list[Recorded] = []
        self.grader: Callable[[str], int] = lambda response: 2
        self.batch_polls_before_end = 2
        self.batches: dict[str, dict] = {}
        self._rules: list[_Rule] = []
        self._cache: set[str] = set()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._counter = 0

    # -- control

    def on(self, match: str, *actions: str) -> None:
        """Script the next requests whose body contains `match` (in order, one action each)."""
        with self._lock:
            self._rules.append(_Rule(match, list(actions)))

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeAnthropic:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:
                fake._handle(self, "GET")

            def do_POST(self) -> None:
                fake._handle(self, "POST")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # -- views for assertions

    def message_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.method == "POST" and r.path == "/v1/messages"]

    def batch_creates(self) -> list[Recorded]:
        return [r for r in self.requests if r.method == "POST" and r.path == "/v1/messages/batches"]

    # -- HTTP plumbing

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length).decode() if length else ""
        try:
            parsed = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            parsed = None
        path = handler.path.split("?", 1)[0]
        with self._lock:
            self.requests.append(
                Recorded(
                    method, path, {k.lower(): v for k, v in handler.headers.items()}, raw, parsed
                )
            )
        status, body, headers = self._route(handler, method, path, raw, parsed)
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", headers.pop("Content-Type", "application/json"))
            handler.send_header("Content-Length", str(len(payload)))
            handler.send_header("request-id", f"req_fake_{len(self.requests)}")
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test): nothing to answer

    def _authorised(self, handler: BaseHTTPRequestHandler) -> bool:
        bearer = handler.headers.get("Authorization", "")
        key = handler.headers.get("x-api-key")
        return key == self.api_key or bearer == f"Bearer {self.api_key}"

    def _route(self, handler, method: str, path: str, raw: str, parsed: Any):
        if not self._authorised(handler):
            return 401, _error("authentication_error", "invalid x-api-key"), {}
        if method == "POST" and path == "/v1/messages":
            return self._messages(raw, parsed)
        if method == "POST" and path == "/v1/messages/batches":
            return self._create_batch(parsed)
        match = re.fullmatch(r"/v1/messages/batches/([^/]+)(/results)?", path)
        if method == "GET" and match:
            batch_id, results = match.groups()
            if batch_id not in self.batches:
                return 404, _error("not_found_error", "no such batch"), {}
            if results:
                return self._batch_results(batch_id)
            return 200, self._poll_batch(batch_id), {}
        return 404, _error("not_found_error", f"no route {method} {path}"), {}

    def _next_action(self, raw: str) -> str:
        with self._lock:
            for rule in self._rules:
                if rule.actions and rule.match in raw:
                    return rule.actions.pop(0)
        return "ok"

    # -- Messages API

    def _messages(self, raw: str, params: Any):
        action = self._next_action(raw)
        if action.startswith("sleep:"):
            time.sleep(float(action.split(":", 1)[1]))
            action = "ok"
        if action in _STATUS_ERRORS:
            status, kind = _STATUS_ERRORS[action]
            headers = {"retry-after-ms": str(self.retry_after_ms)}
            return status, _error(kind, f"fake {kind}"), headers
        if action == "garbage":  # a 200 whose body is not a Message at all
            return 200, {"unexpected": True}, {}
        return 200, self._message(params, action), {}

    def _message(self, params: dict, action: str) -> dict:
        """A Message answering `params`, with usage that simulates the prompt cache."""
        system = "".join(block["text"] for block in params.get("system") or [])
        content = params["messages"][-1]["content"]
        response_text = content[-1]["text"]
        prefix, total = system, system
        marked = False
        for block in content:
            total += block["text"]
            if not marked:
                prefix += block["text"]
                marked = "cache_control" in block
        usage = {
            "input_tokens": _tokens(total),
            "output_tokens": 40,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
        }
        if marked:
            with self._lock:
                hit = prefix in self._cache
                self._cache.add(prefix)
            usage["input_tokens"] = _tokens(total) - _tokens(prefix)
            usage["cache_read_input_tokens" if hit else "cache_creation_input_tokens"] = _tokens(
                prefix
            )
        if action == "invalid":
            text = "I would give this response a 3 because it is mostly right."
        elif action == "bad-score":
            text = json.dumps({"score": 7, "reason": "off the scale"})
        else:
            text = json.dumps({"score": self.grader(response_text), "reason": "fake verdict"})
        with self._lock:
            self._counter += 1
            number = self._counter
        return {
            "id": f"msg_fake_{number}",
            "type": "message",
            "role": "assistant",
            "model": params["model"],
            "content": [
                # Adaptive-thinking models return a thinking block first (display omitted).
                {"type": "thinking", "thinking": "", "signature": "sig_fake"},
                {"type": "text", "text": text},
            ],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": usage,
        }

    # -- Message Batches API

    def _batch_object(self, batch_id: str) -> dict:
        batch = self.batches[batch_id]
        ended = batch["status"] == "ended"
        counts = {"processing": 0, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0}
        if ended:
            for line in batch["results"]:
                counts[line["result"]["type"]] += 1
        else:
            counts["processing"] = len(batch["requests"])
        now = "2026-01-16T12:00:00Z"
        return {
            "id": batch_id,
            "type": "message_batch",
            "processing_status": batch["status"],
            "request_counts": counts,
            "created_at": now,
            "expires_at": "2026-01-17T12:00:00Z",
            "ended_at": now if ended else None,
            "archived_at": None,
            "cancel_initiated_at": None,
            "results_url": (
                f"{self.base_url}/v1/messages/batches/{batch_id}/results" if ended else None
            ),
        }

    def _create_batch(self, body: Any):
        requests = (body or {}).get("requests") or []
        ids = [r.get("custom_id", "") for r in requests]
        bad = [i for i in ids if not _CUSTOM_ID.match(i)]
        if not requests or bad or len(set(ids)) != len(ids):
            message = f"invalid custom_id(s): {bad}" if bad else "empty or duplicate custom_ids"
            return 400, _error("invalid_request_error", message), {}
        with self._lock:
            self._counter += 1
            batch_id = f"msgbatch_fake_{self._counter}"
            self.batches[batch_id] = {
                "requests": requests,
                "status": "in_progress",
                "polls": 0,
                "results": [],
            }
        return 200, self._batch_object(batch_id), {}

    def _poll_batch(self, batch_id: str) -> dict:
        batch = self.batches[batch_id]
        batch["polls"] += 1
        if batch["status"] != "ended" and batch["polls"] >= self.batch_polls_before_end:
            results = []
            for request in batch["requests"]:
                action = self._next_action(json.dumps(request["params"]))
                if action == "errored":
                    result = {
                        "type": "errored",
                        "error": _error("invalid_request_error", "fake: prompt too long"),
                    }
                elif action == "expired":
                    result = {"type": "expired"}
                else:
                    result = {
                        "type": "succeeded",
                        "message": self._message(request["params"], action),
                    }
                results.append({"custom_id": request["custom_id"], "result": result})
            batch["results"] = list(reversed(results))  # the API does not keep request order
            batch["status"] = "ended"
        return self._batch_object(batch_id)

    def _batch_results(self, batch_id: str):
        batch = self.batches[batch_id]
        if batch["status"] != "ended":
            return 400, _error("invalid_request_error", "batch has not ended"), {}
        lines = "".join(json.dumps(line) + "\n" for line in batch["results"])
        return 200, lines.encode(), {"Content-Type": "application/binary"}
