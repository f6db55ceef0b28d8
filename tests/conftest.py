"""Shared fixtures: paths to the bundled examples and the real data, and a throwaway warehouse."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# dbt unit-test passes are reused across warehouses through a per-user file (rescore.build_state);
# tests start without it so each build runs its unit tests (tests of the reuse opt in).
os.environ["RESCORE_UNIT_TEST_CACHE"] = "off"

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


@pytest.fixture(scope="session")
def site_marts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse of synthetic raw rows whose marts the real `dbt build` made, once per
    session (tests/site_marts.py). Tests using it run dbt: mark them `slow`."""
    from tests.site_marts import SyntheticSpec, build_marts, write_raw

    folder = tmp_path_factory.mktemp("site-marts")
    path = write_raw(folder / "w.duckdb", SyntheticSpec(speed_only_configs=3))
    assert build_marts(path, folder / "dbt-target") == 0, "dbt build of the site fixture failed"
    return path


@pytest.fixture(scope="session")
def site_marts_target(site_marts: Path) -> Path:
    """dbt's artifacts (manifest.json) of the site fixture's build."""
    return site_marts.parent / "dbt-target"


@pytest.fixture(scope="session")
def readme_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder in which the README's real-run recipe ran up to `rescore build`
    (tests/readme_run.py), once per session; its warehouse is `warehouse/rescore.duckdb`,
    the default the README's examples name. Read it or copy it, never write it."""
    require_real_data()
    from tests.readme_run import run_readme_recipe

    folder = tmp_path_factory.mktemp("readme")
    run_readme_recipe(folder)
    return folder
