"""Fingerprints of what a build read, so `rescore build` and `rescore site` can skip a no-op.

A dbt build is a pure function of the raw tables, the dbt project (models, macros, seeds,
vars, profile) and the versions of dbt, dbt-duckdb and DuckDB. `rescore build` records the
fingerprint of those inputs *in the warehouse* (`meta.dbt_builds`) after a successful full
build, and before running dbt it removes the record: a failed, killed or partial (`--select`,
`rescore dbt ...`) build never leaves marts that claim to be up to date. The record lives with
the data it describes, so a copied or replaced warehouse file carries its own truth.

The raw fingerprint is a content hash, not a count: per source table, the row count and the
XOR of every row's hash (order-free; a changed value anywhere changes it). The two big text
columns of `raw.responses` (prompt, response) are left out: they change only together with
their run file, whose re-ingest rewrites the run's `raw.configs` row (new `file_sha256`,
`loaded_at`), and reading them is nearly all of the fingerprint's cost (9.6 of 9.9 s at
600,000 responses, paid by every `rescore build` and `rescore site`, a no-op included). A
text edited by hand in SQL is therefore not noticed: `rescore build --force` rebuilds.
`raw.scoring_runs.updated_at` is left out too (see IGNORED). The site's data fingerprint is
the build's (the marts are a function of it) plus the raw tables the site reads itself.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import duckdb

from rescore import paths

# the raw tables dbt reads (dbt/models/_sources.yml); raw.ingest_files is ingest's own ledger
SOURCE_TABLES = (
    "baselines",
    "configs",
    "ingest_errors",
    "judge_cache",
    "judge_failures",
    "judgments",
    "questions",
    "response_flags",
    "responses",
    "runs",
    "score_conflicts",
    "scoring_runs",
    "suites",
)
# (table, column) left out. The response texts: covered by their run file's sha256 in
# raw.configs (see the module docstring). updated_at: the judge re-stamps it on every run, also
# when it judged nothing (then nothing else changed); a run that writes judgments changes
# raw.judgments
IGNORED = {
    ("responses", "prompt"),
    ("responses", "response"),
    ("scoring_runs", "updated_at"),
}
# folders of the dbt project that are dbt's output, not its input
_DBT_OUTPUT = {"target", "logs", "dbt_packages", "__pycache__"}
STATE_DDL = """
create schema if not exists meta;
create table if not exists meta.dbt_builds (
    finished_at timestamp not null,
    fingerprint varchar not null,      -- sha256 of inputs (below)
    inputs json not null,              -- raw table hashes, project hash, args, versions
    unit_tests_for varchar             -- code_key the unit tests last passed on (or null)
);
"""


def _versions(*dists: str) -> dict[str, str]:
    out = {}
    for dist in dists:
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "absent"
    return out


def raw_fingerprint(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Per source table `rows/xor-of-row-hashes`: equal fingerprints, same raw content."""
    cols: dict[str, list[tuple[str, str]]] = {}
    for table, column, dtype in con.execute(
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_schema = 'raw' order by table_name, ordinal_position"
    ).fetchall():
        cols.setdefault(table, []).append((column, dtype))
    out = {}
    for table in SOURCE_TABLES:
        if table not in cols:
            out[table] = "absent"
            continue
        parts = [f'"{c}"' for c, _ in cols[table] if (table, c) not in IGNORED]
        row = con.execute(
            f"select count(*), coalesce(bit_xor(hash({', '.join(parts)})), 0) "  # noqa: S608
            f"from raw.{table}"
        ).fetchone()
        out[table] = f"{row[0]}/{row[1]}"
    return out


def tree_hash(root: Path, *, skip_dirs: set[str] = frozenset(), suffixes=None) -> str:
    """sha256 over every file's relative path and bytes under `root` (sorted)."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part in skip_dirs or part.startswith(".") for part in rel.parts[:-1]):
            continue
        if not path.is_file() or path.name.startswith(".") or path.suffix == ".pyc":
            continue
        if suffixes and path.suffix not in suffixes:
            continue
        digest.update(str(rel).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def raw_schema(con: duckdb.DuckDBPyConnection) -> str:
    """sha256 of the raw tables' columns and types (not their rows).

    dbt unit tests read fixtures, but dbt fills the columns a fixture leaves out from the
    upstream relations' columns in the warehouse, which follow the raw DDL: a unit test pass is
    only reusable on a warehouse with the same raw columns.
    """
    rows = con.execute(
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_schema = 'raw' order by table_name, ordinal_position"
    ).fetchall()
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()


def build_inputs(con: duckdb.DuckDBPyConnection, dbt_dir: Path, args: list[str]) -> dict:
    """Everything a full `dbt build` of this warehouse depends on."""
    return {
        "raw": raw_fingerprint(con),
        "raw_schema": raw_schema(con),
        "project": tree_hash(dbt_dir, skip_dirs=_DBT_OUTPUT),
        "args": args,
        "versions": _versions("dbt-core", "dbt-duckdb", "duckdb", "rescore"),
    }


def digest(inputs: dict) -> str:
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def code_key(inputs: dict) -> str:
    """The part of the inputs dbt's unit tests depend on: everything but the data (the dbt
    project's files, args, dbt-core/dbt-duckdb/duckdb/rescore versions, the raw columns)."""
    return digest({k: v for k, v in inputs.items() if k != "raw"})


# --- unit-test passes shared across warehouses ---------------------------------------------
# dbt's unit tests run the models on fixtures, never on the warehouse's rows, so a pass is a
# fact about the code (code_key), not the data: recorded once per user, it holds for a fresh
# warehouse too. The file is per user (`paths.cache_dir()`, ~/.cache/rescore for an installed
# tool); RESCORE_UNIT_TEST_CACHE names another file, or `off` to never reuse a pass.
UNIT_CACHE_ENV = "RESCORE_UNIT_TEST_CACHE"
_UNIT_CACHE_KEEP = 20  # code versions remembered (a branch switch back still hits)


def unit_cache_path() -> Path | None:
    """The per-user file of unit-test passes, or None when reuse is switched off."""
    value = os.environ.get(UNIT_CACHE_ENV)
    if value is not None and value.strip().lower() in {"", "off", "0", "no"}:
        return None
    return Path(value) if value else paths.cache_dir() / "dbt-unit-tests.json"


def _read_unit_cache(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def unit_pass(key: str) -> dict | None:
    """The recorded pass of the unit tests on code `key`: {passed_at, count, warehouse}."""
    path = unit_cache_path()
    if path is None:
        return None
    entry = _read_unit_cache(path).get(key)
    return entry if isinstance(entry, dict) and "passed_at" in entry else None


def record_unit_pass(key: str, *, count: int, warehouse: Path) -> None:
    """Remember that all `count` unit tests passed on code `key` (atomic; newest kept)."""
    path = unit_cache_path()
    if path is None or count <= 0:
        return
    data = _read_unit_cache(path)
    data.pop(key, None)
    data[key] = {
        "passed_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "count": count,
        "warehouse": str(warehouse),
    }
    keep = dict(list(data.items())[-_UNIT_CACHE_KEEP:])
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(keep, indent=1), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # a cache that cannot be written only means the next build runs them again


def last_recorded(con: duckdb.DuckDBPyConnection) -> dict | None:
    """The newest `meta.dbt_builds` row as a dict, or None (never built, or since invalidated)."""
    try:
        row = con.execute(
            "select finished_at, fingerprint, inputs, unit_tests_for from meta.dbt_builds "
            "order by finished_at desc limit 1"
        ).fetchone()
    except duckdb.CatalogException:
        return None
    if row is None:
        return None
    return {
        "finished_at": row[0],
        "fingerprint": row[1],
        "inputs": json.loads(row[2]),
        "unit_tests_for": row[3],
    }


def forget(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the record: the marts are about to change (a build starts)."""
    con.execute(STATE_DDL)
    con.execute("delete from meta.dbt_builds")


def record(con: duckdb.DuckDBPyConnection, inputs: dict, *, unit_tests_for: str | None) -> None:
    """Remember a successful full build of `inputs` (the only row kept) and the code its unit
    tests last passed on."""
    now = datetime.now(UTC).replace(tzinfo=None)
    con.execute(STATE_DDL)
    con.execute("delete from meta.dbt_builds")
    con.execute(
        "insert into meta.dbt_builds values (?, ?, ?, ?)",
        [now, digest(inputs), json.dumps(inputs), unit_tests_for],
    )
