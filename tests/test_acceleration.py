"""Acceleration: config names parsed, accelerated configs linked, marts.acceleration, the page.

A small warehouse written straight into the `raw` contract covers the rules (a name that does
not parse, a role without baseline, a role whose baseline is unjudged, MoE quality loss); the
real run covers every real config name and the issue's "must show" for Qwen2.5-72B. Expected
values are computed here from the inputs, never read back from the models under test.
"""

from __future__ import annotations

import csv
import html
import json
import re
import statistics
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from rescore.dbt_runner import run_dbt_build
from rescore.site.pages.acceleration import NAMES_URI, role_uri
from rescore.warehouse import connect, response_id
from tests.conftest import REAL_REVIEWS, REAL_RUN, REAL_SUITES, require_real_data

NOW = datetime(2026, 1, 16, 12, 0, 0)
TOLERANCE = 2.0  # the mart's default var acceleration_quality_tolerance


def cell(name: str) -> str:
    """A config name as the page's tables write it: escaped (the site's toolkit tables)."""
    return html.escape(name)


def acceleration_page(
    con: duckdb.DuckDBPyConnection, scoring_run: str
) -> tuple[str, dict, dict[str, str]]:
    """The Acceleration page (rescore.site.pages.acceleration) over `con`: HTML and chart specs.

    Only the acceleration mart and the name listing are read, as the site's data loader reads
    them; the page module knows nothing of the connection.
    """
    from rescore.site.data import ReportData, Table, table
    from rescore.site.page import Context
    from rescore.site.pages.acceleration import acceleration
    from rescore.site.responses import config_names

    (has,) = con.execute(
        "select count(*) from information_schema.tables"
        " where table_schema = 'marts' and table_name = 'acceleration'"
    ).fetchone()
    sql = "select * from marts.acceleration where scoring_run = ?"
    marts = {"acceleration": table(con, sql, [scoring_run])} if has else {}
    empty = Table([], [])
    data = ReportData(
        warehouse=Path("w.duckdb"),
        scoring_run=scoring_run,
        scoring_runs=empty,
        leaderboard=[],
        suite_scores=[],
        marts=marts,
        mart_columns={},
        suites=empty,
        configs={},
        response_counts={},
        response_suites={},
        facts={},
        config_names=config_names(con),
    )
    ctx = Context(data=data, version=None)
    pages = acceleration(ctx)  # the summary, then a page per role and run, the names page
    by_uri = {p.src_uri: p.inline() for p in pages}
    return "\n".join(by_uri.values()), {c.name: c.spec for c in ctx.charts}, by_uri


def build(warehouse: Path, target: Path) -> None:
    """dbt build of the acceleration mart and its parents, with only their own tests."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DBT_INDIRECT_SELECTION", "cautious")
        assert run_dbt_build(warehouse, select="+acceleration", target_path=target) == 0


def pct(scores: list[int]) -> float:
    return 100.0 * sum(scores) / (3 * len(scores))


# ------------------------------------------------------------------- synthetic warehouse

RUN = "r1"
# config -> (role, model, config_name, [(is_speed_test, tps)], {scoring_run: [scores]}).
# Response i of a config has tokens(i) completion tokens, so speeds are token-weighted.
SYNTHETIC: dict[str, tuple[str, str, str, list[tuple[bool, float | None]], dict]] = {
    "arch_baseline": (
        "arch",
        "M",
        "baseline",
        [(False, 10.0), (False, 12.0), (False, None)],
        {"s1": [3, 3, 3, 2]},
    ),
    "arch_moe4": (
        "arch",
        "M",
        "moe4",
        [(False, 20.0), (False, 20.0)],
        {"s1": [3, 3, 3, 1], "s2": [3, 3]},
    ),
    "arch_moe4_spec_draft_d1_k8": ("arch", "M", "moe4_spec_draft_d1_k8", [(True, 40.0)], {}),
    "arch_spec_draft_d1_k8": ("arch", "M", "spec_draft_d1_k8", [(True, 15.0)], {"s1": [0]}),
    "arch_spec_draft_d1_k16": ("arch", "M", "spec_draft_d1_k16", [(True, 18.0)], {}),
    "arch_spec_draft_d2_k8": ("arch", "M", "spec_draft_d2_k8", [(True, 30.0)], {}),
    "arch_lookup_n4": ("arch", "M", "lookup_n4", [(True, 25.0)], {}),
    "arch_turbo": ("arch", "M", "turbo_mode", [(False, 100.0)], {"s1": [3, 3, 3, 3]}),
    "orphan_spec_draft_d1_k8": ("orphan", "N", "spec_draft_d1_k8", [(True, 9.0)], {}),
    "quiet_baseline": ("quiet", "O", "baseline", [(False, 5.0)], {}),
    "quiet_lookup_n3": ("quiet", "O", "lookup_n3", [(True, 6.0)], {}),
}


def tokens(i: int) -> int:
    """Completion tokens of a config's i-th response (unequal, so weighting matters)."""
    return 100 * (i + 1)


def write_synthetic(con: duckdb.DuckDBPyConnection) -> None:
    # the answers' questions exist in the suites (only those count for quality)
    for i in range(8):
        for question in (f"q{i}", f"extra{i}"):
            con.execute(
                "insert into raw.questions (suite, question_id, tier, source_file, source_path)"
                " values ('s', ?, 1, 's.yaml', ?)",
                [question, f"prompts.{question}"],
            )
    for run_scoring in ("s1", "s2"):
        con.execute(
            "insert into raw.scoring_runs (scoring_run, judge, rubric_version, origin, "
            "created_at, updated_at) values (?, 'test', 'v1', 'judge', ?, ?)",
            [run_scoring, NOW, NOW],
        )
    for config, (role, model, name, responses, judged) in SYNTHETIC.items():
        con.execute(
            "insert into raw.configs (run_id, config, role, config_name, model, source_file, "
            "file_sha256, loaded_at) values (?, ?, ?, ?, ?, ?, 'x', ?)",
            [RUN, config, role, name, model, f"{config}.json", NOW],
        )
        ids = []
        for i, (is_speed_test, tps) in enumerate(responses):
            suite, question = (
                ("speed_test", "speed_measurement") if is_speed_test else ("s", f"q{i}")
            )
            rid = response_id(RUN, config, suite, question)
            ids.append(rid)
            con.execute(
                "insert into raw.responses (response_id, run_id, config, suite, question_id, "
                "response, tokens_per_second, completion_tokens, is_speed_test, in_suite, "
                "source_file, source_path) values (?, ?, ?, ?, ?, 'answer', ?, ?, ?, ?, ?, ?)",
                [
                    rid,
                    RUN,
                    config,
                    suite,
                    question,
                    tps,
                    tokens(i),
                    is_speed_test,
                    not is_speed_test,
                    f"{config}.json",
                    f"results.{suite}.{question}",
                ],
            )
        for scoring_run, scores in judged.items():
            # judgments go to the responses in order; extra scores get extra answer records
            for i, score in enumerate(scores):
                if i < len(ids):
                    rid = ids[i]
                else:
                    rid = response_id(RUN, config, "s", f"extra{i}")
                    con.execute(
                        "insert or ignore into raw.responses (response_id, run_id, config, "
                        "suite, question_id, tokens_per_second, is_speed_test, in_suite, "
                        "source_file, source_path) values (?, ?, ?, 's', ?, null, false, true, "
                        "?, ?)",
                        [rid, RUN, config, f"extra{i}", f"{config}.json", f"results.s.extra{i}"],
                    )
                con.execute(
                    "insert into raw.judgments (scoring_run, response_id, judge, rubric_version, "
                    "score, judged_at) values (?, ?, 'test', 'v1', ?, ?)",
                    [scoring_run, rid, score, NOW],
                )


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("accel")
    warehouse = folder / "rescore.duckdb"
    con = connect(warehouse)
    write_synthetic(con)
    con.close()
    build(warehouse, folder / "target")
    return warehouse


def query(warehouse: Path, sql: str, params: list | None = None) -> list[dict]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        cur = con.execute(sql, params or [])
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]
    finally:
        con.close()


def weighted(records: list[tuple[int, float]]) -> float:
    """Token-weighted rate: total tokens / total generation time (tokens / rate each)."""
    return sum(n for n, _ in records) / sum(n / t for n, t in records)


def answer_tps(config: str) -> float:
    """Token-weighted rate of the config's answers, or of its speed test when accelerated."""
    role, model, name, responses, _ = SYNTHETIC[config]
    speed = [(tokens(i), t) for i, (s, t) in enumerate(responses) if s and t]
    answers = [(tokens(i), t) for i, (s, t) in enumerate(responses) if not s and t]
    accelerated = "spec" in name or "lookup" in name
    return weighted(speed if accelerated and speed else answers or speed)


def test_names_parse_or_are_listed_and_link_to_their_base(synthetic: Path) -> None:
    linked = query(synthetic, "select * from intermediate.int_configs_linked")
    rows = {r["config"]: r for r in linked}
    assert set(rows) == set(SYNTHETIC)
    turbo = rows["arch_turbo"]
    assert turbo["parse_status"] == "not_parsed" and turbo["parse_note"]
    assert turbo["experts"] is None and turbo["draft_k"] is None and turbo["lookup_n"] is None
    assert rows["arch_moe4_spec_draft_d1_k8"]["link_status"] == "linked"
    assert rows["arch_moe4_spec_draft_d1_k8"]["base_config"] == "arch_moe4"
    assert rows["arch_spec_draft_d2_k8"]["base_config"] == "arch_baseline"
    assert rows["arch_lookup_n4"]["base_config"] == "arch_baseline"
    orphan = rows["orphan_spec_draft_d1_k8"]
    assert (orphan["link_status"], orphan["base_config"]) == ("missing_base", None)


def test_mart_has_only_roles_whose_baseline_was_judged(synthetic: Path) -> None:
    rows = query(synthetic, "select scoring_run, role, config from marts.acceleration")
    judged_baselines = {
        (sr, SYNTHETIC[c][0])
        for c, v in SYNTHETIC.items()
        if SYNTHETIC[c][2] == "baseline"
        for sr in v[4]
    }
    assert {(r["scoring_run"], r["role"]) for r in rows} == judged_baselines
    arch_configs = {c for c, v in SYNTHETIC.items() if v[0] == "arch"}
    assert {r["config"] for r in rows if r["scoring_run"] == "s1"} == arch_configs


def test_speed_quality_and_recommendation(synthetic: Path) -> None:
    rows = {
        r["config"]: r
        for r in query(synthetic, "select * from marts.acceleration where scoring_run = 's1'")
    }
    baseline_tps = answer_tps("arch_baseline")
    baseline_pct = pct(SYNTHETIC["arch_baseline"][4]["s1"])
    own = {c: pct(v[4]["s1"]) for c, v in SYNTHETIC.items() if "s1" in v[4]}
    bases = {"arch_moe4_spec_draft_d1_k8": "arch_moe4"}
    expected_quality = {}
    for config, row in rows.items():
        assert row["tps"] == pytest.approx(answer_tps(config))
        assert row["speedup"] == pytest.approx(answer_tps(config) / baseline_tps)
        name = SYNTHETIC[config][2]
        if "spec" in name or "lookup" in name:
            source = bases.get(config, "arch_baseline")
            expected_quality[config] = own[source]
            assert row["quality_source"] == "inherited"
        else:
            expected_quality[config] = own[config]
            assert row["quality_source"] == "measured"
        assert row["quality_pct"] == pytest.approx(expected_quality[config])
        assert row["quality_delta"] == pytest.approx(expected_quality[config] - baseline_pct)
    # The speed test the judge scored 0 must not leak into the spec config's quality.
    assert rows["arch_spec_draft_d1_k8"]["quality_pct"] == pytest.approx(baseline_pct)
    eligible = [
        c
        for c in rows
        if SYNTHETIC[c][2] != "turbo_mode" and expected_quality[c] >= baseline_pct - TOLERANCE
    ]
    best = max(eligible, key=answer_tps)
    assert [c for c, r in rows.items() if r["is_recommended"]] == [best]
    # The not-parsed config is faster and better, yet never recommended.
    assert rows["arch_turbo"]["tps"] > rows[best]["tps"]


def test_page_lists_roles_charts_and_unparsed_names(synthetic: Path) -> None:
    con = duckdb.connect(str(synthetic), read_only=True)
    try:
        markdown, charts, pages = acceleration_page(con, "s1")
    finally:
        con.close()
    assert markdown.startswith("# Acceleration")
    overview = markdown.split("## Recommended config per role")[1].split("## Per role")[0]
    speedup = answer_tps("arch_spec_draft_d2_k8") / answer_tps("arch_baseline")
    assert cell("arch_spec_draft_d2_k8") in overview and f"×{speedup:.2f}" in overview
    # a page per role with experiments: arch has one, orphan (no base) has none
    assert role_uri("arch") in pages and role_uri("orphan") not in pages
    assert pages[role_uri("arch")].startswith("# arch")
    assert list(charts) == ["acceleration-arch"]
    assert 'data-chart="acceleration-arch"' in markdown
    spec_json = json.dumps(charts["acceleration-arch"])
    values = [
        v
        for layer in charts["acceleration-arch"]["layer"]
        for v in (layer.get("data") or {}).get("values", [])
    ]
    if not values:  # Altair may hoist inline data into top-level datasets
        values = [v for ds in charts["acceleration-arch"].get("datasets", {}).values() for v in ds]
    series = {(v.get("series"), v.get("k")) for v in values if "series" in v}
    assert series == {("d1", 8), ("d1", 16), ("d2", 8), ("d1 @ moe4", 8)}
    baseline_tps = answer_tps("arch_baseline")  # 300 tokens in 10 s + 16.7 s: 11.25, not 11.0
    assert any(
        v.get("label") == "baseline" and v["tps"] == pytest.approx(baseline_tps) for v in values
    )
    assert "description" in spec_json
    # The spec is valid Vega-Lite: it renders to SVG with the bundled Vega.
    import vl_convert

    assert "<svg" in vl_convert.vegalite_to_svg(spec_json)
    # Listing: the unparsed name and the config without a base both appear.
    names = pages[NAMES_URI]
    assert cell("turbo_mode") in names and cell("orphan_spec_draft_d1_k8") in names


def test_page_for_a_scoring_run_without_judged_baselines(synthetic: Path) -> None:
    con = duckdb.connect(str(synthetic), read_only=True)
    try:
        markdown, charts, pages = acceleration_page(con, "s2")
    finally:
        con.close()
    assert charts == {}
    assert "No role's baseline was judged" in markdown
    assert cell("turbo_mode") in markdown  # the name listing does not depend on the scoring run


def test_page_without_a_build_says_what_to_run(tmp_path: Path) -> None:
    connect(tmp_path / "w.duckdb").close()
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    try:
        markdown, charts, pages = acceleration_page(con, "s1")
    finally:
        con.close()
    assert charts == {} and "rescore build" in markdown


# ------------------------------------------------------------------- the real run

ROLE = "architect_qwen2_5_72b"


def rebuild_name(row: dict) -> str:
    """The config_name the parsed parts spell, by the documented grammar."""
    if row["acceleration"] == "baseline":
        return "baseline"
    parts = []
    if row["experts"] is not None:
        parts.append(f"moe{row['experts']}")
    if row["draft_k"] is not None:
        draft = f"_draft_{row['draft_model']}" if row["draft_model"] else ""
        parts.append(f"spec{draft}_k{row['draft_k']}")
    if row["lookup_n"] is not None:
        parts.append(f"lookup_n{row['lookup_n']}")
    return "_".join(parts)


def real_config_files() -> dict[str, dict]:
    """Run file stem -> JSON, for the per-config files (those with a config_name)."""
    out = {}
    for path in sorted(REAL_RUN.glob("*.json")):
        data = json.loads(path.read_text())
        if isinstance(data, dict) and "config_name" in data:
            out[path.stem] = data
    return out


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_real_data()
    from ingest.pipeline import ingest_all

    folder = tmp_path_factory.mktemp("accel_real")
    warehouse = folder / "rescore.duckdb"
    con = connect(warehouse)
    ingest_all(con, REAL_SUITES, [REAL_RUN])
    con.execute(
        "insert into raw.scoring_runs (scoring_run, judge, rubric_version, origin, created_at, "
        "updated_at) values ('real', 'imported', 'v1', 'import', ?, ?)",
        [NOW, NOW],
    )
    for row in baseline_review_rows():
        rid = response_id(REAL_RUN.name, f"{ROLE}_baseline", row["suite"], row["question_id"])
        con.execute(
            "insert into raw.judgments (scoring_run, response_id, judge, rubric_version, score, "
            "reason, judged_at) values ('real', ?, 'imported', 'v1', ?, ?, ?)",
            [rid, int(row["claude_score"]), row["score_reason"], NOW],
        )
    con.close()
    build(warehouse, folder / "target")
    return warehouse


def baseline_review_rows() -> list[dict]:
    path = REAL_REVIEWS / f"{ROLE}_baseline.csv"
    with path.open(newline="") as f:
        lines = [line for line in f if not line.startswith("#")]
    return [r for r in csv.DictReader(lines) if (r.get("claude_score") or "").strip().isdigit()]


@pytest.mark.realdata
def test_every_real_config_name_is_parsed_or_listed(real: Path) -> None:
    files = real_config_files()
    rows = query(real, "select * from intermediate.int_configs_parsed")
    assert {r["config"] for r in rows} == set(files)
    for row in rows:
        assert row["config_name"] == files[row["config"]]["config_name"]
        if row["parse_status"] == "parsed":
            assert rebuild_name(row) == row["config_name"], row
        else:
            assert row["parse_status"] == "not_parsed" and row["parse_note"], row
            assert row["experts"] is row["draft_k"] is row["lookup_n"] is None
    by_config = {r["config"]: r for r in rows}
    combo = by_config["architect_coding_moe4_spec_draft_qwen3_coder_0_75b_k16"]
    parts = (combo["experts"], combo["draft_model"], combo["draft_k"])
    assert parts == (4, "qwen3_coder_0_75b", 16)
    q2k = by_config[f"{ROLE}_spec_draft_qwen2_5_coder_1_5b_q2_k_k8"]
    assert (q2k["draft_model"], q2k["draft_k"]) == ("qwen2_5_coder_1_5b_q2_k", 8)


@pytest.mark.realdata
def test_real_accelerated_configs_link_or_are_listed_missing(real: Path) -> None:
    files = real_config_files()
    rows = query(real, "select * from intermediate.int_configs_linked where is_accelerated")
    roles_with_baseline = {
        d["model_role"] for d in files.values() if d["config_name"] == "baseline"
    }
    for row in rows:
        role = files[row["config"]]["model_role"]
        if row["experts"] is None and role not in roles_with_baseline:
            assert row["link_status"] == "missing_base", row
        if row["link_status"] == "linked":
            base = files[row["base_config"]]
            assert base["model_role"] == role
            expected = f"moe{row['experts']}" if row["experts"] is not None else "baseline"
            assert base["config_name"] == expected
        else:
            assert row["link_status"] == "missing_base" and row["base_config"] is None


def timed(records: list[dict]) -> list[tuple[int, float]]:
    """(completion tokens, rate) of the records with both positive."""
    out = []
    for r in records:
        n, t = r.get("completion_tokens"), r.get("tokens_per_second")
        if n in (None, "None") or t in (None, "None"):
            continue
        if int(n) > 0 and float(t) > 0:
            out.append((int(n), float(t)))
    return out


@pytest.mark.realdata
def test_qwen2_5_72b_speculative_configs_against_the_baseline(real: Path) -> None:
    files = {stem: d for stem, d in real_config_files().items() if d["model_role"] == ROLE}
    spec_tps = {}
    for stem, data in files.items():
        if data["config_name"].startswith("spec_"):
            records = [r for qs in data["results"].values() for r in qs.values()]
            # speed-test records carry a rate but no token count: their mean rate
            rated = timed(records)
            spec_tps[stem] = (
                weighted(rated)
                if rated
                else statistics.mean(float(r["tokens_per_second"]) for r in records)
            )
    baseline = files[f"{ROLE}_baseline"]
    baseline_tps = weighted(timed([r for qs in baseline["results"].values() for r in qs.values()]))
    scores = [int(r["claude_score"]) for r in baseline_review_rows()]
    baseline_pct = pct(scores)

    rows = {
        r["config"]: r
        for r in query(
            real, "select * from marts.acceleration where scoring_run = 'real' and role = ?", [ROLE]
        )
    }
    assert set(rows) == set(spec_tps) | {f"{ROLE}_baseline"}
    assert len(spec_tps) >= 30
    for config, tps in spec_tps.items():
        row = rows[config]
        assert row["tps"] == pytest.approx(tps)
        assert row["baseline_tps"] == pytest.approx(baseline_tps)
        assert row["speedup"] == pytest.approx(tps / baseline_tps)
        assert row["quality_source"] == "inherited"
        assert row["quality_pct"] == pytest.approx(baseline_pct)
    # Every spec config inherits the baseline's quality, so the fastest one is recommended.
    fastest = max(spec_tps, key=spec_tps.__getitem__)
    assert [c for c, r in rows.items() if r["is_recommended"]] == [fastest]

    con = duckdb.connect(str(real), read_only=True)
    try:
        markdown, charts, pages = acceleration_page(con, "real")
    finally:
        con.close()
    from rescore.site.page import slug
    from rescore.site.toolkit import md_esc

    anchor = slug(ROLE)
    section = pages[role_uri(ROLE)]
    assert f"{baseline_tps:.2f} tok/s" in section
    assert f"Recommended: **{md_esc(fastest)}**" in section
    rows = re.findall(r"<tr>.*?</tr>", section, re.DOTALL)
    for config, tps in spec_tps.items():
        line = next(r for r in rows if r.startswith(f"<tr><td>{cell(config)}</td>"))
        assert f">{tps:.2f}<" in line
    overview = pages["acceleration.md"].split("## Recommended config per role")[1]
    row = next(
        r
        for r in re.findall(r"<tr>.*?</tr>", overview, re.DOTALL)
        if re.search(rf'href="[^"]*{re.escape(anchor)}[^"]*"', r)
    )
    assert f"<td>{cell(fastest)}</td>" in row
    assert f"acceleration-{anchor}" in charts
