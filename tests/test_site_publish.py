"""`rescore site --out DIR --version NAME`: mike versions in a folder with a repository of its own.

Real mike and mkdocs on a synthetic warehouse with two scoring runs: publishing adds a
version without touching the others, `latest` follows the newest scoring run whatever the
publishing order, and the project's own git repository is never written to.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from rescore.paths import project_root
from rescore.site_builder import build_site
from tests.site_marts import SyntheticSpec, build_synthetic_warehouse

PROJECT_ROOT = project_root()

OLD, NEW = "2026-01-01-rules", "2026-01-16-blind"  # created in this order by the fixture


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_synthetic_warehouse(
        tmp_path_factory.mktemp("wh") / "w.duckdb",
        SyntheticSpec(configs_per_role=1, questions_per_suite=2, scoring_runs=(OLD, NEW)),
    )


def _versions(out: Path) -> dict[str, dict]:
    return {v["version"]: v for v in json.loads((out / "versions.json").read_text())}


def _project_has_pages_branch() -> bool:
    return (
        subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), "rev-parse", "--verify", "-q", "refs/heads/gh-pages"],
            capture_output=True,
        ).returncode
        == 0
    )


def test_versions_are_added_kept_and_latest_is_the_newest(warehouse: Path, tmp_path: Path) -> None:
    out = tmp_path / "pub"
    had_branch = _project_has_pages_branch()
    # newest first, then an older one: latest must stay on the newest scoring run
    assert build_site(warehouse, out=out, scoring_run=NEW) == 0
    new_index = (out / NEW / "index.html").read_text()
    assert build_site(warehouse, out=out, version="older", scoring_run=OLD) == 0

    versions = _versions(out)
    assert set(versions) == {NEW, "older"}
    assert versions[NEW]["aliases"] == ["latest"]
    assert versions["older"]["aliases"] == []
    assert versions["older"]["properties"]["scoring_run"] == OLD
    assert (out / "latest").resolve() == (out / NEW).resolve()
    assert (out / NEW / "index.html").read_text() == new_index  # untouched
    assert OLD in (out / "older" / "index.html").read_text()
    assert (out / "older" / "configs" / "draft_cfg0" / "index.html").exists()
    # the root redirects to latest
    assert "latest" in (out / "index.html").read_text()
    assert (out / ".git").is_dir()
    assert _project_has_pages_branch() == had_branch  # mike wrote to DIR/.git only

    # republishing a version replaces only that version
    assert build_site(warehouse, out=out, version="older", scoring_run=OLD) == 0
    assert set(_versions(out)) == {NEW, "older"}
    assert (out / NEW / "index.html").read_text() == new_index


def test_refuses_a_folder_that_is_not_a_site(warehouse: Path, tmp_path: Path) -> None:
    out = tmp_path / "busy"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert build_site(warehouse, out=out) == 2
    assert (out / "notes.txt").read_text() == "mine"
