"""The README's own real run ("A real run, step by step"), run as printed, once per session.

Tests that check what the README promises about the real data (its SQL and Python examples,
issue 10's decisions on its three scoring runs) share this one warehouse instead of each
building their own: it is the slowest fixture of the suite. Tests must not write to it: copy it.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REAL = (ROOT / ".." / "shared" / "data" / "epyc").resolve()
README = (ROOT / "README.md").read_text(encoding="utf-8")
BIN = Path(sys.executable).parent


def _section(title: str) -> str:
    start = README.index(f"## {title}")
    end = README.find("\n## ", start + 1)
    return README[start : end if end > 0 else None]


def _commands() -> list[list[str]]:
    """The real run's commands up to `rescore build`, with `$D` and `.venv/bin/` resolved."""
    block = re.search(r"```bash\n(.*?)```", _section("A real run, step by step"), re.S)
    assert block, "the README has no real-run recipe"
    out = []
    for line in block.group(1).splitlines():
        if not line.startswith(".venv/bin/rescore "):
            continue
        argv = shlex.split(line.replace("$D", str(REAL)))
        if argv[1] in ("site", "doctor"):
            continue
        out.append([str(BIN / "rescore"), *argv[1:]])
    assert any(a[1] == "build" for a in out)
    return out


def run_readme_recipe(folder: Path) -> Path:
    """Run the recipe's commands up to `rescore build` in `folder`; return the warehouse."""
    for argv in _commands():
        proc = subprocess.run(argv, cwd=folder, capture_output=True, text=True, timeout=900)
        # ingest and import-scores exit 1 when they quarantined records (the real data has)
        assert proc.returncode in (0, 1), (argv, proc.stdout[-2000:], proc.stderr[-2000:])
    warehouse = folder / "warehouse" / "rescore.duckdb"
    assert warehouse.exists()
    return warehouse
