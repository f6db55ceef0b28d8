"""Hostile corpus (issue 11.6): each case in cases.yaml is one hostile input beside valid
neighbours. The command must not crash or hang, must load the neighbours whole, load exactly
the expected records of the hostile file, name the expected problem kinds, account for every
CSV data row (loaded + quarantined == rows), and give the same result when run again."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

from ingest.pipeline import ingest_all
from ingest.scores import import_scores
from ingest.summary import import_summary
from rescore.warehouse import connect

CASES = yaml.safe_load((Path(__file__).parent / "cases.yaml").read_text())

SUITE = "prompts:\n  q1: {prompt: What is 2+2?}\n  q2: {prompt: What is 3*3?}\n  q3: {prompt: x}\n"


def _run(role: str, results: dict) -> dict:
    return {
        "model_role": role,
        "model_path": "/m/Test-7B-Q4_K_M.gguf",
        "config_name": "baseline",
        "results": results,
    }


NEIGHBOUR = _run(
    "worker", {"math": {"q1": {"response": "4"}, "q2": {"response": "9", "prompt_tokens": 3}}}
)
SCORED = _run(
    "coder",
    {
        "math": {q: {"response": "x"} for q in ("q1", "q2", "q3")},
        "speed_test": {"speed_measurement": {"response": "fast"}},
    },
)
GOOD_SCORES = "suite,question_id,claude_score,score_reason\nmath,q1,3,right\nmath,q2,0,wrong\n"


# --------------------------------------------------------------------------- generators


def _gen(name: str) -> bytes:
    if name == "json_huge_int":
        return (
            '{"model_role":"h","results":{"math":{"q1":{"response":"4","prompt_tokens":'
            + "9" * 5000
            + "}}}}"
        ).encode()
    if name == "json_deep":
        return (
            '{"model_role":"h","results":{"math":{"q1":{"response":'
            + "[" * 10_000
            + "]" * 10_000
            + "}}}}"
        ).encode()
    if name == "json_moderately_deep":
        return (
            '{"model_role":"h","results":{"math":{"q1":{"response":"4","prompt":'
            + "[" * 300
            + "]" * 300
            + "}}}}"
        ).encode()
    if name == "json_invalid_utf8":
        return b'{"model_role":"h","results":{"math":{"q1":{"response":"bad \xff\xfe byte"}}}}'
    if name == "jsonl_deep_line":
        good = '{"config":"hj","suite":"math","question_id":"q1","response":"a"}'
        return (good + "\n" + "[" * 10_000 + "]" * 10_000 + "\n").encode()
    if name == "yaml_bomb":
        lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
        for i, (prev, cur) in enumerate(zip("abcdefgh", "bcdefghi", strict=True)):
            lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
            del i
        lines.append("prompts:\n  q1: {prompt: *i}")
        return "\n".join(lines).encode()
    if name == "yaml_deep":
        return ("prompts: " + "[" * 10_000 + "]" * 10_000 + "\n").encode()
    if name == "yaml_deep_block":
        body = "".join(f"{'  ' * i}k{i}:\n" for i in range(1, 200)) + "  " * 200 + "end: 1\n"
        return ("prompts:\n  q1: {prompt: p}\nextra:\n" + body).encode()
    if name == "csv_invalid_utf8":
        return (
            b"suite,question_id,claude_score,score_reason\nmath,q1,3,bad \xff byte\nmath,q2,1,ok\n"
        )
    raise KeyError(name)


def _content(case: dict) -> bytes:
    if "gen" in case:
        return _gen(case["gen"])
    enc = case.get("encoding", "utf-8")
    return case["text"].encode(enc, "surrogatepass")


def _place(case: dict, target: Path, neighbour: Path | None) -> None:
    """Write the hostile input at `target` (or make the special file there)."""
    special = case.get("special")
    if special is None:
        target.write_bytes(_content(case))
    elif special == "fifo":
        os.mkfifo(target)
    elif special == "devzero":
        target.symlink_to("/dev/zero")
    elif special == "loop":
        other = target.with_name("loop_b" + target.suffix)
        target.symlink_to(other.name)
        other.symlink_to(target.name)
    elif special == "dangling":
        target.symlink_to(target.with_name("nowhere" + target.suffix).name)
    elif special == "copy_of_neighbour":
        assert neighbour is not None
        target.write_bytes(neighbour.read_bytes())
    else:
        raise KeyError(special)


def _tree(tmp: Path) -> tuple[Path, Path]:
    suites = tmp / "prompts"
    suites.mkdir()
    (suites / "math.yaml").write_text(SUITE)
    run = tmp / "runs" / "r1"
    run.mkdir(parents=True)
    (run / "worker_baseline.json").write_text(json.dumps(NEIGHBOUR))
    (run / "coder_baseline.json").write_text(json.dumps(SCORED))
    return suites, run


def _errors(con, name: str) -> list[tuple]:
    return con.execute(
        "select location, kind from raw.ingest_errors where source_file = ? order by all",
        [name],
    ).fetchall()


def _state(con) -> tuple:
    return tuple(
        con.execute(f"select count(*) from raw.{t}").fetchone()[0]
        for t in ("responses", "configs", "questions", "judgments", "baselines", "ingest_errors")
    )


def _hostile_name(path: Path) -> str:
    from ingest.sources import source_name

    return source_name(path)


# --------------------------------------------------------------------------- areas


def _ingest_case(case: dict, tmp: Path, con) -> tuple[int, int, list[tuple], object]:
    suites, run = _tree(tmp)
    area = case["area"]
    run_dirs = [run]
    if area == "suite_yaml":
        target = suites / case.get("name", "hostile.yaml")
    elif case.get("special") == "second_folder_same_name":
        other = tmp / "elsewhere" / "r1"
        other.mkdir(parents=True)
        target = other / "worker_baseline.json"
        target.write_text(json.dumps(_run("w2", {"math": {"q3": {"response": "x"}}})))
        run_dirs.append(other)
    else:
        suffix = ".jsonl" if area == "jsonl" else ".json"
        target = run / case.get("name", f"hostile_baseline{suffix}")
        if case.get("special") != "second_folder_same_name":
            _place(case, target, run / "worker_baseline.json")
    if area == "suite_yaml":
        _place(case, target, None)

    def once():
        out = ingest_all(con, suites, run_dirs)
        return out, _state(con)

    out, state = once()
    name = _hostile_name(target)
    # Neighbours: the valid run file and the valid suite load whole.
    nb = con.execute(
        "select count(*) from raw.responses where config = 'worker_baseline' and run_id = 'r1' "
        "and source_file like '%/runs/r1/worker_baseline.json'"
    ).fetchone()[0]
    assert nb == 2, out.summary()
    math_q = con.execute("select count(*) from raw.questions where suite = 'math'").fetchone()[0]
    assert math_q == 3, out.summary()
    if area == "suite_yaml":
        loaded = con.execute(
            "select count(*) from raw.questions where source_file = ?", [name]
        ).fetchone()[0]
    else:
        loaded = con.execute(
            "select count(*) from raw.responses where source_file = ?", [name]
        ).fetchone()[0]
    out2, state2 = once()
    assert state2 == state, "a second run changed the warehouse (doubled or lost rows)"
    assert out2.exit_code == out.exit_code
    return out.exit_code, loaded, _errors(con, name), out


def _score_case(case: dict, tmp: Path, con) -> tuple[int, int, list[tuple], object]:
    suites, run = _tree(tmp)
    ingest_all(con, suites, [run])
    scores = tmp / "scores"
    scores.mkdir()
    (scores / "worker_baseline.csv").write_text(GOOD_SCORES)
    target = scores / "coder_baseline.csv"
    _place(case, target, None)

    def once():
        return import_scores(con, [scores], "hostile"), _state(con)

    out, state = once()
    nb = con.execute(
        "select count(*) from raw.judgments where source_file like '%/worker_baseline.csv'"
    ).fetchone()[0]
    assert nb == 2, out.summary()
    name = _hostile_name(target)
    loaded = con.execute(
        "select count(*) from raw.judgments where source_file = ?", [name]
    ).fetchone()[0]
    out2, state2 = once()
    assert state2 == state and out2.exit_code == out.exit_code
    return out.exit_code, loaded, _errors(con, name), out


def _summary_case(case: dict, tmp: Path, con) -> tuple[int, int, list[tuple], object]:
    target = tmp / "summary.csv"
    _place(case, target, None)

    def once():
        return import_summary(con, target, "prev"), _state(con)

    out, state = once()
    loaded = con.execute("select count(*) from raw.baselines").fetchone()[0]
    out2, state2 = once()
    assert state2 == state and out2.exit_code == out.exit_code
    return out.exit_code, loaded, _errors(con, _hostile_name(target)), out


AREAS = {
    "run_json": _ingest_case,
    "jsonl": _ingest_case,
    "suite_yaml": _ingest_case,
    "score_csv": _score_case,
    "summary_csv": _summary_case,
}
RECORD_LEVEL_NOTES = {"comment_line", "encoding_converted", "kept_previous_rows"}


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_hostile_input(case: dict, tmp_path: Path) -> None:
    expect = case["expect"]
    con = connect(tmp_path / "w.duckdb")
    try:
        code, loaded, errs, out = AREAS[case["area"]](case, tmp_path, con)
    finally:
        con.close()
    kinds = {k for _, k in errs}
    assert code == expect["exit"], out.summary()
    assert loaded == expect["loaded"], (loaded, out.summary())
    missing = set(expect["kinds"]) - kinds
    assert not missing, f"expected kinds {missing} not reported; got {sorted(kinds)}"
    if "records" in expect:
        # CSV accounting: every data row is loaded or quarantined, once.
        quarantined = {loc for loc, k in errs if loc and k not in RECORD_LEVEL_NOTES}
        file_level = [k for loc, k in errs if loc is None and k not in RECORD_LEVEL_NOTES]
        if file_level:
            assert loaded == 0
        else:
            assert loaded + len(quarantined) == expect["records"], (loaded, errs)
    if loaded < expect.get("records", loaded) or expect["exit"]:
        assert errs, "records were refused without an error row naming the file"


def test_corpus_covers_every_area_with_at_least_sixty_cases() -> None:
    areas = {c["area"] for c in CASES}
    assert areas == set(AREAS)
    assert len(CASES) >= 60
    assert len({c["id"] for c in CASES}) == len(CASES)
