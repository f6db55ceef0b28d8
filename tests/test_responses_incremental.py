"""`marts.responses` is incremental by slice (scoring_run, run_id): after every kind of change
an incremental build holds exactly the rows a full refresh makes, and an unchanged slice is not
rewritten (its text is what the model costs to copy).

One warehouse goes through the changes in order (a run added, a run file changed, a scoring
run added, a scoring run deleted); after each, `dbt run --select responses` builds it
incrementally and a copy is rebuilt with `--full-refresh`: the two tables must be equal row for
row (`except all` both ways).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[1]
SUITES = ROOT / "examples" / "prompts"
RUN = ROOT / "examples" / "runs" / "20260101_120000"
RESCORE = str(Path(sys.executable).with_name("rescore"))

pytestmark = pytest.mark.slow


def _rescore(warehouse: Path, *args: str) -> str:
    out = subprocess.run(
        [RESCORE, "--warehouse", str(warehouse), *args],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "RESCORE_WAREHOUSE": str(warehouse)},
    )
    assert out.returncode == 0, f"rescore {' '.join(args)}:\n{out.stdout}\n{out.stderr}"
    return out.stdout


def _rows(warehouse: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _assert_equals_full_refresh(warehouse: Path, tmp_path: Path, step: str) -> None:
    copy = tmp_path / f"full-{step}" / warehouse.name  # same file name: same catalog name
    copy.parent.mkdir()
    shutil.copy(warehouse, copy)
    _rescore(copy, "dbt", "run", "--select", "responses", "--full-refresh")
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        con.execute(f"attach '{copy}' as full_db (read_only)")
        cols = "* exclude (flags, flag_evidence), list_sort(flags), list_sort(flag_evidence)"
        inc_only = con.execute(
            f"select {cols} from marts.responses except all"
            f" select {cols} from full_db.marts.responses"
        ).fetchall()
        full_only = con.execute(
            f"select {cols} from full_db.marts.responses except all"
            f" select {cols} from marts.responses"
        ).fetchall()
        n = con.execute("select count(*) from full_db.marts.responses").fetchone()[0]
    finally:
        con.close()
    assert n > 0
    assert not inc_only and not full_only, (step, inc_only[:3], full_only[:3])


def _edit_first_response(run_dir: Path) -> None:
    """Change one answer text in one run file (as a re-run of that config would)."""
    for path in sorted(run_dir.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))

        def edit(node) -> bool:
            if isinstance(node, dict):
                if isinstance(node.get("response"), str) and node["response"]:
                    node["response"] += " (answered again)"
                    return True
                return any(edit(v) for v in node.values())
            if isinstance(node, list):
                return any(edit(v) for v in node)
            return False

        if edit(doc):
            path.write_text(json.dumps(doc), encoding="utf-8")
            return
    raise AssertionError("no response text to edit")


def test_incremental_responses_equal_a_full_refresh_after_every_change(tmp_path: Path) -> None:
    wh = tmp_path / "w.duckdb"
    _rescore(wh, "ingest", str(SUITES), str(RUN))
    _rescore(wh, "judge", "--judge", "rules", "--scoring-run", "a", "--no-progress")
    _rescore(wh, "build")
    first = _rows(wh, "select count(*) from marts.responses where scoring_run = 'a'")[0][0]
    assert first > 0

    # A marker in the built slice: an incremental build must leave the slice alone.
    con = duckdb.connect(str(wh))
    con.execute("update marts.responses set display_label = 'UNTOUCHED' where scoring_run = 'a'")
    con.close()

    # 1. A run added (new run id, same files), judged in the same scoring run.
    run2 = tmp_path / "runs" / "20260108_120000"
    shutil.copytree(RUN, run2)
    for path in run2.glob("*.json"):  # the run id is in each file
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace(RUN.name, run2.name), encoding="utf-8")
    _rescore(wh, "ingest", str(SUITES), str(run2))
    _rescore(wh, "judge", "--judge", "rules", "--scoring-run", "a", "--no-progress")
    _rescore(wh, "dbt", "run", "--select", "responses")
    untouched = _rows(
        wh,
        "select run_id, count(*) filter (where display_label = 'UNTOUCHED'), count(*)"
        " from marts.responses where scoring_run = 'a' group by 1 order by 1",
    )
    assert untouched == [("20260101_120000", first, first), (run2.name, 0, first)]
    con = duckdb.connect(str(wh))
    con.execute(
        "update marts.responses as r set display_label = c.display_label from marts.configs c"
        " where r.run_id = c.run_id and r.config = c.config"
        " and r.display_label = 'UNTOUCHED'"
    )
    con.close()
    _assert_equals_full_refresh(wh, tmp_path, "run-added")

    # 2. A run file changed: its rows are replaced at ingest, its slice rebuilt.
    _edit_first_response(run2)
    _rescore(wh, "ingest", str(SUITES), str(run2))
    _rescore(wh, "dbt", "run", "--select", "responses")
    assert _rows(
        wh, "select count(*) from marts.responses where response like '%(answered again)'"
    ) == [(1,)]
    _assert_equals_full_refresh(wh, tmp_path, "file-changed")

    # 3. A second scoring run over both runs.
    _rescore(wh, "judge", "--judge", "rules-v1", "--scoring-run", "b", "--no-progress")
    _rescore(wh, "dbt", "run", "--select", "responses")
    _assert_equals_full_refresh(wh, tmp_path, "scoring-run-added")

    # 4. That scoring run deleted from raw: its slices go (the model's post-hook).
    con = duckdb.connect(str(wh))
    con.execute("delete from raw.judgments where scoring_run = 'b'")
    con.close()
    _rescore(wh, "dbt", "run", "--select", "responses")
    assert _rows(wh, "select count(*) from marts.responses where scoring_run = 'b'") == [(0,)]
    _assert_equals_full_refresh(wh, tmp_path, "scoring-run-deleted")
