"""Loopback HTTP plumbing shared by the fake APIs (`fake_anthropic`, `fake_openai`).

A fake serves real HTTP on 127.0.0.1 (an ephemeral port) from a daemon thread, so the real SDKs
talk to it over the wire. This base records every request (method, path, lower-case headers,
body and its JSON), lets a test script the next answers by a substring of the body
(`on("q-17", "500", "ok")`), and sends JSON or bytes answers, tolerating a client that gave up
(a timeout under test). A subclass only routes: `route(method, path, rec, headers)` returns
(status, body, extra headers).
"""

from __future__ import annotations

import contextlib
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


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


class FakeHTTPServer:
    """Serve `route` on 127.0.0.1; `start()` (or `with`) to serve, `stop()` to shut down."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._rules: list[_Rule] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- control

    def on(self, match: str, *actions: str) -> None:
        """Script the next requests whose body contains `match` (in order, one action each)."""
        with self._lock:
            self._rules.append(_Rule(match, list(actions)))

    def next_action(self, body: str, default: str | None = None) -> str | None:
        """The next scripted action for a request with this body, else `default`."""
        with self._lock:
            for rule in self._rules:
                if rule.actions and rule.match in body:
                    return rule.actions.pop(0)
        return default

    @property
    def origin(self) -> str:
        """`http://127.0.0.1:PORT` of the running server."""
        assert self._server is not None, "start() the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def route(
        self, method: str, path: str, rec: Recorded, headers: dict[str, str]
    ) -> tuple[int, object, dict[str, str]]:
        """(status, JSON-able body or bytes, extra response headers) for one request."""
        raise NotImplementedError

    # -- lifecycle

    def start(self) -> Self:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:
                fake._handle(self)

            def do_POST(self) -> None:
                fake._handle(self)

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
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- one request

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length).decode() if length else ""
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        headers = {k.lower(): v for k, v in handler.headers.items()}
        rec = Recorded(handler.command, handler.path.split("?", 1)[0], headers, raw, parsed)
        with self._lock:
            self.requests.append(rec)
        status, body, extra = self.route(rec.method, rec.path, rec, headers)
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        extra = dict(extra)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up
            handler.send_response(status)
            handler.send_header("Content-Type", extra.pop("Content-Type", "application/json"))
            handler.send_header("Content-Length", str(len(payload)))
            for name, value in extra.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(payload)
