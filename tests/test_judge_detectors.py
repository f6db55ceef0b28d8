"""Response-health detectors: unit cases, idempotent storage, and known real examples."""

from __future__ import annotations

import pytest

from judge.detectors import (
    detect_all,
    detect_degenerate,
    detect_echo_only,
    detect_empty,
    detect_missing_tool_call,
    detect_truncated,
    detect_wrong_modality,
    effective_cap,
    expects_tool_call,
    loop_start,
    replace_flags,
)
from tests.conftest import REAL_RUN, REAL_SUITES, require_real_data

PROSE = (
    "Socioeconomic status may drive both breakfast habits and test performance. Families "
    "with more resources provide regular meals, quiet study space and tutoring. Sleep "
    "schedules matter too: children who go to bed early wake in time to eat and are more "
    "alert in class. Finally, motivated students may follow healthy routines generally, "
    "and motivation itself raises scores; breakfast would then be a marker, not a cause. "
    "A randomized trial would separate these stories: assign breakfast by lottery, keep the "
    "tests identical, and compare the groups. Observational data can still help if it "
    "records income, bedtime and prior grades, because adjusting for them shrinks the gap "
    "that confounding would otherwise explain. Reverse causation is less plausible here, "
    "though high achievers might be nudged by ambitious parents toward tidy mornings. "
    "Measurement matters as well: a single test on one day is noisy, and hungry children "
    "who skipped a meal that morning may simply have been unwell, sad or late to school. "
)


@pytest.mark.parametrize(
    ("declared", "tokens", "truncated"),
    [
        (4096, 2047, True),  # suites say 4096; the real runner stopped at 2047/2048
        (4096, 2048, True),
        (4096, 1900, False),
        (512, 511, True),  # instruction_precision's own cap
        (512, 400, False),
        (1500, 1023, True),  # vision suite: declared 1500, cut at 1023/1024
        (None, 2047, True),
        (4096, None, False),
    ],
)
def test_truncation_by_cap(declared, tokens, truncated) -> None:
    assert (detect_truncated("text", tokens, declared) is not None) is truncated


def test_truncation_rule_and_evidence() -> None:
    assert effective_cap(4096) == 2048 and effective_cap(512) == 512
    flag = detect_truncated("x", 2047, 4096)
    assert flag.evidence == "completion_tokens 2047 = cap 2048"
    unclosed = detect_truncated("<think>still thinking", 300, 4096)
    assert unclosed is not None and "never closed" in unclosed.evidence
    assert detect_truncated("<think>done</think> 42", 300, 4096) is None


def test_empty_and_echo_only() -> None:
    assert detect_empty("  [end of text] ") is not None
    assert detect_empty("42") is None
    assert detect_echo_only("What is 2+2? [end of text]", "") is not None
    assert detect_echo_only("", "") is None  # empty, not echo-only
    assert detect_echo_only("What is 2+2? 4", "4") is None


def test_degenerate_patterns_and_prose() -> None:
    loop = detect_degenerate("No exceptions. No classes. " + "No assertions. " * 200)
    assert loop is not None and "no assertions no" in loop.evidence
    assert detect_degenerate(PROSE) is None
    assert detect_degenerate("Short. " * 5) is None
    # a good answer that then loops to the cap: flagged, with where the loop starts
    text = PROSE + "---\n" * 600
    flag = detect_degenerate(text)
    start = loop_start(text)
    assert flag is not None and start is not None
    assert len(PROSE) - 300 <= start <= len(PROSE) + 300
    assert f"from char {start}" in flag.evidence


def test_wrong_modality_only_on_text_tasks() -> None:
    asks = "Please provide the image so I can read the chart."
    assert detect_wrong_modality(asks, has_image=False) is not None
    assert detect_wrong_modality(asks, has_image=True) is None
    imagined = "Classify the plant disease in this image. Tomato___healthy"
    assert detect_wrong_modality(imagined, has_image=False) is not None
    assert detect_wrong_modality("This gives a fuller picture of the risk.", False) is None


def test_missing_tool_call() -> None:
    expected = '{"name": "query_api", "parameters": {"endpoint": "/users"}}'
    assert expects_tool_call(expected, None)
    assert not expects_tool_call("Clarifying question OR send_slack", None)
    assert detect_missing_tool_call("I would call the API.", True) is not None
    call = 'Call: {"name": "query_api", "parameters": {"endpoint": "/users"}}'
    assert detect_missing_tool_call(call, True) is None
    assert detect_missing_tool_call("I would call the API.", False) is None


def test_detect_all_gives_one_flag_per_kind() -> None:
    flags = detect_all(
        raw_response="Q? " + "No assertions. " * 300,
        blind_text="No assertions. " * 300,
        completion_tokens=2047,
        declared_cap=4096,
        expects_tool=True,
    )
    kinds = [f.flag for f in flags]
    assert sorted(kinds) == ["degenerate", "missing_tool_call", "truncated"]


def test_replace_flags_is_idempotent(con) -> None:
    rows = [("r1", "truncated", "completion_tokens 2047 = cap 2048"), ("r1", "empty", "e")]
    for _ in range(2):
        replace_flags(con, ["r1", "r2"], rows, "2026-01-01 00:00:00")
    assert con.execute("select count(*) from raw.response_flags").fetchone() == (2,)
    replace_flags(con, ["r1"], [("r1", "empty", "e")], "2026-01-01 00:00:00")
    assert con.execute("select flag from raw.response_flags").fetchall() == [("empty",)]


# --- known examples from the real run -------------------------------------------------------

LLAMA_8B = "general_meta_llama_3_1_8b_q4_k_s_baseline"


@pytest.fixture(scope="module")
def real_flags(tmp_path_factory):
    """Ingest the real run once, run the rules judge, return {(config, suite, qid): {flag: ev}}."""
    require_real_data()
    from ingest.pipeline import ingest_all
    from judge.run import JudgeOptions, run_judge
    from rescore.warehouse import connect

    path = tmp_path_factory.mktemp("real") / "real.duckdb"
    con = connect(path)
    ingest_all(con, REAL_SUITES, [REAL_RUN])
    assert run_judge(con, JudgeOptions("rules", "real", progress=False)) == 0
    rows = con.execute(
        "select r.config, r.suite, r.question_id, f.flag, f.evidence from raw.response_flags f "
        "inner join raw.responses r using (response_id)"
    ).fetchall()
    scores = dict(
        ((c, s, q), score)
        for c, s, q, score in con.execute(
            "select r.config, r.suite, r.question_id, j.score from raw.judgments j "
            "inner join raw.responses r using (response_id) where j.scoring_run = 'real'"
        ).fetchall()
    )
    con.close()
    out: dict = {}
    for c, s, q, flag, ev in rows:
        out.setdefault((c, s, q), {})[flag] = ev
    return out, scores


@pytest.mark.realdata
@pytest.mark.parametrize(
    ("config", "suite", "qid", "flag", "evidence_part"),
    [
        # "No exceptions. No classes. ... No assertions. No assertions. ..."
        (LLAMA_8B, "coder", "t2_q4_system", "degenerate", "no assertions"),
        # the prompt's own sentence repeated until the cap
        (LLAMA_8B, "instruction_precision", "t2_q1_resist_elaboration", "degenerate",
         "reply with only"),
        # completion_tokens 1: the prompt echoed and nothing else
        (LLAMA_8B, "general", "t1_q1_json", "echo_only", "nothing added"),
        (LLAMA_8B, "math", "t1_q1_word_problem", "echo_only", "nothing added"),
        (LLAMA_8B, "thinking", "t3_q1_methodological_critique", "truncated", "2047"),
        # "4. 4. 4. 4. ..." until the 512-token cap
        ("architect_general_baseline", "instruction_precision", "t2_q1_resist_elaboration",
         "degenerate", "4 4 4"),
        # a vision model answering a text task about an image that is not there
        ("vision_qwen3_vl_2b_q4_k_m_baseline", "general", "t2_q3_schedule", "wrong_modality",
         "this image"),
    ],
)  # fmt: skip
def test_known_real_examples(real_flags, config, suite, qid, flag, evidence_part) -> None:
    flags, scores = real_flags
    got = flags.get((config, suite, qid), {})
    assert flag in got, got
    assert evidence_part in got[flag].lower()
    if flag in ("degenerate", "echo_only"):
        assert scores[(config, suite, qid)] == 0


@pytest.mark.realdata
def test_real_run_flag_rates_are_plausible(real_flags) -> None:
    flags, scores = real_flags
    llama = [v for (c, _, _), v in flags.items() if c == LLAMA_8B]
    # the report calls this config's output severely degenerate: most answers are flagged
    assert sum(1 for v in llama if "degenerate" in v or "echo_only" in v) >= 40
    clean = sum(1 for k in scores if k not in flags)
    assert clean >= len(scores) // 3  # most models mostly answer; flags must not be everywhere
