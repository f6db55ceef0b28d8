"""Read everything the report shows out of the warehouse, once, into plain Python values.

The site is a view of the marts (the public interface, ARCHITECTURE.md) plus the raw tables
needed to go from a number down to the responses behind it. Reading happens here and only
here, in a handful of set-based queries, so page rendering is pure string work and the whole
site can be built in seconds even for ~700 configs. Mart columns are introspected: the
contract allows marts to gain columns, and the generic tables show whatever is there.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

MARTS = (
    "leaderboard",
    "suite_scores",
    "top_performers",
    "models_to_avoid",
    "drift",
    "judge_agreement",
    "critical_issues",
    "suite_observations",
    "findings",
)
CATEGORY_ORDER = ("thinking", "draft", "architect_ingest", "coder_tool_vision", "general_worker")
SCORING_RUN_ENV = "RESCORE_SCORING_RUN"


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
class ResponseDetail:
    """One response of a config with its judgment (for the chosen scoring run) and flags."""

    run_id: str
    suite: str
    question_id: str
    question_name: str | None
    score: int | None
    reason: str | None
    flags: list[tuple[str, str | None]]
    tokens_per_second: float | None
    completion_tokens: int | None
    max_tokens: int | None
    response: str | None
    is_speed_test: bool
    in_suite: bool


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
    details: dict[str, list[ResponseDetail]]
    facts: dict[str, Any]
    thresholds: dict[str, Table] = field(default_factory=dict)

    @property
    def categories(self) -> list[str]:
        present = {row["category"] for row in self.leaderboard}
        known = [c for c in CATEGORY_ORDER if c in present]
        return known + sorted(present - set(known))

    @property
    def scoring_row(self) -> dict[str, Any]:
        for row in self.scoring_runs.dicts():
            if row.get("scoring_run") == self.scoring_run:
                return row
        return {"scoring_run": self.scoring_run}


def _table(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> Table:
    cur = con.execute(sql, params or [])
    rows = cur.fetchall()
    return Table([d[0] for d in cur.description], rows)


def _columns(con: duckdb.DuckDBPyConnection, schema: str) -> dict[str, list[tuple[str, str]]]:
    rows = con.execute(
        "select table_name, column_name, data_type from information_schema.columns"
        " where table_schema = ? order by table_name, ordinal_position",
        [schema],
    ).fetchall()
    out: dict[str, list[tuple[str, str]]] = {}
    for table, column, dtype in rows:
        out.setdefault(table, []).append((column, dtype))
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


def load_report(warehouse: Path, scoring_run: str | None = None) -> ReportData:
    """Open the warehouse read-only and read one scoring run's report."""
    warehouse = Path(warehouse)
    if not warehouse.exists():
        raise WarehouseMissing(
            f"no warehouse at {warehouse}: run `rescore report examples/prompts "
            "examples/runs/20260101_120000` (or set RESCORE_WAREHOUSE) first."
        )
    scoring_run = scoring_run or os.environ.get(SCORING_RUN_ENV) or None
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        mart_columns = _columns(con, "marts")
        missing = [m for m in MARTS if m not in mart_columns]
        if "leaderboard" in missing or "suite_scores" in missing:
            raise WarehouseMissing(
                f"the warehouse {warehouse} has no marts.{missing[0]}: run `rescore build` "
                "(dbt) before building the site."
            )
        run = choose_scoring_run(con, scoring_run)
        marts: dict[str, Table] = {}
        for mart in MARTS:
            if mart not in mart_columns:
                marts[mart] = Table([], [])
                continue
            cols = [c for c, _ in mart_columns[mart]]
            if "scoring_run" in cols:
                marts[mart] = _table(
                    con, f"select * from marts.{mart} where scoring_run = ?", [run]
                )
            else:
                marts[mart] = _table(con, f"select * from marts.{mart}")
        leaderboard = _table(
            con,
            "select * from marts.leaderboard where scoring_run = ?"
            " order by category, rank nulls last, pct desc, config",
            [run],
        ).dicts()
        suite_scores = _table(
            con,
            "select * from marts.suite_scores where scoring_run = ? order by config, suite",
            [run],
        ).dicts()
        data = ReportData(
            warehouse=warehouse,
            scoring_run=run,
            scoring_runs=_table(con, "select * from raw.scoring_runs order by created_at"),
            leaderboard=leaderboard,
            suite_scores=suite_scores,
            marts=marts,
            mart_columns=mart_columns,
            suites=_table(
                con,
                "select s.suite, s.description, s.max_tokens, count(q.question_id) as questions"
                " from raw.suites s left join raw.questions q using (suite)"
                " group by all order by s.suite",
            ),
            configs=_configs(con),
            details=_details(con, run),
            facts=_facts(con, run),
            thresholds=_thresholds(con),
        )
        return data
    except duckdb.CatalogException as exc:
        raise WarehouseMissing(
            f"the warehouse {warehouse} lacks a table the site reads ({exc}); run "
            "`rescore build` (dbt) first."
        ) from exc
    finally:
        con.close()


def _configs(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    table = _table(
        con,
        "select * from raw.configs order by config, run_id",
    )
    out: dict[str, dict[str, Any]] = {}
    for row in table.dicts():
        out.setdefault(row["config"], row)  # first run wins; pages list every run's responses
    return out


def _details(con: duckdb.DuckDBPyConnection, run: str) -> dict[str, list[ResponseDetail]]:
    rows = con.execute(
        """
        with flags as (
            select response_id, list((flag, evidence) order by flag) as flags
            from raw.response_flags group by response_id
        )
        select r.config, r.run_id, r.suite, r.question_id, q.name, j.score, j.reason,
               coalesce(f.flags, []), r.tokens_per_second, r.completion_tokens,
               coalesce(r.max_tokens, s.max_tokens), r.response, r.is_speed_test, r.in_suite
        from raw.responses r
        left join raw.judgments j on j.response_id = r.response_id and j.scoring_run = ?
        left join raw.questions q on q.suite = r.suite and q.question_id = r.question_id
        left join raw.suites s on s.suite = r.suite
        left join flags f on f.response_id = r.response_id
        order by r.config, r.run_id, r.suite, r.question_id
        """,
        [run],
    ).fetchall()
    out: dict[str, list[ResponseDetail]] = {}
    for row in rows:
        flags = [
            (f[0], f[1]) if isinstance(f, tuple) else (f["flag"], f["evidence"]) for f in row[7]
        ]
        out.setdefault(row[0], []).append(
            ResponseDetail(
                run_id=row[1],
                suite=row[2],
                question_id=row[3],
                question_name=row[4],
                score=row[5],
                reason=row[6],
                flags=flags,
                tokens_per_second=row[8],
                completion_tokens=row[9],
                max_tokens=row[10],
                response=row[11],
                is_speed_test=bool(row[12]),
                in_suite=bool(row[13]),
            )
        )
    return out


def _facts(con: duckdb.DuckDBPyConnection, run: str) -> dict[str, Any]:
    row = con.execute(
        """
        select
            (select count(distinct run_id) from raw.runs),
            (select string_agg(distinct run_id, ', ' order by run_id) from raw.runs),
            (select count(*) from raw.configs),
            (select count(*) from raw.responses),
            (select count(*) from raw.judgments where scoring_run = ?),
            (select count(distinct config) from marts.leaderboard where scoring_run = ?),
            (select count(distinct model) from marts.leaderboard where scoring_run = ?),
            (select count(*) from raw.questions),
            (select count(*) from raw.suites),
            (select count(*) from raw.ingest_errors),
            (select string_agg(distinct judge, ', ') from raw.judgments where scoring_run = ?),
            (select string_agg(distinct rubric_version, ', ') from raw.judgments
                where scoring_run = ?),
            (select count(*) from raw.response_flags)
        """,
        [run] * 5,
    ).fetchall()[0]
    keys = (
        "runs",
        "run_ids",
        "configs",
        "responses",
        "judged",
        "configs_scored",
        "models_scored",
        "questions",
        "suites",
        "ingest_errors",
        "judge",
        "rubric_version",
        "flags",
    )
    return dict(zip(keys, row, strict=True))


def _thresholds(con: duckdb.DuckDBPyConnection) -> dict[str, Table]:
    """Mapping and threshold seeds dbt put in the warehouse, shown on the methodology page."""
    names = con.execute(
        "select table_schema, table_name from information_schema.tables"
        " where table_schema = 'seeds' or (table_schema not in"
        " ('raw', 'marts', 'information_schema', 'pg_catalog')"
        " and (table_name ilike '%threshold%' or table_name ilike '%role_categor%'"
        "      or table_name ilike '%relevant_suite%' or table_name ilike '%role_suite%'))"
        " order by 1, 2"
    ).fetchall()
    return {f"{s}.{t}": _table(con, f'select * from "{s}"."{t}"') for s, t in names}


def dbt_vars(project_file: Path) -> list[tuple[str, object, str]]:
    """The thresholds of the marts: dbt `vars` with the comment above each, from dbt_project.yml.

    They are configuration, not results, and live in the dbt project rather than the
    warehouse; the comment is the project's own description of the threshold.
    """
    import yaml

    if not project_file.exists():
        return []
    text = project_file.read_text(encoding="utf-8")
    values = (yaml.safe_load(text) or {}).get("vars") or {}
    comments: dict[str, str] = {}
    pending: list[str] = []
    current = ""  # a comment describes every var below it, up to a blank line
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            pending.append(stripped.lstrip("#").strip())
            continue
        if pending:
            current, pending = " ".join(pending), []
        if not stripped:
            current = ""
            continue
        name = stripped.split(":", 1)[0]
        if name in values and ":" in stripped:
            comments[name] = current
    return [(k, v, comments.get(k, "")) for k, v in values.items() if not isinstance(v, dict)]
