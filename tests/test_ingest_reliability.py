"""Ingest across runs: removed and corrupted files, other spellings of one path, one folder
given twice, and kill -9 in the middle of an ingest followed by a re-run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest.pipeline import ingest_all
from rescore.warehouse import connect

SUITE = "prompts:\n  q1: {prompt: a}\n  q2: {prompt: b}\n"


def _run_file(role: str, n: int = 2) -> str:
    return json.dumps(
        {
            "model_role": role,
            "model_path": "/m/T-7B-Q4_K_M.gguf",
            "config_name": "baseline",
            "results": {"math": {f"q{i}": {"response": f"r{i}"} for i in range(1, n + 1)}},
        }
    )


def _tree(tmp: Path, configs: int = 3) -> tuple[Path, Path]:
    suites = tmp / "prompts"
    suites.mkdir()
    (suites / "math.yaml").write_text(SUITE)
    run = tmp / "runs" / "r1"
    run.mkdir(parents=True)
    for i in range(configs):
        (run / f"c{i}_baseline.json").write_text(_run_file(f"c{i}"))
    return suites, run


def _count(con, sql: str, params=None) -> int:
    return con.execute(sql, params or []).fetchone()[0]


def test_a_removed_run_file_loses_its_rows_and_is_reported(tmp_path, con):
    suites, run = _tree(tmp_path)
    ingest_all(con, suites, [run])
    assert _count(con, "select count(*) from raw.responses") == 6
    (run / "c1_baseline.json").unlink()
    out = ingest_all(con, suites, [run])
    assert out.exit_code == 0, out.summary()
    assert _count(con, "select count(*) from raw.responses where config = 'c1_baseline'") == 0
    assert _count(con, "select count(*) from raw.configs") == 2
    notes = con.execute(
        "select source_file, message from raw.ingest_errors where kind = 'file_removed'"
    ).fetchall()
    assert len(notes) == 1 and notes[0][0].endswith("c1_baseline.json")
    assert "2 response(s) were removed" in notes[0][1]
    assert _count(con, "select config_files from raw.runs where run_id = 'r1'") == 2


def test_a_corrupted_run_file_keeps_its_last_good_rows_and_says_so(tmp_path, con):
    suites, run = _tree(tmp_path)
    ingest_all(con, suites, [run])
    (run / "c2_baseline.json").write_text('{"results": {"math": ')
    out = ingest_all(con, suites, [run])
    assert out.exit_code == 1
    assert _count(con, "select count(*) from raw.responses where config = 'c2_baseline'") == 2
    kinds = {
        r[0]
        for r in con.execute(
            "select kind from raw.ingest_errors where source_file like '%c2_baseline.json'"
        ).fetchall()
    }
    assert kinds == {"invalid_json", "kept_previous_rows"}


def test_a_removed_suite_file_removes_its_questions(tmp_path, con):
    suites, run = _tree(tmp_path)
    (suites / "extra.yaml").write_text("prompts:\n  z1: {prompt: z}\n")
    ingest_all(con, suites, [run])
    assert _count(con, "select count(*) from raw.questions where suite = 'extra'") == 1
    (suites / "extra.yaml").unlink()
    out = ingest_all(con, suites, [run])
    assert _count(con, "select count(*) from raw.questions where suite = 'extra'") == 0
    assert out.noted["file_removed"] == 1


def test_other_spellings_of_one_folder_are_one_source(tmp_path, con, monkeypatch):
    suites, run = _tree(tmp_path)
    (run / "broken.json").write_text("{")
    link = tmp_path / "link_to_runs"
    link.symlink_to(run.parent)
    monkeypatch.chdir(tmp_path)
    spellings = [run, Path("runs/r1"), Path("./runs/../runs/r1"), link / "r1"]
    states = []
    for spelling in spellings:
        ingest_all(con, suites, [spelling])
        states.append(
            (
                _count(con, "select count(*) from raw.responses"),
                _count(con, "select count(*) from raw.ingest_errors"),
                _count(con, "select count(distinct source_file) from raw.responses"),
            )
        )
    assert states == [states[0]] * len(spellings)
    assert states[0][0] == 6


def test_the_same_folder_given_twice_is_read_once(tmp_path, con):
    suites, run = _tree(tmp_path)
    out = ingest_all(con, suites, [run, run])
    assert out.exit_code == 0, out.summary()
    assert out.loaded["responses"] == 6
    assert out.noted["same_folder_twice"] == 1


def test_a_file_moved_to_a_new_folder_of_the_same_run_replaces_its_rows(tmp_path, con):
    suites, run = _tree(tmp_path)
    ingest_all(con, suites, [run])
    moved = tmp_path / "moved" / "r1"
    moved.mkdir(parents=True)
    for f in run.iterdir():
        f.rename(moved / f.name)
    out = ingest_all(con, suites, [moved])
    assert out.exit_code == 0, out.summary()
    assert _count(con, "select count(*) from raw.responses") == 6
    assert _count(con, "select count(*) from raw.responses where source_file like '%moved%'") == 6


# --------------------------------------------------------------------------- kill -9


def _big_tree(tmp: Path, configs: int = 150, per: int = 40) -> tuple[Path, Path]:
    suites = tmp / "prompts"
    suites.mkdir()
    (suites / "math.yaml").write_text(
        "prompts:\n" + "".join(f"  q{i}: {{prompt: p{i}}}\n" for i in range(per))
    )
    run = tmp / "runs" / "r1"
    run.mkdir(parents=True)
    text = "lorem ipsum " * 400
    for c in range(configs):
        doc = {
            "model_role": f"role{c}",
            "model_path": "/m/T-7B-Q4_K_M.gguf",
            "config_name": "baseline",
            "results": {
                "math": {f"q{i}": {"response": text, "prompt_tokens": i} for i in range(per)}
            },
        }
        (run / f"c{c:03d}_baseline.json").write_text(json.dumps(doc))
    return suites, run


def _state(path: Path) -> tuple:
    con = connect(path)
    try:
        return tuple(
            con.execute(q).fetchone()
            for q in (
                "select count(*), count(distinct response_id) from raw.responses",
                "select count(*), sum(response_count) from raw.configs",
                "select count(*) from raw.questions",
                "select count(*) from raw.ingest_errors",
            )
        )
    finally:
        con.close()


@pytest.mark.slow
def test_kill_9_during_ingest_then_rerun_gives_the_clean_result(tmp_path):
    suites, run = _big_tree(tmp_path)
    clean = tmp_path / "clean.duckdb"
    cmd = [sys.executable, "-m", "rescore.cli", "ingest", str(suites), str(run), "--warehouse"]
    subprocess.run([*cmd, str(clean)], check=True, capture_output=True)
    expected = _state(clean)
    assert expected[0] == (6000, 6000)
    tried = []
    for delay in (0.3, 0.8, 1.5, 2.5):
        wh = tmp_path / f"killed_{delay}.duckdb"
        p = subprocess.Popen([*cmd, str(wh)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        finished = p.poll() is not None
        if not finished:
            os.kill(p.pid, signal.SIGKILL)
        p.wait(timeout=30)
        tried.append((delay, finished))
        # Whatever the kill left behind is readable and complete or empty, never half a file.
        if wh.exists():
            con = connect(wh)
            per_config = con.execute(
                "select c.config, c.response_count, count(r.response_id) from raw.configs c "
                "left join raw.responses r using (run_id, config) group by all "
                "having c.response_count <> count(r.response_id)"
            ).fetchall()
            con.close()
            assert per_config == [], f"half-written configs after kill at {delay}s"
        rerun = subprocess.run([*cmd, str(wh)], capture_output=True, text=True, timeout=300)
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr
        assert _state(wh) == expected, f"re-run after kill at {delay}s differs"
    assert any(not finished for _, finished in tried), "no kill landed during the ingest"


# --------------------------------------------------------------------------- limits


def _kinds(con, like: str) -> set[str]:
    return {
        r[0]
        for r in con.execute(
            "select kind from raw.ingest_errors where source_file like ?", [like]
        ).fetchall()
    }


def test_a_file_above_the_size_limit_is_refused_before_it_is_read(tmp_path, con, monkeypatch):
    import ingest.sources as sources

    suites, run = _tree(tmp_path)
    (run / "c9_baseline.json").write_text(_run_file("big", n=2) + " " * 5000)
    monkeypatch.setattr(sources, "MAX_FILE_BYTES", 4096)
    out = ingest_all(con, suites, [run])
    assert out.exit_code == 1
    assert _kinds(con, "%c9_baseline.json") == {"file_too_large"}
    assert _count(con, "select count(*) from raw.responses") == 6


def test_a_read_past_its_deadline_is_quarantined_not_waited_for(tmp_path, con, monkeypatch):
    import ingest.sources as sources

    suites, run = _tree(tmp_path, configs=1)
    monkeypatch.setattr(sources, "READ_TIMEOUT_S", -1.0)  # every read is already too late
    out = ingest_all(con, suites, [run])
    assert out.exit_code == 1
    assert _kinds(con, "%c0_baseline.json") == {"read_timeout"}


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_an_unreadable_file_is_quarantined(tmp_path, con):
    suites, run = _tree(tmp_path)
    (run / "c1_baseline.json").chmod(0)
    out = ingest_all(con, suites, [run])
    assert out.exit_code == 1
    assert _kinds(con, "%c1_baseline.json") == {"unreadable_file"}
    assert _count(con, "select count(*) from raw.responses") == 4


def test_a_suites_path_that_is_a_file_is_reported_and_runs_still_load(tmp_path, con):
    _, run = _tree(tmp_path)
    not_a_folder = tmp_path / "suites.txt"
    not_a_folder.write_text("x")
    out = ingest_all(con, not_a_folder, [run])
    assert out.exit_code == 1
    assert _kinds(con, "%suites.txt") == {"unreadable_folder"}
    assert _count(con, "select count(*) from raw.responses") == 6


@pytest.mark.slow
def test_kill_9_during_import_scores_then_rerun_gives_the_clean_result(tmp_path):
    from tests.conftest import REAL_REVIEWS, REAL_RUN, REAL_SUITES, require_real_data

    require_real_data()
    base = tmp_path / "base.duckdb"
    cli = [sys.executable, "-m", "rescore.cli"]
    subprocess.run(
        [*cli, "ingest", str(REAL_SUITES), str(REAL_RUN), "--warehouse", str(base)],
        check=True,
        capture_output=True,
    )
    imp = ["import-scores", str(REAL_REVIEWS), "--scoring-run", "s", "--warehouse"]

    def judged(path: Path) -> tuple:
        con = connect(path)
        try:
            return con.execute(
                "select count(*), (select count(*) from raw.ingest_errors), "
                "(select count(*) from raw.score_conflicts) from raw.judgments"
            ).fetchone()
        finally:
            con.close()

    clean = tmp_path / "clean.duckdb"
    clean.write_bytes(base.read_bytes())
    subprocess.run([*cli, *imp, str(clean)], capture_output=True)
    expected = judged(clean)
    assert expected[0] > 4000
    landed = 0
    for delay in (0.5, 1.5, 3.0):
        wh = tmp_path / f"killed_{delay}.duckdb"
        wh.write_bytes(base.read_bytes())
        p = subprocess.Popen([*cli, *imp, str(wh)], stdout=subprocess.DEVNULL)
        time.sleep(delay)
        if p.poll() is None:
            os.kill(p.pid, signal.SIGKILL)
            landed += 1
        p.wait(timeout=60)
        # One transaction: a killed import left nothing of itself, or all of it.
        assert judged(wh)[0] in (0, expected[0])
        subprocess.run([*cli, *imp, str(wh)], capture_output=True, timeout=600)
        assert judged(wh) == expected, f"re-run after kill at {delay}s differs"
    assert landed, "no kill landed during the import"
