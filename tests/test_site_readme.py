"""The README's examples run against the README's own real run, as printed.

Runs the commands of "A real run, step by step" up to `rescore build` (the site, doctor and
http.server lines are the browser's business) in a fresh folder, so the warehouse is the
default `warehouse/rescore.duckdb` the README's examples name; then every SQL statement of the
README's ```sql blocks, through Python's duckdb module, must run and return rows, and the
README's `python -c` lines must run (no duckdb CLI, no numpy: numpy is blocked).
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.readme_run import README

pytestmark = [pytest.mark.realdata, pytest.mark.slow]


def _statements() -> list[str]:
    out = []
    for block in re.findall(r"```sql\n(.*?)```", README, re.S):
        for stmt in block.split(";"):
            code = "\n".join(
                ln for ln in stmt.splitlines() if ln.strip() and not ln.strip().startswith("--")
            )
            if code:
                out.append(code)
    return out


def test_readme_sql_runs_and_returns_rows(readme_run: Path) -> None:
    statements = _statements()
    assert len(statements) >= 4
    con = duckdb.connect(str(readme_run / "warehouse" / "rescore.duckdb"), read_only=True)
    try:
        for stmt in statements:
            rows = con.execute(stmt).fetchall()
            assert rows, f"no rows on the README's own real run:\n{stmt}"
    finally:
        con.close()


def test_readme_python_lines_run_without_numpy(readme_run: Path) -> None:
    lines = [ln for ln in README.splitlines() if ln.startswith(".venv/bin/python -c ")]
    assert lines
    for line in lines:
        code = shlex.split(line)[2]
        blocked = "import sys\nsys.modules['numpy'] = None\n" + code
        proc = subprocess.run(
            [sys.executable, "-c", blocked],
            cwd=readme_run,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 0, (line, proc.stderr[-2000:])
        assert proc.stdout.strip(), line
