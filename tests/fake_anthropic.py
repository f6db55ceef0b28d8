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
import time
from collections.abc import Callable
from typing import Any

from fake_http import FakeHTTPServer, Recorded

_CUSTOM_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
__all__ = ["FakeAnthropic", "Recorded"]


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


class FakeAnthropic(FakeHTTPServer):
    """The fake server. `start()` serves in a daemon thread; `stop()` shuts it down."""

    def __init__(self, api_key: str = "test-key", retry_after_ms: int = 10) -> None:
        super().__init__()
        self.api_key = api_key
        self.retry_after_ms = retry_after_ms
        self.grader: Callable[[str], int] = lambda response: 2
        self.batch_polls_before_end = 2
        self.batches: dict[str, dict] = {}
        self._cache: set[str] = set()
        self._counter = 0

    @property
    def base_url(self) -> str:
        return self.origin

    # -- views for assertions

    def message_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.method == "POST" and r.path == "/v1/messages"]

    def batch_creates(self) -> list[Recorded]:
        return [r for r in self.requests if r.method == "POST" and r.path == "/v1/messages/batches"]

    # -- routing

    def route(self, method: str, path: str, rec: Recorded, headers: dict[str, str]):
        status, body, extra = self._route(method, path, rec, headers)
        return status, body, {"request-id": f"req_fake_{len(self.requests)}", **extra}

    def _route(self, method: str, path: str, rec: Recorded, headers: dict[str, str]):
        bearer = headers.get("authorization", "")
        if headers.get("x-api-key") != self.api_key and bearer != f"Bearer {self.api_key}":
            return 401, _error("authentication_error", "invalid x-api-key"), {}
        parsed = rec.json
        if method == "POST" and path == "/v1/messages":
            return self._messages(rec.body, parsed)
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
        return self.next_action(raw, "ok") or "ok"

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
