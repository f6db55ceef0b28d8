"""Publishing one version of the site with mike into a folder of its own, safely.

mike writes versions to a git branch, so DIR gets a git repository of its own (`DIR/.git`,
never the project's). mike deploys the version onto its `gh-pages` branch (one atomic ref
update), the `latest` alias is moved to the newest scoring run among the versions, and the
branch is then projected into DIR.

What makes it survive interruption and concurrency (issue 11.3):

- One publish at a time per DIR: an OS lock (flock on DIR itself, released however the holder
  exits) serialises publishes; the second waits, saying who it waits for.
- Under that lock nothing else writes DIR/.git, so any git `*.lock` file found there was left
  by a killed process and is removed before git runs.
- The branch is the truth; DIR is a projection of it that is swapped in entry by entry:
  changed top-level entries are exported into a staging folder inside DIR, each version folder
  is exchanged with its staged copy in one `renameat2(RENAME_EXCHANGE)` (a rename where that is
  not available), and `versions.json` goes last with an atomic replace. A version listed in
  `versions.json` is therefore always complete on disk; a re-run finishes any projection a
  kill cut short, since it compares DIR's recorded state (its git index) with the branch.
- `latest` is a copy alias (mike `--alias-type copy`): a real folder, so hosts that do not
  follow symlinks serve it, downloads and assets included (git stores the files once; DIR holds
  them twice). A redirect alias would be smaller but breaks every non-HTML URL under `latest/`.
- Version names are validated (letters, digits, `.`, `_`, `-`); titles keep a safe charset.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import json
import os
import re
import shutil
import subprocess
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path

from rescore import paths
from rescore.mkdocs_tools import mkdocs_child_config, run_tool, tool
from rescore.procs import run_child

BRANCH = "gh-pages"
ALIAS = "latest"
ALIAS_TYPE = "copy"
STAGING_PREFIX = ".rescore-staging-"
OLD_PREFIX = ".rescore-old-"
PID_FILE = "rescore-publish.pid"  # inside DIR/.git: who holds the publish lock
VERSION_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}")
_TITLE_UNSAFE = re.compile(r"[^A-Za-z0-9 ._:,()/+@-]")
_RENAME_EXCHANGE = 2


class PublishError(ValueError):
    """DIR cannot be published into as asked (exit 2)."""

    exit_code = 2


class InvalidVersion(PublishError):
    """A version name outside the safe charset (exit 2)."""


class PublishBusy(Exception):
    """Another publish held DIR for longer than the wait allowed (exit 4)."""

    exit_code = 4


def validate_version(version: str) -> str:
    """The version name if it is safe as a folder name and in URLs and HTML; else InvalidVersion.

    1-80 characters, letters, digits, `.`, `_` and `-`, starting with a letter or digit, and
    not the alias `latest`.
    """
    if not VERSION_RE.fullmatch(version or "") or version == ALIAS:
        raise InvalidVersion(
            f"invalid version name {version!r}: use 1-80 letters, digits, '.', '_' or '-', "
            f"starting with a letter or digit (and not {ALIAS!r}), e.g. 2026-01-16-blind"
        )
    return version


def safe_title(text: str) -> str:
    """A versions.json title with nothing a browser could read as markup."""
    return _TITLE_UNSAFE.sub("_", text).strip()[:120]


def scoring_run_meta(warehouse: Path, scoring_run: str) -> tuple[str | None, str | None]:
    """(judge, when the scores were made) of a scoring run, for the version selector.

    The date is the scoring run's own `scored_at` where the warehouse has that column (the
    source's date), else `created_at` (when rescore made or imported it).
    """
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        cols = {
            r[0]
            for r in con.execute(
                "select column_name from information_schema.columns "
                "where table_schema = 'raw' and table_name = 'scoring_runs'"
            ).fetchall()
        }
        stamp = "coalesce(scored_at, created_at)" if "scored_at" in cols else "created_at"
        row = con.execute(
            f"select judge, {stamp} from raw.scoring_runs where scoring_run = ?",  # noqa: S608
            [scoring_run],
        ).fetchone()
    finally:
        con.close()
    if not row:
        return None, None
    judge, when = row
    return judge, (when.isoformat() if hasattr(when, "isoformat") else when)


def read_versions(out: Path) -> list[dict]:
    path = out / "versions.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else []


def _git(out: Path, env: dict[str, str], *args: str) -> str:
    proc = run_child(["git", "-C", str(out), *args], env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed in {out}: {proc.stderr.strip()}")
    return proc.stdout


def _branch_versions(out: Path, env: dict[str, str]) -> list[dict]:
    """versions.json as committed on the pages branch ([] before the first deploy)."""
    proc = run_child(["git", "-C", str(out), "show", f"{BRANCH}:versions.json"], env=env)
    return json.loads(proc.stdout) if proc.returncode == 0 else []


def _scored_at(entry: dict) -> str:
    return (entry.get("properties") or {}).get("scored_at") or ""


@contextlib.contextmanager
def publish_lock(out: Path, wait: float = 1800.0) -> Iterator[None]:
    """Hold DIR for one publish; waits for another publish (up to `wait` s), then PublishBusy."""
    fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    try:
        deadline = time.monotonic() + wait
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _publish_holder(out)
                if time.monotonic() >= deadline:
                    raise PublishBusy(
                        f"{out} is being published into by {holder}; try again when it is done"
                    ) from None
                if not told:
                    print(f"rescore site: waiting for {holder} publishing into {out}", flush=True)
                    told = True
                time.sleep(0.2)
        with contextlib.suppress(OSError):
            if (out / ".git").is_dir():
                (out / ".git" / PID_FILE).write_text(str(os.getpid()), encoding="utf-8")
        yield
    finally:
        os.close(fd)


def _publish_holder(out: Path) -> str:
    try:
        pid = (out / ".git" / PID_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return "another publish"
    return f"PID {pid}" if pid.isdigit() else "another publish"


def stale_git_locks(out: Path) -> list[Path]:
    """git lock files in DIR/.git (index.lock, HEAD.lock, refs/**/*.lock, packed-refs.lock)."""
    git = out / ".git"
    if not git.is_dir():
        return []
    found = [p for p in (git / "index.lock", git / "HEAD.lock", git / "packed-refs.lock")]
    found = [p for p in found if p.exists()]
    refs = git / "refs"
    if refs.is_dir():
        found += sorted(refs.rglob("*.lock"))
    return found


def leftovers(out: Path) -> list[Path]:
    """Staging or swapped-out folders an interrupted publish left in DIR."""
    if not out.is_dir():
        return []
    return sorted(p for p in out.iterdir() if p.name.startswith((STAGING_PREFIX, OLD_PREFIX)))


def _recover(out: Path) -> None:
    """Under the publish lock: remove what a killed publish left behind."""
    for lock in stale_git_locks(out):
        lock.unlink(missing_ok=True)
    for path in leftovers(out):
        shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)


def _prepare_repo(out: Path, env: dict[str, str]) -> None:
    """DIR/.git, with a root commit on `main` so mike has a HEAD to name in its messages."""
    if (out / ".git" / "HEAD").exists():
        return
    if (out / ".git").exists():  # an init killed before it wrote HEAD
        shutil.rmtree(out / ".git")
    _git(out, env, "init", "-q", "-b", "main")
    _git(out, env, "commit", "-q", "--allow-empty", "-m", "rescore site repository")


def _check_folder(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise PublishError(f"{out} is a file; choose a new or empty folder")
    if (
        out.is_dir()
        and not (out / ".git").exists()
        and any(p for p in out.iterdir() if not p.name.startswith(STAGING_PREFIX))
    ):
        raise PublishError(
            f"{out} exists, is not empty and is not a rescore site folder (no .git); "
            "choose a new or empty folder"
        )


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2); False where the system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    rc = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    if ctypes.get_errno() in (errno.EINVAL, errno.ENOSYS, errno.EXDEV):
        return False
    raise OSError(ctypes.get_errno(), f"cannot swap {a} and {b}")


def _swap_in(staged: Path, dest: Path, old: Path) -> None:
    """Put `staged` at `dest`; the previous `dest` (if any) ends at `old` to be deleted."""
    if dest.is_symlink() or dest.is_file():
        os.replace(staged, dest)  # atomic for files and symlinks
        return
    if not dest.exists():
        os.rename(staged, dest)
        return
    if staged.is_dir() and _exchange(staged, dest):
        os.rename(staged, old)  # `staged` now holds the previous contents
        return
    os.rename(dest, old)  # fallback: a moment without `dest`, never a half-written one
    os.rename(staged, dest)


def _tree_entries(out: Path, env: dict[str, str], ref: str) -> dict[str, str]:
    """Top-level entries of a tree-ish: name -> object id ({} when it does not exist)."""
    proc = run_child(["git", "-C", str(out), "ls-tree", ref], env=env)
    if proc.returncode != 0:
        return {}
    entries = {}
    for line in proc.stdout.splitlines():
        meta, _, name = line.partition("\t")
        entries[name] = meta.split()[2]
    return entries


def _projected_entries(out: Path, env: dict[str, str]) -> dict[str, str]:
    """What DIR holds, as recorded by its index when the last projection finished."""
    proc = run_child(["git", "-C", str(out), "write-tree"], env=env)
    if proc.returncode != 0:
        return {}
    return _tree_entries(out, env, proc.stdout.strip())


def _aliases(versions_file: Path) -> set[str]:
    try:
        entries = json.loads(versions_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {ALIAS}
    return {a for v in entries for a in v.get("aliases", [])} | {ALIAS}


def project_branch(out: Path, env: dict[str, str]) -> list[str]:
    """Make DIR's files equal the pages branch, swapping changed entries in; names swapped."""
    wanted = _tree_entries(out, env, BRANCH)
    have = _projected_entries(out, env)
    changed = [
        name
        for name, oid in wanted.items()
        if have.get(name) != oid or not ((out / name).exists() or (out / name).is_symlink())
    ]
    gone = [n for n in have if n not in wanted and (out / n).exists()]
    staging = out / f"{STAGING_PREFIX}{os.getpid()}"
    staging.mkdir()
    if changed:
        archive = subprocess.Popen(
            ["git", "-C", str(out), "archive", "--format=tar", BRANCH, "--", *changed],
            env=env,
            stdout=subprocess.PIPE,
        )
        assert archive.stdout is not None
        with tarfile.open(fileobj=archive.stdout, mode="r|") as tar:
            tar.extractall(staging, filter="tar")
        if archive.wait() != 0:
            raise RuntimeError(f"git archive {BRANCH} failed in {out}")
    # version folders first, then aliases (they point into versions), root files after, and
    # versions.json last: it never names a missing version, an alias never a missing target
    aliases = _aliases(
        staging / "versions.json" if "versions.json" in changed else out / "versions.json"
    )
    order = sorted(
        changed,
        key=lambda n: (n == "versions.json", not (staging / n).is_dir(), n in aliases, n),
    )
    for name in order:
        _swap_in(staging / name, out / name, out / f"{OLD_PREFIX}{name}")
    for name in gone:
        os.rename(out / name, out / f"{OLD_PREFIX}{name}")
    # record what DIR now holds (git's index), then drop the swapped-out copies
    _git(out, env, "symbolic-ref", "HEAD", f"refs/heads/{BRANCH}")
    _git(out, env, "read-tree", BRANCH)
    run_child(["git", "-C", str(out), "update-index", "-q", "--refresh"], env=env)
    for path in leftovers(out):
        shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink()
    return changed


def publish(
    out: Path,
    version: str,
    scoring_run: str,
    created_at: str | None,
    env: dict[str, str],
    work: Path,
    *,
    site_url: str | None = None,
    judge: str | None = None,
    wait: float = 1800.0,
) -> None:
    """Deploy one version with mike into DIR's own repository and project the branch into DIR."""
    validate_version(version)
    out = out.resolve()
    _check_folder(out)
    out.mkdir(parents=True, exist_ok=True)
    with publish_lock(out, wait=wait):
        _recover(out)
        _prepare_repo(out, env)
        _deploy(out, version, scoring_run, created_at, env, work, site_url, judge)
        project_branch(out, env)


def _title(version: str, judge: str | None, created_at: str | None) -> str:
    parts = [version]
    if judge:
        parts.append(judge)
    if created_at:
        parts.append(created_at[:10])
    return safe_title(" - ".join(parts))


def _deploy(
    out: Path,
    version: str,
    scoring_run: str,
    created_at: str | None,
    env: dict[str, str],
    work: Path,
    site_url: str | None,
    judge: str | None,
) -> None:
    git_env = dict(env, GIT_DIR=str(out / ".git"), GIT_WORK_TREE=str(out))
    build_dir = work / "mike-build"
    config = mkdocs_child_config(work / "mike", build_dir, site_url=site_url)
    mike = tool("mike")
    # `mike alias` re-reads every file of the version from git (slow for ~700 pages), so the
    # alias goes with the deploy whenever this version is the newest, which is the usual case.
    before = _branch_versions(out, env)
    others = [v for v in before if v.get("version") != version]
    gets_latest = all(_scored_at(v) <= (created_at or "") for v in others)
    common = ["--config-file", str(config), "--branch", BRANCH]
    cmd = mike + ["deploy", *common, "--alias-type", ALIAS_TYPE]
    cmd += ["--title", _title(version, judge, created_at)]
    cmd += ["--prop-set-string", f"scoring_run={scoring_run}"]
    if judge:
        cmd += ["--prop-set-string", f"judge={judge}"]
    if created_at:
        cmd += ["--prop-set-string", f"scored_at={created_at}"]
    cmd += ["--update-aliases", version, ALIAS] if gets_latest else [version]
    run_tool(cmd, git_env, paths.project_root(), "mike deploy")
    versions = _branch_versions(out, env)
    # newest scoring run; on a tie the version already holding the alias keeps it
    newest = max(versions, key=lambda v: (_scored_at(v), ALIAS in v.get("aliases", [])))
    if ALIAS not in newest.get("aliases", []):
        run_tool(
            mike
            + ["alias", *common, "--alias-type", ALIAS_TYPE]
            + ["--update-aliases", newest["version"], ALIAS],
            git_env,
            paths.project_root(),
            "mike alias",
        )
    has_default = (
        run_child(["git", "-C", str(out), "cat-file", "-e", f"{BRANCH}:index.html"], env=env)
    ).returncode == 0
    if not has_default:
        run_tool(
            mike + ["set-default", *common, ALIAS],
            git_env,
            paths.project_root(),
            "mike set-default",
        )
    shutil.rmtree(build_dir, ignore_errors=True)
