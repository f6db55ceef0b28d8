"""A blind 0-3 judge on any OpenAI-compatible chat-completions server (`--judge openai`).

Users of rescore run llama.cpp servers every day, so their own biggest local model can grade the
free text the rules cannot verify. Works with llama.cpp's `llama-server`, vLLM, Ollama or a
hosted API, through the official `openai` SDK:

- **Same contract as the Claude judge.** The same blind prompt (`judge.claude.prompt`), the same
  strict verdict (`judge.verdict`), the same failure accounting (invalid answers retried a bounded
  number of times, then a judge failure, never a score) and resume through the cache key.
- **Deterministic where the server allows.** ``temperature 0`` and a fixed ``seed``. Structured
  output through ``response_format`` (JSON schema); some llama-server builds answer 400 to it,
  and then the judge falls back to prompt-only JSON for the rest of the run.
- **Keyed by what judges.** The served model id (default: the first of ``/v1/models``) and the
  server's reported build (llama-server ``/props``, where available) are part of the cache key:
  another model or build re-judges instead of reusing old verdicts.
- **Robust.** 5xx, connection errors and timeouts are retried by the SDK (``max_retries``,
  backoff); 401/403/404 stop the run with `OpenAIJudgeError`, since every request would fail.
- **Secret-safe.** The key comes from ``OPENAI_API_KEY`` when the server needs one; it is never
  logged, stored or put into a message this module writes.
- **Cost.** Tokens are recorded per judgment; cost is 0 unless prices per million tokens are given.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

import httpx

from judge.base import RUBRIC_VERSION, BlindItem, Task, Verdict
from judge.claude.prompt import PROMPT_VERSION, prompt_fingerprint, prompt_parts
from judge.errors import InvalidJudgeOutput, OpenAIJudgeError
from judge.verdict import VERDICT_SCHEMA, parse_verdict

log = logging.getLogger(__name__)

SEED = 1234  # fixed: the same request gets the same sample where the server honours seeds
DEFAULT_MAX_TOKENS = 1024  # a verdict is ~100 tokens; thinking models need room to think first
_THINK = re.compile(r"<think>.*?</think>", re.DOTALL)


@dataclass(frozen=True)
class TokenPrice:
    """US dollars per million tokens; both 0 for a local server."""

    input: float = 0.0
    output: float = 0.0

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (prompt_tokens * self.input + completion_tokens * self.output) / 1_000_000


def chat_messages(item: BlindItem) -> list[dict]:
    """The chat messages for one blind item: the Claude judge's prompt, as system + user."""
    system, prefix, response = prompt_parts(item)
    return [
        {"role": "system", "content": system},
        {"role": "user", "content": f"{prefix}\n\n{response}"},
    ]


def _scrub(text: str) -> str:
    key = os.environ.get("OPENAI_API_KEY")
    return text.replace(key, "[redacted]") if key and len(key) >= 8 else text


def _error_text(err: Exception) -> str:
    import openai

    if isinstance(err, openai.APITimeoutError):
        return "request timed out (after the SDK's retries)"
    if isinstance(err, openai.APIConnectionError):
        return "connection error (after the SDK's retries)"
    if isinstance(err, openai.APIStatusError):
        return f"HTTP {err.status_code} (after the SDK's retries)"
    return type(err).__name__


class OpenAIJudge:
    """An OpenAI-compatible server as a blind 0-3 judge; see the module docstring."""

    def __init__(
        self,
        model: str | None = None,
        *,
        base_url: str | None = None,
        concurrency: int = 4,
        max_retries: int = 3,
        timeout: float = 120.0,
        max_invalid_retries: int = 2,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        price: TokenPrice | None = None,
        client=None,
    ) -> None:
        self.base_url = (base_url or os.environ.get("OPENAI_BASE_URL") or "").rstrip("/")
        if not self.base_url and client is None:
            raise OpenAIJudgeError(
                "no server given: pass --base-url http://HOST:PORT/v1 (or set OPENAI_BASE_URL)"
            )
        self._model = model
        self.concurrency = max(1, concurrency)
        self.max_retries = max_retries
        self.timeout = timeout
        self.max_invalid_retries = max(0, max_invalid_retries)
        self.max_tokens = max_tokens
        self.price = price or TokenPrice()
        self.structured = True  # cleared when the server rejects response_format
        self._client = client
        self._build: str | None = None
        self._resolved = False

    # -- server facts (model id, build): part of the cache key

    def _get_client(self):
        if self._client is None:
            import openai

            self._client = openai.OpenAI(
                base_url=self.base_url,
                # a local server needs no key; the SDK insists on one, so send a placeholder
                api_key=os.environ.get("OPENAI_API_KEY") or "no-key",
                max_retries=self.max_retries,
                timeout=self.timeout,
            )
        return self._client

    def _resolve(self) -> None:
        """Ask the server which model it serves and which build it runs (once)."""
        if self._resolved:
            return
        import openai

        client = self._get_client()
        if self._model is None:
            try:
                models = client.models.list()
            except openai.APIConnectionError:
                raise OpenAIJudgeError(
                    f"cannot reach the judge server at {self.base_url}: is it running?"
                ) from None
            except openai.APIStatusError as err:
                raise self._fatal(err) or OpenAIJudgeError(
                    f"listing models failed: {_error_text(err)}"
                ) from None
            ids = [m.id for m in models.data]
            if not ids:
                raise OpenAIJudgeError("the server lists no models: pass one with --model")
            self._model = ids[0]
        self._build = self._server_build()
        self._resolved = True

    def _server_build(self) -> str | None:
        """llama-server's `/props` build info (at the server root, beside `/v1`); None when the
        server has no such endpoint."""
        root = re.sub(r"/v1/?$", "", str(self._get_client().base_url).rstrip("/"))
        try:
            reply = httpx.get(f"{root}/props", timeout=min(self.timeout, 10.0))
        except httpx.HTTPError:
            return None
        if reply.status_code != 200:
            return None
        try:
            props = reply.json()
        except ValueError:
            return None
        if not isinstance(props, dict):
            return None
        build = props.get("build_info") or props.get("build") or props.get("version")
        return str(build)[:200] if build else None

    @property
    def model(self) -> str:
        self._resolve()
        assert self._model is not None
        return self._model

    @property
    def name(self) -> str:
        return f"openai:{self.model}"

    def settings(self) -> dict:
        """What changes a verdict: model id, server build, prompt, sampling. Part of the key."""
        self._resolve()
        return {
            "judge": "openai",
            "model": self._model,
            "server_build": self._build,
            "prompt_version": PROMPT_VERSION,
            "prompt_fingerprint": prompt_fingerprint(),
            "rubric_version": RUBRIC_VERSION,
            "max_tokens": self.max_tokens,
            "temperature": 0,
            "seed": SEED,
            "output_format": "json_schema, prompt-only fallback",
        }

    # -- requests

    def request(self, item: BlindItem, structured: bool | None = None) -> dict:
        """Keyword arguments of `chat.completions.create` for one item."""
        req: dict = {
            "model": self.model,
            "messages": chat_messages(item),
            "temperature": 0,
            "seed": SEED,
            "max_tokens": self.max_tokens,
        }
        if self.structured if structured is None else structured:
            req["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "verdict", "schema": VERDICT_SCHEMA, "strict": True},
            }
        return req

    @staticmethod
    def _fatal(err: Exception) -> OpenAIJudgeError | None:
        import openai

        if isinstance(err, openai.AuthenticationError):
            return OpenAIJudgeError("authentication failed (HTTP 401): check OPENAI_API_KEY")
        if isinstance(err, openai.PermissionDeniedError):
            return OpenAIJudgeError("permission denied (HTTP 403) for this key or model")
        if isinstance(err, openai.NotFoundError):
            return OpenAIJudgeError(
                "not found (HTTP 404): is --base-url right (it ends in /v1) and the model served?"
            )
        return None

    def _create(self, client, item: BlindItem):
        """One completion; a 400 to `response_format` switches the run to prompt-only JSON."""
        import openai

        if self.structured:
            try:
                return client.chat.completions.create(**self.request(item, structured=True))
            except openai.BadRequestError:
                log.warning(
                    "the server rejected response_format (HTTP 400); using prompt-only JSON"
                )
                self.structured = False
        return client.chat.completions.create(**self.request(item, structured=False))

    def _judge_one(self, client, item: BlindItem) -> Verdict:
        import openai

        prompt_tokens = completion_tokens = 0
        attempts = self.max_invalid_retries + 1
        problem = ""
        for attempt in range(1, attempts + 1):
            try:
                reply = self._create(client, item)
            except openai.APIError as err:
                fatal = self._fatal(err)
                if fatal is not None:
                    raise fatal from None
                return self._verdict(
                    None, "", attempt, prompt_tokens, completion_tokens, _error_text(err)
                )
            usage = getattr(reply, "usage", None)
            if usage is not None:
                prompt_tokens += usage.prompt_tokens or 0
                completion_tokens += usage.completion_tokens or 0
            try:
                if not reply.choices:
                    raise InvalidJudgeOutput("no choices in the reply")
                choice = reply.choices[0]
                text = _THINK.sub("", choice.message.content or "").strip()
                try:
                    score, reason = parse_verdict(text)
                except InvalidJudgeOutput:
                    if choice.finish_reason == "length":
                        raise InvalidJudgeOutput("answer cut off at max_tokens") from None
                    raise
            except InvalidJudgeOutput as err:
                problem = str(err)
                log.info("invalid judge output (attempt %d of %d): %s", attempt, attempts, problem)
                continue
            return self._verdict(score, reason, attempt, prompt_tokens, completion_tokens)
        return self._verdict(
            None,
            "",
            attempts,
            prompt_tokens,
            completion_tokens,
            f"invalid output after {attempts} attempts: {problem}",
        )

    def _verdict(self, score, reason, attempts, prompt_tokens, completion_tokens, error=None):
        seen = prompt_tokens or completion_tokens
        return Verdict(
            score=score,
            reason=reason,
            input_tokens=prompt_tokens if seen else None,
            output_tokens=completion_tokens if seen else None,
            cost_usd=self.price.cost(prompt_tokens, completion_tokens),
            error=_scrub(f"judge failure: {error}") if error else None,
            attempts=attempts,
            extra={"model": self._model, "mode": "chat.completions"},
            decided_by="model" if score is not None else None,
        )

    # -- Judge protocol

    def judge_all(
        self,
        tasks: list[Task],
        on_result: Callable[[Task, Verdict], None] | None = None,
    ) -> dict[str, Verdict]:
        """Verdicts keyed by cache_key, `concurrency` requests in flight; identical work once.

        Results are delivered from this thread only, so `on_result` needs no locking.
        """
        by_key: dict[str, list[Task]] = {}
        for task in tasks:
            by_key.setdefault(task.cache_key, []).append(task)
        results: dict[str, Verdict] = {}
        if not by_key:
            return results
        self._resolve()
        client = self._get_client()
        keys = list(by_key)
        fatal: OpenAIJudgeError | None = None
        in_flight: dict[Future, str] = {}
        with ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="judge") as pool:
            while in_flight or (fatal is None and keys):
                while fatal is None and keys and len(in_flight) < self.concurrency:
                    key = keys.pop(0)
                    item = by_key[key][0].item
                    in_flight[pool.submit(self._judge_one, client, item)] = key
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in done:
                    key = in_flight.pop(future)
                    try:
                        verdict = future.result()
                    except OpenAIJudgeError as err:
                        fatal = fatal or err
                        continue
                    except (ValueError, TypeError, AttributeError, json.JSONDecodeError) as err:
                        # an odd reply shape must not end the run: one failure, the rest go on
                        log.warning("unexpected %s while judging: %s", type(err).__name__, err)
                        verdict = self._verdict(
                            None, "", 1, 0, 0, f"unexpected {type(err).__name__}"
                        )
                    results[key] = verdict
                    if on_result is not None:
                        for task in by_key[key]:
                            on_result(task, verdict)
        if fatal is not None:
            raise fatal
        return results


def estimate_tokens(tasks: list[Task]) -> int:
    """Prompt tokens a run over `tasks` would send (chars / 4): for `--dry-run`."""
    seen: set[str] = set()
    total = 0
    for t in tasks:
        if t.cache_key in seen:
            continue
        seen.add(t.cache_key)
        total += sum(-(-len(m["content"]) // 4) for m in chat_messages(t.item))
    return total
