"""The site built from the real data shows the reference report's Architect/Ingest table.

Reuses the dbt real-data warehouse (real run, the saved Claude scores as scoring runs, the
earlier summary as a baseline, `rescore build`), generates the site's pages from it and checks
the architect/ingest page against the report (BLIND_RESCORE_2026-01-16.md): its ten rows with
the same scores and percentages in the same relative order, among every config the data
scores, and the models that appear under two roles named.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rescore.site.build import generate_site
from rescore.site.settings import SiteSettings
from tests.test_dbt_realdata import ARCHITECT, ARCHITECT_ROWS, query
from tests.test_dbt_realdata import warehouse as warehouse  # noqa: F401  (module fixture)

pytestmark = [pytest.mark.realdata, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[1]
ROW = re.compile(r"<tr[^>]*>(.*?)</tr>", re.S)  # rows carry filter attributes


@pytest.fixture(scope="module")
def architect_page(warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> str:  # noqa: F811
    content = generate_site(
        SiteSettings(
            warehouse=warehouse,
            work_dir=tmp_path_factory.mktemp("site"),
            cache_dir=ROOT / "build" / "cache",
            scoring_run=ARCHITECT,
        )
    )
    page = next(p for p in content.pages if p.src_uri == "categories/architect_ingest.md")
    return page.markdown + "".join(page.blocks)


def _rows(html: str) -> list[list[str]]:
    """Leaderboard rows as lists of cell texts (tags stripped)."""
    table = html[html.index("<tbody>") : html.index("</tbody>")]
    return [
        [re.sub(r"<[^>]+>", " ", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r)]
        for r in ROW.findall(table)
    ]


def test_every_scored_config_is_listed(warehouse: Path, architect_page: str) -> None:  # noqa: F811
    configs = query(
        warehouse,
        "select config from marts.leaderboard where scoring_run = ?"
        " and category = 'architect_ingest'",
        [ARCHITECT],
    )
    rows = _rows(architect_page)
    assert len(rows) == len(configs) == 15
    for (config,) in configs:
        assert any(config in row[1] for row in rows), config


def test_reference_rows_same_numbers_same_order(architect_page: str) -> None:
    rows = _rows(architect_page)
    positions = []
    for label, (score, max_score, pct) in ARCHITECT_ROWS.items():
        model = label.removesuffix(" (ingest)")
        prefix = "ingest_" if label.endswith("(ingest)") else ""
        hits = [
            i
            for i, row in enumerate(rows)
            if row[1].split()[0] == model
            and f" {prefix}" in f" {row[1].split()[-1]}"
            and row[3] == f"{score}/{max_score}"
            and row[2].split()[0] == f"{pct}%"  # pct first (then its interval), then score
        ]
        assert hits, f"report row {label} {score}/{max_score} {pct}% not on the page"
        positions.append((hits[0], float(pct), label))
    # Same relative order wherever the report's percentages differ. Tied rows (Hermes-4-70B and
    # Qwen2.5-Coder-32B (ingest), both 156/183) follow the leaderboard's tie-break (speed); the
    # report's order within a tie carries no information.
    for i, (pos_i, pct_i, label_i) in enumerate(positions):
        for pos_j, pct_j, label_j in positions[i + 1 :]:
            if pct_i > pct_j:
                assert pos_i < pos_j, f"{label_i} should come before {label_j}"


def test_models_under_two_roles_are_named(warehouse: Path, architect_page: str) -> None:  # noqa: F811
    doubles = query(
        warehouse,
        "select model from marts.leaderboard where scoring_run = ?"
        " group by model having count(distinct role) > 1",
        [ARCHITECT],
    )
    assert doubles
    note = architect_page[architect_page.index("Models under two roles") :]
    for (model,) in doubles:
        assert model.replace("_", "\\_") in note or model in note, model


def test_search_index_finds_models_by_name(warehouse: Path, tmp_path: Path) -> None:  # noqa: F811
    """ "xLAM" and "Qwen3-235B" find the All configs page, which lists every model by name
    (config and question pages are out of the index: it stays bounded as runs are added)."""
    import json

    from rescore.site_builder import build_site

    site = tmp_path / "site"
    assert build_site(warehouse, site_dir=site, scoring_run=ARCHITECT) == 0
    docs = json.loads((site / "search" / "search_index.json").read_text())["docs"]
    pages = {d["location"].split("#")[0] for d in docs}
    assert not [p for p in pages if p.startswith(("configs/", "questions/")) and p.count("/") > 1]
    for word in ("xLAM", "Qwen3-235B"):
        hits = {
            d["location"].split("#")[0]
            for d in docs
            if word.lower() in (d["title"] + " " + d["text"]).lower()
        }
        assert "configs/" in hits, (word, sorted(hits)[:5])
    (qid,) = query(warehouse, "select question_id from raw.questions order by 1 limit 1")[0]
    assert any(qid in d["text"] and d["location"].startswith("questions/") for d in docs)
    # response text and per-config pages stay out of the index: it is bounded by the pages
    # in the navigation, not by configs or answers (was 1.2-2.5 MB for the real run)
    assert (site / "search" / "search_index.json").stat().st_size < 1_000_000
