"""`rescore build` over a small hand-made warehouse: marts, dbt tests and failure reporting.

The raw rows are written here (the contract is `rescore/warehouse.py`), dbt builds once per
module, and each test recomputes what a mart should hold from the same rows in plain Python.
"""

from __future__ import annotations

from datetime import datetime
from itertools import product
from pathlib import Path

import duckdb
import pytest

from rescore.dbt_runner import run_dbt_build
from rescore.warehouse import connect, response_id

NOW = datetime(2026, 1, 16, 12, 0, 0)
RUN = "r1"

# config -> (role, model, [(suite, question_id, tokens_per_second, completion_tokens)])
CONFIGS: dict[str, tuple[str, str, list[tuple[str, str, float, int]]]] = {
    "draft_fast_baseline": (
        "draft_gemma3",
        "fast-1b-Q8_0",
        [
            ("general", "q1", 100.0, 50),
            ("general", "q2", 110.0, 60),
            ("general", "q3", 100.0, 50),
            ("thinking", "q1", 120.0, 70),
            ("thinking", "q2", 130.0, 80),
        ],
    ),
    "draft_slow_baseline": (
        "draft_qwen3_1_7b_q8_0",
        "slow-1.7b-Q8_0",
        [
            ("general", "q1", 30.0, 50),
            ("general", "q2", 31.0, 60),
            ("general", "q3", 30.0, 50),
            ("thinking", "q1", 32.0, 70),
            ("thinking", "q2", 33.0, 80),
        ],
    ),
    "general_broken_baseline": (
        "general_meta_llama_3_1_8b_q4_k_s",
        "Broken-8B.Q4_K_S",
        [
            ("general", "q1", 10.0, 2047),
            ("general", "q2", 12.0, 2047),
            ("thinking", "q1", 14.0, 300),
            ("thinking", "q2", 16.0, 300),
            ("thinking", "q3", 15.0, 300),
            ("vl", "q1", 18.0, 300),
            ("speed_test", "speed", 200.0, 100),
        ],
    ),
    "mystery_baseline": ("mystery_role", "Mystery-7B", [("general", "q1", 5.0, 10)]),
    "worker_vision_baseline": (
        "worker_vision",
        "Vision-7B",
        [
            ("general", "q1", 20.0, 10),
            ("general", "q2", 20.0, 10),
            ("thinking", "q1", 20.0, 10),
            ("thinking", "q2", 20.0, 10),
            ("vl", "q1", 20.0, 10),
            ("vl", "q2", 20.0, 10),
            ("vl", "q3", 20.0, 10),
            ("vl", "q4", 20.0, 10),
            ("vl", "q5", 20.0, 10),
        ],
    ),
}


def _scored(config: str, questions: str, scores: list[int]) -> dict[tuple[str, str, str], int]:
    """{(config, suite, question_id): score} for "suite:q1 suite:q2 ..." in order."""
    keys = [tuple(sq.split(":")) for sq in questions.split()]
    return {(config, s, q): v for (s, q), v in zip(keys, scores, strict=True)}


# scoring run -> {(config, suite, question_id): score}. s1 also scores the speed-test record
# (as an imported CSV may): it must never count toward a quality figure.
S1 = {
    **_scored(
        "draft_fast_baseline",
        "general:q1 general:q2 general:q3 thinking:q1 thinking:q2",
        [3, 3, 3, 2, 3],
    ),
    **_scored(
        "draft_slow_baseline",
        "general:q1 general:q2 general:q3 thinking:q1 thinking:q2",
        [3, 2, 3, 3, 3],
    ),
    **_scored(
        "general_broken_baseline",
        "general:q1 general:q2 thinking:q1 thinking:q2 thinking:q3 vl:q1",
        [0, 0, 0, 1, 0, 0],
    ),
    ("mystery_baseline", "general", "q1"): 2,
    ("general_broken_baseline", "speed_test", "speed"): 3,
    **_scored(
        "worker_vision_baseline",
        "general:q1 general:q2 thinking:q1 thinking:q2 vl:q1 vl:q2 vl:q3 vl:q4 vl:q5",
        [0, 0, 1, 0, 3, 3, 3, 2, 3],
    ),
}
S2 = {
    ("draft_fast_baseline", "general", "q1"): 2,
    ("draft_fast_baseline", "general", "q2"): 3,
    ("draft_fast_baseline", "thinking", "q1"): 0,
    ("draft_fast_baseline", "thinking", "q2"): 3,
    ("general_broken_baseline", "general", "q1"): 1,
    ("general_broken_baseline", "general", "q2"): 0,
    ("general_broken_baseline", "thinking", "q1"): 0,
}
SCORING_RUNS = {"s1": (S1, datetime(2026, 1, 1)), "s2": (S2, datetime(2026, 1, 10))}

# (config, suite, question_id) -> flags
FLAGS = {
    ("general_broken_baseline", "general", "q1"): ["truncated", "degenerate"],
    ("general_broken_baseline", "general", "q2"): ["truncated", "degenerate"],
    ("general_broken_baseline", "thinking", "q1"): ["degenerate", "echo_only"],
}

BASELINES = [
    # baseline, subject, subject_kind, pct, pct_text, suite_scores
    ("prev", "fast-1b-Q8_0", "model", 50.0, "50%", '{"general": "1/2", "thinking": "2/2"}'),
    ("prev", "general_broken_baseline", "config", 93.0, "93%+", None),
]


def rid(config: str, suite: str, question_id: str) -> str:
    return response_id(RUN, config, suite, question_id)


def fill_warehouse(path: Path) -> None:
    """Write the raw rows above through the same DDL every stage uses."""
    con = connect(path)
    con.execute("insert into raw.runs values (?, 'runs/r1', ?, 0, ?)", [RUN, len(CONFIGS), NOW])
    suites = {s for _, _, rows in CONFIGS.values() for s, *_ in rows if s != "speed_test"}
    for suite in sorted(suites):
        con.execute(
            "insert into raw.suites (suite, question_count, source_file, file_sha256, loaded_at)"
            " values (?, 5, ?, 'x', ?)",
            [suite, f"{suite}.yaml", NOW],
        )
        for q in ("q1", "q2", "q3", "q4", "q5"):
            con.execute(
                "insert into raw.questions (suite, question_id, tier, source_file, source_path)"
                " values (?, ?, 1, ?, ?)",
                [suite, q, f"{suite}.yaml", f"prompts.{q}"],
            )
    for config, (role, model, rows) in CONFIGS.items():
        con.execute(
            "insert into raw.configs (run_id, config, role, config_name, model, source_file,"
            " file_sha256, loaded_at) values (?, ?, ?, 'baseline', ?, ?, 'x', ?)",
            [RUN, config, role, model, f"{config}.json", NOW],
        )
        for suite, q, tps, tokens in rows:
            con.execute(
                "insert into raw.responses (response_id, run_id, config, suite, question_id,"
                " response, tokens_per_second, completion_tokens, is_speed_test, in_suite,"
                " source_file, source_path) values (?, ?, ?, ?, ?, 'answer', ?, ?, ?, ?, ?, ?)",
                [
                    rid(config, suite, q),
                    RUN,
                    config,
                    suite,
                    q,
                    tps,
                    tokens,
                    suite == "speed_test",
                    suite != "speed_test",
                    f"{config}.json",
                    f"results.{suite}.{q}",
                ],
            )
    for name, (scores, created) in SCORING_RUNS.items():
        con.execute(
            "insert into raw.scoring_runs (scoring_run, judge, rubric_version, origin,"
            " created_at, updated_at) values (?, ?, 'v1', 'import', ?, ?)",
            [name, f"judge-{name}", created, created],
        )
        for (config, suite, q), score in scores.items():
            con.execute(
                "insert into raw.judgments (scoring_run, response_id, judge, rubric_version,"
                " score, judged_at) values (?, ?, ?, 'v1', ?, ?)",
                [name, rid(config, suite, q), f"judge-{name}", score, created],
            )
    for (config, suite, q), flags in FLAGS.items():
        for flag in flags:
            con.execute(
                "insert into raw.response_flags values (?, ?, 'seen', 'd1', ?)",
                [rid(config, suite, q), flag, NOW],
            )
    for i, (baseline, subject, kind, pct, text, suites_json) in enumerate(BASELINES):
        con.execute(
            "insert into raw.baselines (baseline, subject, subject_kind, pct, pct_text,"
            " suite_scores, source_file, source_line, loaded_at)"
            " values (?, ?, ?, ?, ?, ?::json, 'summary.csv', ?, ?)",
            [baseline, subject, kind, pct, text, suites_json, i + 2, NOW],
        )
    con.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, str]:
    """One dbt build for the module: (warehouse, exit code, printed summary)."""
    tmp = tmp_path_factory.mktemp("dbt")
    warehouse = tmp / "w.duckdb"
    fill_warehouse(warehouse)
    capture = tmp / "out.txt"
    import contextlib

    with capture.open("w") as fh, contextlib.redirect_stdout(fh):
        code = run_dbt_build(warehouse, target_path=tmp / "target")
    return warehouse, code, capture.read_text()


def query(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def test_build_passes_and_warns_about_the_uncategorised_role(built):
    warehouse, code, out = built
    assert code == 0, out
    # the role missing from the seed is visible twice: in the marts and as a dbt warning
    assert "warning" in out and "is_role_categorised" in out
    rows = query(
        warehouse, "select category from marts.leaderboard where config = 'mystery_baseline'"
    )
    assert rows == [("uncategorised",)]


def test_schemas_are_exactly_the_layer_names(built):
    warehouse, _, _ = built
    schemas = {
        r[0] for r in query(warehouse, "select schema_name from information_schema.schemata")
    }
    assert {"raw", "staging", "intermediate", "marts", "seeds"} <= schemas
    assert not [s for s in schemas if s.startswith("main_")]
    tables = {
        r[0]
        for r in query(
            warehouse,
            "select table_name from information_schema.tables where table_schema = 'marts'",
        )
    }
    assert {
        "leaderboard",
        "suite_scores",
        "top_performers",
        "models_to_avoid",
        "drift",
        "judge_agreement",
        "judge_agreement_matrix",
        "critical_issues",
        "suite_observations",
    } <= tables


def expected_leaderboard(
    scoring_run: str,
) -> dict[str, tuple[int, int, float, float, int, int, int]]:
    scores = SCORING_RUNS[scoring_run][0]
    out = {}
    for config, (_, _, rows) in CONFIGS.items():
        # quality only from suite answers: the speed-test record's score never counts
        judged = [v for (c, s, _), v in scores.items() if c == config and s != "speed_test"]
        if not judged:
            continue
        tps = [t for _, _, t, _ in rows]
        truncated = sum("truncated" in f for (c, _, _), f in FLAGS.items() if c == config)
        out[config] = (
            sum(judged),
            3 * len(judged),
            100 * sum(judged) / (3 * len(judged)),
            sum(tps) / len(tps),
            len(rows),
            len(judged),
            truncated,
        )
    return out


@pytest.mark.parametrize("scoring_run", ["s1", "s2"])
def test_leaderboard_matches_the_judgments_and_all_responses(built, scoring_run):
    warehouse, _, _ = built
    rows = query(
        warehouse,
        "select config, score, max_score, pct, avg_tps, responses, judged, truncated"
        " from marts.leaderboard where scoring_run = ?",
        [scoring_run],
    )
    got = {r[0]: r[1:] for r in rows}
    want = expected_leaderboard(scoring_run)
    assert set(got) == set(want)
    for config, (score, max_score, pct, tps, responses, judged, truncated) in want.items():
        g = got[config]
        assert (g[0], g[1], g[4], g[5], g[6]) == (score, max_score, responses, judged, truncated)
        assert g[2] == pytest.approx(pct) and g[3] == pytest.approx(tps)


def test_notes_come_from_detector_rates(built):
    warehouse, _, _ = built
    notes = dict(
        query(warehouse, "select config, notes from marts.leaderboard where scoring_run = 's1'")
    )
    # 2 of 7 truncated (>= 25%), 3 of 7 degenerate and 1 of 7 echo (>= 10%), 2 verbose (>= 25%)
    assert notes["general_broken_baseline"] == (
        "many truncations, very verbose, echoes prompts, degenerates"
    )
    assert notes["draft_fast_baseline"] is None


def test_rank_and_top_performers_break_ties_by_speed(built):
    warehouse, _, _ = built
    ranks = dict(
        query(
            warehouse,
            "select config, rank from marts.leaderboard where scoring_run = 's1'"
            " and category = 'draft'",
        )
    )
    # both drafts score 14/15: the faster one ranks first
    assert ranks == {"draft_fast_baseline": 1, "draft_slow_baseline": 2}
    picks = dict(
        query(
            warehouse,
            "select pick, config from marts.top_performers where scoring_run = 's1'"
            " and category = 'draft'",
        )
    )
    # the per-category picks, and the draft pick group's (same configs, same rule)
    assert picks == {
        "quality": "draft_fast_baseline",
        "speed": "draft_fast_baseline",
        "group_quality": "draft_fast_baseline",
        "group_speed": "draft_fast_baseline",
    }


def test_coverage_rule_and_intervals(built):
    warehouse, _, _ = built
    rows = {
        r[0]: r[1:]
        for r in query(
            warehouse,
            "select config, is_ranked, judged, pct, pct_ci_low, pct_ci_high, rank"
            " from marts.leaderboard where scoring_run = 's1'",
        )
    }
    # mystery is judged on 1 response (below rank_min_judged 5): listed, never ranked
    assert rows["mystery_baseline"][0] is False and rows["mystery_baseline"][1] == 1
    assert rows["draft_fast_baseline"][0] is True
    for _, _, pct, low, high, _ in rows.values():
        assert 0 <= low <= pct <= high <= 100
        assert high - low > 0  # no zero-width interval, even at 0% or 100%
    picks = query(warehouse, "select config from marts.top_performers where config is not null")
    assert "mystery_baseline" not in {p[0] for p in picks}


def test_speed_test_scores_never_count(built):
    warehouse, _, _ = built
    # s1 scored general_broken's speed-test record 3/3; its figures ignore it
    judged, score = query(
        warehouse,
        "select judged, score from marts.leaderboard where scoring_run = 's1'"
        " and config = 'general_broken_baseline'",
    )[0]
    assert (judged, score) == (6, 1)


def test_models_to_avoid_spares_the_specialist(built):
    warehouse, _, _ = built
    rows = dict(
        query(
            warehouse, "select config, reason from marts.models_to_avoid where scoring_run = 's1'"
        )
    )
    assert "general_broken_baseline" in rows
    assert "relevant suites" in rows["general_broken_baseline"]
    assert "degenerates" in rows["general_broken_baseline"]
    # worker_vision scores 1/12 outside vl but 14/15 on vl: not flagged
    assert "worker_vision_baseline" not in rows


def test_critical_issues_and_suite_observations(built):
    warehouse, _, _ = built
    issues = set(
        query(
            warehouse,
            "select config, issue, severity from marts.critical_issues where scoring_run = 's1'",
        )
    )
    assert ("general_broken_baseline", "degeneration", "critical") in issues
    assert ("general_broken_baseline", "very_low_score", "critical") in issues
    assert ("general_broken_baseline", "truncation", "moderate") in issues
    assert not [i for i in issues if i[0] == "draft_fast_baseline"]
    low = query(
        warehouse,
        "select suite, is_all_low from marts.suite_observations where scoring_run = 's2'"
        " order by suite",
    )
    # in s2, general: fast 5/6 (83%) -> not all low; thinking: fast 3/6, broken 0/3 -> all low
    assert low == [("general", False), ("thinking", True)]


def test_drift_against_summary_and_earlier_scoring_run(built):
    warehouse, _, _ = built
    rows = query(
        warehouse,
        "select scoring_run, baseline, baseline_kind, config, previous_pct, pct, delta_pct,"
        " moved_suite from marts.drift order by all",
    )
    by_key = {(r[0], r[1], r[3]): r for r in rows}
    s1_fast = expected_leaderboard("s1")["draft_fast_baseline"][2]
    s2_fast = expected_leaderboard("s2")["draft_fast_baseline"][2]
    r = by_key[("s1", "prev", "draft_fast_baseline")]  # matched on the model name
    assert r[2] == "summary" and r[4] == 50.0 and r[5] == pytest.approx(s1_fast)
    assert r[6] == pytest.approx(s1_fast - 50.0)
    # summary suites: general 1/2 = 50% -> 100%, thinking 2/2 = 100% -> 83%: general moved most
    assert r[7] == "general"
    r = by_key[("s2", "s1", "draft_fast_baseline")]  # the earlier scoring run as baseline
    assert (
        r[2] == "scoring_run" and r[4] == pytest.approx(s1_fast) and r[5] == pytest.approx(s2_fast)
    )
    assert ("s1", "s2", "draft_fast_baseline") not in by_key  # never against a later run
    assert by_key[("s1", "prev", "general_broken_baseline")][4] == 93.0


def quadratic_kappa(a: list[int], b: list[int], k: int = 4) -> float:
    """Textbook weighted kappa from proportion matrices, weights (i-j)^2/(k-1)^2."""
    n = len(a)
    obs = [[0.0] * k for _ in range(k)]
    for x, y in zip(a, b, strict=True):
        obs[x][y] += 1 / n
    pa = [sum(row) for row in obs]
    pb = [sum(obs[i][j] for i in range(k)) for j in range(k)]
    w = [[(i - j) ** 2 / (k - 1) ** 2 for j in range(k)] for i in range(k)]
    num = sum(w[i][j] * obs[i][j] for i, j in product(range(k), range(k)))
    den = sum(w[i][j] * pa[i] * pb[j] for i, j in product(range(k), range(k)))
    return 1 - num / den


def test_judge_agreement_and_confusion_matrix(built):
    warehouse, _, _ = built
    shared = sorted(set(S1) & set(S2))
    a = [S1[k] for k in shared]
    b = [S2[k] for k in shared]
    row = query(
        warehouse,
        "select scoring_run_a, scoring_run_b, judge_a, n, exact_agreement, within_one,"
        " weighted_kappa from marts.judge_agreement",
    )
    assert len(row) == 1
    run_a, run_b, judge_a, n, exact, within, kappa = row[0]
    assert (run_a, run_b, judge_a, n) == ("s1", "s2", "judge-s1", len(shared))
    assert exact == pytest.approx(sum(x == y for x, y in zip(a, b, strict=True)) / n)
    assert within == pytest.approx(sum(abs(x - y) <= 1 for x, y in zip(a, b, strict=True)) / n)
    assert kappa == pytest.approx(quadratic_kappa(a, b))
    cells = query(warehouse, "select score_a, score_b, n from marts.judge_agreement_matrix")
    assert len(cells) == 16 and sum(c[2] for c in cells) == n
    assert dict(((x, y), m) for x, y, m in cells)[(2, 0)] == sum(
        1 for x, y in zip(a, b, strict=True) if (x, y) == (2, 0)
    )


@pytest.mark.slow
def test_per_model_column_tests_name_each_failing_column(tmp_path, capsys):
    """value_between_columns / accepted_values_columns (one node per model) fail like the
    per-column tests did, and the summary names the column and counts its rows."""
    warehouse = tmp_path / "bad.duckdb"
    con = connect(warehouse)
    con.execute(
        "insert into raw.baselines (baseline, subject, subject_kind, pct, source_file,"
        " source_line, loaded_at) values ('b', 'x', 'bogus', 50, 'f.csv', 2, ?),"
        " ('b', 'y', 'bogus', -1, 'f.csv', 3, ?), ('b', 'z', 'config', 101, 'f.csv', 4, ?),"
        " ('b', 'w', 'model', 100, 'f.csv', 5, ?)",
        [NOW] * 4,
    )
    con.close()
    code = run_dbt_build(warehouse, select="stg_rescore__baselines", target_path=tmp_path / "t")
    out = capsys.readouterr().out
    assert code == 1
    assert "accepted_values_columns_stg_rescore__baselines" in out
    assert "values not accepted in subject_kind (2 rows)" in out
    assert "values out of range in pct (2 rows)" in out


def test_a_failing_data_test_is_reported_with_its_name(tmp_path, capsys):
    warehouse = tmp_path / "bad.duckdb"
    con = connect(warehouse)
    con.execute(
        "insert into raw.baselines (baseline, subject, subject_kind, pct, source_file,"
        " source_line, loaded_at) values ('b', 'x', 'config', 150, 'f.csv', 2, ?)",
        [NOW],
    )
    con.close()
    code = run_dbt_build(warehouse, select="stg_rescore__baselines", target_path=tmp_path / "t")
    out = capsys.readouterr().out
    assert code == 1
    assert "FAILED" in out and "value_between_columns_stg_rescore__baselines" in out
    assert "values out of range in pct (1 rows)" in out
