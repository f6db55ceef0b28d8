"""`raw.judge_cache`: verdicts keyed by what the judge saw, so nothing is judged (or paid) twice.

The key (see `judge.blind.cache_key`) covers the blind item, rubric version, judge name and
settings; a hit is therefore the verdict the judge would give again. Lookups and stores are
bulk operations through Arrow tables: one query for thousands of keys.
"""

from __future__ import annotations

from datetime import datetime

import pyarrow as pa

from judge.base import Verdict

_COLUMNS = (
    "cache_key",
    "judge",
    "rubric_version",
    "score",
    "reason",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_creation_tokens",
    "cost_usd",
    "decided_by",
)


def lookup(con, keys: list[str]) -> dict[str, Verdict]:
    """Cached verdicts for the given keys (missing keys are simply absent)."""
    if not keys:
        return {}
    con = con.cursor()  # a private connection: the caller may hold an unfinished result
    con.register("_cache_keys", pa.table({"cache_key": pa.array(sorted(set(keys)), pa.string())}))
    try:
        rows = con.execute(
            "select c.cache_key, c.score, c.reason, c.input_tokens, c.output_tokens, "
            "c.cache_read_tokens, c.cache_creation_tokens, c.cost_usd, c.decided_by "
            "from raw.judge_cache c inner join _cache_keys k using (cache_key)"
        ).fetchall()
    finally:
        con.unregister("_cache_keys")
        con.close()
    return {
        r[0]: Verdict(
            score=r[1],
            reason=r[2] or "",
            input_tokens=r[3],
            output_tokens=r[4],
            cache_read_tokens=r[5],
            cache_creation_tokens=r[6],
            cost_usd=r[7],
            decided_by=r[8],
        )
        for r in rows
    }


def present(con, keys: list[str]) -> set[str]:
    """Which of `keys` the cache holds (no verdicts built)."""
    if not keys:
        return set()
    con = con.cursor()
    con.register("_present_keys", pa.table({"cache_key": pa.array(sorted(set(keys)), pa.string())}))
    try:
        rows = con.execute(
            "select k.cache_key from _present_keys k inner join raw.judge_cache c using (cache_key)"
        ).fetchall()
    finally:
        con.unregister("_present_keys")
        con.close()
    return {r[0] for r in rows}


def table(rows: list[tuple[str, str, str, Verdict]]) -> pa.Table:
    """(cache_key, judge, rubric_version, verdict) -> an Arrow table in raw.judge_cache order."""
    return pa.table(
        {
            "cache_key": pa.array([r[0] for r in rows], pa.string()),
            "judge": pa.array([r[1] for r in rows], pa.string()),
            "rubric_version": pa.array([r[2] for r in rows], pa.string()),
            "score": pa.array([r[3].score for r in rows], pa.int32()),
            "reason": pa.array([r[3].reason for r in rows], pa.string()),
            "input_tokens": pa.array([r[3].input_tokens for r in rows], pa.int32()),
            "output_tokens": pa.array([r[3].output_tokens for r in rows], pa.int32()),
            "cache_read_tokens": pa.array([r[3].cache_read_tokens for r in rows], pa.int32()),
            "cache_creation_tokens": pa.array(
                [r[3].cache_creation_tokens for r in rows], pa.int32()
            ),
            "cost_usd": pa.array([r[3].cost_usd for r in rows], pa.float64()),
            "decided_by": pa.array([r[3].decided_by for r in rows], pa.string()),
        }
    )


def store(con, rows: list[tuple[str, str, str, Verdict]], created_at: datetime) -> None:
    """Insert (or refresh) cache entries. Failures (score None) are never cached.

    Runs inside the caller's transaction when one is open, so a verdict and its cache entry
    are committed together.
    """
    rows = [r for r in rows if r[3].score is not None]
    if not rows:
        return
    con.register("_cache_rows", table(rows))
    try:
        cols = ", ".join(_COLUMNS)
        con.execute(
            f"insert or replace into raw.judge_cache ({cols}, created_at) "
            f"select {cols}, ? from _cache_rows",
            [created_at],
        )
    finally:
        con.unregister("_cache_rows")
