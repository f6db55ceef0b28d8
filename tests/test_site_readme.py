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

pytestmark = [pytest.mark.realdata, pytest.mark.slow]
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


@pytest.fixture(scope="module")
def readme_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not REAL.is_dir():
        pytest.skip(f"no real data at {REAL}")
    folder = tmp_path_factory.mktemp("readme")
    for argv in _commands():
        proc = subprocess.run(argv, cwd=folder, capture_output=True, text=True, timeout=900)
        # ingest and import-scores exit 1 when they quarantined records (the real data has)
        assert proc.returncode in (0, 1), (argv, proc.stdout[-2000:], proc.stderr[-2000:])
    assert (folder / "warehouse" / "rescore.duckdb").exists()
    return folder


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
