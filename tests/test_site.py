"""The report site: generated pages agree with the marts, escape untrusted text, and build.

The marts come from the real dbt project run over synthetic raw rows (the session fixture
`site_marts`, tests/site_marts.py); expected values come from SQL over those marts, never from
the page code.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from rescore.site.build import generate_site, render_svgs
from rescore.site.settings import SiteSettings
from rescore.site.toolkit import esc, md_esc
from rescore.site_builder import build_site
from tests.site_marts import HOSTILE

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def settings(warehouse: Path, work: Path, **kw) -> SiteSettings:
    return SiteSettings(
        warehouse=warehouse, work_dir=work, cache_dir=ROOT / "build" / "cache", **kw
    )


@pytest.fixture(scope="module")
def warehouse(site_marts: Path) -> Path:
    return site_marts


@pytest.fixture(scope="module")
def content(warehouse: Path, tmp_path_factory: pytest.TempPathFactory):
    return generate_site(settings(warehouse, tmp_path_factory.mktemp("work"))).in_memory()


def _page(content, uri: str):
    return next(p for p in content.pages if p.src_uri == uri)


def _rendered(page) -> str:
    return page.markdown + "".join(page.blocks)


def _sql(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_category_pages_list_every_scored_config_with_its_numbers(warehouse: Path, content) -> None:
    rows = _sql(
        warehouse,
        "select category, config, score, max_score, pct from "
        "marts.leaderboard where scoring_run = '2026-01-16-blind'",
    )
    assert rows
    for category, config, score, max_score, pct in rows:
        html = _rendered(_page(content, f"categories/{category}.md"))
        row = re.search(
            rf"<tr[^>]*>(?:(?!</tr>).)*>{re.escape(esc(config))}<(?:(?!</tr>).)*</tr>", html, re.S
        )
        assert row, f"{config} missing from the {category} page"
        assert f"{int(score)}/{int(max_score)}" in row.group(0)
        assert f"{pct:.1f}%" in row.group(0)


def test_newest_scoring_run_is_shown_by_default(content) -> None:
    assert "2026-01-16-blind" in _page(content, "index.md").markdown


def test_models_under_two_roles_are_named(content) -> None:
    page = _rendered(_page(content, "categories/coder_tool_vision.md"))
    assert "Shared-Coder-30B-Q4_K_M (coder_primary)" in page
    assert "Shared-Coder-30B-Q4_K_M (frontdoor)" in page
    assert "Models under two roles" in page


def test_untrusted_text_is_escaped_everywhere(content) -> None:
    for page in content.pages:
        text = _rendered(page)
        assert "<script>window.__rescore_pwned" not in text, page.src_uri
        assert "onerror=" not in text.replace("onerror=&quot;", ""), page.src_uri
    config_page = _rendered(_page(content, "configs/thinking_cfg0.md"))
    assert esc(HOSTILE) in config_page
    # the response's own </details> must not close the collapsed block early
    assert config_page.count("<details") == config_page.count("</details>")


def test_config_pages_stay_out_of_nav_and_responses_out_of_search(content) -> None:
    configs = [
        p
        for p in content.pages
        if p.src_uri.startswith("configs/") and p.src_uri != "configs/index.md"
    ]
    assert configs and not any(p.in_nav for p in configs)
    assert "configs/thinking_cfg0.md" not in json.dumps(content.nav)
    html = _rendered(configs[0])
    assert '<details class="rescore-response" data-search-exclude' in html


def test_every_response_of_a_config_is_on_its_page(warehouse: Path, content) -> None:
    config = "draft_cfg1"
    expected = _sql(
        warehouse,
        "select suite || ' / ' || question_id from raw.responses where config = ?",
        [config],
    )
    html = _rendered(_page(content, f"configs/{config}.md"))
    for (title,) in expected:
        assert esc(title) in html
    reasons = _sql(
        warehouse,
        "select j.reason from raw.judgments j join raw.responses r "
        "using (response_id) where r.config = ? and j.scoring_run = "
        "'2026-01-16-blind'",
        [config],
    )
    for (reason,) in reasons:
        assert esc(reason) in html


def test_speed_only_configs_get_pages_but_no_leaderboard_row(content) -> None:
    uris = {p.src_uri for p in content.pages}
    assert "configs/thinking_spec_draft_k0.md" in uris
    assert "thinking_spec_draft_k0" not in _rendered(_page(content, "categories/thinking.md"))


def test_charts_have_specs_and_static_svgs(content) -> None:
    svgs = render_svgs(content.charts)
    assert {
        "leaderboard-draft",
        "draft-quality-vs-speed",
        "suite-heatmap",
        "drift-dumbbell",
        "health-rates",
    } <= set(svgs)
    for name, svg in svgs.items():
        assert svg.lstrip().startswith("<svg")
        assert f"assets/charts/{name}.vl.json" in content.text_files
    assert len(content.text_files["assets/vendor/vega-bundle.js"]) > 100_000


def test_downloads_match_the_marts(warehouse: Path, content) -> None:
    csv_path = content.path_files["downloads/leaderboard.csv"]
    with open(csv_path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    (count,) = _sql(warehouse, "select count(*) from marts.leaderboard")[0]
    assert len(rows) == count
    parquet = content.path_files["downloads/drift.parquet"]
    assert _sql(warehouse, f"select count(*) from '{parquet}'") == _sql(
        warehouse, "select count(*) from marts.drift"
    )


def test_missing_warehouse_gives_a_message_page(tmp_path: Path) -> None:
    content = generate_site(settings(tmp_path / "nope.duckdb", tmp_path / "w"))
    assert content.problem and "rescore report" in content.problem
    assert [p.src_uri for p in content.pages] == ["index.md"]
    assert build_site(tmp_path / "nope.duckdb", site_dir=tmp_path / "s") == 1


def test_mkdocs_build_from_the_project_root(warehouse: Path, tmp_path: Path) -> None:
    """Plain `mkdocs build` (what `mkdocs serve` runs) works with RESCORE_WAREHOUSE."""
    import os

    out = tmp_path / "site"
    env = dict(
        os.environ,
        RESCORE_WAREHOUSE=str(warehouse),
        NO_MKDOCS_2_WARNING="1",
    )
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env["PATH"]
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "mkdocs"), "build", "-q", "-d", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    for page in (
        "index.html",
        "categories/draft/index.html",
        "configs/thinking_cfg0/index.html",
        "downloads/leaderboard.parquet",
        "assets/vendor/vega-bundle.js",
        "assets/charts/suite-heatmap.svg",
        "methodology/index.html",
    ):
        assert (out / page).exists(), page
    html = (out / "configs/thinking_cfg0/index.html").read_text()
    assert "rescore-block" not in html
    assert "&lt;script&gt;window.__rescore_pwned" in html
    assert "<script>window.__rescore_pwned" not in html
    index = (out / "search/search_index.json").read_text()
    # response text stays out of the search index (model names, also hostile, are titles)
    assert "__rescore_pwned = 1" not in index and "onerror" not in index
    # nor do the question pages' answer tables (only they have a "Judge reason" column)
    docs = json.loads(index)["docs"]
    assert [d for d in docs if d["location"].startswith("questions/")]
    assert not [d["location"] for d in docs if "Judge reason" in d["text"]]
    # config and question pages are out of the index; their index pages list every name
    pages = {d["location"].split("#")[0] for d in docs}
    assert "configs/" in pages and "questions/" in pages
    assert not [p for p in pages if p.startswith(("configs/", "questions/")) and p.count("/") > 1]
    assert not [p for p in pages if "__rescore-skeleton" in p]  # nor the skeletons
    assert not list(out.rglob("*__rescore-skeleton*"))  # which are not left in the site
    assert not (out / "questions" / "__rescore__").exists()
    sitemap = (out / "sitemap.xml").read_text()
    assert "configs/thinking_cfg0/" in sitemap and "__rescore-skeleton" not in sitemap
    for page in out.rglob("*.html"):
        text = page.read_text()
        external = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(https?:)?//', text)
        assert not external, f"{page} loads something from the network"


def test_methodology_lists_suites_and_thresholds(warehouse: Path, content) -> None:
    html = _rendered(_page(content, "methodology.md"))
    for suite, count in _sql(warehouse, "select suite, count(*) from raw.questions group by 1"):
        assert re.search(rf"<td>{suite}</td>.*?<td data-sort=\"{count}\">{count}</td>", html, re.S)
    if (ROOT / "dbt" / "dbt_project.yml").exists():
        assert "avoid_below_pct" in html


def test_chart_marks_link_to_config_pages(content) -> None:
    chart = next(c for c in content.charts if c.name == "leaderboard-draft")
    spec = chart.spec_json()
    assert '"href":{"field":"url"' in spec
    uris = {p.src_uri for p in content.pages}
    urls = re.findall(r'"url":"([^"]+)"', spec)
    assert urls
    for url in urls:  # relative to categories/draft/
        assert url.startswith("../../configs/")
        assert f"configs/{url.split('/')[-2]}.md" in uris


def test_chart_data_is_numeric_for_vega(content) -> None:
    """DuckDB DECIMAL totals must reach Vega as numbers, not strings."""
    for chart in content.charts:
        for rows in (chart.spec.get("datasets") or {}).values():
            for row in rows:
                for key in ("pct", "score", "max_score", "avg_tps", "weighted_tps"):
                    if row.get(key) is not None:
                        assert isinstance(row[key], int | float), (chart.name, key, row[key])


RUN = "2026-01-16-blind"
SEVERITIES = ("critical", "moderate", "expected", "info")


def _headers(html: str) -> list[str]:
    return re.findall(r'<th scope="col"[^>]*>([^<]*)</th>', html)


def _table_rows(html: str) -> list[str]:
    return re.findall(r"<tr[^>]*>(?:(?!</tr>).)*</tr>", html, flags=re.S)


def test_top_performers_lead_with_the_pick_groups(warehouse: Path, content) -> None:
    html = _rendered(_page(content, "top-performers.md"))
    groups = _sql(
        warehouse,
        "select pick_label, config, pct, avg_tps, pick, has_min_judged, rule"
        " from marts.top_performers where scoring_run = ? and pick_group is not null"
        " order by pick_order",
        [RUN],
    )
    assert groups
    first_table = html.split("</table>")[0]
    assert _headers(first_table) == ["Category", "Model (config)", "Score"]
    rows = [r for r in _table_rows(first_table) if "<td" in r]
    assert len(rows) == len(groups)
    for row, (label, config, pct, tps, pick, has_min, _) in zip(rows, groups, strict=True):
        assert esc(label) in row
        if config is None:  # the mart found no config to pick: the page says why
            assert "No pick:" in row
            continue
        assert f">{esc(config)}<" in row and f"{pct:.1f}%" in row
        if pick.endswith("speed"):
            assert f"{pct:.1f}% @ {tps:.0f} t/s" in row
        assert ("few judged" in row) is (not has_min)
    for rule in {r[6] for r in groups} - {None}:  # each tie-break rule stated once
        assert html.count(esc(rule)) == 1
    per_category = _sql(
        warehouse,
        "select count(*) from marts.top_performers where scoring_run = ? and pick_group is null",
        [RUN],
    )[0][0]
    second = html.split("</table>")[1]
    assert len([r for r in _table_rows(second) if "<td" in r]) == per_category


def test_findings_page_sections_in_severity_order(warehouse: Path, content) -> None:
    page = _page(content, "findings.md")
    assert page.in_nav and "findings.md" in json.dumps(content.nav)
    html = _rendered(page)
    drift_part, _, critical_part = html.partition("## Critical issues discovered")
    assert "## Key drift observations" in drift_part
    kinds = {
        "drift": ("category_drift", "category_truncation", "suite_all_low", "group_suite_failure")
    }
    findings = _sql(
        warehouse,
        "select kind, severity, headline, evidence from marts.findings"
        " where scoring_run = ? and kind <> 'totals'",
        [RUN],
    )
    assert findings
    for part, in_drift in ((drift_part, True), (critical_part, False)):
        mine = [f for f in findings if (f[0] in kinds["drift"]) is in_drift]
        positions = []
        for _kind, severity, headline, evidence in mine:
            pos = part.find(md_esc(headline))
            assert pos >= 0, f"{headline} not in its section"
            positions.append((SEVERITIES.index(severity), pos))
            for bullet in evidence.split(";"):
                assert f"<li>{esc(bullet.strip())}</li>" in html
        by_pos = [sev for sev, _ in sorted(positions, key=lambda p: p[1])]
        assert by_pos == sorted(by_pos), "findings are not ordered by severity"
    assert "<thinking_cfg0>" not in html  # headlines are data: escaped
    for severity in {f[1] for f in findings}:
        assert f"rescore-badge--{severity}" in html


def test_overview_states_the_totals_finding(warehouse: Path, content) -> None:
    (headline,) = _sql(
        warehouse,
        "select headline from marts.findings where scoring_run = ? and kind = 'totals'",
        [RUN],
    )[0]
    assert md_esc(headline) in _page(content, "index.md").markdown


def test_drift_table_is_focused_and_in_the_marts_lead_order(warehouse: Path, content) -> None:
    html = _rendered(_page(content, "drift.md"))
    tables = [t for t in html.split("</table>") if "<table" in t]
    baselines = [
        b
        for (b,) in _sql(
            warehouse,
            "select distinct baseline from marts.drift where scoring_run = ? order by 1",
            [RUN],
        )
    ]
    assert len(tables) == len(baselines) > 0  # one table per baseline
    for part, baseline in zip(tables, baselines, strict=True):
        assert _headers(part) == ["Model (config)", "Previous", "Now", "Delta", "Likely cause"]
        deltas = [float(d) for d in re.findall(r'<td data-sort="[^"]+">([+-]\d+\.\d)</td>', part)]
        expected = _sql(
            warehouse,
            "select delta_pct from marts.drift where scoring_run = ? and baseline = ?"
            " and delta_pct is not null order by lead_rank",
            [RUN, baseline],
        )
        assert deltas == [round(d, 1) for (d,) in expected]
    summary = _sql(
        warehouse,
        "select compared, regressions, gains from marts.drift_summary where scoring_run = ?"
        " order by baseline",
        [RUN],
    )
    for compared, regressions, gains in summary:
        assert f"{compared} configs compared: {regressions} regressions, {gains} gains" in html


@pytest.mark.parametrize(
    "uri",
    [
        "top-performers.md",
        "findings.md",
        "drift.md",
        "critical-issues.md",
        "models-to-avoid.md",
        "suites.md",
        "categories/draft.md",
        "methodology.md",
    ],
)
def test_mart_pages_use_human_headers(content, uri: str) -> None:
    headers = _headers(_rendered(_page(content, uri)))
    assert not [h for h in headers if "_" in h], headers


def test_suite_observations_show_range_and_hardest_question(warehouse: Path, content) -> None:
    html = _rendered(_page(content, "suites.md"))
    rows = _sql(
        warehouse,
        "select suite, pct_range, hardest_question, questions,"
        " questions_never_full_marks from marts.suite_observations"
        " where scoring_run = ?",
        [RUN],
    )
    for suite, pct_range, hardest, questions, never in rows:
        row = next(r for r in _table_rows(html) if f"<td>{suite}</td>" in r)
        assert pct_range in row and hardest in row and f"{never} of {questions}" in row


def test_notes_render_as_badges(warehouse: Path, content) -> None:
    html = _rendered(_page(content, "categories/draft.md"))
    notes = _sql(
        warehouse,
        "select notes from marts.leaderboard where scoring_run = ?"
        " and category = 'draft' and notes <> ''",
        [RUN],
    )
    for (note,) in notes:
        for part in note.split(","):
            assert f'<span class="rescore-badge">{esc(part.strip())}</span>' in html


def _chart_rows(spec: dict) -> list[dict]:
    """A chart's rows: inline, or the named dataset its data points to (charts.finish)."""
    data = spec.get("data") or {}
    if "values" in data:
        return data["values"]
    datasets = spec.get("datasets") or {}
    if data.get("name") in datasets:
        return datasets[data["name"]]
    return [r for rows in datasets.values() for r in rows]


def test_leaderboard_chart_has_one_bar_per_config(warehouse: Path, content) -> None:
    for chart in content.charts:
        if not chart.name.startswith("leaderboard-"):
            continue
        values = _chart_rows(chart.spec)
        labels = [v["label"] for v in values]
        assert len(set(labels)) == len(labels), chart.name


def test_downloads_list_the_findings_mart(content) -> None:
    html = _rendered(_page(content, "downloads.md"))
    assert "marts.findings" in html and "downloads/findings.parquet" in content.path_files


def test_downloads_hold_every_mart_of_the_project(content, site_marts_target: Path) -> None:
    from tests.site_marts import project_marts

    marts = project_marts(site_marts_target)
    assert "leaderboard" in marts
    for mart in marts:
        assert f"downloads/{mart}.parquet" in content.path_files, mart


def test_health_chart_reads_the_leaderboards_rates(warehouse: Path, content) -> None:
    chart = next(c for c in content.charts if c.name == "health-rates")
    spec = chart.spec
    values = _chart_rows(spec)
    shown = {(v["config"], v["flag"]): v["rate"] for v in values}
    rows = _sql(
        warehouse,
        "select config, truncated_rate, degenerate_rate from marts.leaderboard"
        " where scoring_run = ?",
        [RUN],
    )
    expected = {}
    for config, truncated, degenerate in rows:
        for flag, rate in (("truncated", truncated), ("degenerate", degenerate)):
            if rate:
                expected[(config, flag)] = 100.0 * rate
    assert expected and shown == pytest.approx(expected)


def test_methodology_thresholds_follow_a_vars_override(warehouse: Path, tmp_path: Path) -> None:
    """`dbt build --vars` shows on the page: Methodology reads `marts.thresholds`."""
    import os
    import shutil

    from rescore import paths
    from rescore.dbt_runner import dbt_executable
    from rescore.warehouse import ENV_VAR

    copy = tmp_path / "w.duckdb"
    shutil.copy(warehouse, copy)
    dbt = str(paths.dbt_dir())
    target = tmp_path / "target"
    proc = subprocess.run(
        [
            *dbt_executable(),
            "run",
            "--select",
            "thresholds",
            "--project-dir",
            dbt,
            "--profiles-dir",
            dbt,
            "--target-path",
            str(target),
            "--log-path",
            str(target),
            "--vars",
            '{"avoid_below_pct": 61.5}',
        ],
        env={**os.environ, ENV_VAR: str(copy), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    (value,) = _sql(copy, "select value from marts.thresholds where name = 'avoid_below_pct'")[0]
    content = generate_site(settings(copy, tmp_path / "work"))
    html = _page(content, "methodology.md").inline()
    row = next(r for r in _table_rows(html) if ">avoid_below_pct<" in r)
    assert "61.5" in value and "61.5" in row
    before = _page(generate_site(settings(warehouse, tmp_path / "w2")), "methodology.md").inline()
    assert "61.5" not in next(r for r in _table_rows(before) if ">avoid_below_pct<" in r)
    descriptions = _sql(copy, "select description from marts.thresholds")
    for (text,) in descriptions:
        assert html.count(esc(text)) == 1  # each threshold's own description, once


def test_site_builds_in_a_folder_whose_name_has_quotes(
    warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A project under `Bob's "runs"`: paths reach DuckDB's COPY quoted, never as bare text."""
    import shutil

    from rescore import paths

    folder = tmp_path / "Bob's \"runs\" '; drop table x; --"
    folder.mkdir()
    copy = folder / "w.duckdb"
    shutil.copy(warehouse, copy)
    monkeypatch.setattr(paths, "scratch_dir", lambda: folder / "scratch")
    site = folder / "site"
    assert build_site(copy, site_dir=site) == 0
    parquet = site / "downloads" / "leaderboard.parquet"
    assert parquet.exists() and (site / "downloads" / "leaderboard.csv").exists()
    con = duckdb.connect()
    try:
        got = con.execute("select count(*) from read_parquet(?)", [str(parquet)]).fetchone()
    finally:
        con.close()
    assert got == _sql(warehouse, "select count(*) from marts.leaderboard")[0]


def test_pareto_front_is_the_marts(warehouse: Path, content) -> None:
    """The quality-vs-speed chart marks exactly the rows dbt flags is_pareto (no Python front)."""
    chart = next(c for c in content.charts if c.name == "draft-quality-vs-speed")
    rows = _chart_rows(chart.spec)
    shown = {r["config"] for r in rows if r["pareto"] == "Pareto front"}
    from rescore.site.data import choose_scoring_run

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        run = choose_scoring_run(con, None)
    finally:
        con.close()
    sql = (
        "select config from marts.leaderboard where category = 'draft' and is_pareto"
        " and scoring_run = ?"
    )
    expected = {c for (c,) in _sql(warehouse, sql, [run])}
    assert shown == expected and expected


def test_leaderboard_charts_draw_the_marts_intervals(warehouse: Path, content) -> None:
    """Each bar carries the mart's 95% interval, drawn as a rule layer (error bar)."""
    chart = next(c for c in content.charts if c.name == "leaderboard-draft")
    marks = [layer["mark"]["type"] for layer in chart.spec["layer"]]
    assert marks == ["bar", "rule"]
    values = _chart_rows(chart.spec)
    shown = {v["config"]: (v["pct_ci_low"], v["pct_ci_high"]) for v in values}
    from rescore.site.data import choose_scoring_run

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        run = choose_scoring_run(con, None)
    finally:
        con.close()
    sql = (
        "select config, pct_ci_low, pct_ci_high from marts.leaderboard"
        " where category = 'draft' and scoring_run = ?"
    )
    expected = {c: (lo, hi) for c, lo, hi in _sql(warehouse, sql, [run])}
    assert shown == expected
    assert any(lo is not None for lo, _ in expected.values())
    svg = render_svgs([chart])[chart.name]
    assert svg.count("<line") > 0


def test_methodology_shows_rubric_agreement_and_coverage(warehouse: Path, content) -> None:
    html = _rendered(_page(content, "methodology.md"))
    (rubric,) = _sql(
        warehouse, "select rubric from marts.scoring_runs where scoring_run = ?", [RUN]
    )[0]
    assert rubric and esc(rubric) in html and "<b>or</b>" not in html
    assert "decided_by" in html  # the missing per-path share is stated, not computed here
    for (message,) in _sql(
        warehouse,
        "select message from marts.coverage where scoring_run = ? and message is not null",
        [RUN],
    ):
        assert esc(message) in html
    pairs = _sql(
        warehouse,
        "select scoring_run_a, scoring_run_b from marts.judge_agreement"
        " where ? in (scoring_run_a, scoring_run_b)",
        [RUN],
    )
    if pairs:
        assert "How the judge of this scoring run" in html


def test_every_chart_spec_is_valid_vega_lite(content) -> None:
    """The build skips Altair's validation for speed; this is where specs are checked."""
    from rescore.site.charts import validate_spec

    assert content.charts
    for chart in content.charts:
        validate_spec(chart.spec)


def test_models_to_avoid_shows_the_short_list(warehouse: Path, content) -> None:
    """One row per listed base config (marts.models_to_avoid.is_listed) in the first table;
    configs folded into a listed row appear only inside it; avoided configs of groups not on
    the short list are in the collapsed block after it, each once."""
    html = _rendered(_page(content, "models-to-avoid.md"))
    short, _, collapsed = html.partition("<details")
    rows = [r for r in _table_rows(short) if "<td" in r]
    listed = _sql(
        warehouse,
        "select count(*) from marts.models_to_avoid where scoring_run = ? and is_listed",
        [RUN],
    )[0][0]
    assert listed > 0 and len(rows) == listed
    folded = _sql(
        warehouse,
        "select config from marts.models_to_avoid where scoring_run = ? and not is_listed"
        " and listed_config is not null",
        [RUN],
    )
    for (config,) in folded:
        assert any(esc(config) in r for r in rows), config
    rest = _sql(
        warehouse,
        "select config from marts.models_to_avoid where scoring_run = ? and listed_config is null",
        [RUN],
    )
    rest_rows = [r for r in _table_rows(collapsed) if "<td" in r]
    assert len(rest_rows) == len(rest)
    for (config,) in rest:
        assert not any(esc(config) in r for r in rows), config
        assert any(esc(config) in r for r in rest_rows), config


def test_downloads_examples_run_as_printed(warehouse: Path, content) -> None:
    """Every example on the Downloads page runs as printed with Python's duckdb module (no
    CLI, no numpy): the warehouse ones in the warehouse's folder, the others in the folder of
    the downloaded files."""
    import html as html_lib

    text = _rendered(_page(content, "downloads.md"))
    examples = re.findall(
        r'<pre data-run-in="(\w+)"><code class="language-python">(.*?)</code></pre>',
        text,
        flags=re.S,
    )
    assert {where for where, _ in examples} == {"warehouse", "downloads"}, examples
    downloads = Path(content.path_files["downloads/leaderboard.parquet"]).parent
    for where, code in examples:
        snippet = html_lib.unescape(code)
        no_numpy = "import sys\nsys.modules['numpy'] = None  # any import of numpy fails\n"
        proc = subprocess.run(
            [sys.executable, "-c", no_numpy + snippet],
            cwd=warehouse.parent if where == "warehouse" else downloads,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 0, (where, proc.stderr)
        assert "pct" in proc.stdout, (where, proc.stdout)
