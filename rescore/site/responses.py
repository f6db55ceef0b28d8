"""The raw-table reads the site still needs, and the grouping of `marts.responses` rows.

Config facts (raw.configs under `marts.configs`), the suites and the overview's counts are
read here until `marts.coverage`/`marts.data_quality` carry them (CONTRACT.md); everything
else comes from marts. Reads are plain selects over the build's one connection.
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


def details(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """`marts.responses` rows of the scoring run, per config, in page order."""
    out: dict[str, list[dict[str, Any]]] = {}
    for row in sorted(rows, key=lambda r: (r["config"], r["run_id"], r["suite"], r["question_id"])):
        out.setdefault(row["config"], []).append(row)
    return out


def facts(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The overview's raw counts that no mart carries yet (`marts.coverage` and
    `marts.data_quality` will): configs, questions and quarantined records."""
    (configs,) = con.execute("select count(*) from raw.configs").fetchone()
    (questions,) = con.execute("select count(*) from raw.questions").fetchone()
    (errors,) = con.execute("select count(*) from raw.ingest_errors").fetchone()
    return {"configs": configs, "questions": questions, "ingest_errors": errors}
