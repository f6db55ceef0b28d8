"""`bound_memory`: the DuckDB cap the bulk stages (ingest, judge) run under."""

from __future__ import annotations

import os

import pytest

from rescore.warehouse import bound_memory, connect


def _limit(con) -> str:
    return con.execute("select current_setting('memory_limit')").fetchone()[0]


def test_bulk_stages_cap_duckdb_memory(tmp_path, monkeypatch):
    con = connect(tmp_path / "w.duckdb")
    default = _limit(con)
    monkeypatch.delenv("RESCORE_DUCKDB_MEMORY", raising=False)
    bound_memory(con)
    capped = _limit(con)
    assert capped != default and ("GiB" in capped or "MiB" in capped)
    monkeypatch.setenv("RESCORE_DUCKDB_MEMORY", "512MB")
    bound_memory(con)
    assert _limit(con).startswith("488")  # 512 MB = 488.2 MiB
    con.close()


def test_none_leaves_duckdb_default(tmp_path, monkeypatch):
    con = connect(tmp_path / "w.duckdb")
    default = _limit(con)
    monkeypatch.setenv("RESCORE_DUCKDB_MEMORY", "none")
    bound_memory(con)
    assert _limit(con) == default
    con.close()


def _dbt_limit(tmp_path, monkeypatch, value: str | None) -> str:
    """memory_limit inside a dbt session over the warehouse (the profile's `settings`)."""
    import subprocess
    import sys
    from pathlib import Path

    connect(tmp_path / "w.duckdb").close()
    env = {k: v for k, v in os.environ.items() if k != "RESCORE_DUCKDB_MEMORY"}
    if value is not None:
        env["RESCORE_DUCKDB_MEMORY"] = value
    rescore = Path(sys.executable).with_name("rescore")
    out = subprocess.run(
        [
            str(rescore),
            "--warehouse",
            str(tmp_path / "w.duckdb"),
            "dbt",
            "show",
            "--inline",
            "select current_setting('memory_limit') as m",
            "--output",
            "json",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


@pytest.mark.slow
def test_dbt_runs_under_the_same_cap(tmp_path, monkeypatch):
    """dbt's models (marts.responses copies every answer) are capped like ingest and judge."""
    assert "488.2 MiB" in _dbt_limit(tmp_path, monkeypatch, "512MB")
    default = _dbt_limit(tmp_path, monkeypatch, None)
    assert "2.7 GiB" in default  # 3GB: two nodes at once
    assert "2.7 GiB" not in _dbt_limit(tmp_path, monkeypatch, "none")
