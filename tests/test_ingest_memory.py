"""`bound_memory`: the DuckDB cap the bulk stages (ingest, judge) run under."""

from __future__ import annotations

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
