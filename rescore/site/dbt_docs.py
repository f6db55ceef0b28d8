"""The dbt docs of the warehouse, generated beside the site build and copied into it.

`dbt docs generate` takes most of a site build's time (dbt start-up, compile, catalog
queries), so the hook starts it as a background process and copies the result into
`<site>/dbt-docs/` at the end. dbt opens its database read-write, so holds DuckDB's write
lock while it runs, and the site reads the warehouse meanwhile (the streamed pages): dbt is
pointed at a *schema mirror* instead (:func:`write_mirror`), a small DuckDB file of the same
name holding every table and view of the warehouse with its columns, types and comments and
no rows: all the catalog reads (dbt-duckdb's catalog is `duckdb_tables()`, `duckdb_views()`
and `duckdb_columns()`), so the docs are the same and nothing waits for anything. If dbt
fails, `dbt-docs/index.html` says why instead of leaving a dead link.
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import duckdb

from rescore.procs import die_with_parent

DOCS_FILES = ("index.html", "manifest.json", "catalog.json")


@dataclass
class DbtDocsJob:
    """A running `dbt docs generate` and where it writes."""

    process: subprocess.Popen[str]
    target: Path
    log: Path
    manifest: Path | None = None  # the build's compiled manifest, when the catalog alone runs
    on_mirror: bool = False  # dbt reads the schema mirror: the warehouse is free meanwhile


def _q(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def _s(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def write_mirror(con: duckdb.DuckDBPyConnection, path: Path) -> Path:
    """Write `path`: every table and view `con`'s database holds, same schemas, columns,
    types and comments, no rows (what dbt's catalog of it reads). `path` must have the
    warehouse's file name: DuckDB names a database after its file, and the catalog matches
    relations by database name."""
    db = con.execute("select current_database()").fetchone()[0]
    columns: dict[tuple[str, str], list[tuple[str, str, str | None]]] = {}
    for schema, table, column, dtype, comment in con.execute(
        "select schema_name, table_name, column_name, data_type, comment from duckdb_columns()"
        " where database_name = ? order by schema_name, table_name, column_index",
        [db],
    ).fetchall():
        columns.setdefault((schema, table), []).append((column, dtype, comment))
    relations = con.execute(
        "select schema_name, table_name, 'table', comment from duckdb_tables()"
        " where database_name = ? and not temporary"
        " union all select schema_name, view_name, 'view', comment from duckdb_views()"
        " where database_name = ? and not internal and not temporary order by 1, 2",
        [db, db],
    ).fetchall()
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    out = duckdb.connect(str(path))
    try:
        ddl = []
        for schema in sorted({r[0] for r in relations} - {"main"}):
            ddl.append(f"create schema {_q(schema)}")
        comments = []
        for schema, name, kind, comment in relations:
            rel = f"{_q(schema)}.{_q(name)}"
            cols = columns.get((schema, name), [])
            if kind == "table":
                ddl.append(
                    f"create table {rel} (" + ", ".join(f"{_q(c)} {t}" for c, t, _ in cols) + ")"
                )
            else:  # a view of the same columns and types (the catalog reads no more)
                ddl.append(
                    f"create view {rel} as select "
                    + ", ".join(f"cast(null as {t}) as {_q(c)}" for c, t, _ in cols)
                    + " limit 0"
                )
            if comment:
                comments.append(f"comment on {kind} {rel} is {_s(comment)}")
            comments += [f"comment on column {rel}.{_q(c)} is {_s(cc)}" for c, _, cc in cols if cc]
        out.execute("begin")
        for statement in ddl + comments:
            out.execute(statement)
        out.execute("commit")
    finally:
        out.close()
    return path


def start(
    project_dir: Path, target: Path, warehouse: Path, mirror: Path | None = None
) -> DbtDocsJob | None:
    """Start `dbt docs generate` for `warehouse`, on its schema `mirror` when given (so the
    warehouse stays free for readers); None when there is no dbt project."""
    if not (project_dir / "dbt_project.yml").exists():
        return None
    from rescore.dbt_runner import dbt_executable

    target.mkdir(parents=True, exist_ok=True)
    for name in DOCS_FILES:  # a kept target: what finish() copies must be this run's
        (target / name).unlink(missing_ok=True)
    kept = _kept_build(warehouse)
    cmd = dbt_executable() + ["docs", "generate"]
    if kept is not None:
        # the marts' own build compiled every node: only the catalog is new (see _kept_build)
        cmd.append("--no-compile")
        # the build's partial parse holds for its own profile (the warehouse path); on the
        # mirror, the target's own one from the last docs run (kept between site builds)
        own = mirror is not None and (target / "partial_parse.msgpack").exists()
        if (kept / "partial_parse.msgpack").exists() and not own:
            shutil.copyfile(kept / "partial_parse.msgpack", target / "partial_parse.msgpack")
    cmd += [
        "--project-dir",
        str(project_dir),
        "--target-path",
        str(target),
        "--log-path",
        str(target),
    ]
    if (project_dir / "profiles.yml").exists():
        cmd += ["--profiles-dir", str(project_dir)]
    # DO_NOT_TRACK turns the docs page's own usage tracking off (manifest metadata).
    # the mirror serves the catalog only: a compile (no build record) may query the data
    on_mirror = mirror is not None and kept is not None
    db = mirror if on_mirror and mirror is not None else warehouse
    env = dict(os.environ, RESCORE_WAREHOUSE=str(db), DO_NOT_TRACK="1")
    log = target / "docs-generate.out"
    with open(log, "w", encoding="utf-8") as out:
        # dbt holds the warehouse while it runs: it must not outlive a killed site build
        proc = subprocess.Popen(
            cmd,
            cwd=project_dir,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
            preexec_fn=die_with_parent(os.getpid()),
        )
    return DbtDocsJob(proc, target, log, kept / "manifest.json" if kept else None, on_mirror)


def _kept_build(warehouse: Path) -> Path | None:
    """The compiled manifest `rescore build` kept, when it is the current build record's.

    The record (`meta.dbt_builds`) names the project and raw content the marts were built
    from; the manifest kept under the same fingerprint is that build's, so its compiled SQL is
    what made the marts and `--no-compile` loses nothing. Otherwise (no record: a partial or
    failed build, `rescore dbt run`) dbt compiles as usual.
    """
    from rescore import build_state
    from rescore.dbt_runner import kept_manifest

    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error:
        return None
    try:
        built = build_state.last_recorded(con)
    finally:
        con.close()
    return kept_manifest(warehouse, built["fingerprint"]) if built else None


def finish(job: DbtDocsJob | None, site_dir: Path, timeout: float = 600) -> str | None:
    """Wait for dbt, copy its docs into `site_dir/dbt-docs`; return a problem or None."""
    dest = site_dir / "dbt-docs"
    dest.mkdir(parents=True, exist_ok=True)
    problem = None
    if job is None:
        problem = "there is no dbt project (dbt/dbt_project.yml) to document"
    else:
        try:
            code = job.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            job.process.kill()
            code = -1
        sources = {f: job.target / f for f in DOCS_FILES}
        if job.manifest is not None:  # --no-compile writes no manifest: the build's is used
            sources["manifest.json"] = job.manifest
        missing = [f for f, src in sources.items() if not src.exists()]
        if code != 0 or missing:
            tail = job.log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
            problem = f"dbt docs generate exited with {code}: " + " | ".join(tail[-4:])
        else:
            for name, src in sources.items():
                shutil.copyfile(src, dest / name)
    if problem:
        (dest / "index.html").write_text(
            "<!doctype html><meta charset=utf-8><title>dbt docs</title>"
            f"<p>The dbt docs could not be generated for this build: {html.escape(problem)}</p>"
            "<p>Run <code>rescore build</code> and build the site again.</p>",
            encoding="utf-8",
        )
    return problem
