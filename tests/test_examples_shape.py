"""Shape checks for the bundled example data in `examples/`.

The README's first command and many tests run on this data, so an edit that breaks one of the
shapes the pipeline relies on (real runner output shapes) must fail here, before it fails
somewhere downstream in a confusing way. Only plain json/yaml/csv are used on purpose: these
tests must not depend on the code they are meant to feed.
"""

from __future__ import annotations

import csv
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PROMPTS = EXAMPLES / "prompts"
RUN_DIR = EXAMPLES / "runs" / "20260101_120000"
REVIEWS = EXAMPLES / "reviews"

RECORD_FIELDS = {
    "question_id",
    "prompt",
    "response",
    "tokens_per_second",
    "prompt_tokens",
    "completion_tokens",
    "total_time_ms",
    "algorithmic_score",
    "score_reason",
    "acceptance_rate",
}
RUN_FIELDS = {
    "model_role",
    "model_path",
    "config_name",
    "run_id",
    "timestamp",
    "results",
    "summary",
}
SUITE_FIELDS = {"tier", "name", "prompt", "expected", "reference_answer", "scoring"}
SPEED_CONFIG = re.compile(r"(^|_)(spec_draft_.+_k\d+|lookup_n\d+)$")

# Role prefix -> report category, as the report groups them (the real mapping is a dbt seed;
# this copy only checks that the examples cover every category).
CATEGORY_PREFIXES = {
    "thinking": ("thinking_",),
    "draft": ("draft_",),
    "architect_ingest": ("architect_", "ingest_"),
    "coder_tool_vision": ("coder_", "frontdoor", "tool_formalizer_", "vision_"),
    "general_worker": ("general_", "worker_"),
}


@cache
def _suites() -> dict[str, dict[str, Any]]:
    """Suite name -> parsed YAML, only for files that are suites (have a prompts mapping)."""
    out = {}
    for path in sorted(PROMPTS.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(doc, dict) and isinstance(doc.get("prompts"), dict):
            out[path.stem] = doc
    return out


@cache
def _run_files() -> dict[str, dict[str, Any]]:
    """File stem -> parsed JSON, only for per-config run files (the rest are aggregates)."""
    out = {}
    for path in sorted(RUN_DIR.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(doc, dict) and doc.keys() >= RUN_FIELDS:
            out[path.stem] = doc
    return out


@cache
def _records() -> list[tuple[str, str, str, dict[str, Any]]]:
    """(stem, suite, question_id, record) for every record of every per-config file."""
    return [
        (stem, suite, qid, rec)
        for stem, doc in _run_files().items()
        for suite, questions in doc["results"].items()
        for qid, rec in questions.items()
    ]


def _record(stem: str, suite: str, qid: str) -> dict[str, Any]:
    return _run_files()[stem]["results"][suite][qid]


def _num(value: Any) -> float | None:
    """Numbers may arrive as strings and nulls as "None", as the real runner writes them."""
    if value is None or value == "None":
        return None
    return float(value)


def _cap(suite: str) -> int:
    return int(_suites()[suite]["inference_params"]["max_tokens"])


# ---------- suites ----------


def test_suites_have_real_shape() -> None:
    suites = _suites()
    assert {
        "math",
        "general",
        "agentic",
        "instruction_precision",
        "thinking",
        "vl",
    } <= suites.keys()
    for name, doc in suites.items():
        assert doc["domain"] == name
        for key in ("version", "description", "created", "updated"):
            assert key in doc, (name, key)
        assert 2 <= len(doc["prompts"]) <= 6, name
        assert {"temperature", "max_tokens", "timeout"} <= doc["inference_params"].keys()
        for qid, q in doc["prompts"].items():
            assert re.fullmatch(r"t\d_q\d_[a-z0-9_]+", qid), qid
            assert q.keys() >= SUITE_FIELDS, (name, qid)
            assert q["tier"] == int(qid[1])
            assert q["scoring"] and all({"criterion", "weight"} <= c.keys() for c in q["scoring"])


def test_image_and_context_fields_present() -> None:
    questions = [q for doc in _suites().values() for q in doc["prompts"].values()]
    assert any("image_path" in q for q in questions)
    assert any(
        {"context_tokens", "context_type", "needle", "needle_position"} <= q.keys()
        for q in questions
    )


def test_one_suite_has_512_max_tokens() -> None:
    assert 512 in {doc["inference_params"]["max_tokens"] for doc in _suites().values()}


def test_auto_score_rule_kinds_present() -> None:
    rules = [
        q["auto_score"]
        for doc in _suites().values()
        for q in doc["prompts"].values()
        if "auto_score" in q
    ]
    joined = ";".join(rules)
    for kind in (
        "forbidden_words:",
        "word_count:",
        "exact_match:",
        "format_lines:",
        "format_pattern:",
        "multi:",
        "contains_pattern:",
        "forbidden_pattern:",
    ):
        assert kind in joined, kind
    assert "manual" in rules


def test_non_suite_prompt_material_exists() -> None:
    non_suites = [p for p in PROMPTS.glob("*.yaml") if p.stem not in _suites()]
    assert non_suites, "need a YAML that is not a suite so ingest shows skipping"
    assert any(p.is_dir() for p in PROMPTS.iterdir())


# ---------- run files ----------


def test_run_file_stem_is_role_and_config() -> None:
    files = _run_files()
    assert 12 <= len(files) <= 20
    for stem, doc in files.items():
        assert stem == f"{doc['model_role']}_{doc['config_name']}"
        assert doc["run_id"] == RUN_DIR.name
        assert doc["model_path"].endswith(".gguf")
        assert {"avg_tokens_per_second", "questions_tested"} <= doc["summary"].keys()


def test_every_record_has_all_fields_and_matching_id() -> None:
    records = _records()
    assert records
    for stem, _suite, qid, rec in records:
        assert set(rec) == RECORD_FIELDS, (stem, qid)
        assert rec["question_id"] == qid


def test_answered_questions_exist_in_suites() -> None:
    suites = _suites()
    for stem, suite, qid, rec in _records():
        if suite == "speed_test":
            continue
        assert qid in suites[suite]["prompts"], (stem, suite, qid)
        assert rec["prompt"] == suites[suite]["prompts"][qid]["prompt"].rstrip("\n")


def test_every_category_is_present() -> None:
    roles = {doc["model_role"] for doc in _run_files().values()}
    for category, prefixes in CATEGORY_PREFIXES.items():
        answering = [r for r in roles if r.startswith(prefixes)]
        assert answering, category
    # every role belongs to exactly one category
    for role in roles:
        hits = [c for c, p in CATEGORY_PREFIXES.items() if role.startswith(p)]
        assert len(hits) == 1, role


def test_every_role_is_in_the_category_seed() -> None:
    """An example role missing from the seed would show up as `uncategorised` in the report."""
    seed = EXAMPLES.parent / "dbt" / "seeds" / "role_categories.csv"
    if not seed.exists():
        pytest.skip("dbt/seeds/role_categories.csv not present")
    with seed.open(encoding="utf-8") as f:
        seeded = {row["role"]: row["category"] for row in csv.DictReader(f)}
    for doc in _run_files().values():
        role = doc["model_role"]
        assert role in seeded, role
        expected = [c for c, p in CATEGORY_PREFIXES.items() if role.startswith(p)]
        assert [seeded[role]] == expected, role


def test_speed_test_configs_hold_one_record() -> None:
    files = _run_files()
    speed = {s: d for s, d in files.items() if SPEED_CONFIG.search(d["config_name"])}
    assert len(speed) >= 3
    assert any("lookup_n4" in d["config_name"] for d in speed.values())
    assert sum("spec_draft_" in d["config_name"] for d in speed.values()) >= 2
    for stem, doc in speed.items():
        assert list(doc["results"]) == ["speed_test"], stem
        (rec,) = doc["results"]["speed_test"].values()
        assert rec["question_id"] == "speed_measurement"
        assert rec["prompt"] == "[speed test prompt]"
        assert rec["response"] == "[speed test only - quality inherited]"
        assert isinstance(rec["tokens_per_second"], float)
        assert all(
            rec[k] is None
            for k in RECORD_FIELDS - {"question_id", "prompt", "response", "tokens_per_second"}
        )
        base = files.get(f"{doc['model_role']}_baseline")
        assert base is not None, f"{stem}: speed test without a baseline of the same role"
        assert rec["tokens_per_second"] > base["summary"]["avg_tokens_per_second"]
    non_speed = [d for d in files.values() if not SPEED_CONFIG.search(d["config_name"])]
    assert all("speed_test" not in d["results"] for d in non_speed)


def test_baseline_and_moe4_pair() -> None:
    files = _run_files()
    roles_with = {
        cfg: {d["model_role"] for d in files.values() if d["config_name"] == cfg}
        for cfg in ("baseline", "moe4")
    }
    pair = roles_with["baseline"] & roles_with["moe4"]
    assert pair
    role = pair.pop()
    assert files[f"{role}_moe4"]["results"].keys() == files[f"{role}_baseline"]["results"].keys()


def test_model_path_variety() -> None:
    paths = [d["model_path"] for d in _run_files().values()]
    assert any(re.search(r"-\d{5}-of-\d{5}\.gguf$", p) for p in paths)
    assert any("A3B" in p for p in paths)
    assert any(re.search(r"[-_.]f(p)?16", p, re.I) for p in paths)


def test_draft_speeds_allow_a_pareto_front() -> None:
    drafts = [d for d in _run_files().values() if d["model_role"].startswith("draft_")]
    assert len(drafts) >= 3
    speeds = [d["summary"]["avg_tokens_per_second"] for d in drafts]
    assert min(speeds) <= 40 and max(speeds) >= 140


def test_aggregate_files_of_other_shapes_exist() -> None:
    others = [p for p in RUN_DIR.glob("*.json") if p.stem not in _run_files()]
    assert len(others) >= 1
    for path in others:
        doc = json.loads(path.read_text(encoding="utf-8"))
        assert isinstance(doc, dict) and "results" not in doc


def test_folder_is_small() -> None:
    total = sum(p.stat().st_size for p in RUN_DIR.iterdir())
    assert total < 300_000


# ---------- the special cases the detectors and the site are tested on ----------


def test_truncation_cases() -> None:
    think = _record("thinking_deepseek_r1_distill_qwen_7b_baseline", "thinking", "t3_q1_confounder")
    assert think["response"].startswith("<think>") and "</think>" not in think["response"]
    assert int(think["completion_tokens"]) in (_cap("thinking") - 1, _cap("thinking"))
    plain = _record("worker_math_baseline", "math", "t3_q1_modular_power")
    assert int(plain["completion_tokens"]) == _cap("math")
    assert not plain["response"].rstrip().endswith((".", "*", ")"))


def test_not_truncated_records_are_below_cap() -> None:
    """Otherwise a detector test could not tell the intended truncations from noise."""
    truncated = set()
    for stem, suite, qid, rec in _records():
        if suite == "speed_test":
            continue
        if _num(rec["completion_tokens"]) >= _cap(suite) - 1:
            truncated.add((stem, suite, qid))
    assert truncated == {
        ("thinking_deepseek_r1_distill_qwen_7b_baseline", "thinking", "t3_q1_confounder"),
        ("worker_math_baseline", "math", "t3_q1_modular_power"),
        ("draft_qwen2_0_5b_q2_k_baseline", "general", "t3_q1_cache_stampede"),
    }


def test_prompt_echo_cases() -> None:
    echoed = [
        (stem, rec)
        for stem, suite, _q, rec in _records()
        if suite != "speed_test" and rec["response"].startswith(rec["prompt"])
    ]
    assert len(echoed) >= 5
    only = [(s, r) for s, r in echoed if r["response"] == r["prompt"]]
    assert [s for s, _ in only] == ["draft_qwen2_0_5b_q2_k_baseline"]
    assert all(
        rec["response"] != rec["prompt"]
        for stem, rec in echoed
        if stem == "ingest_qwen2_5_72b_baseline"
    )


def test_degenerate_empty_vision_and_missing_tool_json() -> None:
    degenerate = _record("draft_qwen2_0_5b_q2_k_baseline", "general", "t3_q1_cache_stampede")
    assert degenerate["response"].count("No assertions.") > 50
    assert (
        _record("draft_qwen2_0_5b_q2_k_baseline", "thinking", "t1_q1_syllogism")["response"] == ""
    )
    vision = [
        rec
        for stem, suite, _q, rec in _records()
        if stem.startswith("vision_") and "upload an image" in rec["response"]
    ]
    assert vision
    prose = _record("frontdoor_baseline", "agentic", "t1_q2_sequential_calls")["response"]
    assert "{" not in prose and "[" not in prose
    good = _record("tool_formalizer_xlam2_baseline", "agentic", "t1_q2_sequential_calls")
    assert isinstance(json.loads(good["response"]), list)


def test_html_escaping_case() -> None:
    text = _record("coder_primary_baseline", "general", "t2_q2_xss_explainer")["response"]
    assert "<script>alert('xss')</script>" in text
    assert "</details>" in text and "|---|" in text


def test_strings_for_numbers_and_none() -> None:
    values = [
        rec[k]
        for _s, _su, _q, rec in _records()
        for k in RECORD_FIELDS
        if k not in ("prompt", "response", "question_id")
    ]
    assert "None" in values
    assert "12.5" in values
    assert any(isinstance(v, str) and re.fullmatch(r"\d+", v) for v in values)


# ---------- reviews and summary ----------


def _csv_rows(path: Path) -> tuple[list[str], list[list[str]], int]:
    """Header, data rows and the number of `#` comment lines."""
    lines = path.read_text(encoding="utf-8").splitlines()
    comments = sum(1 for ln in lines if ln.startswith("#"))
    rows = list(csv.reader(ln for ln in lines if not ln.startswith("#")))
    return rows[0], rows[1:], comments


PER_CONFIG_HEADER = ["suite", "question_id", "tokens_per_second", "claude_score", "score_reason"]
AGGREGATED_HEADER = ["model", "suite", "question_id", "claude_score", "score_reason"]


@pytest.mark.parametrize("path", sorted(REVIEWS.glob("*.csv")), ids=lambda p: p.name)
def test_review_csvs_match_responses(path: Path) -> None:
    header, rows, comments = _csv_rows(path)
    assert comments >= 1
    files = _run_files()
    assert header in (PER_CONFIG_HEADER, AGGREGATED_HEADER)
    for row in rows:
        assert len(row) == len(header)
        if header == PER_CONFIG_HEADER:
            config = path.stem.removesuffix("_rescored")
            suite, qid, _tps, score, _reason = row
        else:
            config, suite, qid, score, _reason = row
        assert config in files, (path.name, config)
        rec = files[config]["results"][suite][qid]
        assert score in {"0", "1", "2", "3"}
        if rec["response"] == "" or rec["response"] == rec["prompt"]:
            assert score == "0"


def test_review_shapes_and_rescored_suffix() -> None:
    names = [p.name for p in REVIEWS.glob("*.csv")]
    assert any(n.endswith("_rescored.csv") for n in names)
    headers = [_csv_rows(REVIEWS / n)[0] for n in names]
    assert PER_CONFIG_HEADER in headers and AGGREGATED_HEADER in headers


def test_summary_csv_shape() -> None:
    rows = list(csv.reader((EXAMPLES / "summary.csv").read_text(encoding="utf-8").splitlines()))
    header, body = rows[0], rows[1:]
    assert header[0] == "model" and "pct_str" in header and "avg_tps" in header
    lengths = {len(r) for r in body}
    assert len(header) in lengths and len(header) - 1 in lengths
    assert all(
        re.fullmatch(r"\d+(\.\d+)?%\S?", r[header.index("pct_str") - 1])
        or re.fullmatch(r"\d+(\.\d+)?%\S?", r[header.index("pct_str")])
        for r in body
    )
    models = {Path(d["model_path"]).name.removesuffix(".gguf") for d in _run_files().values()}
    models = {re.sub(r"-\d{5}-of-\d{5}$", "", m) for m in models}
    named = {r[0] for r in body}
    assert len(named & models) >= 5
    assert named & set(_run_files())  # one row keyed by config
