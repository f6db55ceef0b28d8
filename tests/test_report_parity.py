"""Every table and finding of the reference report, section by section, out of the marts.

BLIND_RESCORE_2026-01-16.md was written by hand from five scoring agents' output. Here the
warehouse is built from what was saved of it: the real suites and run, the five saved score
files as scoring runs (architect/ingest, thinking, general/worker, the per-config draft and
coder/tool/vision review CSVs), the earlier summary as the drift baseline, and the offline
rules judge (for the response-health flags: truncation, prompt echo, degeneration). Each
report number the saved data supports is asserted equal to what the marts compute; each one
it cannot support is listed in UNREPRODUCIBLE with the reason, and the test checks that it
still differs, so the list stays honest when the data or the models change.

"~N%" in the report is taken as "within 5 points of N". The Architect/Ingest rows, the draft
Avg TPS and the drift table's previous percentages are checked in detail in
tests/test_dbt_realdata.py; here they appear only where a finding or pick rests on them.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from rescore.warehouse import connect
from tests.conftest import REAL_REVIEWS, REAL_RUN, REAL_SUITES, require_real_data

pytestmark = pytest.mark.realdata

ARCHITECT = "architect-ingest-2026-01-16"
THINKING = "thinking-2026-01-16"
GENERAL = "general-worker-2026-01-16"
DRAFTS = "draft-per-config-reviews"
CTV = "coder-tool-vision-per-config-reviews"
RULES = "rules-blind"
SUMMARY = "summary-2026-01-16"
SAVED_RUNS = (ARCHITECT, THINKING, GENERAL, DRAFTS, CTV)

# The per-config review CSVs of the coder/tool/vision roles (the report's table came from
# agent a5efe3b, whose output was not saved; these are the closest saved scores).
CTV_PREFIXES = (
    "coder_",
    "frontdoor",
    "formalizer",
    "tool_formalizer_",
    "toolrunner",
    "vision_",
    "math_",
)

# Report rows the saved data does not reproduce, and why. Keys are "section: row".
UNREPRODUCIBLE = {
    # Thinking Models
    "thinking: DeepSeek-R1-Distill-Qwen-32B-Q6_K": (
        "thinking_models_comprehensive_scores.csv holds 8 scores summing to 22/24; the report's "
        "23/27 is the hand-written total of thinking_models_summary.csv"
    ),
    "thinking: DeepSeek-R1-Distill-Qwen-14B-Q4_K_M": (
        "the saved per-question scores sum to 28/36; the report's 29/36 is the summary's total"
    ),
    "thinking: Qwen3-Next-80B-A3B-Thinking-Q4_K_S": (
        "the saved per-question scores are 10 rows summing to 29/30; the report's 30/33 is the "
        "summary's total"
    ),
    "thinking: Phi-4-reasoning-plus-Q4_K_M": (
        "3 saved scores (9/9); the report's 9/12 counts a fourth score that was not saved"
    ),
    "thinking: DeepSeek-R1-Distill-Llama-8B-Q4_K_M": (
        "the saved per-question scores sum to 23/30; the report prints 21/30"
    ),
    "thinking: DeepSeek-R1-Distill-Qwen-7B-Q4_K_M": (
        "the saved per-question scores sum to 20/30; the report prints 17/30"
    ),
    "thinking: 12 models scored": ("the saved thinking score file covers 11 configs"),
    # Draft Models
    "draft: every score": (
        "the Draft table came from agent af520cd's output, never saved (appendix: 'Output in "
        "agent af520cd task output'); the per-config draft review CSVs score differently"
    ),
    "draft: 22 models scored": (
        "the saved per-config draft review CSVs (draft_*_baseline.csv) cover 20 configs"
    ),
    # Coder/Tool/Vision Models
    "coder_tool_vision: every score": (
        "the table came from agent a5efe3b's output, never saved (appendix: 'Output in agent "
        "a5efe3b task output'); the per-config review CSVs score differently (e.g. "
        "formalizer_q4 59/90, not 90/90) and Qwen3-VL-30B (vision_escalation) has none"
    ),
    "coder_tool_vision: 19 models scored": (
        "the saved per-config coder/tool/vision review CSVs cover 17 configs"
    ),
    # General/Worker Models
    "general: gemma-3-12b-it-Q4_K_M": (
        "the saved general_worker_scores_jan2026.csv gives 42/48 (87.5%), not ~80%"
    ),
    "general: gemma-3-27B-it-QAT-Q4_0": "the saved scores give 40/48 (83.3%), not ~77%",
    "general: Meta-Llama-3-8B-Instruct-fp16": "the saved scores give 40/48 (83.3%), not ~75%",
    "general: Qwen2.5-7B.Q4_K_S": "the saved scores give 34/48 (70.8%), not ~55%",
    "general: Qwen2.5-VL-7B-Instruct-Q4_K_M": "the saved scores give 17/48 (35.4%), not ~52%",
    "general: Qwen2.5-Math-7B-Instruct-Q4_K_M": "the saved scores give 8/18 (44.4%), not ~33%",
    # Top Performers by Category
    "top: Thinking pct": (
        "the pick is the report's model, but at 29/30 (96.7%) from the saved per-question "
        "scores, not the summary's 91%"
    ),
    "top: Draft (Quality)": "draft scores were not saved (see 'draft: every score')",
    "top: Draft (Speed)": (
        "Qwen2.5-0.5B.Q8_0 runs at 156.8 t/s as reported, but its saved review scores 43%, "
        "below the speed pick's 70% floor"
    ),
    "top: Coder": "coder/tool/vision scores were not saved (see 'coder_tool_vision: every score')",
    "top: Formalizer": (
        "coder/tool/vision scores were not saved; MathSmith Q4_K_M (formalizer_q4) scores "
        "59/90 in its saved review"
    ),
    "top: Tool Calling": (
        "as for Coder (xLAM-2 scores 20/30 in its saved review); every ranked tool config of "
        "the saved reviews is to avoid, so no pick is named (no_pick_reason)"
    ),
    "top: Vision": (
        "the saved review scored Qwen3_VL_2B.Q4_K_M 60/90, but the run's vl question ids are "
        "in no suite, so none of its vision answers counts for quality (issue 10.1) and no "
        "Vision pick is named (no_pick_reason: no judged vl answers)"
    ),
    # Models to Avoid
    "avoid: Qwen2.5-Coder-1.5B.Q2_K 67%": (
        "flagged, but its saved draft review scores 4/60 (6.7%), not 67%"
    ),
    "avoid: Qwen3-0.6B-Q2_K 67%": "flagged, but its saved draft review scores 2/60 (3.3%)",
    "avoid: Qwen3-VL-30B-A3B-Instruct-Q4_K_M": (
        "there is no saved per-question score for vision_escalation_baseline (Qwen3-VL-30B)"
    ),
    # Key Drift Observations / Critical Issues
    "vision agentic 33%": (
        "in the saved reviews the vision configs score 0% on agentic (4 of 5, prompt echo) and "
        "Qwen3_VL_2B 100%: 20% pooled; 33% (1 point per question) was not saved"
    ),
    "vision /image interface prompts": (
        "no detector flags '/image' text, and the configs whose responses carry it "
        "(worker_vision, vision_escalation) are not in the saved vision reviews"
    ),
    "thinking truncation 'during <think>'": (
        "only 136 of the 1253 thinking-role responses close a </think> block, so where a "
        "truncated response stopped cannot be told from the text"
    ),
    "instruction precision 54-67% typical": (
        "the saved architect/ingest scores give 48-67% (11 of 15 configs at 66.7%); no "
        "statistic of the saved scores gives 54"
    ),
    "instruction precision: word limits and resisting elaboration hardest": (
        "the hardest question in the saved scores is t2_q3_empty_handling (57.8%); "
        "t1_q2_word_limit is at 66.7%, the suite's top"
    ),
    # Scoring Methodology
    "methodology: vl.yaml (10 questions)": (
        "the vl.yaml suite file in the data holds 12 questions (2 t1, 5 t2, 5 t3)"
    ),
    # Totals
    "totals: 77 baseline configurations": (
        "77 is the sum of the section headers' counts (12+22+15+19+9); the saved score files "
        "cover 72 configs (11+20+15+17+9)"
    ),
}


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real warehouse: run, saved scorings, summary baseline, rules judge, dbt build."""
    require_real_data()
    from ingest.pipeline import ingest_all
    from ingest.scores import import_scores
    from ingest.summary import import_summary
    from judge.run import JudgeOptions, run_judge
    from rescore.dbt_runner import run_dbt_build

    folder = tmp_path_factory.mktemp("parity")
    path = folder / "rescore.duckdb"
    con = connect(path)
    ingest_all(con, REAL_SUITES, [REAL_RUN])
    import_scores(con, [REAL_REVIEWS / "architect_ingest_baseline_scores.csv"], ARCHITECT)
    import_scores(con, [REAL_REVIEWS / "thinking_models_comprehensive_scores.csv"], THINKING)
    import_scores(con, [REAL_REVIEWS / "general_worker_scores_jan2026.csv"], GENERAL)
    import_scores(con, sorted(REAL_REVIEWS.glob("draft_*_baseline.csv")), DRAFTS)
    ctv = sorted(p for p in REAL_REVIEWS.glob("*baseline.csv") if p.name.startswith(CTV_PREFIXES))
    import_scores(con, ctv, CTV)
    import_summary(con, REAL_REVIEWS / "backup_20260116" / "summary.csv", SUMMARY)
    run_judge(con, JudgeOptions("rules", RULES, progress=False))
    con.close()
    assert run_dbt_build(path, target_path=folder / "dbt-target") == 0
    return path


def q(wh: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(wh), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def one(wh: Path, sql: str, params: list | None = None) -> tuple:
    rows = q(wh, sql, params)
    assert len(rows) == 1, rows
    return rows[0]


def check(key: str, reproduced: bool) -> None:
    """Reproduced unless listed; a listed row must still differ (else drop it from the list)."""
    if key in UNREPRODUCIBLE:
        assert not reproduced, f"{key!r} now reproduces: drop it from UNREPRODUCIBLE"
    else:
        assert reproduced, key


def test_every_unreproducible_row_has_a_reason():
    short = [key for key, reason in UNREPRODUCIBLE.items() if len(reason.split()) < 8]
    assert not short, f"give these a reason that says why: {short}"


# --- Summary Tables ------------------------------------------------------------------------

# Report, "Thinking Models": model -> (score, max_score).
THINKING_ROWS = {
    "Qwen3-Next-80B-A3B-Thinking-Q4_K_S": (30, 33),
    "DeepSeek-R1-Distill-Qwen-32B-Q6_K": (23, 27),
    "DeepSeek-R1-Distill-Qwen-14B-Q4_K_M": (29, 36),
    "Qwen3-30B-A3B-Thinking-2507-Q8_0": (19, 24),
    "Phi-4-reasoning-plus-Q4_K_M": (9, 12),
    "Qwen3-4B-Thinking-2507-Q8_0": (17, 24),
    "DeepSeek-R1-Distill-Llama-8B-Q4_K_M": (21, 30),
    "DeepSeek-R1-Distill-Llama-70B-Q4_K_M": (24, 36),
    "DeepSeek-R1-Distill-Qwen-7B-Q4_K_M": (17, 30),
}


@pytest.mark.parametrize("model", list(THINKING_ROWS))
def test_thinking_table(wh, model):
    rows = q(
        wh,
        "select score, max_score from marts.leaderboard where scoring_run = ?"
        " and category = 'thinking' and model = ?",
        [THINKING, model],
    )
    assert len(rows) == 1, rows
    check(f"thinking: {model}", rows[0] == THINKING_ROWS[model])


# Report, "Draft Models": model -> (score, max_score); Avg TPS is in test_dbt_realdata.py.
DRAFT_ROWS = {
    "gemma-3-1b-it-Q8_0": (57, 60),
    "Qwen3-1.7B-Q8_0": (57, 60),
    "PARD-DeepSeek-R1-Distill-Qwen-1.5B.Q5_K_S": (56, 60),
    "Qwen3-1.7B-Q4_K_M": (54, 60),
    "PARD-DeepSeek-R1-Distill-Qwen-1.5B.Q8_0": (52, 60),
    "DeepSeek-R1-Distill-Qwen-1.5B-Q8_0": (50, 60),
    "Qwen_Qwen3-0.6B-Q8_0": (49, 60),
    "PARD-Llama-3.2-1B.Q8_0": (48, 60),
    "pard-qwen3-0.6b-q4_0": (47, 60),
    "Qwen2.5-0.5B.Q8_0": (45, 60),
    "Qwen2.5-Coder-0.5B-Q4_K_M": (42, 60),
    "Qwen3-0.6B-Q2_K": (40, 60),
}


def test_draft_table(wh):
    scored = q(
        wh,
        "select model, score, max_score from marts.leaderboard"
        " where scoring_run = ? and category = 'draft'",
        [DRAFTS],
    )
    found = {m for m, *_ in scored}
    assert set(DRAFT_ROWS) <= found  # every report draft is scored, just differently
    matches = [m for m, s, mx in scored if DRAFT_ROWS.get(m) == (s, mx)]
    check("draft: every score", reproduced=bool(matches))


# Report, "Coder/Tool/Vision Models": config of the row -> (score, max_score).
CTV_ROWS = {
    "formalizer_q4_baseline": (90, 90),  # MathSmith ... Q4_K_M
    "tool_formalizer_xlam2_baseline": (30, 30),
    "formalizer_baseline": (88, 90),  # MathSmith ... Q8_0
    "tool_formalizer_xlam1_baseline": (29, 30),
    "coder_escalation_baseline": (166, 183),  # Qwen3-Coder-53B-A3B-TOTAL-RECALL-v2
    "frontdoor_baseline": (188, 210),
    "math_qwen2_5_math_72b_2_baseline": (163, 183),  # Qwen2.5-Math-72B-Instruct-Q4_K_M
    "coder_primary_baseline": (187, 210),
    "vision_qwen3_vl_2b_q4_k_m_baseline": (73, 90),
    "vision_escalation_baseline": (41, 90),  # Qwen3-VL-30B-A3B-Instruct-Q4_K_M
}


def test_coder_tool_vision_table(wh):
    scored = {
        c: (s, mx)
        for c, s, mx in q(
            wh,
            "select config, score, max_score from marts.leaderboard where scoring_run = ?",
            [CTV],
        )
    }
    matches = [c for c, row in CTV_ROWS.items() if scored.get(c) == row]
    check("coder_tool_vision: every score", reproduced=bool(matches))


# Report, "General/Worker Models": config -> the "~N%" it prints.
GENERAL_ROWS = {
    "general_gemma_3_12b_it_baseline": ("gemma-3-12b-it-Q4_K_M", 80),
    "general_gemma_3_27b_it_qat_baseline": ("gemma-3-27B-it-QAT-Q4_0", 77),
    "general_meta_llama_3_8b_instruct_fp16_baseline": ("Meta-Llama-3-8B-Instruct-fp16", 75),
    "worker_summarize_baseline": ("Qwen2.5-Coder-32B-Instruct-Q4_K_M", 100),
    "worker_general_baseline": ("Meta-Llama-3-8B-Instruct-Q4_K_M", 70),
    "general_qwen2_5_7b_q4_k_s_baseline": ("Qwen2.5-7B.Q4_K_S", 55),
    "worker_vision_baseline": ("Qwen2.5-VL-7B-Instruct-Q4_K_M", 52),
    "worker_math_baseline": ("Qwen2.5-Math-7B-Instruct-Q4_K_M", 33),
    "general_meta_llama_3_1_8b_q4_k_s_baseline": ("Meta-Llama-3.1-8B.Q4_K_S", 6),
}


@pytest.mark.parametrize("config", list(GENERAL_ROWS))
def test_general_worker_table(wh, config):
    model, about = GENERAL_ROWS[config]
    got_model, pct = one(
        wh,
        "select model, pct from marts.leaderboard where scoring_run = ? and config = ?",
        [GENERAL, config],
    )
    assert got_model == model
    check(f"general: {model}", abs(pct - about) < 5)


@pytest.mark.parametrize(
    ("scoring_run", "label", "report_count"),
    [
        (THINKING, "thinking", 12),
        (DRAFTS, "draft", 22),
        (ARCHITECT, "architect_ingest", 15),
        (CTV, "coder_tool_vision", 19),
        (GENERAL, "general", 9),
    ],
)
def test_models_scored_per_table(wh, scoring_run, label, report_count):
    (configs,) = one(
        wh,
        "select configs from marts.findings where scoring_run = ? and kind = 'totals'",
        [scoring_run],
    )
    check(f"{label}: {report_count} models scored", configs == report_count)


def test_architect_ingest_table_reproduces(wh):
    # the ten rows one by one are in test_dbt_realdata.py; here: the table's order and range
    rows = q(
        wh,
        "select model, pct from marts.leaderboard where scoring_run = ? order by rank",
        [ARCHITECT],
    )
    assert rows[0] == ("Qwen3-30B-A3B-Thinking-2507-Q8_0", pytest.approx(100 * 161 / 183))
    assert rows[1] == ("Qwen3-235B-A22B-Q4_K_M", pytest.approx(100 * 175 / 201))


# --- Top Performers by Category ---------------------------------------------------------------

# label -> (scoring run it comes from, model, pct as the report prints it)
TOP = {
    "Thinking": (THINKING, "Qwen3-Next-80B-A3B-Thinking-Q4_K_S", 91),
    "Draft (Quality)": (DRAFTS, "gemma-3-1b-it-Q8_0", 95),
    "Draft (Speed)": (DRAFTS, "Qwen2.5-0.5B.Q8_0", 75),
    "Architect": (ARCHITECT, "Qwen3-235B-A22B-Q4_K_M", 87),
    "Ingest": (ARCHITECT, "Qwen3-30B-A3B-Thinking-2507-Q8_0", 88),
    "Coder": (CTV, "Qwen3-Coder-53B-A3B-TOTAL-RECALL-v2-Q4_K_M", 91),
    "Formalizer": (CTV, "MathSmith-Hard-Problem-Synthesizer-Qwen3-8B.Q4_K_M", 100),
    "Tool Calling": (CTV, "xLAM-2-1B-fc-r-Q4_K_M", 100),
    "Vision": (CTV, "Qwen3_VL_2B.Q4_K_M", 81),
}


def test_every_report_pick_label_is_a_mart_row(wh):
    labels = {
        r[0]
        for r in q(
            wh, "select distinct pick_label from marts.top_performers where pick_group is not null"
        )
    }
    assert set(TOP) <= labels


@pytest.mark.parametrize("label", list(TOP))
def test_top_performer(wh, label):
    scoring_run, model, pct = TOP[label]
    got_model, got_pct = one(
        wh,
        "select model, pct from marts.top_performers where scoring_run = ? and pick_label = ?",
        [scoring_run, label],
    )
    got_round = None if got_pct is None else round(got_pct)  # no pick named: no pct
    if f"top: {label} pct" in UNREPRODUCIBLE:  # the model is right, its score is not
        assert got_model == model
        check(f"top: {label} pct", got_round == pct)
    else:
        check(f"top: {label}", (got_model, got_round) == (model, pct))


def test_architect_and_ingest_picks_are_ranked_not_avoided_and_tied_within_noise(wh):
    # the report's two picks come out of the decision model, each a ranked row that is not to
    # avoid, with an interval around its pct; 87.1% against 86.3% is noise, and the mart says so
    rows = q(
        wh,
        "select p.pick_label, p.model, p.pct, p.pct_ci_low, p.pct_ci_high, p.runner_up_config,"
        " p.is_clear_winner, a.is_ranked, a.is_avoid from marts.top_performers p"
        " join marts.config_assessment a using (scoring_run, run_id, config)"
        " where p.scoring_run = ? and p.pick_label in ('Architect', 'Ingest')",
        [ARCHITECT],
    )
    got = {r[0]: r[1:] for r in rows}
    assert got["Architect"][0] == TOP["Architect"][1]
    assert got["Ingest"][0] == TOP["Ingest"][1]
    for _, pct, low, high, runner_up, is_clear, is_ranked, is_avoid in got.values():
        assert low < pct < high and runner_up is not None
        assert is_ranked and not is_avoid
        assert is_clear is False  # tied within noise with its runner-up


def test_draft_speed_pick_is_the_reports_speed(wh):
    # the report's speed pick runs at 157 t/s; the mart's speed column agrees on that config
    (tps,) = one(
        wh,
        "select avg_tps from marts.leaderboard where scoring_run = ?"
        " and model = 'Qwen2.5-0.5B.Q8_0'",
        [DRAFTS],
    )
    assert round(tps) == 157


# --- Models to Avoid --------------------------------------------------------------------------

AVOID = {  # model -> (scoring run, pct as the report prints it)
    "Meta-Llama-3.1-8B.Q4_K_S": (GENERAL, 6),
    "Qwen2.5-Coder-1.5B.Q2_K": (DRAFTS, 67),
    "Qwen3-0.6B-Q2_K": (DRAFTS, 67),
    "Qwen3-VL-30B-A3B-Instruct-Q4_K_M": (CTV, 46),
}


@pytest.mark.parametrize("model", list(AVOID))
def test_models_to_avoid(wh, model):
    scoring_run, pct = AVOID[model]
    rows = q(
        wh,
        "select pct from marts.models_to_avoid where scoring_run = ? and model = ?",
        [scoring_run, model],
    )
    if f"avoid: {model}" in UNREPRODUCIBLE:
        assert not rows
        return
    assert len(rows) == 1, rows  # flagged
    check(f"avoid: {model} {pct}%", round(rows[0][0]) == pct)


# --- Key Drift Observations and Critical Issues ---------------------------------------------


def finding(wh: Path, scoring_run: str, kind: str, subject: str) -> dict:
    rows = q(
        wh,
        "select * from marts.findings where scoring_run = ? and kind = ? and subject = ?",
        [scoring_run, kind, subject],
    )
    assert len(rows) == 1, f"no {kind} finding on {subject} in {scoring_run}"
    with duckdb.connect(str(wh), read_only=True) as con:
        names = [d[0] for d in con.execute("select * from marts.findings limit 0").description]
    return dict(zip(names, rows[0], strict=True))


def test_thinking_models_scored_lower_than_the_summary(wh):
    # "Thinking Models Scored Lower: previous scores likely didn't penalize token truncation"
    f = q(
        wh,
        "select configs, configs_affected, metric from marts.findings"
        " where scoring_run = ? and kind = 'category_drift' and subject = 'thinking'"
        " and baseline = ?",
        [THINKING, SUMMARY],
    )
    assert len(f) == 1, f
    configs, lower, mean_delta = f[0]
    assert lower > configs / 2 and mean_delta < 0
    truncating = one(
        wh,
        "select count(*) from marts.drift where scoring_run = ? and baseline = ?"
        " and category = 'thinking' and likely_cause like 'truncation%'",
        [THINKING, SUMMARY],
    )[0]
    assert truncating > 0


@pytest.mark.parametrize("scoring_run", [THINKING, RULES])
def test_thinking_models_hit_the_2047_token_limit(wh, scoring_run):
    # "Many thinking models hit 2047 token limit" / Critical issue 2, "Severity: MODERATE"
    f = finding(wh, scoring_run, "category_truncation", "thinking")
    assert f["token_cap"] == 2047
    assert f["severity"] == "moderate"
    assert f["configs_affected"] / f["configs"] >= 0.5
    check("thinking truncation 'during <think>'", reproduced=False)


def test_instruction_precision_consistently_low(wh):
    # "All models scored 48-67% on instruction_precision suite"
    f = finding(wh, ARCHITECT, "suite_all_low", "instruction_precision")
    assert (round(f["metric_low"]), round(f["metric_high"])) == (48, 67)
    assert f["configs"] == f["configs_affected"] == 15
    (pct_range,) = one(
        wh,
        "select pct_range from marts.suite_observations where scoring_run = ?"
        " and suite = 'instruction_precision'",
        [ARCHITECT],
    )
    assert pct_range == "48-67%"
    # Critical issue 4: "54-67% typical"
    check("instruction precision 54-67% typical", round(f["metric_low"]) == 54)


def test_instruction_precision_hardest_questions(wh):
    # "Resisting elaboration and word limits are hardest; self-referential almost never solved"
    hardest, never, questions = one(
        wh,
        "select hardest_question, questions_never_full_marks, questions"
        " from marts.suite_observations where scoring_run = ?"
        " and suite = 'instruction_precision'",
        [ARCHITECT],
    )
    assert never == questions == 11  # no question, self-referential included, ever scored 3
    check(
        "instruction precision: word limits and resisting elaboration hardest",
        hardest in {"t2_q1_resist_elaboration", "t1_q2_word_limit"},
    )


def test_vision_models_fail_agentic_echoing_prompts(wh):
    # "Vision models consistently score 33% on agentic (echoing prompts instead of JSON)";
    # Critical issue 3, "Severity: EXPECTED"
    f = finding(wh, CTV, "group_suite_failure", "vision/agentic")
    assert f["dominant_flag"] == "echo_only"
    assert f["severity"] == "expected"
    assert f["configs_affected"] >= f["configs"] - 1
    check("vision agentic 33%", round(f["metric"]) == 33)
    check("vision /image interface prompts", reproduced=False)


@pytest.mark.parametrize("scoring_run", [GENERAL, RULES])
def test_meta_llama_3_1_8b_critical(wh, scoring_run):
    # "Meta-Llama-3.1-8B.Q4_K_S (~6%), Severity: CRITICAL: echoes prompts, degenerates"
    f = finding(wh, scoring_run, "critical_config", "general_meta_llama_3_1_8b_q4_k_s_baseline")
    assert f["severity"] == "critical"
    assert "degeneration" in f["headline"] and "prompt_echo" in f["headline"]
    if scoring_run == GENERAL:
        assert abs(f["metric"] - 6) < 5
    issues = {
        r[0]
        for r in q(
            wh,
            "select issue from marts.critical_issues where scoring_run = ?"
            " and config = 'general_meta_llama_3_1_8b_q4_k_s_baseline'",
            [scoring_run],
        )
    }
    assert {"degeneration", "prompt_echo"} <= issues


# --- Scoring Methodology and totals ---------------------------------------------------------

SUITE_QUESTIONS = {
    "thinking": 10,
    "general": 10,
    "math": 10,
    "agentic": 10,
    "coder": 10,
    "instruction_precision": 11,
    "vl": 10,
    "long_context": 9,
}


@pytest.mark.parametrize("suite", list(SUITE_QUESTIONS))
def test_reference_file_question_counts(wh, suite):
    (n,) = one(wh, "select count(*) from staging.stg_rescore__questions where suite = ?", [suite])
    check(
        f"methodology: {suite}.yaml ({SUITE_QUESTIONS[suite]} questions)",
        n == SUITE_QUESTIONS[suite],
    )


def test_totals(wh):
    # "Total Models Scored: 77 baseline configurations"; "~2,000+ individual responses"
    rows = q(wh, "select scoring_run, configs, judged from marts.findings where kind = 'totals'")
    saved = {r[0]: r for r in rows if r[0] in SAVED_RUNS}
    assert set(saved) == set(SAVED_RUNS)
    assert sum(r[2] for r in saved.values()) >= 2000
    check("totals: 77 baseline configurations", sum(r[1] for r in saved.values()) == 77)
