"""run_judge on real DuckDB files: flags, judgments, cache, idempotence, failures, resume."""

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

from judge.base import Task, Verdict
from judge.run import JudgeOptions, run_judge
from rescore.warehouse import connect, response_id

ROOT = Path(__file__).resolve().parents[1]
RUN_ID = "20990101_000000"
NOW = datetime(2026, 1, 1)

QUESTIONS = {
    ("math", "q_sum"): dict(
        prompt="What is 17 + 25? Show your work.",
        expected="42",
        reference_answer="17 + 25 = 42",
        auto_score=None,
    ),
    ("instruction_precision", "q_exact"): dict(
        prompt="What is 2+2? Reply with only the number, nothing else.",
        expected="4",
        reference_answer="4",
        auto_score="exact_match:4",
    ),
    ("agentic", "q_tool"): dict(
        prompt='Tools:\n- read_file: {"path": "string"}\nRead /etc/hosts. Output only the JSON.',
        expected='{"name": "read_file", "parameters": {"path": "/etc/hosts"}}',
        reference_answer='{"name": "read_file", "parameters": {"path": "/etc/hosts"}}',
        auto_score=None,
    ),
}

# Config -> (model file, role, {question: (response, completion_tokens)})
CONFIGS = {
    "architect_secretmodel_baseline": (
        "/models/SecretModel-70B-Q4_K_M.gguf",
        "architect_secretmodel",
        {
            ("math", "q_sum"): ("17 + 25: 17 + 20 = 37, 37 + 5 = 42. The answer is 42.", 30),
            ("instruction_precision", "q_exact"): ("4", 1),
            ("agentic", "q_tool"): (
                '{"name": "read_file", "parameters": {"path": "/etc/hosts"}}',
                20,
            ),
        },
    ),
    "general_qwen3_8b_baseline": (
        "/models/Qwen3-8B-Q8_0.gguf",
        "general_qwen3_8b",
        {
            # the prompt echoed, then the answer; and a self-introduction to redact
            ("math", "q_sum"): (
                "What is 17 + 25? Show your work.\nAs Qwen3-8B, I add: 17 + 25 = 43.",
                20,
            ),
            # echo only
            ("instruction_precision", "q_exact"): (
                "What is 2+2? Reply with only the number, nothing else. [end of text]",
                1,
            ),
            # runs into the cap while looping
            ("agentic", "q_tool"): ("No assertions. " * 300, 2047),
        },
    ),
}


def build_warehouse(path: Path, configs: dict = CONFIGS, extra_responses: int = 0) -> None:
    """A small warehouse written straight into the raw tables (as ingest would)."""
    con = connect(path)
    for suite in {s for s, _ in QUESTIONS}:
        con.execute(
            "insert into raw.suites (suite, max_tokens, source_file, file_sha256, loaded_at) "
            "values (?, ?, ?, 'x', ?)",
            [suite, 512 if suite == "instruction_precision" else 4096, f"{suite}.yaml", NOW],
        )
    for (suite, qid), q in QUESTIONS.items():
        con.execute(
            "insert into raw.questions (suite, question_id, prompt, expected, reference_answer, "
            "scoring, auto_score, source_file, source_path) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [suite, qid, q["prompt"], q["expected"], q["reference_answer"],
             json.dumps([{"criterion": "correct", "weight": 100}]), q["auto_score"],
             f"{suite}.yaml", f"prompts.{qid}"],
        )  # fmt: skip
    rows = []
    for config, (model_path, role, answers) in configs.items():
        con.execute(
            "insert into raw.configs (run_id, config, role, config_name, model_path, model, "
            "source_file, file_sha256, loaded_at) values (?, ?, ?, 'baseline', ?, ?, ?, 'x', ?)",
            [RUN_ID, config, role, model_path, Path(model_path).stem, f"{config}.json", NOW],
        )
        for (suite, qid), (text, ctoks) in answers.items():
            prompt = QUESTIONS[(suite, qid)]["prompt"]
            rows.append((config, suite, qid, prompt, text, ctoks, False, True))
        rows.append((config, "speed_test", "speed_measurement", "hi", "hello", 5, True, False))
        rows.append((config, "vl", "t9_gone", "see image", "a cat", 5, False, False))
        for i in range(extra_responses):
            rows.append((config, "math", f"extra_{i}", "p", f"Answer {i} is 42.", 9, False, True))
    for i in range(extra_responses):
        con.execute(
            "insert into raw.questions (suite, question_id, prompt, expected, source_file, "
            "source_path) values ('math', ?, 'p', '42', 'math.yaml', ?)",
            [f"extra_{i}", f"prompts.extra_{i}"],
        )
    con.executemany(
        "insert into raw.responses (response_id, run_id, config, suite, question_id, prompt, "
        "response, completion_tokens, is_speed_test, in_suite, source_file, source_path) "
        "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (response_id(RUN_ID, c, s, q), RUN_ID, c, s, q, p, t, k, st, ins, f"{c}.json",
             f"results.{s}.{q}")
            for c, s, q, p, t, k, st, ins in rows
        ],
    )  # fmt: skip
    con.close()


def rid(config: str, suite: str, qid: str) -> str:
    return response_id(RUN_ID, config, suite, qid)


@pytest.fixture
def wh(tmp_path: Path) -> Path:
    path = tmp_path / "judge.duckdb"
    build_warehouse(path)
    return path


def test_rules_judge_writes_judgments_flags_and_scoring_run(wh: Path, capsys) -> None:
    con = connect(wh)
    code = run_judge(con, JudgeOptions("rules", "s1", progress=False))
    assert code == 0
    scores = dict(
        con.execute(
            "select response_id, score from raw.judgments where scoring_run = 's1'"
        ).fetchall()
    )
    good, bad = "architect_secretmodel_baseline", "general_qwen3_8b_baseline"
    assert len(scores) == 6  # speed test and not-in-suite records are not judged
    assert scores[rid(good, "math", "q_sum")] == 3
    assert scores[rid(good, "instruction_precision", "q_exact")] == 3
    assert scores[rid(good, "agentic", "q_tool")] == 3
    assert scores[rid(bad, "math", "q_sum")] <= 1  # 43 is wrong
    assert scores[rid(bad, "instruction_precision", "q_exact")] == 0  # echo only
    assert scores[rid(bad, "agentic", "q_tool")] == 0  # degenerate
    flags = {
        (r, f)
        for r, f in con.execute("select response_id, flag from raw.response_flags").fetchall()
    }
    assert (rid(bad, "instruction_precision", "q_exact"), "echo_only") in flags
    assert (rid(bad, "agentic", "q_tool"), "degenerate") in flags
    assert (rid(bad, "agentic", "q_tool"), "truncated") in flags
    assert not any(r == rid(good, "math", "q_sum") for r, _ in flags)
    run = con.execute(
        "select judge, rubric_version, origin from raw.scoring_runs where scoring_run = 's1'"
    ).fetchone()
    assert run == ("rules-v2", "rubric-0-3-v1", "judge")  # rules-v2 is the default
    out = capsys.readouterr().out
    assert "judged 6" in out and "skipped 4" in out and "failed 0" in out


def test_second_run_makes_no_judge_calls_and_changes_nothing(wh: Path, capsys) -> None:
    con = connect(wh)
    run_judge(con, JudgeOptions("rules", "s1", progress=False))
    before = con.execute("select * from raw.judgments order by response_id").fetchall()
    flags_before = con.execute(
        "select response_id, flag, evidence from raw.response_flags order by all"
    ).fetchall()
    capsys.readouterr()
    counting = CountingJudge()
    assert run_judge(con, JudgeOptions("rules", "s1", progress=False), judge=counting) == 0
    assert counting.calls == 0
    assert con.execute("select * from raw.judgments order by response_id").fetchall() == before
    assert (
        con.execute(
            "select response_id, flag, evidence from raw.response_flags order by all"
        ).fetchall()
        == flags_before
    )
    assert "already done 6" in capsys.readouterr().out
    # a new scoring run with the same judge is answered entirely from the cache
    assert run_judge(con, JudgeOptions("rules", "s2", progress=False), judge=counting) == 0
    assert counting.calls == 0
    n = con.execute("select count(*) from raw.judgments where scoring_run = 's2'").fetchone()[0]
    assert n == 6


class CountingJudge:
    """The rules judge, counting how many items it is actually asked to judge."""

    offline = True

    def __init__(self) -> None:
        from judge.rules_judge import RulesJudge

        self.inner = RulesJudge(JudgeOptions("rules", "").rules_version)  # what --judge rules runs
        self.name = self.inner.name
        self.calls = 0

    def settings(self) -> dict:
        return self.inner.settings()

    def judge_all(self, tasks, on_result=None):
        self.calls += len(tasks)
        return self.inner.judge_all(tasks, on_result)


class FlakyJudge:
    """Fails every response of one config: failures must never become scores."""

    name = "flaky-v1"
    offline = True

    def __init__(self, fail_word: str | None) -> None:
        self.fail_word = fail_word

    def settings(self) -> dict:
        return {"flaky": 1}

    def judge_all(self, tasks: list[Task], on_result=None):
        out = {}
        for t in tasks:
            if self.fail_word and self.fail_word in t.item.response:
                v = Verdict(score=None, reason="", error="malformed judge output", attempts=3)
            else:
                v = Verdict(score=2, reason="fine")
            out[t.cache_key] = v
            if on_result:
                on_result(t, v)
        return out


def test_failures_are_recorded_apart_and_retried(wh: Path) -> None:
    con = connect(wh)
    code = run_judge(con, JudgeOptions("rules", "f1", progress=False), judge=FlakyJudge("42"))
    assert code == 1
    failed = con.execute(
        "select response_id, attempts, error from raw.judge_failures where scoring_run = 'f1'"
    ).fetchall()
    judged = {r for (r,) in con.execute(
        "select response_id from raw.judgments where scoring_run = 'f1'").fetchall()}  # fmt: skip
    assert failed and all(a == 3 and e == "malformed judge output" for _, a, e in failed)
    assert not {r for r, _, _ in failed} & judged
    nulls = con.execute("select count(*) from raw.judge_cache where score is null").fetchone()
    assert nulls == (0,)
    # the judge recovers: the failures are judged and their failure rows removed
    assert run_judge(con, JudgeOptions("rules", "f1", progress=False), judge=FlakyJudge(None)) == 0
    assert con.execute("select count(*) from raw.judge_failures").fetchone() == (0,)
    assert con.execute(
        "select count(*) from raw.judgments where scoring_run = 'f1'"
    ).fetchone() == (6,)


def test_dry_run_writes_nothing(wh: Path, capsys) -> None:
    con = connect(wh)
    assert run_judge(con, JudgeOptions("rules", "d1", dry_run=True, progress=False)) == 0
    for table in ("judgments", "response_flags", "scoring_runs", "judge_cache"):
        assert con.execute(f"select count(*) from raw.{table}").fetchone() == (0,)
    assert "dry run: 6 responses" in capsys.readouterr().out


def test_limit_and_refusing_a_foreign_scoring_run(wh: Path, capsys) -> None:
    con = connect(wh)
    assert run_judge(con, JudgeOptions("rules", "l1", limit=2, progress=False)) == 0
    assert con.execute("select count(*) from raw.judgments").fetchone() == (2,)
    con.execute(
        "insert into raw.scoring_runs (scoring_run, judge, origin, created_at, updated_at) "
        "values ('imported', 'imported', 'import', now(), now())"
    )
    assert run_judge(con, JudgeOptions("rules", "imported", progress=False)) == 2
    assert "imported scores" in capsys.readouterr().err
    assert run_judge(con, JudgeOptions("nonsense", "x", progress=False)) == 2


def _as_reingested(con, response_id: str) -> None:
    """What a re-ingest of the edited run file also does: its config row gets the new bytes'
    hash (the judge keys a response's texts by its run file's hash)."""
    con.execute(
        "update raw.configs as c set file_sha256 = 'edited' from raw.responses as r "
        "where r.response_id = ? and c.run_id = r.run_id and c.config = r.config",
        [response_id],
    )


def test_changed_response_is_rejudged(wh: Path) -> None:
    con = connect(wh)
    run_judge(con, JudgeOptions("rules", "s1", progress=False))
    target = rid("general_qwen3_8b_baseline", "math", "q_sum")
    con.execute(
        "update raw.responses set response = 'Adding: 17 + 25 = 42.' where response_id = ?",
        [target],
    )
    _as_reingested(con, target)
    counting = CountingJudge()
    run_judge(con, JudgeOptions("rules", "s1", progress=False), judge=counting)
    assert counting.calls == 1
    score = con.execute(
        "select score from raw.judgments where scoring_run = 's1' and response_id = ?", [target]
    ).fetchone()
    assert score == (3,)


SLOW_RUNNER = r"""
import sys, time
from judge.base import Verdict
from judge.run import JudgeOptions, run_judge
from rescore.warehouse import connect

class Slow:
    name = "slow-v1"
    offline = False  # an API-like judge: every verdict is committed as it arrives
    def settings(self):
        return {}
    def judge_all(self, tasks, on_result=None):
        for i, t in enumerate(tasks):
            time.sleep(0.03)
            on_result(t, Verdict(score=1, reason="slow"))
            with open(sys.argv[2], "w") as fh:  # after the verdict was committed
                fh.write(str(i + 1))
        return {}

con = connect(sys.argv[1])
run_judge(con, JudgeOptions("claude", "k1", progress=False), judge=Slow())
"""


@pytest.mark.slow
def test_kill_9_loses_nothing_and_resume_duplicates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "kill.duckdb"
    build_warehouse(path, extra_responses=40)
    script = tmp_path / "slow.py"
    script.write_text(SLOW_RUNNER)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    progress = tmp_path / "progress.txt"
    cmd = [sys.executable, str(script), str(path), str(progress)]
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        seen = progress.read_text().strip() if progress.exists() else ""
        if seen.isdigit() and int(seen) >= 10:  # read once: the writer truncates then writes
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the slow judge finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    con = duckdb.connect(str(path), read_only=True)
    done_before = con.execute(
        "select count(*) from raw.judgments where scoring_run = 'k1'"
    ).fetchone()[0]
    con.close()
    total = 2 * (3 + 40)
    assert 10 <= done_before < total
    # resume in-process with the same (slow) judge
    proc = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert f"already done {done_before}" in proc.stdout
    con = duckdb.connect(str(path), read_only=True)
    n, distinct = con.execute(
        "select count(*), count(distinct response_id) from raw.judgments where scoring_run = 'k1'"
    ).fetchone()
    assert n == distinct == total


def test_a_judged_rerun_rebuilds_no_blind_item_and_changed_input_is_judged_again(
    wh: Path, monkeypatch, capsys
) -> None:
    import judge.run as run_module

    con = connect(wh)
    assert run_judge(con, JudgeOptions("rules", "s1", progress=False)) == 0
    capsys.readouterr()

    def no_rebuild(*args, **kwargs):
        raise AssertionError("a done response was prepared again")

    with monkeypatch.context() as m:
        m.setattr(run_module, "_prepare_row", no_rebuild)
        assert run_judge(con, JudgeOptions("rules", "s1", progress=False)) == 0
    assert "judged 0, cached 0, already done 6" in capsys.readouterr().out
    rid_ = rid("architect_secretmodel_baseline", "math", "q_sum")
    con.execute(
        "update raw.responses set response = 'Adding them up, the answer is 41.' "
        "where response_id = ?",
        [rid_],
    )
    _as_reingested(con, rid_)
    assert run_judge(con, JudgeOptions("rules", "s1", progress=False)) == 0
    assert "judged 1, cached 0, already done 5" in capsys.readouterr().out
    score, key = con.execute(
        "select score, input_key from raw.judgments where scoring_run = 's1' and response_id = ?",
        [rid_],
    ).fetchone()
    assert score == 1 and key
    con.close()


@pytest.mark.parametrize("judge", ["rules", "rules-v1", "rules-v2", "claude", "openai", "cascade"])
def test_report_accepts_the_judges_of_rescore_judge(judge):
    from rescore.cli import build_parser

    parser = build_parser()
    judge_args = parser.parse_args(["judge", "--judge", judge, "--scoring-run", "s"])
    report_args = parser.parse_args(
        ["report", "suites", "run", "--judge", judge, "--model-judge", "openai",
         "--base-url", "http://127.0.0.1:1/v1"]
    )  # fmt: skip
    assert report_args.judge == judge_args.judge == judge
    assert report_args.model_judge == "openai" and report_args.base_url.startswith("http://")


def _verdicts_and_flags(con, scoring_run: str) -> tuple[list, list]:
    judged = con.execute(
        "select response_id, score, reason, decided_by, cache_key from raw.judgments "
        "where scoring_run = ? order by response_id",
        [scoring_run],
    ).fetchall()
    flags = con.execute("select response_id, flag, evidence from raw.response_flags order by all")
    return judged, flags.fetchall()


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_worker_processes_give_the_same_verdicts_and_flags(tmp_path, monkeypatch, version):
    """Scoring in two worker processes (in chunks of 7, several batches of 11) writes exactly
    what one process writes: same scores, reasons, paths, cache keys and flags."""
    import judge.run as run

    monkeypatch.setattr(run, "MIN_PARALLEL", 0)
    monkeypatch.setattr(run, "WORKER_CHUNK", 7)
    monkeypatch.setattr(run, "FETCH_CHUNK", 11)
    got = {}
    for workers in (1, 2):
        path = tmp_path / f"w{workers}.duckdb"
        build_warehouse(path, extra_responses=12)
        con = duckdb.connect(str(path))
        opts = JudgeOptions("rules", "s1", progress=False, rules_version=version, workers=workers)
        assert run_judge(con, opts) == 0
        got[workers] = _verdicts_and_flags(con, "s1")
        con.close()
    assert len(got[1][0]) == 2 * (3 + 12)
    assert got[2] == got[1]


def test_streamed_rows_completed_from_the_context_are_the_load_query_rows(tmp_path):
    """The judge streams only the responses' own columns and adds the question and config
    columns from `_Context`: every judgeable row must equal the full load query's row."""
    import judge.run as run

    path = tmp_path / "w.duckdb"
    build_warehouse(path, extra_responses=5)
    con = duckdb.connect(str(path))
    cur = con.execute(run._LOAD_SQL)
    names = [d[0] for d in cur.description]
    full = {r[0]: dict(zip(names, r, strict=True)) for r in cur.fetchall()}
    keyed = con.execute(f"select response_id from ({run._KEYS_BODY})", ["t"]).fetchall()
    ids = [r[0] for r in keyed]
    assert len(ids) >= 5
    context = run._Context.load(con)
    streamed = [r for batch in run._stream_rows(con, ids) for r in batch]
    assert sorted(r["response_id"] for r in streamed) == sorted(ids)
    for r in streamed:
        want = {k: v for k, v in full[r["response_id"]].items()
                if k not in ("is_speed_test", "in_suite")}  # fmt: skip
        assert context.full_row(r) == {**want, "run_id": r["run_id"]}
    con.close()


def test_the_stream_narrowed_to_the_ids_runs_returns_the_same_rows(tmp_path):
    """`_stream_rows(..., runs)` scans only the given runs (the +1% judge at a million
    responses read every text without it): given the ids' own runs it returns exactly the
    rows the unnarrowed stream does, and a run left out loses only that run's rows."""
    import judge.run as run

    path = tmp_path / "w.duckdb"
    build_warehouse(path, extra_responses=5)
    con = duckdb.connect(str(path))
    # a second run: the same configs and answers under another run id
    con.execute("insert into raw.configs select * replace ('run-2' as run_id) from raw.configs")
    con.execute(
        "insert into raw.responses select * replace ('run-2' as run_id,"
        " response_id || '-2' as response_id) from raw.responses"
    )
    keyed = con.execute(f"select response_id, run_id from ({run._KEYS_BODY})", ["t"]).fetchall()
    ids = [rid for rid, _ in keyed]
    runs = {r for _, r in keyed}
    assert runs == {RUN_ID, "run-2"}
    plain = sorted(
        (sorted(r.items()) for batch in run._stream_rows(con, ids) for r in batch), key=str
    )
    narrowed = sorted(
        (sorted(r.items()) for batch in run._stream_rows(con, ids, runs) for r in batch), key=str
    )
    assert narrowed == plain and len(plain) == len(ids)
    got = {r["response_id"] for batch in run._stream_rows(con, ids, ["run-2"]) for r in batch}
    assert got == {rid for rid, r in keyed if r == "run-2"} and 0 < len(got) < len(ids)
    con.close()


def test_a_rejudged_response_loses_the_flags_that_no_longer_apply(wh: Path) -> None:
    """Flags are replaced per response: a response whose text changed is re-flagged, its old
    flags gone, while the flags of the responses left alone stay as they were."""
    con = connect(wh)
    run_judge(con, JudgeOptions("rules", "s1", progress=False))
    looped = rid("general_qwen3_8b_baseline", "agentic", "q_tool")
    echo = rid("general_qwen3_8b_baseline", "instruction_precision", "q_exact")

    def flags_of(r: str) -> set[str]:
        rows = con.execute(
            "select flag from raw.response_flags where response_id = ?", [r]
        ).fetchall()
        return {f for (f,) in rows}

    assert {"degenerate", "truncated"} <= flags_of(looped)
    echo_flags = flags_of(echo)
    assert "echo_only" in echo_flags
    con.execute(
        "update raw.responses set response = ?, completion_tokens = 12 where response_id = ?",
        ['{"name": "search", "parameters": {"q": "x"}}', looped],
    )
    assert run_judge(con, JudgeOptions("rules", "s1", progress=False)) == 0
    assert flags_of(looped) == set()  # neither looping nor cut any more
    assert flags_of(echo) == echo_flags  # judged before, unchanged: its flags stay
