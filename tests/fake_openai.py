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

import json
import re
import time
from collections.abc import Callable

from fake_http import FakeHTTPServer, Recorded

MODEL_ID = "local-judge"  # the judging model's own id; no identity of a judged config
BUILD = "b9999-deadbeef"
_RESPONSE = re.compile(r"<response>\n(.*)\n</response>", re.DOTALL)
__all__ = ["BUILD", "MODEL_ID", "FakeOpenAI", "Recorded"]


class FakeOpenAI(FakeHTTPServer):
    """Start with `start()` (or as a context manager); `base_url` ends in /v1."""

    def __init__(self, *, api_key: str | None = None, has_props: bool = True) -> None:
        super().__init__()
        self.api_key = api_key
        self.has_props = has_props
        self.reject_response_format = False
        self.latency = 0.0
        self.grader: Callable[[str], int] = lambda text: 3 if len(text) > 40 else 1

    def completions(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    @property
    def base_url(self) -> str:
        return f"{self.origin}/v1"

    def route(self, method: str, path: str, rec: Recorded, headers: dict[str, str]):
        if self.api_key is not None and headers.get("authorization") != f"Bearer {self.api_key}":
            return 401, {"error": {"message": "invalid api key"}}, {}
        if method == "GET" and path == "/v1/models":
            return 200, {"object": "list", "data": [{"id": MODEL_ID, "object": "model"}]}, {}
        if method == "GET" and path == "/props" and self.has_props:
            return 200, {"build_info": BUILD, "total_slots": 4}, {}
        if method == "POST" and path.endswith("/chat/completions"):
            status, reply = self._complete(rec)
            return status, reply, {}
        return 404, {"error": {"message": "not found"}}, {}

    # -- behaviour

    def _complete(self, rec: Recorded) -> tuple[int, dict]:
        req = rec.json or {}
        if self.reject_response_format and "response_format" in req:
            return 400, {"error": {"message": "response_format is not supported", "code": 400}}
        action = self.next_action(rec.body)
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
