"""The raw-table reads the site still needs: config facts, responses for the config pages,
the overview's counts and the suites.

These move to marts as the house adds them (a per-response mart, `marts.configs`,
`marts.coverage`, `marts.questions`; see CONTRACT.md); until then they are read here, in a
few set-based queries over the build's one connection, and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb


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
    response_id: str = ""


def _dicts(cur: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def suites(con: duckdb.DuckDBPyConnection):
    from rescore.site.data import table

    return table(
        con,
        "select s.suite, s.description, s.max_tokens, count(q.question_id) as questions"
        " from raw.suites s left join raw.questions q using (suite)"
        " group by all order by s.suite",
    )


def configs(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for row in _dicts(con.execute("select * from raw.configs order by config, run_id")):
        out.setdefault(row["config"], row)  # first run wins; pages list every run's responses
    return out


def config_names(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """How each config name parsed and linked (the acceleration page's listing)."""
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


def details(con: duckdb.DuckDBPyConnection, run: str) -> dict[str, list[ResponseDetail]]:
    rows = con.execute(
        """
        with flags as (
            select response_id, list((flag, evidence) order by flag) as flags
            from raw.response_flags group by response_id
        )
        select r.config, r.run_id, r.suite, r.question_id, q.name, j.score, j.reason,
               coalesce(f.flags, []), r.tokens_per_second, r.completion_tokens,
               coalesce(r.max_tokens, s.max_tokens), r.response, r.is_speed_test, r.in_suite,
               r.response_id
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
                response_id=row[14],
            )
        )
    return out


FACT_KEYS = (
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


def facts(con: duckdb.DuckDBPyConnection, run: str) -> dict[str, Any]:
    """The overview's counts (until `marts.coverage` holds them)."""
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
    return dict(zip(FACT_KEYS, row, strict=True))
