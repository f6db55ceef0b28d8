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

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from rescore.report.data import WarehouseMissing, choose_scoring_run

PROJECT_ROOT = Path(__file__).resolve().parents[1]
BRANCH = "gh-pages"
ALIAS = "latest"


def _env(warehouse: Path, scoring_run: str, version: str | None, work: Path) -> dict[str, str]:
    env = os.environ.copy()
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    env["RESCORE_WAREHOUSE"] = str(warehouse.resolve())
    env["RESCORE_SCORING_RUN"] = scoring_run
    env["RESCORE_PROJECT_ROOT"] = str(PROJECT_ROOT)
    env["RESCORE_SITE_WORK"] = str(work)
    env["NO_MKDOCS_2_WARNING"] = "1"
    env["DO_NOT_TRACK"] = "1"
    if version:
        env["RESCORE_SITE_VERSION"] = version
    for key, value in (
        ("GIT_AUTHOR_NAME", "rescore"),
        ("GIT_AUTHOR_EMAIL", "rescore@localhost"),
        ("GIT_COMMITTER_NAME", "rescore"),
        ("GIT_COMMITTER_EMAIL", "rescore@localhost"),
    ):
        env.setdefault(key, value)
    return env


def _tool(name: str) -> list[str]:
    exe = Path(sys.executable).parent / name
    return [str(exe)] if exe.exists() else [sys.executable, "-m", name]


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


def _run(cmd: list[str], env: dict[str, str], cwd: Path, what: str) -> None:
    t = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    if os.environ.get("RESCORE_SITE_TIMINGS"):
        print(f"  {what}: {time.perf_counter() - t:.1f}s", file=sys.stderr)
    if proc.returncode != 0:
        raise RuntimeError(f"{what} failed ({' '.join(cmd)}):\n{proc.stdout}\n{proc.stderr}")


def _mkdocs_child_config(work: Path, site_dir: Path) -> Path:
    """A config that inherits mkdocs.yml but builds elsewhere (mike writes a temp file beside
    the config it is given; this keeps that out of the project root)."""
    work.mkdir(parents=True, exist_ok=True)
    child = work / "mkdocs.yml"
    child.write_text(
        "\n".join(
            [
                f"INHERIT: {json.dumps(str(PROJECT_ROOT / 'mkdocs.yml'))}",
                f"docs_dir: {json.dumps(str(PROJECT_ROOT / 'site' / 'docs'))}",
                f"site_dir: {json.dumps(str(site_dir))}",
                "hooks:",
                f"  - {json.dumps(str(PROJECT_ROOT / 'site' / 'hooks' / 'report.py'))}",
                "",
            ]
        ),
        encoding="utf-8",
    )
    return child


def build_site(
    warehouse: Path,
    out: Path | None = None,
    version: str | None = None,
    scoring_run: str | None = None,
    site_dir: Path | None = None,
) -> int:
    """Build the site; return a CLI exit code (0 ok, 1 nothing to show, 2 bad output folder)."""
    started = time.perf_counter()
    warehouse = Path(warehouse)
    try:
        run, created_at = resolve_scoring_run(warehouse, scoring_run)
    except WarehouseMissing as exc:
        print(f"rescore site: {exc}", file=sys.stderr)
        return 1
    version = version or run
    # A fresh scratch folder per build: several builds (tests, CLI) may run at once.
    scratch = PROJECT_ROOT / "build" / "site-work"
    scratch.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="build-", dir=scratch))
    try:
        return _build(warehouse, out, version, run, created_at, site_dir, work, started)
    except RuntimeError as exc:  # a failed mkdocs, mike or git step: show its output
        print(f"rescore site: {exc}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _build(
    warehouse: Path,
    out: Path | None,
    version: str,
    run: str,
    created_at: str | None,
    site_dir: Path | None,
    work: Path,
    started: float,
) -> int:
    env = _env(warehouse, run, version if out else None, work)
    env["RESCORE_DBT_DOCS_GENERATE"] = "1"  # the hook runs dbt docs beside the page rendering
    if out is None:
        target = Path(site_dir or PROJECT_ROOT / "build" / "site").resolve()
        config = _mkdocs_child_config(work, target)
        _run(
            _tool("mkdocs") + ["build", "--clean", "--config-file", str(config)],
            env,
            PROJECT_ROOT,
            "mkdocs build",
        )
        print(
            f"Site for scoring run {run} built in {time.perf_counter() - started:.1f}s: "
            f"{target}\nServe it: python -m http.server -d {target} 8000   (or `mkdocs serve`"
            " with RESCORE_WAREHOUSE set)"
        )
        return 0
    try:
        publish(Path(out), version, run, created_at, env, work)
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


def read_versions(out: Path) -> list[dict]:
    path = out / "versions.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else []


def _git(out: Path, env: dict[str, str], *args: str) -> str:
    proc = subprocess.run(["git", "-C", str(out), *args], env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed in {out}: {proc.stderr.strip()}")
    return proc.stdout


def _branch_versions(out: Path, env: dict[str, str]) -> list[dict]:
    """versions.json as committed on the pages branch ([] before the first deploy)."""
    proc = subprocess.run(
        ["git", "-C", str(out), "show", f"{BRANCH}:versions.json"],
        env=env,
        capture_output=True,
        text=True,
    )
    return json.loads(proc.stdout) if proc.returncode == 0 else []


def _scored_at(entry: dict) -> str:
    return (entry.get("properties") or {}).get("scored_at") or ""


def _prepare_repo(out: Path, env: dict[str, str]) -> None:
    """DIR/.git, with a root commit on `main` so mike has a HEAD to name in its messages."""
    if (out / ".git").exists():
        return
    if out.exists() and any(out.iterdir()):
        raise ValueError(
            f"{out} exists, is not empty and is not a rescore site folder (no .git); "
            "choose a new or empty folder"
        )
    out.mkdir(parents=True, exist_ok=True)
    _git(out, env, "init", "-q", "-b", "main")
    _git(out, env, "commit", "-q", "--allow-empty", "-m", "rescore site repository")


def publish(
    out: Path,
    version: str,
    scoring_run: str,
    created_at: str | None,
    env: dict[str, str],
    work: Path,
) -> None:
    """Deploy one version with mike into DIR's own repository and check the branch out."""
    out = out.resolve()
    _prepare_repo(out, env)
    git_env = dict(env, GIT_DIR=str(out / ".git"), GIT_WORK_TREE=str(out))
    build_dir = work / "mike-build"
    config = _mkdocs_child_config(work / "mike", build_dir)
    mike = _tool("mike")
    # `mike alias` re-reads every file of the version from git (slow for ~700 pages), so the
    # alias goes with the deploy whenever this version is the newest, which is the usual case.
    before = _branch_versions(out, env)
    others = [v for v in before if v.get("version") != version]
    gets_latest = all(_scored_at(v) <= (created_at or "") for v in others)
    cmd = mike + [
        "deploy",
        "--config-file",
        str(config),
        "--branch",
        BRANCH,
        "--prop-set-string",
        f"scoring_run={scoring_run}",
    ]
    if created_at:
        cmd += ["--prop-set-string", f"scored_at={created_at}"]
    if gets_latest:
        cmd += ["--update-aliases", version, ALIAS]
    else:
        cmd += [version]
    _run(cmd, git_env, PROJECT_ROOT, "mike deploy")
    versions = _branch_versions(out, env)
    # newest scoring run; on a tie the version already holding the alias keeps it
    newest = max(versions, key=lambda v: (_scored_at(v), ALIAS in v.get("aliases", [])))
    if ALIAS not in newest.get("aliases", []):
        _run(
            mike
            + [
                "alias",
                "--config-file",
                str(config),
                "--branch",
                BRANCH,
                "--update-aliases",
                newest["version"],
                ALIAS,
            ],
            git_env,
            PROJECT_ROOT,
            "mike alias",
        )
    has_default = (
        subprocess.run(
            ["git", "-C", str(out), "cat-file", "-e", f"{BRANCH}:index.html"],
            env=env,
            capture_output=True,
        ).returncode
        == 0
    )
    if not has_default:
        _run(
            mike + ["set-default", "--config-file", str(config), "--branch", BRANCH, ALIAS],
            git_env,
            PROJECT_ROOT,
            "mike set-default",
        )
    _git(out, env, "checkout", "-q", "-f", BRANCH)
    _git(out, env, "reset", "-q", "--hard", BRANCH)
    _git(out, env, "clean", "-q", "-f", "-d")
    shutil.rmtree(build_dir, ignore_errors=True)
