"""The raw-table reads the site still needs: config facts, responses for the config pages,
the overview's counts and the suites.

These move to marts as the house adds them (a per-response mart, `marts.configs`,
`marts.coverage`, `marts.questions`; see CONTRACT.md); until then they are read here, in a
few set-based queries over the build's one connection, and nowhere else.
"""

from __future__ import annotations

from typing import Any

import duckdb

# The columns of `marts.responses` (CONTRACT.md, house helper) the pages use. The fallback
# query below returns the same names so pages do not care which one they got.
RESPONSE_COLUMNS = (
    "response_id",
    "anchor",
    "run_id",
    "config",
    "suite",
    "question_id",
    "question_name",
    "prompt",
    "expected",
    "reference_answer",
    "scoring_criteria",
    "response",
    "is_judged",
    "score",
    "max_score",
    "reason",
    "flags",
    "flag_evidence",
    "declared_max_tokens",
    "token_cap",
    "completion_tokens",
    "tps",
    "is_speed_test",
    "in_suite",
)


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


def details(
    con: duckdb.DuckDBPyConnection, run: str, mart: list[dict[str, Any]] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Every response per config, with the scoring run's judgment, as `marts.responses` rows.

    `mart`: the rows of `marts.responses` for the run when the warehouse has it (they win);
    otherwise the fallback query over raw tables, until the house's mart is merged.
    """
    rows = mart if mart else _fallback(con, run)
    out: dict[str, list[dict[str, Any]]] = {}
    for row in sorted(rows, key=lambda r: (r["config"], r["run_id"], r["suite"], r["question_id"])):
        out.setdefault(row["config"], []).append(row)
    return out


def _fallback(con: duckdb.DuckDBPyConnection, run: str) -> list[dict[str, Any]]:
    return _dicts(
        con.execute(
            """
            with flags as (
                select response_id, list(flag order by flag) as flags,
                       list(flag || coalesce(': ' || evidence, '') order by flag) as flag_evidence
                from raw.response_flags group by response_id
            )
            select r.response_id, 'r-' || r.response_id as anchor, r.run_id, r.config, r.suite,
                   r.question_id, q.name as question_name, q.prompt, q.expected,
                   q.reference_answer, q.scoring::varchar as scoring_criteria, r.response,
                   j.score is not null as is_judged, j.score, 3 as max_score, j.reason,
                   coalesce(f.flags, []) as flags, coalesce(f.flag_evidence, []) as flag_evidence,
                   coalesce(r.max_tokens, s.max_tokens) as declared_max_tokens,
                   coalesce(r.max_tokens, s.max_tokens) as token_cap, r.completion_tokens,
                   r.tokens_per_second as tps, r.is_speed_test, r.in_suite
            from raw.responses r
            left join raw.judgments j on j.response_id = r.response_id and j.scoring_run = ?
            left join raw.questions q on q.suite = r.suite and q.question_id = r.question_id
            left join raw.suites s on s.suite = r.suite
            left join flags f on f.response_id = r.response_id
            """,
            [run],
        )
    )


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
