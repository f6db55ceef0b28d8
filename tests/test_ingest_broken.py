"""Broken inputs: each is loaded intact or quarantined with file, place and reason; valid rows
around it still load."""

from __future__ import annotations

import json
from pathlib import Path

from ingest.pipeline import ingest_all

SUITE = """\
version: 1
domain: math
inference_params: {max_tokens: 512, temperature: 0.1}
prompts:
  q1:
    tier: 1
    name: Add
    prompt: What is 2+2?
    expected: "4"
    reference_answer: "2+2 = 4"
    scoring:
      - {criterion: correct, weight: 100}
  q2:
    tier: 2
    prompt: What is 3*3?
    expected: "9"
"""


def record(qid: str, response: str = "The answer is 4.", **extra) -> dict:
    rec = {
        "question_id": qid,
        "prompt": "What is 2+2?",
        "response": response,
        "tokens_per_second": 12.5,
        "prompt_tokens": 10,
        "completion_tokens": 5,
        "total_time_ms": 400.0,
        "algorithmic_score": None,
        "score_reason": None,
        "acceptance_rate": None,
    }
    rec.update(extra)
    return rec


def run_file(role: str, config_name: str, results: dict) -> dict:
    return {
        "model_role": role,
        "model_path": "/models/Test-Model-7B-Q4_K_M.gguf",
        "config_name": config_name,
        "run_id": "r1",
        "timestamp": "2026-01-01T00:00:00",
        "results": results,
        "summary": {},
    }


def make_tree(tmp_path: Path) -> tuple[Path, Path]:
    suites = tmp_path / "prompts"
    suites.mkdir()
    (suites / "math.yaml").write_text(SUITE)
    run = tmp_path / "runs" / "r1"
    run.mkdir(parents=True)
    good = run_file("worker", "baseline", {"math": {"q1": record("q1"), "q2": record("q2")}})
    (run / "worker_baseline.json").write_text(json.dumps(good))
    return suites, run


def errors(con) -> list[tuple]:
    return con.execute(
        "select source_file, location, kind, message from raw.ingest_errors order by all"
    ).fetchall()


def count(con, sql: str) -> int:
    return con.execute(sql).fetchone()[0]


def test_clean_tree_loads_everything_and_exits_zero(tmp_path, con):
    suites, run = make_tree(tmp_path)
    out = ingest_all(con, suites, [run])
    assert out.exit_code == 0
    assert count(con, "select count(*) from raw.responses") == 2
    assert count(con, "select count(*) from raw.questions") == 2
    assert count(con, "select count(*) from raw.responses where in_suite") == 2
    row = con.execute("select model, params_b, quant, role from raw.configs").fetchone()
    assert row == ("Test-Model-7B-Q4_K_M", 7.0, "Q4_K_M", "worker")


def test_truncated_json_is_quarantined_with_position_and_neighbours_load(tmp_path, con):
    suites, run = make_tree(tmp_path)
    text = json.dumps(run_file("coder", "baseline", {"math": {"q1": record("q1")}}))
    (run / "coder_baseline.json").write_text(text[: len(text) // 2])
    out = ingest_all(con, suites, [run])
    assert out.exit_code == 1
    bad = [e for e in errors(con) if e[0].endswith("coder_baseline.json")]
    assert len(bad) == 1 and bad[0][2] == "invalid_json"
    assert bad[0][1].startswith("line 1, column")
    assert count(con, "select count(*) from raw.responses where config = 'worker_baseline'") == 2


def test_wrong_types_and_string_numbers(tmp_path, con):
    suites, run = make_tree(tmp_path)
    rec = record("q1", tokens_per_second="17.25", prompt_tokens="None", completion_tokens="lots")
    (run / "coder_baseline.json").write_text(
        json.dumps(run_file("coder", "baseline", {"math": {"q1": rec, "q2": "not a record"}}))
    )
    out = ingest_all(con, suites, [run])
    row = con.execute(
        "select tokens_per_second, prompt_tokens, completion_tokens from raw.responses "
        "where config = 'coder_baseline'"
    ).fetchone()
    assert row == (17.25, None, None)  # the record is loaded; the bad field is reported
    kinds = {(e[1], e[2]) for e in errors(con)}
    assert ("results.math.q1.completion_tokens", "bad_value") in kinds
    assert ("results.math.q2", "bad_record") in kinds
    assert out.exit_code == 1


def test_unknown_suite_is_loaded_and_marked(tmp_path, con):
    suites, run = make_tree(tmp_path)
    (run / "coder_baseline.json").write_text(
        json.dumps(run_file("coder", "baseline", {"poetry": {"p1": record("p1")}}))
    )
    out = ingest_all(con, suites, [run])
    row = con.execute(
        "select in_suite, is_speed_test from raw.responses where suite = 'poetry'"
    ).fetchone()
    assert row == (False, False)
    assert out.loaded["responses marked not-in-suite (question in no suite)"] == 1


def test_duplicate_keys_keep_the_later_and_quarantine_the_earlier(tmp_path, con):
    suites, run = make_tree(tmp_path)
    first = json.dumps(record("q1", response="first answer"))
    second = json.dumps(record("q1", response="second answer"))
    text = (
        '{"model_role": "coder", "config_name": "baseline", "run_id": "r1", '
        f'"results": {{"math": {{"q1": {first}, "q1": {second}}}}}}}'
    )
    (run / "coder_baseline.json").write_text(text)
    ingest_all(con, suites, [run])
    resp = con.execute("select response from raw.responses where config = 'coder_baseline'")
    assert resp.fetchall() == [("second answer",)]
    dup = [e for e in errors(con) if e[2] == "duplicate_key"]
    assert dup and dup[0][1] == "results.math.q1"
    excerpt = con.execute(
        "select excerpt from raw.ingest_errors where kind = 'duplicate_key'"
    ).fetchone()[0]
    assert "first answer" in excerpt


def test_invalid_utf8_and_nul_bytes_load_with_a_report(tmp_path, con):
    suites, run = make_tree(tmp_path)
    text = json.dumps(run_file("coder", "baseline", {"math": {"q1": record("q1", "ok \x00 nul")}}))
    data = text.encode().replace(b"ok ", b"ok \xff\xfe \x00raw ")  # raw NUL byte too
    (run / "coder_baseline.json").write_bytes(data)
    out = ingest_all(con, suites, [run])
    resp = con.execute("select response from raw.responses where config = 'coder_baseline'")
    text = resp.fetchone()[0]
    assert "\x00" in text and "\ufffd" in text and "raw " in text  # kept; bad bytes marked
    assert any(e[2] == "invalid_utf8" and "byte" in e[3] for e in errors(con))
    assert out.exit_code == 1


def test_five_megabyte_response_is_loaded_intact(tmp_path, con):
    suites, run = make_tree(tmp_path)
    big = "word " * (1024 * 1024)  # 5 MiB
    (run / "coder_baseline.json").write_text(
        json.dumps(run_file("coder", "baseline", {"math": {"q1": record("q1", big)}}))
    )
    out = ingest_all(con, suites, [run])
    length = count(con, "select length(response) from raw.responses where config='coder_baseline'")
    assert length == len(big)
    assert out.exit_code == 0


def test_yaml_that_is_not_a_mapping_is_quarantined(tmp_path, con):
    suites, run = make_tree(tmp_path)
    (suites / "broken.yaml").write_text("- just\n- a list\n")
    (suites / "bad_syntax.yaml").write_text("prompts: {q1: [unclosed\n")
    (suites / "notes.txt").write_text("not yaml")
    out = ingest_all(con, suites, [run])
    kinds = {(Path(e[0]).name, e[2]) for e in errors(con)}
    assert ("broken.yaml", "not_a_mapping") in kinds
    assert ("bad_syntax.yaml", "invalid_yaml") in kinds
    assert ("notes.txt", "non-suite file") in kinds
    assert count(con, "select count(*) from raw.questions") == 2  # math still loaded
    assert out.exit_code == 1


def test_bad_question_is_quarantined_and_siblings_load(tmp_path, con):
    suites, run = make_tree(tmp_path)
    (suites / "extra.yaml").write_text("prompts:\n  a: 5\n  b: {prompt: fine}\n  c: {name: x}\n")
    ingest_all(con, suites, [run])
    assert con.execute(
        "select question_id from raw.questions where suite = 'extra'"
    ).fetchall() == [("b",)]
    kinds = {(e[1], e[2]) for e in errors(con)}
    assert ("prompts.a", "bad_question") in kinds
    assert ("prompts.c", "missing_prompt") in kinds


def test_reingest_is_idempotent_and_a_changed_file_replaces_its_rows(tmp_path, con):
    suites, run = make_tree(tmp_path)
    ingest_all(con, suites, [run])
    snapshot = con.execute("select * exclude (in_suite) from raw.responses order by all").fetchall()
    ingest_all(con, suites, [run])
    again = con.execute("select * exclude (in_suite) from raw.responses order by all").fetchall()
    assert snapshot == again
    changed = run_file("worker", "baseline", {"math": {"q1": record("q1", "changed")}})
    (run / "worker_baseline.json").write_text(json.dumps(changed))
    ingest_all(con, suites, [run])
    rows = con.execute("select question_id, response from raw.responses").fetchall()
    assert rows == [("q1", "changed")]


def test_errors_are_replaced_not_accumulated_on_rerun(tmp_path, con):
    suites, run = make_tree(tmp_path)
    (run / "coder_baseline.json").write_text("{not json")
    ingest_all(con, suites, [run])
    ingest_all(con, suites, [run])
    assert count(con, "select count(*) from raw.ingest_errors where kind = 'invalid_json'") == 1


def test_generic_jsonl_run(tmp_path, con):
    suites, _ = make_tree(tmp_path)
    lines = [
        json.dumps(
            {
                "config": "m1",
                "model": "/x/Foo-3B-Q8_0.gguf",
                "role": "draft",
                "suite": "math",
                "question_id": "q1",
                "prompt": "p",
                "response": "4",
                "completion_tokens": 512,
                "max_tokens": 512,
                "finish_reason": "length",
            }
        ),
        "{broken",
        json.dumps({"suite": "math", "question_id": "q2"}),
    ]
    jl = tmp_path / "other_runner.jsonl"
    jl.write_text("\n".join(lines) + "\n")
    out = ingest_all(con, suites, [jl])
    row = con.execute(
        "select run_id, config, max_tokens, finish_reason from raw.responses"
    ).fetchone()
    assert row == ("other_runner", "m1", 512, "length")
    cfg = con.execute("select role, model, params_b, quant from raw.configs").fetchone()
    assert cfg == ("draft", "Foo-3B-Q8_0", 3.0, "Q8_0")
    kinds = sorted((e[1], e[2]) for e in errors(con))
    assert kinds == [("line 2", "invalid_json"), ("line 3", "missing_field")]
    assert out.exit_code == 1
