"""The raw-table reads the site still needs, and the grouping of `marts.responses` rows.

Config facts (raw.configs under `marts.configs`) and the suites are read here; the overview's
totals are row counts of the marts of that grain (no aggregate over raw). Reads are plain
selects over the build's one connection.
"""

from __future__ import annotations

from typing import Any

import duckdb


def _dicts(cur: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def suites(con: duckdb.DuckDBPyConnection):
    from rescore.site.data import table

    return table(
        con,
        "select suite, description, max_tokens, question_count as questions"
        " from raw.suites order by suite",
    )


def configs(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for row in _dicts(con.execute("select * from raw.configs order by config, run_id")):
        out.setdefault(row["config"], row)  # first run wins; pages list every run's responses
    return out


def names_from_configs(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The acceleration page's name listing from `marts.configs` (variant_kind, link_status)."""
    return [
        {
            "run_id": r["run_id"],
            "config": r["config"],
            "role": r.get("role"),
            "config_name": r.get("config_name"),
            "parse_status": "not parsed" if r.get("variant_kind") == "unparsed" else "parsed",
            "parse_note": None,
            "link_status": r.get("link_status"),
            "base_config_name": r.get("base_config"),
        }
        for r in sorted(rows, key=lambda r: (str(r["run_id"]), str(r["config"])))
    ]


def config_names(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """How each config name parsed and linked, for a warehouse without `marts.configs`."""
    try:
        return _dicts(
            con.execute(
                "select run_id, config, role, config_name, parse_status, parse_note,"
                " link_status, base_config_name from intermediate.int_configs_linked"
                " order by run_id, config"
            )
        )
    except duckdb.CatalogException:
        return []


def per_config(
    con: duckdb.DuckDBPyConnection, run: str, by_run: bool = True
) -> tuple[dict[str, int], dict[str, set[str]]]:
    """`marts.responses` rows per config and the suites each config answered: what the pages
    built in memory need of it (the texts are streamed page by page, `rescore.site.stream`)."""
    where = " where scoring_run = ?" if by_run else ""
    rows = con.execute(
        "select config, suite, count(*) from marts.responses" + where + " group by all",
        [run] if by_run else [],
    ).fetchall()
    counts: dict[str, int] = {}
    suites: dict[str, set[str]] = {}
    for config, suite, n in rows:
        counts[config] = counts.get(config, 0) + n
        suites.setdefault(config, set()).add(suite)
    return counts, suites


def facts(marts: dict[str, Any]) -> dict[str, Any]:
    """The overview's totals, as row counts of the marts whose grain they are: configs ingested
    (`marts.configs`, one row per run and config), questions (`marts.questions`, one row per
    suite question of the scoring run) and quarantined records (`marts.ingest_errors`, one row
    per record). No SQL aggregate over raw tables: the marts already hold one row per thing."""

    def rows(mart: str) -> int:
        t = marts.get(mart)
        return len(t.rows) if t is not None else 0

    return {
        "configs": rows("configs"),
        "questions": rows("questions"),
        "ingest_errors": rows("ingest_errors"),
    }
