"""The dbt docs of the warehouse, generated beside the site build and copied into it.

`dbt docs generate` takes most of a site build's time (dbt start-up, compile, catalog
queries), so the hook starts it as a background process once it has finished reading the
warehouse (DuckDB allows one writer process; the hook's read-only connections are closed by
then) and copies the result into `<site>/dbt-docs/` when mkdocs has rendered the pages. If dbt
fails, `dbt-docs/index.html` says why instead of leaving a dead link.
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from rescore.procs import die_with_parent

DOCS_FILES = ("index.html", "manifest.json", "catalog.json")


@dataclass
class DbtDocsJob:
    """A running `dbt docs generate` and where it writes."""

    process: subprocess.Popen[str]
    target: Path
    log: Path
    manifest: Path | None = None  # the build's compiled manifest, when the catalog alone runs


def start(project_dir: Path, target: Path, warehouse: Path) -> DbtDocsJob | None:
    """Start `dbt docs generate` for `warehouse`; None when there is no dbt project."""
    if not (project_dir / "dbt_project.yml").exists():
        return None
    from rescore.dbt_runner import dbt_executable

    target.mkdir(parents=True, exist_ok=True)
    kept = _kept_build(warehouse)
    cmd = dbt_executable() + ["docs", "generate"]
    if kept is not None:
        # the marts' own build compiled every node: only the catalog is new (see _kept_build)
        cmd.append("--no-compile")
        if (kept / "partial_parse.msgpack").exists():
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
    env = dict(os.environ, RESCORE_WAREHOUSE=str(warehouse), DO_NOT_TRACK="1")
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
    return DbtDocsJob(proc, target, log, kept / "manifest.json" if kept else None)


def _kept_build(warehouse: Path) -> Path | None:
    """The compiled manifest `rescore build` kept, when it is the current build record's.

    The record (`meta.dbt_builds`) names the project and raw content the marts were built
    from; the manifest kept under the same fingerprint is that build's, so its compiled SQL is
    what made the marts and `--no-compile` loses nothing. Otherwise (no record: a partial or
    failed build, `rescore dbt run`) dbt compiles as usual.
    """
    import duckdb

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
