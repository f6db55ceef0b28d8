"""The OpenAI-compatible judge and the rules-first cascade against a loopback fake server.

The fake (tests/fake_openai.py) is a llama-server-shaped HTTP server on 127.0.0.1; the real
`openai` SDK talks to it, so retries, timeouts and serialisation are the SDK's own code.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fake_openai import BUILD, MODEL_ID, FakeOpenAI  # noqa: E402

from judge.cascade import CascadeJudge  # noqa: E402
from judge.openai_compat import OpenAIJudge  # noqa: E402
from judge.rules_judge import RulesJudge  # noqa: E402
from judge.run import JudgeOptions, prepare, run_judge  # noqa: E402
from rescore.warehouse import connect, response_id  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RUN_ID = "20990101_000000"
NOW = datetime(2026, 1, 1)

QUESTIONS = {
    ("math", "q_sum"): ("What is 17 + 25?", "42", "17 + 25 = 42", None),
    ("instruction_precision", "q_exact"): (
        "What is 2+2? Only the number.",
        "4",
        "4",
        "exact_match:4",
    ),
    ("general", "q_sky"): (
        "Explain why the sky is blue.",
        "Rayleigh scattering: shorter wavelengths scatter more strongly off air molecules",
        "Sunlight scatters off nitrogen and oxygen molecules; scattering grows as the inverse "
        "fourth power of wavelength, so blue light is scattered across the sky.",
        None,
    ),
    ("thinking", "q_plan"): (
        "Plan a three-step approach to debug a flaky test.",
        "Reproduce, isolate the nondeterminism, fix and verify",
        "Run the test in a loop to reproduce, bisect shared state and timing, then fix and rerun.",
        None,
    ),
}
# identity that must never reach the judge server
CONFIGS = {
    "architect_secretmodel_70b_baseline": (
        "/models/SecretModel-70B-Q4_K_M.gguf",
        "architect_secret",
    ),
    "general_qwen3_8b_spec_k8": ("/models/Qwen3-8B-Q8_0.gguf", "general_qwen3"),
}
ANSWERS = {
    ("math", "q_sum"): "17 + 25 = 42. The answer is 42.",
    ("instruction_precision", "q_exact"): "4",
    ("general", "q_sky"): "Because of Rayleigh scattering: air molecules scatter short blue "
    "wavelengths far more than red ones, so scattered blue light reaches us from every direction.",
    ("thinking", "q_plan"): "First rerun the test many times to reproduce it, then isolate "
    "shared state or timing, then fix the cause and verify with repeated runs.",
}


def build(path: Path, extra: int = 0) -> None:
    """A small warehouse written straight into the raw tables (as ingest would)."""
    con = connect(path)
    for suite in {s for s, _ in QUESTIONS}:
        con.execute(
            "insert into raw.suites (suite, max_tokens, source_file, file_sha256, loaded_at) "
            "values (?, 4096, ?, 'x', ?)",
            [suite, f"{suite}.yaml", NOW],
        )
    qs = dict(QUESTIONS)
    for i in range(extra):
        qs[("general", f"q_extra_{i}")] = (f"Describe topic {i}.", f"topic {i} facts", None, None)
    for (suite, qid), (prompt, expected, ref, auto) in qs.items():
        con.execute(
            "insert into raw.questions (suite, question_id, prompt, expected, reference_answer, "
            "auto_score, source_file, source_path) values (?, ?, ?, ?, ?, ?, ?, ?)",
            [suite, qid, prompt, expected, ref, auto, f"{suite}.yaml", f"prompts.{qid}"],
        )
    rows = []
    for c, (model_path, role) in CONFIGS.items():
        con.execute(
            "insert into raw.configs (run_id, config, role, config_name, model_path, model, "
            "source_file, file_sha256, loaded_at) values (?, ?, ?, 'baseline', ?, ?, ?, 'x', ?)",
            [RUN_ID, c, role, model_path, Path(model_path).stem, f"{c}.json", NOW],
        )
        for (suite, qid), (prompt, *_rest) in qs.items():
            text = ANSWERS.get((suite, qid), f"Topic {qid} is about several facts worth noting.")
            if c.startswith("general") and suite == "general" and qid == "q_sky":
                text = "As Qwen3-8B I say: " + text
            rows.append((c, suite, qid, prompt, text, 40, False, True, 87.5))
        rows.append((c, "speed_test", "speed", "hi", "hello", 5, True, False, 99.0))
    con.executemany(
        "insert into raw.responses (response_id, run_id, config, suite, question_id, prompt, "
        "response, completion_tokens, is_speed_test, in_suite, tokens_per_second, source_file, "
        "source_path) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (response_id(RUN_ID, c, s, q), RUN_ID, c, s, q, p, t, k, st, ins, tps,
             f"{c}.json", f"results.{s}.{q}")
            for c, s, q, p, t, k, st, ins, tps in rows
        ],
    )  # fmt: skip
    con.close()


@pytest.fixture
def fake():
    with FakeOpenAI() as f:
        yield f


@pytest.fixture
def wh(tmp_path: Path) -> Path:
    path = tmp_path / "oa.duckdb"
    build(path)
    return path


def judge_for(fake: FakeOpenAI, **kw) -> OpenAIJudge:
    kw.setdefault("max_retries", 2)
    kw.setdefault("timeout", 5.0)
    return OpenAIJudge(base_url=fake.base_url, **kw)


def run(wh: Path, judge, scoring_run: str = "s1", judge_name: str = "openai", **kw) -> int:
    con = connect(wh)
    try:
        return run_judge(con, JudgeOptions(judge_name, scoring_run, progress=False, **kw), judge)
    finally:
        con.close()


def rows(wh: Path, sql: str, params=()) -> list[tuple]:
    con = duckdb.connect(str(wh), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def test_openai_judge_scores_everything_with_model_id_build_and_tokens(fake, wh):
    assert run(wh, judge_for(fake)) == 0
    got = rows(wh, "select judge, decided_by, input_tokens, cost_usd from raw.judgments")
    assert len(got) == 2 * len(QUESTIONS)
    assert {(g[0], g[1]) for g in got} == {(f"openai:{MODEL_ID}", "model")}
    assert all(g[2] and g[2] > 0 and g[3] == 0.0 for g in got)
    settings, rubric = rows(wh, "select settings, rubric from raw.scoring_runs")[0]
    settings = json.loads(settings)
    assert settings["model"] == MODEL_ID and settings["server_build"] == BUILD
    assert "Score the response 0-3" in rubric
    for req in fake.completions():
        assert req.json["temperature"] == 0 and isinstance(req.json["seed"], int)
        assert req.json["response_format"]["type"] == "json_schema"


def test_a_server_rejecting_response_format_gets_prompt_only_json(fake, wh):
    fake.reject_response_format = True
    assert run(wh, judge_for(fake, concurrency=1)) == 0
    reqs = fake.completions()
    with_format = [r for r in reqs if "response_format" in r.json]
    assert len(with_format) == 1  # rejected once; the rest of the run asks without it
    # identical blind items (same answer to the same question) are asked once
    assert len(reqs) == 1 + len(set(_sent_responses(fake)))
    assert rows(wh, "select count(*) from raw.judgments")[0][0] == 2 * len(QUESTIONS)


def test_5xx_is_retried_and_a_timeout_becomes_a_failure_then_resumes(fake, wh):
    fake.on("17 + 25 = 42. The answer", "500", "ok")  # a rules-decided answer, asked here
    fake.on("As [MODEL] I say", "sleep:3", "sleep:3")  # one response, both attempts
    judge = judge_for(fake, timeout=1.0, max_retries=1)
    assert run(wh, judge) == 1
    failures = rows(wh, "select error from raw.judge_failures")
    assert len(failures) == 1 and "timed out" in failures[0][0]
    assert rows(wh, "select count(*) from raw.judgments")[0][0] == 2 * len(QUESTIONS) - 1
    before = len(fake.completions())
    assert run(wh, judge_for(fake)) == 0  # resume: only the failed one is asked again
    assert len(fake.completions()) == before + 1
    assert rows(wh, "select count(*) from raw.judge_failures")[0][0] == 0


def test_a_malformed_verdict_is_retried_then_recorded_as_a_failure(fake, wh):
    fake.on(
        "Rayleigh scattering: air", "invalid", "invalid", "invalid", "invalid", "invalid", "invalid"
    )
    assert run(wh, judge_for(fake, concurrency=1, max_invalid_retries=2)) == 1
    (error,) = rows(wh, "select error from raw.judge_failures")[0]
    assert "invalid output after 3 attempts" in error
    scores = rows(wh, "select score from raw.judgments")
    assert all(0 <= s[0] <= 3 for s in scores)


def test_an_unreachable_server_is_one_clear_error(wh, capsys):
    judge = OpenAIJudge(base_url="http://127.0.0.1:9/v1", max_retries=0, timeout=2)
    assert run(wh, judge) == 2
    assert "cannot reach the judge server" in capsys.readouterr().err


IDENTITY = [
    "SecretModel", "secretmodel", "architect_secret", "Qwen3", "qwen3", "general_qwen3",
    "Q4_K_M", "Q8_0", ".gguf", ".json", "87.5", "spec_k8", "baseline", RUN_ID,
]  # fmt: skip


def _sent_responses(fake: FakeOpenAI) -> list[str]:
    out = []
    for r in fake.completions():
        user = next(m["content"] for m in r.json["messages"] if m["role"] == "user")
        out.append(user.split("<response>\n", 1)[1].split("\n</response>", 1)[0])
    return out


def test_cascade_sends_exactly_the_non_deterministic_responses_blind_and_once(fake, wh):
    judge = CascadeJudge(judge_for(fake), RulesJudge("v2"))
    con = connect(wh)
    prepared, _ = prepare(con, judge)
    con.close()
    routing = judge.route([p.task for p in prepared])
    expected = sorted({t.item.response for t in routing.model})  # identical work asked once
    assert routing.rules and routing.model  # both paths are exercised
    assert run(wh, judge, judge_name="cascade") == 0
    assert sorted(_sent_responses(fake)) == expected
    for r in fake.requests:
        for name in IDENTITY:
            assert name not in r.body and name not in r.path, (name, r.path)
    decided = dict(rows(wh, "select decided_by, count(*) from raw.judgments group by 1"))
    assert decided == {"rules": len(routing.rules), "model": len(routing.model)}
    sent = len(fake.requests)
    assert run(wh, CascadeJudge(judge_for(fake), RulesJudge("v2")), judge_name="cascade") == 0
    assert [r.path for r in fake.requests[sent:]] == ["/v1/models", "/props"]  # nothing judged
    assert run(wh, CascadeJudge(judge_for(fake), RulesJudge("v2")), "s2", "cascade") == 0
    assert len(fake.completions()) == len(expected)  # a new scoring run: all from the cache


def test_cascade_dry_run_prints_the_split_and_the_saving(fake, wh, capsys):
    judge = CascadeJudge(judge_for(fake), RulesJudge("v2"))
    assert run(wh, judge, judge_name="cascade", dry_run=True, model_judge="openai") == 0
    out = capsys.readouterr().out
    assert "decided by the rules" in out and "go to the model judge (openai)" in out
    assert "the rules save" in out
    assert fake.completions() == []


@pytest.mark.slow
def test_cli_against_the_fake_with_and_without_response_format(fake, wh):
    for reject, run_name in ((False, "with"), (True, "without")):
        fake.reject_response_format = reject
        cmd = [sys.executable, "-m", "rescore.cli", "judge", "--judge", "openai",
               "--base-url", fake.base_url, "--scoring-run", run_name, "--warehouse", str(wh),
               "--no-progress"]  # fmt: skip
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        assert f"judge openai:{MODEL_ID}" in proc.stdout
    n = rows(wh, "select scoring_run, count(*) from raw.judgments group by 1 order by 1")
    assert n == [("with", 2 * len(QUESTIONS)), ("without", 0 + 2 * len(QUESTIONS))]


@pytest.mark.slow
def test_kill_9_during_an_openai_run_resumes_without_asking_twice(fake, tmp_path):
    path = tmp_path / "kill.duckdb"
    build(path, extra=30)
    total = 2 * (len(QUESTIONS) + 30)
    fake.latency = 0.05
    cmd = [sys.executable, "-m", "rescore.cli", "judge", "--judge", "openai", "--base-url",
           fake.base_url, "--scoring-run", "k", "--warehouse", str(path), "--no-progress",
           "--concurrency", "1"]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(fake.completions()) < 15:
        time.sleep(0.02)
    assert proc.poll() is None, "the judge finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    asked_before = len(fake.completions())
    done = rows(path, "select count(*) from raw.judgments")[0][0]
    assert 10 <= done < total
    fake.latency = 0.0
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert f"already done {done}" in proc.stdout
    n, distinct = rows(path, "select count(*), count(distinct response_id) from raw.judgments")[0]
    assert n == distinct == total
    # at most the in-flight request at the kill is asked twice
    assert len(fake.completions()) - asked_before <= total - done + 1


def test_the_key_comes_from_the_environment_and_is_never_stored(wh, monkeypatch, capsys):
    secret = "sk-local-0123456789abcdef"
    with FakeOpenAI(api_key=secret) as fake:
        monkeypatch.delenv("OPENAI_API_KEY", raising=False)
        assert run(wh, judge_for(fake)) == 2  # 401 on /v1/models: one clear error
        assert "authentication failed" in capsys.readouterr().err
        monkeypatch.setenv("OPENAI_API_KEY", secret)
        assert run(wh, judge_for(fake)) == 0
        assert all(r.headers["authorization"] == f"Bearer {secret}" for r in fake.completions())
    out = capsys.readouterr()
    assert secret not in out.out + out.err
    con = duckdb.connect(str(wh), read_only=True)
    for (table,) in con.execute(
        "select table_name from information_schema.tables where table_schema = 'raw'"
    ).fetchall():
        dump = str(con.execute(f"select * from raw.{table}").fetchall())
        assert secret not in dump, table
    con.close()
