"""A bare `dbt test` (no rescore wrapper) pointed at a warehouse without rescore's data stops
with one clear line, not a failure per node (issue 14.8)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from rescore.paths import dbt_dir

pytestmark = pytest.mark.slow


def test_bare_dbt_test_on_an_empty_warehouse_says_so_in_one_line(tmp_path: Path) -> None:
    warehouse = tmp_path / "elsewhere.duckdb"
    env = {**os.environ, "RESCORE_WAREHOUSE": str(warehouse)}
    dbt = Path(sys.executable).parent / "dbt"
    proc = subprocess.run(
        [str(dbt), "test", "--profiles-dir", ".", "--target-path", str(tmp_path / "target")],
        cwd=dbt_dir(),
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert f"no rescore warehouse at {warehouse}" in out
    assert "Traceback" not in out
    assert "does not exist" not in out  # no node ran against the missing tables
