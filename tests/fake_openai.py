"""A local fake of a llama-server-shaped OpenAI-compatible API, over real HTTP on 127.0.0.1.

Endpoints: ``GET /v1/models``, ``GET /props`` (llama-server build info), ``POST
/v1/chat/completions``. Tests point the real `openai` SDK at it, so serialisation, retries and
timeouts are the SDK's own. It records every request and can be told to misbehave:

    fake.reject_response_format = True   # 400 to any request carrying response_format
    fake.latency = 0.5                    # every completion answers after 0.5 s
    fake.on("q-17", "500", "ok")          # next request mentioning q-17: 500, then normal
    fake.on("q-18", "sleep:2")            # answer after 2 s (longer than a client timeout)
    fake.on("q-19", "invalid")            # a 200 whose content is not a valid verdict

Unscripted requests get a valid verdict whose score is ``fake.grader(response_text)``.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODEL_ID = "local-judge"  # the judging model's own id; no identity of a judged config
BUILD = "b9999-deadbeef"
_RESPONSE = re.compile(r"<response>\n(.*)\n</response>", re.DOTALL)


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: str
    json: Any = None


@dataclass
class _Rule:
    match: str
    actions: list[str] = field(default_factory=list)


class FakeOpenAI:
    """Start with `start()` (or as a context manager); `base_url` ends in /v1."""

    def __init__(self, *, api_key: str | None = None, has_props: bool = True) -> None:
        self.api_key = api_key
        self.has_props = has_props
        self.reject_response_format = False
        self.latency = 0.0
        self.requests: list[Recorded] = []
        self.rules: list[_Rule] = []
        self.grader: Callable[[str], int] = lambda text: 3 if len(text) > 40 else 1
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    # -- control

    def on(self, match: str, *actions: str) -> None:
        with self.lock:
            self.rules.append(_Rule(match, list(actions)))

    def completions(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    @property
    def base_url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def start(self) -> FakeOpenAI:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def _send(self, status: int, body: object) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                # the client may have given up (a timeout under test)
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(data)

            def _authorised(self) -> bool:
                if fake.api_key is None:
                    return True
                return self.headers.get("authorization") == f"Bearer {fake.api_key}"

            def do_GET(self) -> None:
                fake._record(self, "")
                if not self._authorised():
                    return self._send(401, {"error": {"message": "invalid api key"}})
                if self.path == "/v1/models":
                    return self._send(
                        200, {"object": "list", "data": [{"id": MODEL_ID, "object": "model"}]}
                    )
                if self.path == "/props" and fake.has_props:
                    return self._send(200, {"build_info": BUILD, "total_slots": 4})
                self._send(404, {"error": {"message": "not found"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length).decode()
                rec = fake._record(self, body)
                if not self._authorised():
                    return self._send(401, {"error": {"message": "invalid api key"}})
                if not self.path.endswith("/chat/completions"):
                    return self._send(404, {"error": {"message": "not found"}})
                status, reply = fake._complete(rec)
                self._send(status, reply)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- behaviour

    def _record(self, handler: BaseHTTPRequestHandler, body: str) -> Recorded:
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = None
        rec = Recorded(
            handler.command, handler.path, {k.lower(): v for k, v in handler.headers.items()},
            body, parsed,
        )  # fmt: skip
        with self.lock:
            self.requests.append(rec)
        return rec

    def _action(self, body: str) -> str | None:
        with self.lock:
            for rule in self.rules:
                if rule.match in body and rule.actions:
                    return rule.actions.pop(0)
        return None

    def _complete(self, rec: Recorded) -> tuple[int, dict]:
        req = rec.json or {}
        if self.reject_response_format and "response_format" in req:
            return 400, {"error": {"message": "response_format is not supported", "code": 400}}
        action = self._action(rec.body)
        if self.latency:
            time.sleep(self.latency)
        if action in ("500", "503"):
            return int(action), {"error": {"message": "server busy"}}
        if action and action.startswith("sleep:"):
            time.sleep(float(action.split(":", 1)[1]))
        user = next((m["content"] for m in req.get("messages", []) if m["role"] == "user"), "")
        m = _RESPONSE.search(user)
        text = m.group(1) if m else ""
        if action == "invalid":
            content = "I think this deserves a three."
        else:
            content = json.dumps({"score": self.grader(text), "reason": "graded by the fake"})
        return 200, {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": req.get("model", MODEL_ID),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": len(user) // 4,
                "completion_tokens": len(content) // 4,
                "total_tokens": (len(user) + len(content)) // 4,
            },
        }
