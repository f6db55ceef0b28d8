"""Running mkdocs and mike as programs, the way mike needs them (STYLE.md).

mike runs mkdocs as a program, so both run with the virtual environment's `bin` first on PATH,
and builds use a derived configuration that points at the tool's own files (`rescore.paths`)
wherever the command runs.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from rescore import paths
from rescore.procs import run_child


def tool(name: str) -> list[str]:
    exe = Path(sys.executable).parent / name
    return [str(exe)] if exe.exists() else [sys.executable, "-m", name]


def run_tool(cmd: list[str], env: dict[str, str], cwd: Path, what: str) -> None:
    t = time.perf_counter()
    proc = run_child(cmd, env=env, cwd=cwd)  # stopped with the command (issue 11.4)
    if os.environ.get("RESCORE_SITE_TIMINGS"):
        print(f"  {what}: {time.perf_counter() - t:.1f}s", file=sys.stderr)
    if proc.returncode != 0:
        raise RuntimeError(f"{what} failed ({' '.join(cmd)}):\n{proc.stdout}\n{proc.stderr}")


def mkdocs_child_config(work: Path, site_dir: Path, site_url: str | None = None) -> Path:
    """A config that inherits mkdocs.yml but builds elsewhere (mike writes a temp file beside
    the config it is given; this keeps that out of the project root)."""
    work.mkdir(parents=True, exist_ok=True)
    child = work / "mkdocs.yml"
    child.write_text(
        "\n".join(
            [
                f"INHERIT: {json.dumps(str(paths.mkdocs_config()))}",
                f"docs_dir: {json.dumps(str(paths.site_docs_dir()))}",
                f"site_dir: {json.dumps(str(site_dir))}",
                *([f"site_url: {json.dumps(site_url)}"] if site_url else []),
                "hooks:",
                f"  - {json.dumps(str(paths.site_hook()))}",
                f"  - {json.dumps(str(Path(__file__).with_name('mkdocs_404.py')))}",
                "",
            ]
        ),
        encoding="utf-8",
    )
    return child
