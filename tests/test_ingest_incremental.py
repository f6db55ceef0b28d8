"""Incremental ingest (issue 13.5): a run file unchanged since its last ingest (same resolved
path, size, mtime_ns, parser version; rows still from the stored hash) is not read again;
anything else is, and the warehouse ends as a full re-read would leave it."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
import yaml

import ingest.runs as runs
from ingest.pipeline import ingest_all

SUITE = "prompts:\n  q1: {prompt: a}\n  q2: {prompt: b}\n"
OLD = time.time_ns() - 3600 * 10**9  # an hour ago: past the racy-write margin


def _run_file(role: str, n: int = 2, bad: bool = False) -> str:
    results = {f"q{i}": {"response": f"r{i}"} for i in range(1, n + 1)}
    if bad:
        results["q1"]["prompt_tokens"] = "lots"  # quarantined value, record loads
    return json.dumps(
        {
            "model_role": role,
            "model_path": "/m/T-7B-Q4_K_M.gguf",
            "config_name": "baseline",
            "results": {"math": results},
        }
    )


def _age(*paths: Path, ns: int = OLD) -> None:
    for p in paths:
        os.utime(p, ns=(ns, ns))


def _tree(tmp: Path, name: str = "r1", configs: int = 3, bad: bool = False) -> tuple[Path, Path]:
    suites = tmp / "prompts"
    suites.mkdir(exist_ok=True)
    (suites / "math.yaml").write_text(SUITE)
    run = tmp / "runs" / name
    run.mkdir(parents=True)
    for i in range(configs):
        role = f"c{i}" if name == "r1" else f"{name}c{i}"  # no two runs byte-identical
        (run / f"c{i}_baseline.json").write_text(_run_file(role, bad=bad and i == 0))
    _age(*run.iterdir())
    return suites, run


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """Names of the run files actually read (bytes opened)."""
    seen: list[str] = []
    real = runs.read_text

    def counting(path):
        seen.append(Path(path).name)
        return real(path)

    monkeypatch.setattr(runs, "read_text", counting)
    return seen


def _snapshot(con) -> tuple:
    return tuple(
        con.execute(f"select * exclude ({skip}) from raw.{t} order by all").fetchall()
        for t, skip in (
            ("responses", "in_suite"),
            ("configs", "loaded_at"),
            ("runs", "loaded_at"),
            ("ingest_errors", "logged_at"),
        )
    )


def test_an_unchanged_folder_is_not_read_again_and_the_warehouse_is_unchanged(tmp_path, con, reads):
    suites, run = _tree(tmp_path, bad=True)
    first = ingest_all(con, suites, [run])
    assert sorted(reads) == ["c0_baseline.json", "c1_baseline.json", "c2_baseline.json"]
    before = _snapshot(con)
    reads.clear()
    again = ingest_all(con, suites, [run])
    assert reads == []
    assert again.unchanged_files == 3
    assert _snapshot(con) == before  # rows and the earlier problem rows kept
    assert again.exit_code == first.exit_code == 1  # the bad value still counts
    assert "unchanged" in again.summary()


def test_an_unchanged_file_of_another_shape_is_skipped_unread_for_the_same_reason(
    tmp_path, con, reads
):
    suites, run = _tree(tmp_path)
    export = run / "all_responses.json"
    export.write_text(json.dumps([{"response": "r1"}, {"response": "r2"}]))
    _age(export)
    first = ingest_all(con, suites, [run])
    assert "all_responses.json" in reads
    reads.clear()
    again = ingest_all(con, suites, [run])
    assert reads == []
    skipped = [line for line in again.summary().splitlines() if "other-shape" in line]
    assert skipped == [line for line in first.summary().splitlines() if "other-shape" in line]
    assert skipped, "the export is still reported as skipped"
    # it becomes a run file: read again, and loaded
    export.write_text(_run_file("exported"))
    _age(export, ns=OLD + 10**9)
    reads.clear()
    third = ingest_all(con, suites, [run])
    assert reads == ["all_responses.json"]
    n = con.execute("select count(*) from raw.configs where config = 'all_responses'").fetchone()
    assert n[0] == 1
    assert not [line for line in third.summary().splitlines() if "other-shape" in line]


def test_a_changed_file_is_read_and_replaces_its_rows(tmp_path, con, reads):
    suites, run = _tree(tmp_path)
    ingest_all(con, suites, [run])
    target = run / "c1_baseline.json"
    target.write_text(_run_file("c1", n=1))
    _age(target, ns=OLD + 10**9)
    reads.clear()
    out = ingest_all(con, suites, [run])
    assert reads == ["c1_baseline.json"]
    assert out.unchanged_files == 2
    n = con.execute("select count(*) from raw.responses where config = 'c1_baseline'").fetchone()
    assert n[0] == 1


def test_same_size_and_mtime_but_other_bytes_is_skipped_only_until_full(tmp_path, con, reads):
    """The documented limit of the rule (as make and rsync): a rewrite that keeps size and
    mtime is not seen; `full` (rescore ingest --full) reads it."""
    suites, run = _tree(tmp_path)
    ingest_all(con, suites, [run])
    target = run / "c2_baseline.json"
    text = target.read_text().replace('"r1"', '"X1"')
    target.write_text(text)
    _age(target)
    reads.clear()
    ingest_all(con, suites, [run])
    assert reads == []
    ingest_all(con, suites, [run], full=True)
    assert sorted(reads) == ["c0_baseline.json", "c1_baseline.json", "c2_baseline.json"]
    got = con.execute(
        "select response from raw.responses where config = 'c2_baseline' and question_id = 'q1'"
    ).fetchone()
    assert got == ("X1",)


def test_a_new_parser_version_reads_every_file_again(tmp_path, con, reads, monkeypatch):
    suites, run = _tree(tmp_path)
    ingest_all(con, suites, [run])
    monkeypatch.setattr(runs, "PARSER_VERSION", runs.PARSER_VERSION + ".next")
    reads.clear()
    out = ingest_all(con, suites, [run])
    assert len(reads) == 3 and out.unchanged_files == 0
    reads.clear()
    ingest_all(con, suites, [run])
    assert reads == []  # stored with the new version


def test_a_file_modified_just_before_it_was_read_is_read_again(tmp_path, con, reads):
    suites, run = _tree(tmp_path)
    _age(run / "c0_baseline.json", ns=time.time_ns())  # "racily clean": same tick as the read
    ingest_all(con, suites, [run])
    reads.clear()
    ingest_all(con, suites, [run])
    assert reads == ["c0_baseline.json"]


def test_adding_a_run_reads_only_the_new_files(tmp_path, con, reads):
    suites, run = _tree(tmp_path)
    ingest_all(con, suites, [run])
    _, run2 = _tree(tmp_path, name="r2", configs=1)
    reads.clear()
    out = ingest_all(con, suites, [run, run2])
    assert reads == ["c0_baseline.json"] and out.unchanged_files == 3
    per_run = con.execute("select run_id, config_files from raw.runs order by 1").fetchall()
    assert per_run == [("r1", 3), ("r2", 1)]
    assert con.execute("select count(*) from raw.responses").fetchone()[0] == 8


def test_removed_and_copied_files_follow_the_rules_while_others_are_skipped(tmp_path, con, reads):
    suites, run = _tree(tmp_path)
    ingest_all(con, suites, [run])
    (run / "c1_baseline.json").unlink()
    copy = run / "z_copy_baseline.json"
    copy.write_bytes((run / "c0_baseline.json").read_bytes())
    _age(copy)
    reads.clear()
    out = ingest_all(con, suites, [run])
    assert reads == ["z_copy_baseline.json"]
    kinds = {p.kind for p in out.problems}
    assert {"file_removed", "duplicate_content"} <= kinds, out.summary()
    configs = con.execute("select config from raw.configs order by 1").fetchall()
    assert configs == [("c0_baseline",), ("c2_baseline",)]


def test_a_file_quarantined_whole_is_read_every_time(tmp_path, con, reads):
    suites, run = _tree(tmp_path, configs=1)
    broken = run / "b_baseline.json"
    broken.write_text('{"model_role": "b", "results": {')
    _age(broken)
    first = ingest_all(con, suites, [run])
    reads.clear()
    again = ingest_all(con, suites, [run])
    assert reads == ["b_baseline.json"]
    assert again.exit_code == first.exit_code == 1


HOSTILE = [
    c
    for c in yaml.safe_load((Path(__file__).parent / "hostile" / "cases.yaml").read_text())
    if c["area"] in ("run_json", "jsonl") and "special" not in c
]


@pytest.mark.parametrize("case", HOSTILE, ids=[c["id"] for c in HOSTILE])
def test_hostile_cases_give_the_same_result_when_the_second_run_skips(
    case, tmp_path, monkeypatch, reads
):
    """The hostile corpus again with the racy margin off, so its second run takes the skip
    path: same warehouse, same exit code (asserted inside `_ingest_case`), same answer."""
    from rescore.warehouse import connect
    from tests.hostile import test_hostile as h

    monkeypatch.setattr(runs, "RACY_NS", -(10**18))
    con = connect(tmp_path / "w.duckdb")
    try:
        code, loaded, _errs, out = h._ingest_case(case, tmp_path, con)
    finally:
        con.close()
    assert code == case["expect"]["exit"], out.summary()
    assert loaded == case["expect"]["loaded"]
    assert reads.count("worker_baseline.json") == 1  # the neighbour was skipped the 2nd time
