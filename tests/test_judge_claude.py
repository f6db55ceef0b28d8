"""The Claude judge, driven through the real `anthropic` SDK against a local fake API server.

Nothing here talks to the real API except `test_real_api_smoke`, marked `api` (off by default).
The fake (tests/fake_anthropic.py) is a real HTTP server on 127.0.0.1, so the SDK's own
serialisation, retry/backoff and timeout code runs for real.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import anthropic
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fake_anthropic import FakeAnthropic  # noqa: E402

import judge.claude.prompt as claude_prompt  # noqa: E402
from judge.base import RUBRIC, BlindItem, Criterion, Task, Verdict  # noqa: E402
from judge.claude import (  # noqa: E402
    DEFAULT_MODEL,
    ClaudeJudge,
    ClaudeJudgeError,
    InvalidJudgeOutput,
    parse_verdict,
)
from judge.claude.pricing import estimate_cost, price_for  # noqa: E402

# --------------------------------------------------------------------------- fixtures


@dataclass(frozen=True)
class Hidden:
    """What the warehouse knows about a response and the judge must never see."""

    model: str
    role: str
    config: str
    file_name: str
    speed: str

    def strings(self) -> list[str]:
        return [self.model, self.role, self.config, self.file_name, self.speed]


# Realistic identities, shaped like the records of the real run (model_path, model_role,
# config_name, <role>_<config>.json, tokens_per_second).
HIDDEN = [
    Hidden(
        "Qwen3-Coder-30B-A3B-Instruct-Q4_K_M.gguf",
        "coder_qwen3_coder_30b_a3b",
        "moe4_spec_draft_qwen3_coder_0_75b_k16",
        "coder_qwen3_coder_30b_a3b_moe4_spec_draft_qwen3_coder_0_75b_k16.json",
        "23.84696",
    ),
    Hidden(
        "Meta-Llama-3.1-70B-Instruct-Q4_K_M.gguf",
        "architect_general",
        "moe6_lookup_n4",
        "architect_general_moe6_lookup_n4.json",
        "7.31822",
    ),
    Hidden(
        "DeepSeek-R1-Distill-Qwen-1.5B-Q8_0.gguf",
        "draft_deepseek_r1_distill_qwen_1_5b",
        "q80_baseline",
        "draft_deepseek_r1_distill_qwen_1_5b_q80_baseline.json",
        "118.4411",
    ),
]

QUESTIONS = [
    dict(
        suite="math",
        question_id="t1_q3_compound_interest",
        prompt="A deposit of $1,000 earns 5% a year compounded annually. What is it worth "
        "after 3 years? Show your working.",
        expected="1157.63",
        reference_answer="1000 * 1.05^3 = 1157.625, so $1,157.63",
        criteria=(Criterion("final value 1157.63 (±0.01)", 2.0), Criterion("shows working")),
    ),
    dict(
        suite="general",
        question_id="t2_q1_summarise",
        prompt="Summarise the causes of the 1929 stock market crash in two sentences.",
        expected=None,
        reference_answer="Speculation on margin, overvalued stocks, and a "
        "banking system exposed to both; panic selling in October turned it into a crash.",
        criteria=(Criterion("names margin speculation"), Criterion("two sentences")),
    ),
]

RESPONSES = [
    "The value is 1000 x 1.05^3 = 1157.63 dollars after three years.",
    "After 3 years: 1000*1.05=1050, *1.05=1102.5, *1.05=1157.625 -> $1157.63",
    "It is about $1150.",
]


def make_tasks(questions=QUESTIONS, hidden=HIDDEN) -> tuple[list[Task], dict[str, Hidden]]:
    """One task per (question, config); the identity is kept beside the task, never in it."""
    tasks: list[Task] = []
    identity: dict[str, Hidden] = {}
    for qi, q in enumerate(questions):
        for ci, who in enumerate(hidden):
            response = f"{RESPONSES[ci]} [q{qi} c{ci}]"
            item = BlindItem(response=response, **q)
            task = Task(
                response_id=f"resp-{qi}-{ci}", cache_key=f"ck{qi}{ci}" + "0" * 20, item=item
            )
            tasks.append(task)
            identity[task.response_id] = who
    return tasks, identity


def grade_by_length(response_text: str) -> int:
    """The fake's grader: a score that differs per response, so mix-ups would show."""
    return len(response_text) % 4


@pytest.fixture
def fake():
    server = FakeAnthropic().start()
    server.grader = grade_by_length
    yield server
    server.stop()


@pytest.fixture
def client(fake):
    sdk = anthropic.Anthropic(
        base_url=fake.base_url, api_key="test-key", max_retries=2, timeout=0.5
    )
    yield sdk
    sdk.close()


def response_block(request_json: dict) -> str:
    return request_json["messages"][-1]["content"][-1]["text"]


def collect(judge: ClaudeJudge, tasks: list[Task]) -> tuple[dict[str, Verdict], list]:
    seen: list[tuple[Task, Verdict]] = []
    verdicts = judge.judge_all(tasks, on_result=lambda t, v: seen.append((t, v)))
    return verdicts, seen


# --------------------------------------------------------------------------- Messages API


def test_good_run_scores_every_task_and_reports_usage(fake, client):
    tasks, _ = make_tasks()
    verdicts, seen = collect(ClaudeJudge(client=client, concurrency=4), tasks)

    assert len(fake.message_requests()) == len(tasks)
    assert sorted(t.response_id for t, _ in seen) == sorted(t.response_id for t in tasks)
    for task in tasks:
        verdict = verdicts[task.cache_key]
        assert verdict.score in (0, 1, 2, 3)
        assert verdict.error is None and verdict.attempts == 1
        assert verdict.reason == "fake verdict"
        assert verdict.output_tokens == 40 and verdict.input_tokens > 0
        assert verdict.cost_usd is not None and verdict.cost_usd > 0
    # Each request's answer went to the task whose response it carried.
    by_response = {t.item.response: t for t in tasks}
    for request in fake.message_requests():
        text = response_block(request.json)
        task = next(t for r, t in by_response.items() if r in text)
        assert verdicts[task.cache_key].score == grade_by_length(text)


def test_cost_follows_published_prices(fake, client):
    tasks, _ = make_tasks(hidden=HIDDEN[:1])
    verdicts, _ = collect(ClaudeJudge(client=client), tasks)
    for verdict in verdicts.values():
        # Sonnet 5.5 per MTok: input $2, output $10, 5-minute cache write $2.50, read $0.10.
        expected = (
            verdict.input_tokens * 2.0
            + verdict.output_tokens * 10.0
            + verdict.cache_creation_tokens * 2.5
            + verdict.cache_read_tokens * 0.1
        ) / 1e6
        assert verdict.cost_usd == pytest.approx(expected)


def test_prompt_cache_prefix_is_marked_and_identical_across_configs(fake, client):
    tasks, _ = make_tasks()
    verdicts, _ = collect(ClaudeJudge(client=client, concurrency=8), tasks)

    bodies = [r.json for r in fake.message_requests()]
    assert len({json.dumps(b["system"]) for b in bodies}) == 1
    assert RUBRIC in bodies[0]["system"][0]["text"]
    prefixes: dict[str, set[str]] = {}
    for body in bodies:
        first, last = body["messages"][-1]["content"]
        assert first["cache_control"] == {"type": "ephemeral"}
        assert "cache_control" not in last
        qid = next(q["question_id"] for q in QUESTIONS if q["question_id"] in first["text"])
        prefixes.setdefault(qid, set()).add(first["text"])
        # The prefix holds the question material and none of the response.
        assert not any(r.split(" [")[0] in first["text"] for r in RESPONSES)
    assert {q: len(p) for q, p in prefixes.items()} == {q["question_id"]: 1 for q in QUESTIONS}

    # Prefix-aware order: per question exactly one request wrote the cache, the rest read it,
    # even with more workers than tasks.
    for q in QUESTIONS:
        group = [
            v
            for t, v in ((t, verdicts[t.cache_key]) for t in tasks)
            if t.item.question_id == q["question_id"]
        ]
        assert sum(v.cache_creation_tokens > 0 for v in group) == 1
        assert sum(v.cache_read_tokens > 0 for v in group) == len(group) - 1


@pytest.mark.parametrize("status", ["429", "500", "529"])
def test_transient_http_errors_are_retried_by_the_sdk(fake, client, status):
    tasks, _ = make_tasks(questions=QUESTIONS[:1])
    target = tasks[1]
    fake.on("[q0 c1]", status)
    verdicts, _ = collect(ClaudeJudge(client=client), tasks)

    hits = [r for r in fake.message_requests() if "[q0 c1]" in r.body]
    assert len(hits) == 2  # the error, then the SDK's retry
    assert hits[1].headers.get("x-stainless-retry-count") == "1"
    verdict = verdicts[target.cache_key]
    assert verdict.score == grade_by_length(response_block(hits[1].json))
    assert verdict.error is None and verdict.attempts == 1


def test_timeout_then_success(fake):
    tasks, _ = make_tasks(questions=QUESTIONS[:1], hidden=HIDDEN[:1])
    sdk = anthropic.Anthropic(
        base_url=fake.base_url, api_key="test-key", max_retries=2, timeout=0.3
    )
    fake.on("[q0 c0]", "sleep:1.0")
    verdicts, _ = collect(ClaudeJudge(client=sdk), tasks)
    sdk.close()

    assert len(fake.message_requests()) == 2
    verdict = verdicts[tasks[0].cache_key]
    assert verdict.error is None and verdict.score is not None


def test_persistent_server_errors_become_a_failure_not_a_crash(fake, client):
    tasks, _ = make_tasks(questions=QUESTIONS[:1])
    fake.on("[q0 c2]", "500", "500", "500")  # max_retries=2: three attempts, all fail
    verdicts, seen = collect(ClaudeJudge(client=client), tasks)

    failed = verdicts[tasks[2].cache_key]
    assert failed.score is None
    assert "HTTP 500" in failed.error
    assert len(seen) == 3  # the failure is reported too, and the others succeeded
    assert all(verdicts[t.cache_key].score is not None for t in tasks[:2])


def test_malformed_output_is_retried_then_recorded_as_failure(fake, client):
    tasks, _ = make_tasks(questions=QUESTIONS[:1])
    fake.on("[q0 c0]", "invalid", "bad-score", "invalid")
    fake.on("[q0 c1]", "invalid")
    verdicts, _ = collect(ClaudeJudge(client=client, max_invalid_retries=2), tasks)

    failed = verdicts[tasks[0].cache_key]
    assert failed.score is None
    assert "invalid output after 3 attempts" in failed.error
    assert failed.attempts == 3
    assert len([r for r in fake.message_requests() if "[q0 c0]" in r.body]) == 3
    assert failed.output_tokens == 3 * 40  # every attempt was paid for and is recorded

    recovered = verdicts[tasks[1].cache_key]
    assert recovered.score is not None and recovered.error is None
    assert recovered.attempts == 2


def test_identical_work_is_judged_once(fake, client):
    tasks, _ = make_tasks(questions=QUESTIONS[:1], hidden=HIDDEN[:1])
    twin = Task(response_id="resp-twin", cache_key=tasks[0].cache_key, item=tasks[0].item)
    verdicts, seen = collect(ClaudeJudge(client=client), [tasks[0], twin])
    assert len(fake.message_requests()) == 1
    assert {t.response_id for t, _ in seen} == {"resp-0-0", "resp-twin"}
    assert list(verdicts) == [tasks[0].cache_key]


# --------------------------------------------------------------------------- batches


def test_batch_with_succeeded_errored_expired_and_invalid_entries(fake, client):
    tasks, _ = make_tasks()
    long_key = Task(
        response_id="resp-long",
        cache_key="sha256:" + "ab" * 40,
        item=BlindItem(response="Fine answer [long]", **QUESTIONS[0]),
    )
    tasks.append(long_key)
    fake.on("[q0 c1]", "errored")
    fake.on("[q1 c0]", "expired")
    fake.on("[q1 c2]", "invalid", "invalid")  # invalid in both rounds
    fake.on("[q0 c2]", "invalid")  # invalid once, fine in the retry round
    judge = ClaudeJudge(client=client, batch=True, poll_interval=0.01, max_invalid_retries=1)
    verdicts, seen = collect(judge, tasks)

    creates = fake.batch_creates()
    assert len(creates) == 2
    first_ids = [r["custom_id"] for r in creates[0].json["requests"]]
    retried = [r["custom_id"] for r in creates[1].json["requests"]]
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{1,64}", cid) for cid in first_ids)
    assert len(set(first_ids)) == len(tasks)
    assert tasks[0].cache_key in first_ids  # a valid cache key is used as is
    assert len(retried) == 2

    assert len(seen) == len(tasks)
    by_id = {t.response_id: verdicts[t.cache_key] for t in tasks}
    assert by_id["resp-0-1"].score is None and "invalid_request_error" in by_id["resp-0-1"].error
    assert by_id["resp-1-0"].score is None and "expired" in by_id["resp-1-0"].error
    assert by_id["resp-1-2"].score is None and "invalid output" in by_id["resp-1-2"].error
    assert by_id["resp-1-2"].attempts == 2
    assert by_id["resp-0-2"].score is not None and by_id["resp-0-2"].attempts == 2
    for rid in ("resp-0-0", "resp-1-1", "resp-long"):
        verdict = by_id[rid]
        assert verdict.score is not None and verdict.error is None
        assert verdict.extra["mode"] == "batch"
        # Batch usage is billed at half price.
        full = (
            verdict.input_tokens * 2.0
            + verdict.output_tokens * 10.0
            + verdict.cache_creation_tokens * 2.5
            + verdict.cache_read_tokens * 0.1
        ) / 1e6
        assert verdict.cost_usd == pytest.approx(full / 2)
    # Each batch entry carries the same prompt as the Messages path would send.
    params = creates[0].json["requests"][0]["params"]
    assert params["messages"][-1]["content"][0]["cache_control"] == {"type": "ephemeral"}


def test_batch_api_failure_stops_with_a_clear_error(fake, client):
    tasks, _ = make_tasks(questions=QUESTIONS[:1], hidden=HIDDEN[:1])
    fake.batch_polls_before_end = 1
    bad = ClaudeJudge(client=client, batch=True, poll_interval=0.01)
    bad.custom_id = lambda key: "not a valid id!"  # the fake enforces the API's constraint
    with pytest.raises(ClaudeJudgeError, match="HTTP 400"):
        bad.judge_all(tasks)


def test_interrupted_batch_run_resumes_without_paying_twice(fake, client, tmp_path):
    state = tmp_path / "claude_batches.json"
    tasks, _ = make_tasks()
    first = ClaudeJudge(client=client, batch=True, poll_interval=0.01, batch_state=state)

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # stands in for kill -9 while waiting for the batch

    first._wait_for_batch = killed
    seen: list = []
    with pytest.raises(KeyboardInterrupt):
        first.judge_all(tasks, on_result=lambda t, v: seen.append(t))
    recorded = json.loads(state.read_text())
    assert seen == [] and len(recorded) == 1
    assert len(next(iter(recorded.values()))) == len(tasks)

    second = ClaudeJudge(client=client, batch=True, poll_interval=0.01, batch_state=state)
    verdicts, seen = collect(second, tasks)
    assert len(fake.batch_creates()) == 1  # the first run's batch was collected, not redone
    assert len(seen) == len(tasks)
    assert all(verdicts[t.cache_key].score is not None for t in tasks)
    assert json.loads(state.read_text()) == {}


def test_a_vanished_batch_in_the_state_file_is_submitted_again(fake, client, tmp_path):
    state = tmp_path / "claude_batches.json"
    tasks, _ = make_tasks(questions=QUESTIONS[:1])
    ids = [ClaudeJudge.custom_id(t.cache_key) for t in tasks]
    state.write_text(json.dumps({"msgbatch_gone": ids}))
    judge = ClaudeJudge(client=client, batch=True, poll_interval=0.01, batch_state=state)
    verdicts, _ = collect(judge, tasks)
    assert len(fake.batch_creates()) == 1
    assert all(verdicts[t.cache_key].score is not None for t in tasks)
    assert json.loads(state.read_text()) == {}


def test_an_unparseable_api_reply_is_one_failure_not_a_dead_run(fake, client):
    tasks, _ = make_tasks(questions=QUESTIONS[:1])
    fake.on("[q0 c1]", "garbage")
    verdicts, seen = collect(ClaudeJudge(client=client), tasks)
    assert len(seen) == len(tasks)
    assert verdicts[tasks[1].cache_key].score is None
    assert "unexpected" in verdicts[tasks[1].cache_key].error
    assert verdicts[tasks[0].cache_key].score is not None


# --------------------------------------------------------------------------- blindness, secrets


def test_no_identity_reaches_any_request(fake, client):
    tasks, identity = make_tasks()
    for task in tasks:  # the test data itself must not leak, or the check proves nothing
        assert not any(
            s.lower() in task.item.response.lower() for s in identity[task.response_id].strings()
        )
    collect(ClaudeJudge(client=client), tasks)
    collect(ClaudeJudge(client=client, batch=True, poll_interval=0.01), tasks)

    hidden = {s.lower() for who in HIDDEN for s in who.strings()}
    hidden |= {t.response_id.lower() for t in tasks}  # opaque ids stay out of prompts too
    bodies = [r for r in fake.requests if r.method == "POST"]
    assert len(bodies) == len(tasks) + 1
    for request in bodies:
        text = (request.path + request.body).lower()
        leaked = [s for s in hidden if s in text]
        assert not leaked, f"{request.path} leaked {leaked}"


def test_api_key_comes_from_the_environment_and_is_never_logged(fake, monkeypatch, caplog, capfd):
    secret = "sk-ant-api03-SECRET-do-not-log-1234567890"
    fake.api_key = secret
    monkeypatch.setenv("ANTHROPIC_API_KEY", secret)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.base_url)
    monkeypatch.setenv("ANTHROPIC_LOG", "debug")
    caplog.set_level(logging.DEBUG)
    tasks, _ = make_tasks(questions=QUESTIONS[:1])
    fake.on("[q0 c1]", "500")
    fake.on("[q0 c2]", "invalid", "invalid", "invalid")

    verdicts, _ = collect(ClaudeJudge(max_retries=1, timeout=2.0), tasks)

    # The key was used (the fake accepted it) ...
    assert all(verdicts[t.cache_key].score is not None for t in tasks[:2])
    assert verdicts[tasks[2].cache_key].error  # the failure path ran too
    assert any(
        secret in r.headers.get("authorization", "") + r.headers.get("x-api-key", "")
        for r in fake.requests
    )
    # ... and appears nowhere else: logs, output, verdicts, request bodies.
    out, err = capfd.readouterr()
    assert caplog.records  # debug logging really was on
    assert secret not in caplog.text and secret not in out + err
    assert all(secret not in json.dumps(v.__dict__) for v in verdicts.values())
    assert all(secret not in r.body for r in fake.requests)


def test_wrong_key_stops_the_run_without_echoing_it(fake, monkeypatch):
    secret = "sk-ant-api03-WRONG-key-0987654321"
    monkeypatch.setenv("ANTHROPIC_API_KEY", secret)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.base_url)
    tasks, _ = make_tasks(questions=QUESTIONS[:1])
    with pytest.raises(ClaudeJudgeError, match="ANTHROPIC_API_KEY") as info:
        ClaudeJudge(max_retries=0).judge_all(tasks)
    assert secret not in str(info.value)
    assert len(fake.message_requests()) <= len(tasks)  # stopped, not retried per task


def test_missing_key_is_a_clear_error(fake, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.base_url)
    tasks, _ = make_tasks(questions=QUESTIONS[:1])
    judge = ClaudeJudge()
    assert judge.name == f"claude:{DEFAULT_MODEL}"  # usable for cache keys without a key
    with pytest.raises(ClaudeJudgeError, match="ANTHROPIC_API_KEY is not set"):
        judge.judge_all(tasks)
    assert fake.requests == []
    assert judge.judge_all([]) == {}  # nothing to do needs no key


# --------------------------------------------------------------------------- units


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"score": 3, "reason": "Correct, shows working."}', (3, "Correct, shows working.")),
        ('  {"reason": "Empty.", "score": 0}\n', (0, "Empty.")),
        ('```json\n{"score": 2, "reason": "Truncated."}\n```', (2, "Truncated.")),
        ('{"score": 4, "reason": "x"}', "score must be an integer 0-3"),
        ('{"score": "3", "reason": "x"}', "score must be an integer 0-3"),
        ('{"score": true, "reason": "x"}', "score must be an integer 0-3"),
        ('{"score": 2.0, "reason": "x"}', "score must be an integer 0-3"),
        ('{"score": 2, "reason": "  "}', "reason must be a non-empty string"),
        ('{"score": 2}', "expected keys"),
        ('{"score": 2, "reason": "x", "model": "guess"}', "expected keys"),
        ("Score: 3. The answer is right.", "not a JSON object"),
        ('[{"score": 2, "reason": "x"}]', "not a JSON object"),
        ('Here you go: {"score": 2, "reason": "x"}', "not a JSON object"),
        ("", "empty answer"),
    ],
)
def test_parse_verdict(text, expected):
    if isinstance(expected, tuple):
        assert parse_verdict(text) == expected
    else:
        with pytest.raises(InvalidJudgeOutput, match=re.escape(expected)):
            parse_verdict(text)


def test_settings_and_name(monkeypatch):
    judge = ClaudeJudge("claude-haiku-4-5")
    assert judge.name == "claude:claude-haiku-4-5"
    settings = judge.settings()
    assert settings["model"] == "claude-haiku-4-5"
    assert {"prompt_version", "rubric_version", "max_tokens", "temperature"} <= set(settings)
    assert ClaudeJudge().settings() != settings
    # Rewording the prompt changes the settings (and so the cache key) by itself.
    before = ClaudeJudge().settings()
    monkeypatch.setattr(claude_prompt, "SYSTEM_PROMPT", claude_prompt.SYSTEM_PROMPT + " Be fair.")
    assert ClaudeJudge().settings()["prompt_fingerprint"] != before["prompt_fingerprint"]
    # Transport options do not change verdicts, so they stay out of the cache key.
    assert ClaudeJudge(batch=True, concurrency=2, timeout=5).settings() == ClaudeJudge().settings()


def test_estimate_cost_counts_requests_and_the_cache():
    questions = [
        dict(q, prompt=q["prompt"] + " Context: " + "lorem ipsum " * 300) for q in QUESTIONS
    ]  # a prefix long enough to be cacheable
    tasks, _ = make_tasks(questions=questions)
    estimate = estimate_cost(tasks, "claude-sonnet-5-5")
    assert estimate["requests"] == len(tasks)
    assert estimate["output_tokens"] > 0 and estimate["input_tokens"] > 0
    # One cache write per question; the other configs read it.
    assert estimate["cache_write_tokens"] > 0
    assert estimate["cache_read_tokens"] == pytest.approx(
        estimate["cache_write_tokens"] * (len(HIDDEN) - 1), rel=0.01
    )
    assert estimate_cost(tasks, "claude-sonnet-5-5", batch=True)["usd"] == pytest.approx(
        estimate["usd"] / 2
    )
    # Caching makes the per-request cost fall as more configs answer the same question.
    one_config = estimate_cost(
        make_tasks(questions=questions, hidden=HIDDEN[:1])[0], "claude-sonnet-5-5"
    )
    assert estimate["usd"] / estimate["requests"] < one_config["usd"] / one_config["requests"]
    # Duplicate cache keys are one request; an unknown model is unpriced, not guessed.
    assert estimate_cost(tasks + tasks[:2], "claude-sonnet-5-5")["requests"] == len(tasks)
    assert estimate_cost(tasks, "claude-unknown-9")["usd"] is None
    assert price_for("claude-sonnet-4-5-20250929") == price_for("claude-sonnet-4-5")


def test_short_prefixes_are_estimated_as_uncached():
    tasks, _ = make_tasks()
    estimate = estimate_cost(tasks, "claude-haiku-4-5")  # 4,096-token cache minimum
    assert estimate["cache_write_tokens"] == estimate["cache_read_tokens"] == 0


# --------------------------------------------------------------------------- real API


@pytest.mark.api
def test_real_api_smoke():
    """One real judgment; spends a fraction of a cent. Run with `pytest -m api`."""
    if not os.environ.get("ANTHROPIC_API_KEY"):
        pytest.skip("ANTHROPIC_API_KEY is not set")
    tasks, _ = make_tasks(questions=QUESTIONS[:1], hidden=HIDDEN[:1])
    verdicts = ClaudeJudge().judge_all(tasks)
    verdict = verdicts[tasks[0].cache_key]
    assert verdict.error is None, verdict.error
    assert verdict.score in (0, 1, 2, 3) and verdict.cost_usd > 0
