"""The one-node-per-model `not_null_columns` test (dbt/macros/not_null_columns.sql) fails on
nulls and `rescore build` names each column holding them, as per-column `not_null` did."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pytest

from rescore.dbt_runner import run_dbt_build


@pytest.mark.slow
def test_nulls_fail_and_are_named_per_column(tmp_path, capsys):
    warehouse = tmp_path / "nulls.duckdb"
    con = duckdb.connect(str(warehouse))
    # raw.baselines as the DDL has it but without its NOT NULL constraints, so nulls get in
    con.execute("create schema raw")
    con.execute(
        "create table raw.baselines (baseline varchar, subject varchar, subject_kind varchar,"
        " score double, max_score double, pct double, pct_text varchar, avg_tps double,"
        " suite_scores json, source_file varchar, source_line integer, loaded_at timestamp)"
    )
    con.execute(
        "insert into raw.baselines (baseline, subject, subject_kind, pct, source_file,"
        " source_line, loaded_at) values ('b', 'x', null, 50, null, 2, ?),"
        " ('b', 'y', null, 60, 'f.csv', 3, ?), ('b', 'z', 'config', 70, 'f.csv', 4, ?)",
        [datetime(2026, 1, 1)] * 3,
    )
    con.close()
    code = run_dbt_build(warehouse, select="stg_rescore__baselines", target_path=tmp_path / "t")
    out = capsys.readouterr().out
    assert code == 1
    assert "FAILED" in out and "not_null_columns_stg_rescore__baselines" in out
    assert "nulls in subject_kind (2 null rows), source_file (1 null rows)" in out
    assert "baseline (" not in out and "subject (" not in out
