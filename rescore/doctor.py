"""`rescore doctor`: check a warehouse (and published site folders), say what is wrong and how
to fix it.

Each check is a small function returning problems; a problem names what is wrong and the
command that fixes it. Read-only: the doctor never repairs anything itself (the fixes are
ordinary, idempotent rescore commands). Exit 0 when every check passes, 1 otherwise.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from rescore import paths
from rescore.warehouse import RAW_DDL, connect


@dataclass(frozen=True)
class Problem:
    """One thing wrong, and the fix."""

    check: str
    what: str
    fix: str

    def render(self) -> str:
        return f"  PROBLEM [{self.check}] {self.what}\n      fix: {self.fix}"


def _columns(con: duckdb.DuckDBPyConnection, schema: str) -> dict[str, list[str]]:
    rows = con.execute(
        "select table_name, column_name from information_schema.columns "
        "where table_schema = ? order by table_name, ordinal_position",
        [schema],
    ).fetchall()
    tables: dict[str, list[str]] = {}
    for table, column in rows:
        tables.setdefault(table, []).append(column)
    return tables


def expected_raw_columns() -> dict[str, list[str]]:
    """The raw contract, read from the DDL itself (an in-memory database), not retyped."""
    mem = duckdb.connect(":memory:")
    try:
        mem.execute(RAW_DDL)
        return _columns(mem, "raw")
    finally:
        mem.close()


def expected_marts() -> list[str]:
    """The marts the installed dbt project defines (one .sql file per mart)."""
    return sorted(p.stem for p in (paths.dbt_dir() / "models" / "marts").glob("*.sql"))


def check_schemas(con: duckdb.DuckDBPyConnection) -> list[Problem]:
    problems = []
    have = _columns(con, "raw")
    for table, columns in expected_raw_columns().items():
        if table not in have:
            problems.append(
                Problem(
                    "schema",
                    f"raw.{table} is missing",
                    "run any rescore command that writes (e.g. `rescore ingest`): it creates "
                    "the raw tables",
                )
            )
            continue
        missing = [c for c in columns if c not in have[table]]
        if missing:
            problems.append(
                Problem(
                    "schema",
                    f"raw.{table} lacks column(s) {', '.join(missing)} (an older rescore made it)",
                    "re-ingest into a new warehouse: `rescore --warehouse NEW.duckdb report ...`",
                )
            )
    marts = _columns(con, "marts")
    absent = [m for m in expected_marts() if m not in marts]
    if absent:
        problems.append(
            Problem(
                "schema",
                f"marts not built: {', '.join(absent)}",
                "run `rescore build`",
            )
        )
    return problems


def check_accounting(con: duckdb.DuckDBPyConnection) -> list[Problem]:
    """Every run file accounted for: its responses loaded or its records quarantined."""
    problems = []
    empty = con.execute(
        """
        select c.source_file
        from raw.configs as c
        where not exists (select 1 from raw.responses as r where r.source_file = c.source_file)
          and not exists (select 1 from raw.ingest_errors as e where e.source_file = c.source_file)
        order by 1
        """
    ).fetchall()
    for (source,) in empty[:20]:
        problems.append(
            Problem(
                "accounting",
                f"{source}: a config with no response loaded and no quarantined record",
                "re-run `rescore ingest` on its run folder; if it persists, report the file",
            )
        )
    stray = con.execute(
        """
        select r.source_file, count(*)
        from raw.responses as r
        where not exists (
            select 1 from raw.configs as c where c.run_id = r.run_id and c.config = r.config
        )
        group by 1 order by 1
        """
    ).fetchall()
    for source, n in stray[:20]:
        problems.append(
            Problem(
                "accounting",
                f"{source}: {n} response(s) whose config is not in raw.configs",
                "re-run `rescore ingest` on its run folder (it replaces the file's rows)",
            )
        )
    return problems


def accounting_summary(con: duckdb.DuckDBPyConnection) -> str:
    files, loaded = con.execute(
        "select count(distinct source_file), count(*) from raw.responses"
    ).fetchone()
    bad_files, quarantined = con.execute(
        "select count(distinct source_file), count(*) from raw.ingest_errors"
    ).fetchone()
    return (
        f"{loaded} responses loaded from {files} files; {quarantined} records quarantined or "
        f"skipped in {bad_files} files (raw.ingest_errors)"
    )


def check_orphans(con: duckdb.DuckDBPyConnection) -> list[Problem]:
    rows = con.execute(
        """
        select j.scoring_run, count(*)
        from raw.judgments as j
        where not exists (select 1 from raw.responses as r where r.response_id = j.response_id)
        group by 1 order by 1
        """
    ).fetchall()
    flags = con.execute(
        "select count(*) from raw.response_flags as f where not exists "
        "(select 1 from raw.responses as r where r.response_id = f.response_id)"
    ).fetchone()[0]
    problems = [
        Problem(
            "orphans",
            f"scoring run {run!r}: {n} judgment(s) of responses no longer in raw.responses",
            "re-ingest the run folders they came from, or re-import/re-judge that scoring run",
        )
        for run, n in rows
    ]
    if flags:
        problems.append(
            Problem(
                "orphans",
                f"{flags} response flag(s) of responses no longer in raw.responses",
                "run `rescore judge` again (it re-runs the detectors)",
            )
        )
    return problems


def check_stale_marts(con: duckdb.DuckDBPyConnection, warehouse: Path) -> list[Problem]:
    """Marts older than raw: a scoring run missing from them, or raw changed since the build."""
    if "leaderboard" not in _columns(con, "marts"):
        return []  # reported by check_schemas
    problems = []
    missing = con.execute(
        """
        select s.scoring_run
        from raw.scoring_runs as s
        where exists (select 1 from raw.judgments as j where j.scoring_run = s.scoring_run)
          and not exists (select 1 from marts.leaderboard as l where l.scoring_run = s.scoring_run)
        order by 1
        """
    ).fetchall()
    if missing:
        problems.append(
            Problem(
                "stale",
                "scoring run(s) judged but not in the marts: " + ", ".join(r[0] for r in missing),
                "run `rescore build`",
            )
        )
    from rescore.dbt_runner import last_build, raw_fingerprint

    built = last_build(warehouse)
    if built and built.get("raw") != raw_fingerprint(con):
        problems.append(
            Problem(
                "stale",
                f"raw tables changed since the last `rescore build` ({built.get('finished_at')})",
                "run `rescore build`",
            )
        )
    return problems


def _publish_lock_held(out: Path) -> bool:
    fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def check_publish_dir(out: Path) -> list[Problem]:
    from rescore.publish import leftovers, read_versions, stale_git_locks

    if not (out / ".git").is_dir():
        return [
            Problem(
                "publish",
                f"{out} is not a folder published by `rescore site --out`",
                "publish into it with `rescore site --out DIR --version NAME`",
            )
        ]
    if _publish_lock_held(out):
        return []  # a publish is running: its locks and staging folders are not leftovers
    problems = []
    locks = stale_git_locks(out)
    rest = leftovers(out)
    if locks or rest:
        names = ", ".join(str(p.relative_to(out)) for p in [*locks, *rest])
        problems.append(
            Problem(
                "publish",
                f"{out}: leftovers of an interrupted publish: {names}",
                "publish any version again (`rescore site --out DIR ...`): it removes them and "
                "finishes the interrupted update",
            )
        )
    try:
        versions = read_versions(out)
    except (OSError, json.JSONDecodeError) as exc:
        return [
            *problems,
            Problem("publish", f"{out}/versions.json unreadable: {exc}", "re-publish"),
        ]
    for v in versions:
        for name in [v.get("version", "?"), *v.get("aliases", [])]:
            if not (out / name / "index.html").exists():
                problems.append(
                    Problem(
                        "publish",
                        f"{out}: version {name!r} is listed in versions.json but "
                        f"{name}/index.html is missing",
                        "publish any version again: the folder is restored from the site "
                        "repository",
                    )
                )
    return problems


def run_doctor(warehouse: Path, publish_dirs: list[Path] | None = None) -> int:
    """Run every check, print problems with fixes; 0 when all is well, 1 otherwise."""
    con = connect(warehouse, read_only=True)
    try:
        problems = check_schemas(con)
        if not any(p.what.startswith("raw.") for p in problems):
            checks: list[Callable[[], list[Problem]]] = [
                lambda: check_accounting(con),
                lambda: check_orphans(con),
                lambda: check_stale_marts(con, Path(warehouse)),
            ]
            for check in checks:
                problems += check()
            summary = accounting_summary(con)
        else:
            summary = "raw schema incomplete"
    finally:
        con.close()
    for out in publish_dirs or []:
        problems += check_publish_dir(Path(out).resolve())
    print(f"rescore doctor: {warehouse}: {summary}")
    if not problems:
        dirs = f" and {len(publish_dirs)} publish folder(s)" if publish_dirs else ""
        print(f"rescore doctor: no problems found in the warehouse{dirs}")
        return 0
    for p in problems:
        print(p.render())
    print(f"rescore doctor: {len(problems)} problem(s)")
    return 1
