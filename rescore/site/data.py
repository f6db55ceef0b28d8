"""Read everything the site shows out of the warehouse, once, into plain Python values.

The site is a view of the marts (the public interface, ARCHITECTURE.md). Every table of the
`marts` schema is read here, over the one read-only connection a build opens, filtered to the
scoring run shown when the mart has a `scoring_run` column; page code then only formats and
links. The one exception is `marts.responses` (every answer text of every run: ~4 GB at 100x):
only its counts per config are read here; the config and question pages stream its rows one
page at a time (`rescore.site.stream`). Mart columns are introspected: the contract lets
marts gain columns, and pages drop columns a mart does not have. A few `raw.*` reads remain
for the config pages and the overview facts until the per-response and coverage marts exist
(CONTRACT.md); they live in
`rescore.site.responses`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import duckdb

from rescore.site import responses as rs
from rescore.site.sql import sql_ident

# Marts the site cannot do without; the others are optional and pages say when one is missing.
REQUIRED_MARTS = ("leaderboard", "suite_scores", "responses")


class WarehouseMissing(Exception):
    """The warehouse file or its marts are not there yet: say which command makes them."""


@dataclass
class Table:
    """Rows of one query with their column names (kept generic for introspected marts)."""

    columns: list[str]
    rows: list[tuple[Any, ...]]

    def dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def __len__(self) -> int:
        return len(self.rows)


@dataclass
class ReportData:
    """Everything one site version shows: one scoring run, read from one warehouse."""

    warehouse: Path
    scoring_run: str
    scoring_runs: Table
    leaderboard: list[dict[str, Any]]
    suite_scores: list[dict[str, Any]]
    marts: dict[str, Table]
    mart_columns: dict[str, list[tuple[str, str]]]
    suites: Table
    configs: dict[str, dict[str, Any]]
    response_counts: dict[str, int]  # marts.responses rows per config (texts: site.stream)
    response_suites: dict[str, set[str]]  # the suites each config answered
    facts: dict[str, Any]
    seeds: dict[str, Table] = field(default_factory=dict)
    config_names: list[dict[str, Any]] = field(default_factory=list)

    @cached_property
    def categories(self) -> list[str]:
        """The leaderboard's categories in `marts.categories.sort_order` (the house's seed);
        a category the seed lacks sorts last, by name. Computed once: pages sort their rows
        by it (recomputed per row, the models-to-avoid sort took 20 s at a million
        responses); the data is read once per build and never changed."""
        present = {row["category"] for row in self.leaderboard}
        order = {r["category"]: r.get("sort_order") for r in self.rows("categories")}
        return sorted(present, key=lambda c: (order.get(c) is None, order.get(c) or 0, c))

    def rows(self, mart: str) -> list[dict[str, Any]]:
        """The mart's rows for this scoring run as dicts; empty when the mart is absent."""
        t = self.marts.get(mart)
        return t.dicts() if t is not None and t.columns else []

    @property
    def scoring_row(self) -> dict[str, Any]:
        """The shown scoring run: `marts.scoring_runs` (house) over the raw row."""
        out: dict[str, Any] = {"scoring_run": self.scoring_run}
        for row in self.scoring_runs.dicts():
            if row.get("scoring_run") == self.scoring_run:
                out.update(row)
        for row in self.rows("scoring_runs"):
            out.update({k: v for k, v in row.items() if v is not None})
        return out


def table(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> Table:
    cur = con.execute(sql, params or [])
    rows = cur.fetchall()
    return Table([d[0] for d in cur.description], rows)


def columns(con: duckdb.DuckDBPyConnection, schema: str) -> dict[str, list[tuple[str, str]]]:
    rows = con.execute(
        "select table_name, column_name, data_type from information_schema.columns"
        " where table_schema = ? order by table_name, ordinal_position",
        [schema],
    ).fetchall()
    out: dict[str, list[tuple[str, str]]] = {}
    for name, column, dtype in rows:
        out.setdefault(name, []).append((column, dtype))
    return out


def choose_scoring_run(con: duckdb.DuckDBPyConnection, wanted: str | None) -> str:
    """The scoring run to show: the one asked for, else the newest one the leaderboard has."""
    runs = [
        r[0]
        for r in con.execute(
            "select distinct scoring_run from marts.leaderboard order by 1"
        ).fetchall()
    ]
    if not runs:
        raise WarehouseMissing(
            "marts.leaderboard is empty: judge the responses (`rescore judge`) and run "
            "`rescore build` before building the site."
        )
    if wanted:
        if wanted not in runs:
            raise WarehouseMissing(
                f"scoring run {wanted!r} is not in marts.leaderboard; it has: {', '.join(runs)}"
            )
        return wanted
    newest = con.execute(
        "select l.scoring_run from (select distinct scoring_run from marts.leaderboard) l"
        " left join raw.scoring_runs s using (scoring_run)"
        " order by s.created_at desc nulls last, l.scoring_run desc limit 1"
    ).fetchall()
    return newest[0][0]


# Marts whose rows grow with every response: never read whole (their Table has no rows).
STREAMED_MARTS = ("responses",)


def _read_marts(
    con: duckdb.DuckDBPyConnection, mart_columns: dict[str, list[tuple[str, str]]], run: str
) -> dict[str, Table]:
    marts: dict[str, Table] = {}
    for mart, cols in mart_columns.items():
        names = [c for c, _ in cols]
        if mart in STREAMED_MARTS:
            marts[mart] = Table(names, [])
            continue
        where = " where scoring_run = ?" if "scoring_run" in names else ""
        order = " order by " + ", ".join(sql_ident(c) for c in names[:3])
        marts[mart] = table(
            con, f"select * from marts.{sql_ident(mart)}{where}{order}", [run] if where else []
        )
    return marts


def load_report(
    con: duckdb.DuckDBPyConnection, warehouse: Path, scoring_run: str | None = None
) -> ReportData:
    """Read one scoring run's report over an open (read-only) connection."""
    try:
        mart_columns = columns(con, "marts")
        missing = [m for m in REQUIRED_MARTS if m not in mart_columns]
        if missing:
            raise WarehouseMissing(
                f"the warehouse {warehouse} has no marts.{missing[0]}: run `rescore build` "
                "(dbt) before building the site."
            )
        run = choose_scoring_run(con, scoring_run)
        marts = _read_marts(con, mart_columns, run)
        leaderboard = marts["leaderboard"].dicts()
        leaderboard.sort(
            key=lambda r: (
                str(r["category"]),
                r.get("rank") is None,
                r.get("rank") or 0,
                -(r.get("pct") or 0),
                str(r["config"]),
            )
        )
        suite_scores = sorted(
            marts["suite_scores"].dicts(), key=lambda r: (str(r["config"]), str(r["suite"]))
        )
        counts, suites = rs.per_config(con, run, "scoring_run" in marts["responses"].columns)
        return ReportData(
            warehouse=Path(warehouse),
            scoring_run=run,
            scoring_runs=table(con, "select * from raw.scoring_runs order by created_at"),
            leaderboard=leaderboard,
            suite_scores=suite_scores,
            marts=marts,
            mart_columns=mart_columns,
            suites=rs.suites(con),
            configs=rs.configs(con),
            response_counts=counts,
            response_suites=suites,
            facts={**rs.facts(marts), "responses": sum(counts.values())},
            seeds=_seeds(con),
            config_names=rs.names_from_configs(marts["configs"].dicts())
            if "configs" in marts
            else rs.config_names(con),
        )
    except duckdb.CatalogException as exc:
        raise WarehouseMissing(
            f"the warehouse {warehouse} lacks a table the site reads "
            f"({str(exc).splitlines()[0]}); run `rescore build` (dbt) first."
        ) from exc


def _seeds(con: duckdb.DuckDBPyConnection) -> dict[str, Table]:
    """The mapping seeds dbt put in the warehouse, shown on the methodology page."""
    names = con.execute(
        "select table_schema, table_name from information_schema.tables"
        " where table_schema = 'seeds' order by 1, 2"
    ).fetchall()
    return {
        f"{s}.{t}": table(con, f"select * from {sql_ident(s)}.{sql_ident(t)}") for s, t in names
    }
