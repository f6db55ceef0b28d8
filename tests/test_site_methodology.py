"""Methodology: the share of the scoring run's judgments each cascade path decided, and the
agreement split by path, as marts.judge_paths / marts.judge_path_agreement hold them."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from rescore.site.build import generate_site
from rescore.site.data import choose_scoring_run
from rescore.site.settings import SiteSettings
from rescore.site.toolkit import esc, fmt_pct

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def methodology(site_marts: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    settings = SiteSettings(
        warehouse=site_marts,
        work_dir=tmp_path_factory.mktemp("work"),
        cache_dir=ROOT / "build" / "cache",
    )
    content = generate_site(settings)
    page = next(p for p in content.pages if p.src_uri == "methodology.md")
    con = duckdb.connect(str(site_marts), read_only=True)
    try:
        run = choose_scoring_run(con, None)  # the run the site shows by default
    finally:
        con.close()
    return page.inline(), run


def _sql(warehouse: Path, sql: str, params: list) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def _section(html: str, title: str) -> str:
    start = html.index(f"## {title}")
    end = html.find("\n## ", start + 3)
    return html[start : end if end >= 0 else len(html)]


def test_methodology_shows_the_share_decided_by_each_path(site_marts: Path, methodology):
    html, run = methodology
    section = _section(html, "Which path decided each score")
    paths = _sql(
        site_marts,
        "select decided_by, judgments, share_of_run from marts.judge_paths where scoring_run = ?",
        [run],
    )
    assert len(paths) >= 2  # the fixture's judgments take several paths
    rows = [r for r in re.findall(r"<tr.*?</tr>", section, flags=re.S) if "<td" in r]
    agreement = _sql(
        site_marts, "select count(*) from marts.judge_path_agreement where scoring_run = ?", [run]
    )[0][0]
    assert len(rows) == len(paths) + agreement
    for decided_by, judgments, share in paths:
        row = next(r for r in rows if esc(decided_by) in r and f">{judgments}<" in r)
        assert fmt_pct(100.0 * share, 0) in row, (decided_by, row)
    assert "marts.judge_paths" in section and "marts.judge_path_agreement" in section


def test_methodology_shows_this_runs_judge_agreement(site_marts: Path, methodology):
    html, run = methodology
    section = _section(html, "Judge agreement")
    others = _sql(
        site_marts,
        "select case when scoring_run_a = ? then scoring_run_b else scoring_run_a end"
        " from marts.judge_agreement where ? in (scoring_run_a, scoring_run_b)",
        [run, run],
    )
    assert others, "the fixture has several scoring runs over the same responses"
    mine = section.split("Between the other scoring runs")[0]
    assert "How the judge of this scoring run" in mine
    for (other,) in others:
        assert esc(other) in mine, other
