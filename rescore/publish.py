"""Publishing one version of the site with mike into a folder of its own.

mike writes versions to a git branch, so DIR gets a git repository of its own (`DIR/.git`,
never the project's). mike deploys the version onto its `gh-pages` branch, the `latest` alias
is moved to the newest scoring run among the versions, and the branch is checked out into DIR.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from rescore import paths
from rescore.mkdocs_tools import mkdocs_child_config, run_tool, tool

BRANCH = "gh-pages"
ALIAS = "latest"


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
    config = mkdocs_child_config(work / "mike", build_dir)
    mike = tool("mike")
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
    run_tool(cmd, git_env, paths.project_root(), "mike deploy")
    versions = _branch_versions(out, env)
    # newest scoring run; on a tie the version already holding the alias keeps it
    newest = max(versions, key=lambda v: (_scored_at(v), ALIAS in v.get("aliases", [])))
    if ALIAS not in newest.get("aliases", []):
        run_tool(
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
            paths.project_root(),
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
        run_tool(
            mike + ["set-default", "--config-file", str(config), "--branch", BRANCH, ALIAS],
            git_env,
            paths.project_root(),
            "mike set-default",
        )
    _git(out, env, "checkout", "-q", "-f", BRANCH)
    _git(out, env, "reset", "-q", "--hard", BRANCH)
    _git(out, env, "clean", "-q", "-f", "-d")
    shutil.rmtree(build_dir, ignore_errors=True)
