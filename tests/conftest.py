"""Shared fixtures: paths to the bundled examples and the real data, and a throwaway warehouse."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
REAL_DATA = (ROOT / ".." / "shared" / "data" / "epyc").resolve()
REAL_RUN = REAL_DATA / "runs" / "20251220_214317"
REAL_SUITES = REAL_DATA / "prompts" / "v1"
REAL_REVIEWS = REAL_DATA / "reviews"


def require_real_data() -> None:
    """Skip, saying why, where the real epyc data set is not beside the checkout."""
    if not REAL_RUN.is_dir():
        pytest.skip(f"real data not found at {REAL_DATA} (only present in the project's CI setup)")


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return tmp_path / "rescore.duckdb"


@pytest.fixture
def con(warehouse: Path):
    from rescore.warehouse import connect

    c = connect(warehouse)
    yield c
    c.close()
