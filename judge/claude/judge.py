"""`ClaudeJudge`: Claude as a blind 0-3 judge through the official `anthropic` SDK.

Why it is shaped this way:

- **Blind.** The prompt is built from `BlindItem` fields only (`prompt_parts`); the opaque
  `response_id` and `cache_key` never enter it.
- **Cheap.** Every config answers the same questions, so the rubric + question + reference +
  criteria form a prefix marked with ``cache_control`` and the response comes after it. Work is
  ordered by prefix and the first request of each prefix runs alone before the others, so the
  prefix is written to the cache once and read by the rest (a cache entry only exists once the
  first response starts).
- **Strict.** The verdict must be a JSON object ``{"score": 0-3, "reason": "..."}``; the request
  also asks for it through structured outputs (``output_config.format``). Anything else is
  retried a bounded number of times, then returned as a judge failure (``score=None`` with
  ``error`` set), never as a score.
- **Robust.** 429, 5xx, connection errors and timeouts are retried by the SDK itself
  (``max_retries``, exponential backoff, ``retry-after`` honoured). Authentication, permission
  and unknown-model errors stop the run: every other request would fail the same way.
- **Secret-safe.** The API key comes from ``ANTHROPIC_API_KEY`` through the SDK's own default
  and is never passed around, logged or put into a message this module writes.

Sampling parameters (``temperature``) are not sent: current models (Sonnet 5 and later) reject
non-default values with a 400 and SDK 2.x does not expose them. Determinism comes from the
strict format and the cache key instead; ``settings()`` says so.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from judge.base import RUBRIC_VERSION, Task, Verdict
from judge.claude.api import MessagesMixin, _scrub
from judge.claude.batches import BatchesMixin
from judge.claude.prompt import (
    _NO_EFFORT_PREFIXES,
    DEFAULT_EFFORT,
    DEFAULT_MAX_TOKENS,
    DEFAULT_MODEL,
    PROMPT_VERSION,
    prompt_fingerprint,
)


class ClaudeJudge(MessagesMixin, BatchesMixin):
    """Claude as a blind 0-3 judge; see the module docstring for the design.

    `client` is for tests and special setups (a custom ``base_url`` or ``http_client``); by
    default the SDK client is built on first use from the environment. `batch_state` is a JSON
    file recording submitted, uncollected batches so an interrupted ``--batch`` run resumes
    them; `max_invalid_retries` bounds the re-asks after an invalid answer.
    """

    def __init__(
        self,
        model: str | None = None,
        *,
        batch: bool = False,
        concurrency: int = 8,
        client=None,
        max_retries: int = 4,
        timeout: float = 60.0,
        poll_interval: float = 10.0,
        max_invalid_retries: int = 2,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        effort: str | None = DEFAULT_EFFORT,
        structured_output: bool = True,
        batch_state: str | Path | None = None,
    ) -> None:
        self.model = model or DEFAULT_MODEL
        self.name = f"claude:{self.model}"
        self.batch = batch
        self.concurrency = max(1, concurrency)
        self.max_retries = max_retries
        self.timeout = timeout
        self.poll_interval = poll_interval
        self.max_invalid_retries = max(0, max_invalid_retries)
        self.max_tokens = max_tokens
        self.effort = effort
        self.structured_output = structured_output
        self.batch_state = Path(batch_state) if batch_state is not None else None
        self._client = client

    # -- Judge protocol

    def settings(self) -> dict:
        """What changes a verdict: part of the cache key. Transport options are not."""
        return {
            "judge": "claude",
            "model": self.model,
            "prompt_version": PROMPT_VERSION,
            "prompt_fingerprint": prompt_fingerprint(),
            "rubric_version": RUBRIC_VERSION,
            "max_tokens": self.max_tokens,
            "effort": self.effort if not self.model.startswith(_NO_EFFORT_PREFIXES) else None,
            "output_format": "json_schema" if self.structured_output else "prompt-only",
            # Not sent: current models reject sampling parameters, so the API default applies.
            "temperature": "api-default",
        }

    def judge_all(
        self,
        tasks: list[Task],
        on_result: Callable[[Task, Verdict], None] | None = None,
    ) -> dict[str, Verdict]:
        """Verdicts keyed by cache_key; `on_result` is called for every task as its verdict lands.

        Tasks sharing a cache key are judged once and all receive the verdict.
        """
        by_key: dict[str, list[Task]] = {}
        for task in tasks:
            by_key.setdefault(task.cache_key, []).append(task)
        results: dict[str, Verdict] = {}
        if not by_key:
            return results

        def deliver(key: str, verdict: Verdict) -> None:
            if verdict.error:
                verdict.error = _scrub(verdict.error)
            if verdict.score is not None:
                verdict.decided_by = "model"
            results[key] = verdict
            if on_result is not None:
                for task in by_key[key]:
                    on_result(task, verdict)

        client = self._get_client()
        if self.batch:
            self._judge_batch(client, by_key, deliver)
        else:
            self._judge_concurrently(client, by_key, deliver)
        return results
