"""The installed tool (issue 9.1): a wheel in a fresh venv runs the pipeline from an empty folder.

The wheel is built from this checkout and installed with `--no-deps` into a fresh virtual
environment that sees this environment's site-packages through a `.pth` file, so the test stays
offline and fast while the rescore package comes only from the wheel. The pipeline then runs
from an empty temporary folder holding only data (written by `rescore example`), and the site
it builds matches the checkout's own build of the same data: the same page list and the same
leaderboard tables. Nothing is written into the installed package.
"""

from __future__ import annotations

import os
import re
import site
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow

BUNDLED = [
    "rescore/_bundle/dbt/dbt_project.yml",
    "rescore/_bundle/dbt/profiles.yml",
    "rescore/_bundle/mkdocs.yml",
    "rescore/_bundle/site/hooks/report.py",
    "rescore/_bundle/site/docs/assets/rescore.css",
    "rescore/_bundle/examples/runs/20260101_120000/architect_general_baseline.json",
]


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 900):
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{cmd}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    _run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), str(ROOT)], ROOT
    )
    (found,) = dist.glob("rescore-*.whl")
    return found


@pytest.fixture(scope="module")
def tool_venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    env_dir = tmp_path_factory.mktemp("toolvenv")
    venv.create(env_dir, with_pip=False)
    (purelib,) = (env_dir / "lib").glob("python3*/site-packages")
    # this environment's dependencies, but not its editable rescore (a .pth of its own)
    deps = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (purelib / "zz_project_deps.pth").write_text("\n".join(deps) + "\n")
    py = env_dir / "bin" / "python"
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(py),
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            str(wheel),
        ],
        ROOT,
    )
    return env_dir


def test_wheel_carries_everything_the_tool_runs(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [n for n in BUNDLED if n not in names]
    assert not missing, missing
    assert not [n for n in names if "/target/" in n or n.endswith(".duckdb")]
    models = [n for n in names if n.startswith("rescore/_bundle/dbt/models/marts/")]
    assert len(models) == len(list((ROOT / "dbt" / "models" / "marts").iterdir()))


def _snapshot(folder: Path) -> set[tuple[str, float]]:
    return {(str(p), p.stat().st_mtime) for p in folder.rglob("*") if p.is_file()}


def _leaderboard_tables(site_dir: Path) -> dict[str, list[str]]:
    """Each leaderboard page's tables, as text, without ids that differ per build."""
    pages = {}
    for page in sorted(site_dir.glob("leaderboard*/**/index.html")) + sorted(
        site_dir.glob("categories/**/index.html")
    ):
        html = page.read_text(encoding="utf-8")
        tables = re.findall(r"<table.*?</table>", html, flags=re.S)
        pages[str(page.relative_to(site_dir))] = tables
    return pages


def test_installed_tool_runs_the_pipeline_from_an_empty_folder(
    tool_venv: Path, tmp_path: Path
) -> None:
    exe = tool_venv / "bin" / "rescore"
    env = {k: v for k, v in os.environ.items() if k not in {"RESCORE_WAREHOUSE", "PYTHONPATH"}}
    env["PATH"] = f"{tool_venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    work = tmp_path / "user"
    work.mkdir()
    where = _run(
        [
            str(tool_venv / "bin" / "python"),
            "-c",
            "import rescore.paths as p; print(p.project_root())",
        ],
        work,
        env,
    )
    root = Path(where.stdout.strip())
    assert root.name == "_bundle" and str(tool_venv) in str(root), root
    before = _snapshot(root.parent)

    _run([str(exe), "example", "data"], work, env)
    assert (work / "data" / "prompts" / "math.yaml").is_file()
    run = work / "data" / "runs" / "20260101_120000"
    proc = subprocess.run(
        [str(exe), "report", "data/prompts", str(run.relative_to(work))],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode in (0, 1), proc.stdout[-3000:] + proc.stderr[-3000:]
    assert (work / "warehouse" / "rescore.duckdb").is_file()
    assert (work / "build" / "site" / "index.html").is_file()
    assert _snapshot(root.parent) == before, "the installed package was written to"
    # `rescore dbt` passes through to dbt with the installed project and this warehouse
    ls = _run([str(exe), "dbt", "ls", "--resource-type", "model", "--output", "name"], work, env)
    assert "leaderboard" in ls.stdout

    # the checkout's build of the same data, for comparison
    ref = tmp_path / "checkout"
    ref.mkdir()
    ref_env = {k: v for k, v in os.environ.items() if k != "RESCORE_WAREHOUSE"}
    checkout_exe = Path(sys.executable).with_name("rescore")
    subprocess.run(
        [str(checkout_exe), "report", str(work / "data" / "prompts"), str(run)],
        cwd=ref,
        env=ref_env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    installed_site, checkout_site = work / "build" / "site", ref / "build" / "site"
    pages = sorted(str(p.relative_to(installed_site)) for p in installed_site.rglob("*.html"))
    ref_pages = sorted(str(p.relative_to(checkout_site)) for p in checkout_site.rglob("*.html"))
    assert pages == ref_pages
    tables = _leaderboard_tables(installed_site)
    assert tables and any(tables.values())
    assert tables == _leaderboard_tables(checkout_site)
