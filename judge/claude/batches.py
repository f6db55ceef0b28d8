"""The Message Batches path of the Claude judge: submit, poll, collect, resume.

Batches hold at most `MAX_BATCH_REQUESTS` requests and `MAX_BATCH_BYTES` of request JSON (the
API's limits: 100,000 requests or 256 MB per batch). With a `batch_state` file, every submitted
batch is recorded until collected, so a run killed while waiting picks it up again instead of
paying twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections.abc import Callable, Iterable

from judge.base import Task, Verdict
from judge.claude.api import _api_error_text, _message_text, _Usage
from judge.claude.prompt import prompt_parts
from judge.errors import ClaudeJudgeError, InvalidJudgeOutput
from judge.verdict import parse_verdict

log = logging.getLogger("judge.claude")

MAX_BATCH_REQUESTS = 100_000  # the API's limit per batch
MAX_BATCH_BYTES = 256_000_000  # the API's 256 MB, counted in decimal bytes for a margin

# custom_id constraint of the Message Batches API: 1-64 characters of [a-zA-Z0-9_-].
_CUSTOM_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class BatchesMixin:
    """Message Batches methods of `ClaudeJudge` (see `judge.claude.judge`)."""

    @staticmethod
    def custom_id(cache_key: str) -> str:
        """The batch custom_id for a cache key: the key itself when the API accepts it
        (1-64 of [A-Za-z0-9_-]), otherwise its SHA-256 hex digest."""
        if _CUSTOM_ID.match(cache_key):
            return cache_key
        return hashlib.sha256(cache_key.encode()).hexdigest()

    def _chunks(self, keys: list[str], requests: dict[str, dict]) -> Iterable[list[str]]:
        chunk: list[str] = []
        size = 0
        for key in keys:
            entry = len(json.dumps(requests[key]))
            if chunk and (len(chunk) >= MAX_BATCH_REQUESTS or size + entry > MAX_BATCH_BYTES):
                yield chunk
                chunk, size = [], 0
            chunk.append(key)
            size += entry
        if chunk:
            yield chunk

    def _wait_for_batch(self, client, batch_id: str):
        """Poll until the batch has ended: every `poll_interval` seconds at first, backing off
        to once a minute (a batch may take hours; thousands of polls would only add noise)."""
        interval = self.poll_interval
        while True:
            batch = client.messages.batches.retrieve(batch_id)
            if batch.processing_status == "ended":
                return batch
            counts = batch.request_counts
            log.info(
                "batch %s: %s (%d processing, %d succeeded, %d errored)",
                batch_id,
                batch.processing_status,
                counts.processing,
                counts.succeeded,
                counts.errored,
            )
            time.sleep(interval)
            interval = min(interval * 1.5, max(self.poll_interval, 60.0))

    # -- batch state: lets an interrupted --batch run collect what it already paid for

    def _load_state(self) -> dict[str, list[str]]:
        """{batch_id: [custom_id, ...]} of batches submitted but not yet collected."""
        if self.batch_state is None or not self.batch_state.exists():
            return {}
        try:
            state = json.loads(self.batch_state.read_text())
        except (OSError, json.JSONDecodeError) as err:
            log.warning("ignoring unreadable batch state %s: %s", self.batch_state, err)
            return {}
        return {str(k): list(v) for k, v in state.items()} if isinstance(state, dict) else {}

    def _save_state(self, state: dict[str, list[str]]) -> None:
        if self.batch_state is None:
            return
        self.batch_state.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.batch_state.with_suffix(self.batch_state.suffix + ".tmp")
        tmp.write_text(json.dumps(state, indent=1))
        tmp.replace(self.batch_state)  # atomic: a kill -9 leaves the old or the new file

    def _remember(self, batch_id: str, custom_ids: list[str]) -> None:
        state = self._load_state()
        state[batch_id] = custom_ids
        self._save_state(state)

    def _forget(self, batch_id: str) -> None:
        state = self._load_state()
        if state.pop(batch_id, None) is not None:
            self._save_state(state)

    def _judge_batch(
        self,
        client,
        by_key: dict[str, list[Task]],
        deliver: Callable[[str, Verdict], None],
    ) -> None:
        """Submit, poll until ended, collect. Invalid answers go into a follow-up batch (at most
        `max_invalid_retries` rounds); errored, expired and canceled entries become failures.

        With `batch_state` set, every submitted batch is recorded until its results are
        collected, so a run killed while waiting picks the same batch up again instead of
        paying for a second one.
        """
        import anthropic

        # Ordered by prefix so requests sharing a prefix sit together in the batch.
        keys = sorted(by_key, key=lambda k: prompt_parts(by_key[k][0].item)[1])
        requests = {key: self._request(by_key[key][0].item) for key in keys}
        usage = {key: _Usage() for key in keys}
        attempts = dict.fromkeys(keys, 0)
        by_custom_id = {self.custom_id(key): key for key in keys}
        rounds = self.max_invalid_retries + 1

        def fail(key: str, error: str) -> None:
            verdict = Verdict(
                score=None,
                reason="",
                error=f"judge failure: {error}",
                attempts=max(1, attempts[key]),
                extra={"model": self.model, "mode": "batch"},
            )
            deliver(key, usage[key].fill(verdict, self.model, batch=True))

        def collect(batch_id: str, ids: dict[str, str], last_round: bool) -> list[str]:
            """Wait for a batch, deliver its verdicts; the keys to retry (invalid answers)."""
            self._wait_for_batch(client, batch_id)
            entries = list(client.messages.batches.results(batch_id))
            retry: list[str] = []
            got: set[str] = set()
            for entry in entries:
                key = ids.get(entry.custom_id)
                if key is None or key in got:
                    log.warning("ignoring unexpected batch result %r", entry.custom_id)
                    continue
                got.add(key)
                attempts[key] += 1
                result = entry.result
                if result.type == "succeeded":
                    usage[key].add(result.message.usage)
                    try:
                        score, reason = parse_verdict(_message_text(result.message))
                    except InvalidJudgeOutput as err:
                        if last_round:
                            fail(key, f"invalid output after {attempts[key]} attempts: {err}")
                        else:
                            retry.append(key)
                        continue
                    verdict = Verdict(
                        score=score,
                        reason=reason,
                        attempts=attempts[key],
                        extra={"model": result.message.model, "mode": "batch"},
                    )
                    deliver(key, usage[key].fill(verdict, self.model, batch=True))
                elif result.type == "errored":
                    error = result.error.error
                    fail(key, f"batch entry errored: {error.type}: {error.message}")
                elif result.type == "expired":
                    fail(key, "batch entry expired before it was processed")
                else:
                    fail(key, f"batch entry {result.type}")
            for key in ids.values():
                if key not in got:
                    attempts[key] += 1
                    fail(key, "no result for this request in the batch output")
            self._forget(batch_id)
            return retry

        def api_failure(err: Exception) -> ClaudeJudgeError:
            return self._fatal(err) or ClaudeJudgeError(
                f"Message Batches API failed: {_api_error_text(err)}; verdicts collected so far "
                "are kept, re-run to resume"
            )

        # Batches an interrupted run submitted and never collected.
        resumed_retry: list[str] = []
        done: set[str] = set()
        for batch_id, custom_ids in self._load_state().items():
            ids = {cid: by_custom_id[cid] for cid in custom_ids if cid in by_custom_id}
            if not ids:
                continue
            log.warning("resuming batch %s (%d requests of this run)", batch_id, len(ids))
            try:
                resumed_retry += collect(batch_id, ids, last_round=rounds == 1)
            except anthropic.NotFoundError:
                log.warning("batch %s no longer exists; its requests are submitted again", batch_id)
                self._forget(batch_id)
                continue
            except anthropic.APIError as err:
                raise api_failure(err) from None
            done |= set(ids.values())

        pending = [key for key in keys if key not in done]
        for round_no in range(1, rounds + 1):
            retry: list[str] = []
            for chunk in self._chunks(pending, requests):
                ids = {self.custom_id(key): key for key in chunk}
                try:
                    batch = client.messages.batches.create(
                        requests=[
                            {"custom_id": cid, "params": requests[key]} for cid, key in ids.items()
                        ]
                    )
                    self._remember(batch.id, list(ids))
                    log.info(
                        "submitted batch %s (%d requests, round %d)", batch.id, len(ids), round_no
                    )
                    retry += collect(batch.id, ids, last_round=round_no == rounds)
                except anthropic.APIError as err:
                    raise api_failure(err) from None
            pending = retry + (resumed_retry if round_no == 1 else [])
            if not pending:
                break
