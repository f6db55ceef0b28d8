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


def start(project_dir: Path, target: Path, warehouse: Path) -> DbtDocsJob | None:
    """Start `dbt docs generate` for `warehouse`; None when there is no dbt project."""
    if not (project_dir / "dbt_project.yml").exists():
        return None
    from rescore.dbt_runner import dbt_executable

    target.mkdir(parents=True, exist_ok=True)
    cmd = dbt_executable() + [
        "docs",
        "generate",
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
    return DbtDocsJob(proc, target, log)


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
        missing = [f for f in DOCS_FILES if not (job.target / f).exists()]
        if code != 0 or missing:
            tail = job.log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
            problem = f"dbt docs generate exited with {code}: " + " | ".join(tail[-4:])
        else:
            for name in DOCS_FILES:
                shutil.copyfile(job.target / name, dest / name)
    if problem:
        (dest / "index.html").write_text(
            "<!doctype html><meta charset=utf-8><title>dbt docs</title>"
            f"<p>The dbt docs could not be generated for this build: {html.escape(problem)}</p>"
            "<p>Run <code>rescore build</code> and build the site again.</p>",
            encoding="utf-8",
        )
    return problem
