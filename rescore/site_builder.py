"""`rescore site`: build the report site, plain (mkdocs) or as one version of a mike site.

Plain: `mkdocs build` of the project's `mkdocs.yml` into `build/site` (or `site_dir`).

Versioned (`out=DIR`): mike writes versions to a git branch, so DIR gets a git repository of its
own (`DIR/.git`, never the project's). mike deploys the version onto its `gh-pages` branch, the
`latest` alias is moved to the newest scoring run among the versions, and the branch is checked
out into DIR. DIR then holds `versions.json`, one folder per version and `latest`; publishing a
version replaces only that version's folder. mike runs mkdocs as a program, so both run with
the virtual environment's `bin` first on PATH (STYLE.md).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import duckdb

from rescore import paths, site_state
from rescore.mkdocs_tools import mkdocs_child_config, run_tool, tool
from rescore.publish import publish, read_versions, scoring_run_meta
from rescore.site.data import WarehouseMissing, choose_scoring_run
from rescore.site.settings import SETTINGS_ENV, SiteSettings
from rescore.site_state import output_index

PROJECT_ROOT = paths.project_root()


def _env(settings_file: Path) -> dict[str, str]:
    """The tools' environment: the venv first on PATH and the ONE variable naming the build's
    settings file (the hook reads everything else from there)."""
    env = os.environ.copy()
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    env[SETTINGS_ENV] = str(settings_file)
    env["NO_MKDOCS_2_WARNING"] = "1"
    env["DO_NOT_TRACK"] = "1"
    for key, value in (
        ("GIT_AUTHOR_NAME", "rescore"),
        ("GIT_AUTHOR_EMAIL", "rescore@localhost"),
        ("GIT_COMMITTER_NAME", "rescore"),
        ("GIT_COMMITTER_EMAIL", "rescore@localhost"),
    ):
        env.setdefault(key, value)
    return env


def resolve_scoring_run(warehouse: Path, scoring_run: str | None) -> tuple[str, str | None]:
    """The scoring run to publish and its creation time (ISO), checked against the marts."""
    if not warehouse.exists():
        raise WarehouseMissing(
            f"no warehouse at {warehouse}: run `rescore report examples/prompts "
            "examples/runs/20260101_120000` first (or pass --warehouse)."
        )
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        try:
            run = choose_scoring_run(con, scoring_run)
        except duckdb.CatalogException as exc:
            raise WarehouseMissing(
                f"{warehouse} has no marts yet ({str(exc).splitlines()[0]}); "
                "run `rescore build` first."
            ) from exc
        created = con.execute(
            "select max(created_at) from raw.scoring_runs where scoring_run = ?", [run]
        ).fetchall()
    finally:
        con.close()
    stamp = created[0][0] if created else None
    return run, stamp.isoformat() if stamp else None


def build_site(
    warehouse: Path,
    out: Path | None = None,
    version: str | None = None,
    scoring_run: str | None = None,
    site_dir: Path | None = None,
    site_url: str | None = None,
    force: bool = False,
) -> int:
    """Build the site; return a CLI exit code (0 ok, 1 nothing to show, 2 bad output folder).

    Skipped when this output was built from the same marts, code and options and is still
    there (`rescore.site_state`); `force` builds anyway.
    """
    started = time.perf_counter()
    warehouse = Path(warehouse)
    try:
        run, created_at = resolve_scoring_run(warehouse, scoring_run)
    except WarehouseMissing as exc:
        print(f"rescore site: {exc}", file=sys.stderr)
        return 1
    version = version or run
    target = Path(out).resolve() if out else Path(site_dir or Path("build") / "site").resolve()
    stamp_version = version if out else None
    options = {"version": version, "run": run, "created_at": created_at, "site_url": site_url}
    key = site_state.site_key(warehouse, {**options, "target": str(target), "mike": bool(out)})
    since = None if force else site_state.is_current(warehouse, target, stamp_version, key)
    if since:
        where = output_index(target, stamp_version).parent
        print(
            f"Site for scoring run {run} up to date (nothing changed since {since} UTC): "
            f"{where}; --force rebuilds"
        )
        return 0
    site_state.forget(warehouse, target, stamp_version)
    # A fresh scratch folder per build: several builds (tests, CLI) may run at once.
    scratch = paths.scratch_dir()  # never inside an installed package
    scratch.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="build-", dir=scratch))
    try:
        code = _build(warehouse, out, version, run, created_at, site_dir, site_url, work, started)
        if code == 0:
            site_state.remember(warehouse, target, stamp_version, key)
        return code
    except RuntimeError as exc:  # a failed mkdocs, mike or git step: show its output
        print(f"rescore site: {exc}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _streamed(work: Path) -> str:
    """`; 740 config, question and Acceleration pages: 12 rendered, 728 unchanged (page
    cache; 650 configs and questions not generated: their keys were cached)`: the pages the
    renderer wrote from their skeletons (`rescore.site.render`)."""
    import json

    try:
        stats = json.loads((work / "streamed.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    total = stats["rendered"] + stats["reused"]
    return (
        f"; {total} config, question and Acceleration pages: {stats['rendered']} rendered, "
        f"{stats['reused']} unchanged (page cache"
        + (
            f"; {stats['not_generated']} configs and questions not generated"
            if stats.get("not_generated")
            else ""
        )
        + ")"
    )


def _clear_in_background(target: Path) -> threading.Thread | None:
    """Move the previous site aside and delete it in a thread while mkdocs builds a new one.

    `mkdocs build --clean` deletes it first, file by file: at 1M responses that is 25,000
    pages (5 s of a 10x site build here, on an overlay file system). A rename is one call;
    the deletion then runs beside the build, which waits for it before returning, so
    nothing is left behind. Folders left by a build that was killed are deleted too. Where
    the rename is not possible (a mount point, no permission), mkdocs' `--clean` does it."""
    old = [p for p in target.parent.glob(f".{target.name}.old-*") if p.is_dir()]
    if target.is_dir() and not target.is_symlink():
        aside = target.with_name(f".{target.name}.old-{os.getpid()}-{time.time_ns()}")
        try:
            target.rename(aside)
            old.append(aside)
        except OSError:
            pass
    if not old:
        return None
    thread = threading.Thread(
        target=lambda: [shutil.rmtree(p, ignore_errors=True) for p in old],
        name="rescore-clear-site",
        daemon=True,
    )
    thread.start()
    return thread


def _build(
    warehouse: Path,
    out: Path | None,
    version: str,
    run: str,
    created_at: str | None,
    site_dir: Path | None,
    site_url: str | None,
    work: Path,
    started: float,
) -> int:
    settings = SiteSettings(
        warehouse=warehouse.resolve(),
        work_dir=work,
        cache_dir=paths.cache_dir(),
        scoring_run=run,  # resolved once, here
        version=version if out else None,
        dbt_docs_generate=True,  # the hook runs dbt docs beside the page rendering
        page_cache_dir=site_state.page_cache_dir(warehouse),  # unchanged pages: not rendered
        svg_cache_dir=site_state.svg_cache_dir(warehouse),  # unchanged charts: not drawn
        dbt_docs_state=site_state.dbt_docs_state_dir(warehouse),  # `rescore site` holds the lock
    )
    env = _env(settings.write(work / "settings.json"))
    if out is None:
        target = Path(site_dir or Path("build") / "site").resolve()  # under the current folder
        config = mkdocs_child_config(work, target, site_url=site_url)
        clearing = _clear_in_background(target)
        try:
            run_tool(
                tool("mkdocs") + ["build", "--clean", "--config-file", str(config)],
                env,
                PROJECT_ROOT,
                "mkdocs build",
            )
        finally:
            if clearing is not None:
                clearing.join()
        print(
            f"Site for scoring run {run} built in {time.perf_counter() - started:.1f}s: "
            f"{target}{_streamed(work)}\nServe it: python -m http.server -d {target} 8000"
            "   (or `mkdocs serve` with RESCORE_WAREHOUSE set)"
        )
        return 0
    try:
        judge, scored_at = scoring_run_meta(warehouse, run)
        publish(
            Path(out),
            version,
            run,
            scored_at or created_at,
            env,
            work,
            site_url=site_url,
            judge=judge,
        )
    except ValueError as exc:
        print(f"rescore site: {exc}", file=sys.stderr)
        return 2
    out = Path(out).resolve()
    print(
        f"Version {version} (scoring run {run}) published in "
        f"{time.perf_counter() - started:.1f}s into {out}; versions: "
        f"{', '.join(v['version'] for v in read_versions(out))}\n"
        f"Serve it: python -m http.server -d {out} 8000   then open http://127.0.0.1:8000/"
    )
    return 0
