"""Pages whose rows grow with the runs are cut into parts, on a synthetic warehouse.

The site fixture's marts (real dbt) are copied and `marts.models_to_avoid` and
`marts.leaderboard` multiplied (new, markup-laden config names) until the Models to avoid page,
a leaderboard page and the All configs page would each outgrow a page: each is then a summary
page and `-part-N` pages, every row on exactly one of them, every part under the page budget.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import pytest

from rescore.site.build import generate_site
from rescore.site.page import PAGE_MAX_CHARS, row_size
from rescore.site.settings import SiteSettings
from rescore.site.toolkit import esc

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow
MARK = '<b class="x">&'  # in every new config name: must show escaped, never as markup


def _multiply(con: duckdb.DuckDBPyConnection, mart: str, where: str, target: int) -> int:
    """Copies of the mart's rows (config renamed) until their row_size passes `target`."""
    cur = con.execute(f"select * from marts.{mart} where {where}")
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    size = sum(row_size(r) for r in rows)
    copies = target // max(size, 1) + 1
    select = ", ".join(
        f"config || ' copy ' || i || '{MARK}' as config" if n == "config" else f'"{n}"'
        for n in names
    )
    con.execute(
        f"insert into marts.{mart} select {select} from marts.{mart}, range(1, ?) t(i)"
        f" where {where}",
        [copies + 1],
    )
    return copies


@pytest.fixture(scope="module")
def big(site_marts: Path, tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("big")
    warehouse = folder / "w.duckdb"
    shutil.copyfile(site_marts, warehouse)
    with duckdb.connect(str(warehouse)) as con:
        run = con.execute("select max(scoring_run) from marts.leaderboard").fetchone()[0]
        cat = con.execute(
            "select category from marts.leaderboard where scoring_run = ?"
            " group by 1 order by count(*) desc limit 1",
            [run],
        ).fetchone()[0]
        target = 3 * PAGE_MAX_CHARS  # row_size: about the HTML, within 2x either way
        _multiply(con, "models_to_avoid", f"scoring_run = '{run}'", target)
        _multiply(con, "leaderboard", f"scoring_run = '{run}' and category = '{cat}'", target)
    content = generate_site(
        SiteSettings(
            warehouse=warehouse,
            work_dir=folder / "work",
            cache_dir=ROOT / "build" / "cache",
            scoring_run=run,
        )
    )
    return content, warehouse, run, cat


def _parts(content, uri: str) -> list:
    stem = uri[:-3]
    pat = re.compile(re.escape(stem) + r"(-part-\d+)?\.md")
    return sorted(
        (p for p in content.pages if pat.fullmatch(p.src_uri)),
        key=lambda p: int(p.src_uri.rsplit("-", 1)[-1][:-3]) if "-part-" in p.src_uri else 1,
    )


def _check_parts(parts: list, configs: list[str]) -> None:
    assert len(parts) > 1, "the page was not split"
    assert sum(len(p.inline()) for p in parts) > PAGE_MAX_CHARS  # one page would be too big
    for p in parts:
        assert len(p.inline()) <= PAGE_MAX_CHARS, (p.src_uri, len(p.inline()))
        assert MARK not in p.inline(), p.src_uri  # names escaped
    for i, p in enumerate(parts):  # every part links to every other one
        for j, other in enumerate(parts):
            if i != j:
                target = other.src_uri.split("/")[-1][:-3]
                target = "" if target == "index" else target
                assert f'{target}/">part {j + 1}</a>' in p.inline(), (p.src_uri, j)
    for config in configs:  # each row on exactly one part
        cell = f"<small>{esc(config)}</small>"
        assert sum(p.inline().count(cell) for p in parts) == 1, config


def _configs(warehouse: Path, sql: str, params: list) -> list[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return [r[0] for r in con.execute(sql, params).fetchall()]


def test_models_to_avoid_is_split_under_the_budget(big) -> None:
    content, warehouse, run, _ = big
    configs = _configs(
        warehouse,
        "select config from marts.models_to_avoid where scoring_run = ?"
        " and (is_listed or listed_config is null)",
        [run],
    )
    parts = _parts(content, "models-to-avoid.md")
    _check_parts(parts, configs)
    assert parts[0].in_nav and not any(p.in_nav for p in parts[1:])


def test_a_leaderboard_is_split_under_the_budget(big) -> None:
    content, warehouse, run, cat = big
    configs = _configs(
        warehouse,
        "select config from marts.leaderboard where scoring_run = ? and category = ?",
        [run, cat],
    )
    parts = _parts(content, f"categories/{cat}.md")
    _check_parts(parts, configs)
    assert "## Chart" in parts[0].markdown  # the chart stays on the first page


def test_all_configs_is_split_and_every_part_searchable(big) -> None:
    content, warehouse, run, _ = big
    configs = _configs(
        warehouse,
        "select distinct config from marts.leaderboard where scoring_run = ?",
        [run],
    )
    parts = _parts(content, "configs/index.md")
    _check_parts(parts, configs)
    assert all(p.search_boost and not p.search_exclude for p in parts)
