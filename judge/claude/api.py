"""The Messages API path of the Claude judge: one request per judgment, bounded concurrency.

429, 5xx, connection errors and timeouts are retried by the SDK itself (``max_retries``,
exponential backoff, ``retry-after`` honoured). Authentication, permission and unknown-model
errors stop the run (`ClaudeJudgeError`): every other request would fail the same way.
Exceptions are caught by their SDK type, never by name.
"""

from __future__ import annotations

import logging
import os
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

from judge.base import BlindItem, Task, Verdict
from judge.claude.pricing import cost_usd
from judge.claude.prompt import build_request, prompt_parts
from judge.errors import ClaudeJudgeError, InvalidJudgeOutput
from judge.verdict import parse_verdict

log = logging.getLogger("judge.claude")


def _message_text(message) -> str:
    """The text blocks of a Message (thinking blocks are skipped); refusals are invalid."""
    if message.stop_reason == "refusal":
        raise InvalidJudgeOutput("the model refused to grade")
    text = "".join(b.text for b in message.content if getattr(b, "type", None) == "text")
    if message.stop_reason == "max_tokens":
        try:
            parse_verdict(text)
        except InvalidJudgeOutput:
            raise InvalidJudgeOutput("answer cut off at max_tokens") from None
    return text


@dataclass
class _Usage:
    """Token usage summed over the attempts of one judgment (all of them are paid for)."""

    input: int = 0
    output: int = 0
    cache_write: int = 0
    cache_read: int = 0
    seen: bool = False

    def add(self, usage) -> None:
        self.seen = True
        self.input += usage.input_tokens or 0
        self.output += usage.output_tokens or 0
        self.cache_write += usage.cache_creation_input_tokens or 0
        self.cache_read += usage.cache_read_input_tokens or 0

    def fill(self, verdict: Verdict, model: str, batch: bool) -> Verdict:
        if self.seen:
            verdict.input_tokens = self.input
            verdict.output_tokens = self.output
            verdict.cache_creation_tokens = self.cache_write
            verdict.cache_read_tokens = self.cache_read
            verdict.cost_usd = cost_usd(
                model,
                input_tokens=self.input,
                output_tokens=self.output,
                cache_write_tokens=self.cache_write,
                cache_read_tokens=self.cache_read,
                batch=batch,
            )
        return verdict


def _api_error_text(err: Exception) -> str:
    """A short description of an SDK error: its class, status and error type, no body text."""
    import anthropic

    if isinstance(err, anthropic.APITimeoutError):
        return "request timed out (after the SDK's retries)"
    if isinstance(err, anthropic.APIConnectionError):
        return "connection error (after the SDK's retries)"
    if isinstance(err, anthropic.APIStatusError):
        kind = getattr(err, "type", None) or type(err).__name__
        return f"HTTP {err.status_code} {kind} (after the SDK's retries)"
    return type(err).__name__


def _scrub(text: str) -> str:
    """Belt and braces: never let the key's value through in a message we produce."""
    key = os.environ.get("ANTHROPIC_API_KEY")
    return text.replace(key, "[redacted]") if key and len(key) >= 8 else text


class MessagesMixin:
    """Client, request and Messages-API methods of `ClaudeJudge` (see `judge.claude.judge`)."""

    # -- client

    def _get_client(self):
        """The SDK client: the one given, or one built from the environment (key never seen)."""
        if self._client is None:
            if not os.environ.get("ANTHROPIC_API_KEY"):
                raise ClaudeJudgeError(
                    "ANTHROPIC_API_KEY is not set. The Claude judge reads the key from the "
                    "environment only: export ANTHROPIC_API_KEY, or use the offline rules judge "
                    "(--judge rules)."
                )
            import anthropic

            self._client = anthropic.Anthropic(max_retries=self.max_retries, timeout=self.timeout)
        return self._client

    def _request(self, item: BlindItem) -> dict:
        return build_request(
            item,
            model=self.model,
            max_tokens=self.max_tokens,
            effort=self.effort,
            structured=self.structured_output,
        )

    @staticmethod
    def _fatal(err: Exception) -> ClaudeJudgeError | None:
        """Errors that would repeat for every request: stop instead of failing each one."""
        import anthropic

        if isinstance(err, anthropic.AuthenticationError):
            return ClaudeJudgeError(
                "authentication failed (HTTP 401): check ANTHROPIC_API_KEY in the environment"
            )
        if isinstance(err, anthropic.PermissionDeniedError):
            return ClaudeJudgeError("permission denied (HTTP 403) for this API key or model")
        if isinstance(err, anthropic.NotFoundError):
            return ClaudeJudgeError(
                "not found (HTTP 404): is the model id right? pass another with --model"
            )
        return None

    # -- one judgment (Messages API)

    def _judge_one(self, client, item: BlindItem) -> Verdict:
        """Judge one item; invalid answers are retried. Raises ClaudeJudgeError only if fatal."""
        import anthropic

        request = self._request(item)
        usage = _Usage()
        attempts = self.max_invalid_retries + 1
        problem = ""
        for attempt in range(1, attempts + 1):
            try:
                message = client.messages.create(**request)
            except anthropic.APIError as err:
                fatal = self._fatal(err)
                if fatal is not None:
                    raise fatal from None
                verdict = Verdict(
                    score=None,
                    reason="",
                    error=f"judge failure: {_api_error_text(err)}",
                    attempts=attempt,
                    extra={"model": self.model, "mode": "messages"},
                )
                return usage.fill(verdict, self.model, batch=False)
            usage.add(message.usage)
            try:
                score, reason = parse_verdict(_message_text(message))
            except InvalidJudgeOutput as err:
                problem = str(err)
                log.info("invalid judge output (attempt %d of %d): %s", attempt, attempts, problem)
                continue
            verdict = Verdict(
                score=score,
                reason=reason,
                attempts=attempt,
                extra={"model": message.model, "mode": "messages"},
            )
            return usage.fill(verdict, self.model, batch=False)
        verdict = Verdict(
            score=None,
            reason="",
            error=f"judge failure: invalid output after {attempts} attempts: {problem}",
            attempts=attempts,
            extra={"model": self.model, "mode": "messages"},
        )
        return usage.fill(verdict, self.model, batch=False)

    def _judge_concurrently(
        self,
        client,
        by_key: dict[str, list[Task]],
        deliver: Callable[[str, Verdict], None],
    ) -> None:
        """Bounded concurrency, prefix-aware order: warm each question's cache, then fan out.

        The first request of a prefix group runs alone; when it returns, the rest of its group
        goes to the front of the queue, so they read the cache it wrote while it is fresh.
        Results are delivered from this thread only, so `on_result` needs no locking.
        """
        groups: dict[str, list[str]] = {}
        for key, same in by_key.items():
            _, prefix, _ = prompt_parts(same[0].item)
            groups.setdefault(prefix, []).append(key)
        cold: deque[list[str]] = deque(groups.values())
        warm: deque[str] = deque()
        in_flight: dict[Future, tuple[str, list[str]]] = {}
        fatal: ClaudeJudgeError | None = None

        with ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="judge") as pool:
            while in_flight or (fatal is None and (cold or warm)):
                while fatal is None and len(in_flight) < self.concurrency and (cold or warm):
                    if warm:
                        key, followers = warm.popleft(), []
                    else:
                        key, *followers = cold.popleft()
                    item = by_key[key][0].item
                    in_flight[pool.submit(self._judge_one, client, item)] = (key, followers)
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in done:
                    key, followers = in_flight.pop(future)
                    warm.extendleft(reversed(followers))
                    try:
                        verdict = future.result()
                    except ClaudeJudgeError as err:
                        fatal = fatal or err
                        continue
                    except Exception as err:  # noqa: BLE001 - one odd reply must not end a run
                        log.warning("unexpected %s while judging: %s", type(err).__name__, err)
                        verdict = Verdict(
                            score=None,
                            reason="",
                            error=f"judge failure: unexpected {type(err).__name__}",
                            extra={"model": self.model, "mode": "messages"},
                        )
                    deliver(key, verdict)
        if fatal is not None:
            raise fatal
