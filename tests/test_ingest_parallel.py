"""Run files read in worker processes (ingest.parallel) leave the warehouse exactly as reading
them one by one in the main process: the same rows, the same problems, the same read state,
also for a file whose worker result is lost (read again in the main process)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import ingest.parallel as parallel
from ingest.pipeline import ingest_all
from rescore.warehouse import connect

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
IGNORED = {"loaded_at", "logged_at", "read_at_ns"}  # when it ran, not what it loaded


def _tree(tmp: Path) -> tuple[Path, Path]:
    """The example run plus files that exercise every per-file and cross-file check."""
    run = tmp / "runs" / "20260101_120000"
    shutil.copytree(EXAMPLES / "runs" / "20260101_120000", run)
    first = sorted(run.glob("*.json"))[0]
    (run / "zz_copy_of_first.json").write_bytes(first.read_bytes())  # duplicate_content
    (run / "zz_truncated.json").write_text('{"model_role": "x", "results": {"math": {"q')
    (run / "zz_aggregate.json").write_text(json.dumps({"a": {"b": 1}, "c": {"d": 2}}))
    (run / "zz_dup_keys.json").write_text(
        '{"model_role": "coder", "model_role": "worker", "results": {"math": {"t1_q1": '
        '{"response": "4", "prompt_tokens": "lots", "tokens_per_second": NaN, '
        '"completion_tokens": 1e400, "response": "5"}}}}'
    )
    lines = [
        {"config": "jl", "suite": "math", "question_id": "q1", "response": "a"},
        {"config": "jl", "suite": "math", "question_id": "q1", "response": "b"},
    ]
    (run / "zz_generic.jsonl").write_text("\n".join(map(json.dumps, lines)) + "\n{bad\n")
    return EXAMPLES / "prompts", run


def _tables(con) -> dict[str, list[tuple]]:
    out = {}
    for (table,) in con.execute(
        "select table_name from information_schema.tables where table_schema = 'raw'"
    ).fetchall():
        cols = [
            c
            for (c,) in con.execute(
                "select column_name from information_schema.columns "
                "where table_schema = 'raw' and table_name = ? order by ordinal_position",
                [table],
            ).fetchall()
            if c not in IGNORED
        ]
        sel = ", ".join(f'"{c}"' for c in cols)
        out[table] = sorted(con.execute(f"select {sel} from raw.{table}").fetchall(), key=repr)
    return out


def _ingest(tmp: Path, suites: Path, run: Path, workers: str, monkeypatch) -> dict:
    monkeypatch.setenv("RESCORE_INGEST_WORKERS", workers)
    con = connect(tmp / f"w{workers}.duckdb")
    try:
        first = ingest_all(con, suites, [run])
        return {"tables": _tables(con), "exit": first.exit_code, "loaded": dict(first.loaded)}
    finally:
        con.close()


@pytest.fixture
def pools(monkeypatch) -> list[int]:
    """Every folder is read by the pool (no minimum size); records each pool made."""
    made: list[int] = []
    real = parallel.make_pool

    def counting(n: int):
        made.append(n)
        return real(n)

    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "make_pool", counting)
    return made


def test_workers_load_what_the_main_process_loads(tmp_path, monkeypatch, pools):
    suites, run = _tree(tmp_path)
    here = _ingest(tmp_path, suites, run, "0", monkeypatch)
    assert pools == []
    there = _ingest(tmp_path, suites, run, "2", monkeypatch)
    assert pools == [2]
    kinds = {row[3] for row in here["tables"]["ingest_errors"]}
    assert {"duplicate_content", "invalid_json", "duplicate_key", "bad_value"} <= kinds
    assert {"duplicate_response", "duplicate_record"} & kinds
    assert here["tables"]["responses"] and here["exit"] == 1
    assert there == here


def test_a_lost_worker_result_is_read_again_here(tmp_path, monkeypatch, pools):
    suites, run = _tree(tmp_path)
    here = _ingest(tmp_path, suites, run, "0", monkeypatch)
    real = parallel._unspool
    lost: list[str] = []

    def lose_some(read):
        if read.rows is not None and len(lost) < 3:
            lost.append(read.rows.name)
            raise RuntimeError("worker result lost")
        return real(read)

    monkeypatch.setattr(parallel, "_unspool", lose_some)
    there = _ingest(tmp_path, suites, run, "2", monkeypatch)
    assert len(lost) == 3
    assert there == here
