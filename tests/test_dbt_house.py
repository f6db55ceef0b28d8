"""The marts pages read (issue 9.2, 10.8, 12.5, 14.5-14.7), built by real dbt over real data.

The warehouse is made the way a user makes it: the bundled examples through the `rescore`
CLI (ingest, import-scores, import-summary, the rules judge), plus one synthetic response to a
question id its suite file does not have. dbt builds once per module; each test checks a mart
against the raw rows or against the Python code the mart must agree with.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml

from judge.detectors import effective_cap
from rescore import paths
from rescore.dbt_runner import dbt_executable, run_dbt_build
from rescore.warehouse import ENV_VAR, connect, response_id

EXAMPLES = paths.examples_dir()
RUN_ID = "20260101_120000"
ABSENT_QUESTION = "t9_q9_removed_from_the_suite"


def rescore(*args: str, warehouse: Path) -> None:
    exe = shutil.which("rescore") or ""
    cmd = [exe] if exe else [sys.executable, "-m", "rescore.cli"]
    env = {**os.environ, ENV_VAR: str(warehouse)}
    out = subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=300, env=env)
    # 1 = data problems found and accounted for (the examples hold deliberate ones)
    assert out.returncode in (0, 1), out.stdout + out.stderr


def dbt(*args: str, warehouse: Path, target: Path) -> subprocess.CompletedProcess:
    dbt_dir = paths.dbt_dir()
    cmd = [
        *dbt_executable(),
        *args,
        "--project-dir",
        str(dbt_dir),
        "--profiles-dir",
        str(dbt_dir),
        "--target-path",
        str(target),
        "--log-path",
        str(target / "logs"),
    ]
    env = {**os.environ, ENV_VAR: str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    return subprocess.run(cmd, cwd=dbt_dir, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A warehouse of the examples with two scoring runs and one absent-question response."""
    tmp = tmp_path_factory.mktemp("house")
    warehouse = tmp / "rescore.duckdb"
    rescore(
        "ingest", str(EXAMPLES / "prompts"), str(EXAMPLES / "runs" / RUN_ID), warehouse=warehouse
    )
    con = connect(warehouse)
    row = con.execute(
        "select run_id, config from raw.responses where suite = 'vl' order by config limit 1"
    ).fetchone()
    assert row, "the examples have a vl response"
    con.execute(
        "insert into raw.responses (response_id, run_id, config, suite, question_id, response, "
        "completion_tokens, is_speed_test, in_suite, source_file, source_path) "
        "values (?, ?, ?, 'vl', ?, 'an answer', 10, false, false, 'synthetic', 'synthetic')",
        [response_id(row[0], row[1], "vl", ABSENT_QUESTION), row[0], row[1], ABSENT_QUESTION],
    )
    con.close()
    rescore(
        "import-scores", str(EXAMPLES / "reviews"), "--scoring-run", "imported", warehouse=warehouse
    )
    rescore(
        "import-summary",
        str(EXAMPLES / "summary.csv"),
        "--baseline",
        "summary.csv",
        warehouse=warehouse,
    )
    rescore("judge", "--judge", "rules-v1", "--scoring-run", "rules-v1", warehouse=warehouse)
    assert run_dbt_build(warehouse, target_path=tmp / "target") == 0
    return warehouse


def rows(warehouse: Path, sql: str) -> list[dict]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        cur = con.execute(sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    finally:
        con.close()


def project_vars() -> dict:
    return yaml.safe_load((paths.dbt_dir() / "dbt_project.yml").read_text())["vars"]


def test_every_var_has_one_unique_description():
    """marts.thresholds lists the vars that have a description: a var without one is hidden."""
    variables = project_vars()
    descriptions = variables.pop("threshold_descriptions")
    assert set(descriptions) == set(variables), "vars and threshold_descriptions differ"
    texts = list(descriptions.values())
    assert len(set(texts)) == len(texts), "two vars share a description"


@pytest.mark.slow
def test_thresholds_publish_the_values_in_force(built, tmp_path):
    published = {r["name"]: r for r in rows(built, "select * from marts.thresholds")}
    variables = project_vars()
    descriptions = variables.pop("threshold_descriptions")
    assert set(published) == set(variables)
    for name, value in variables.items():
        assert json.loads(published[name]["value"]) == value
        assert published[name]["description"] == descriptions[name]
    overridden = 60 if variables["avoid_below_pct"] != 60 else 61
    copy = tmp_path / "override.duckdb"
    shutil.copy(built, copy)
    out = dbt(
        "build",
        "--select",
        "thresholds",
        "--vars",
        json.dumps({"avoid_below_pct": overridden}),
        warehouse=copy,
        target=tmp_path / "target",
    )
    assert out.returncode == 0, out.stdout[-3000:]
    [row] = rows(copy, "select * from marts.thresholds where name = 'avoid_below_pct'")
    assert json.loads(row["value"]) == overridden
    assert row["value_number"] == overridden


DECLARED_CAPS = [None, 0, 256, 512, 1023, 1024, 1025, 1500, 2047, 2048, 4096, 32768]


@pytest.mark.slow
def test_token_cap_macro_is_the_truncation_detectors_rule(built, tmp_path):
    """One definition of the cap (issue 14.7): the dbt macro and judge.detectors agree."""
    values = ", ".join(f"({'null' if d is None else d}::integer)" for d in DECLARED_CAPS)
    out = dbt(
        "show",
        "--quiet",
        "--output",
        "json",
        "--limit",
        "100",
        "--inline",
        f"select d, {{{{ token_cap('d') }}}} as cap from (values {values}) as t (d)",
        warehouse=built,
        target=tmp_path / "target",
    )
    assert out.returncode == 0, out.stdout[-3000:]
    shown = json.loads(out.stdout[out.stdout.index("{") :])["show"]
    assert {r["d"]: r["cap"] for r in shown} == {d: effective_cap(d) for d in DECLARED_CAPS}


@pytest.mark.slow
def test_responses_show_the_cap_the_detector_used(built):
    listed = rows(built, "select * from marts.responses")
    assert listed
    for r in listed:
        assert r["token_cap"] == effective_cap(r["declared_max_tokens"])
        if r["detector_cap"] is not None:
            assert r["detector_cap"] == r["token_cap"]
        assert r["counts_for_quality"] == (r["in_suite"] and not r["is_speed_test"])
    truncated = [r for r in listed if r["detector_cap"] is not None]
    assert truncated, "the examples have responses truncated at the cap"


@pytest.mark.slow
def test_responses_list_every_response_of_the_judged_runs(built):
    per_run = rows(
        built,
        "select scoring_run, count(*) as n, count(score) as judged "
        "from marts.responses group by scoring_run",
    )
    [raw_count] = rows(built, "select count(*) as n from raw.responses")
    judged = {
        r["scoring_run"]: r["n"]
        for r in rows(built, "select scoring_run, count(*) as n from raw.judgments group by 1")
    }
    assert {r["scoring_run"] for r in per_run} == set(judged)
    for r in per_run:
        assert r["n"] == raw_count["n"]
        assert r["judged"] == judged[r["scoring_run"]]


@pytest.mark.slow
def test_scoring_runs_call_only_rescores_own_judges_blind(built):
    runs = {r["scoring_run"]: r for r in rows(built, "select * from marts.scoring_runs")}
    assert runs["rules-v1"]["judge_kind"] == "rules"
    assert runs["rules-v1"]["is_blind_by_rescore"] is True
    assert runs["imported"]["judge_kind"] == "imported"
    assert runs["imported"]["is_blind_by_rescore"] is False
    assert runs["imported"]["source_file_count"] == len(list((EXAMPLES / "reviews").glob("*.csv")))


@pytest.mark.slow
def test_configs_label_each_config_once(built):
    configs = rows(built, "select * from marts.configs")
    [raw_count] = rows(built, "select count(*) as n from raw.configs")
    assert len(configs) == raw_count["n"]
    assert len({(c["run_id"], c["display_label"]) for c in configs}) == len(configs)
    for c in configs:
        assert c["is_variant"] == (c["variant_kind"] != "baseline")


@pytest.mark.slow
def test_coverage_names_responses_to_absent_question_ids(built):
    [vl] = rows(
        built, "select * from marts.coverage where scoring_run = 'rules-v1' and suite = 'vl'"
    )
    assert vl["absent_question_responses"] == 1
    assert vl["message"] == "1 vl responses answer question ids absent from vl.yaml: not judged"
    totals = rows(
        built,
        "select scoring_run, sum(responses) as n from marts.coverage group by scoring_run",
    )
    [raw_count] = rows(built, "select count(*) as n from raw.responses")
    assert all(t["n"] == raw_count["n"] for t in totals)


@pytest.mark.slow
def test_audit_has_a_verdict_for_every_scoring_run_and_file(built):
    audit = {r["scoring_run"]: r for r in rows(built, "select * from marts.scoring_run_audit")}
    assert set(audit) == {"imported", "rules-v1"}
    files = rows(built, "select * from marts.scoring_run_source_audit")
    judged_files = rows(
        built,
        "select scoring_run, coalesce(source_file, '(judge)') as f, count(*) as n "
        "from raw.judgments group by all",
    )
    assert {(r["scoring_run"], r["source_file"], r["judgments"]) for r in files} == {
        (r["scoring_run"], r["f"], r["n"]) for r in judged_files
    }
    for r in [*audit.values(), *files]:
        assert r["verdict"] in {"ok", "templated", "lenient_on_broken", "contradicts_checks"}
        assert r["reason"]
        ratio = r["distinct_reasons"] / r["judgments"]
        assert r["distinct_reason_ratio"] == pytest.approx(ratio)
    assert audit["rules-v1"]["verdict"] == "ok"


@pytest.mark.slow
def test_data_quality_accounts_for_every_quarantined_record(built):
    [errors] = rows(built, "select count(*) as n from raw.ingest_errors")
    [listed] = rows(built, "select count(*) as n from marts.ingest_errors")
    [counted] = rows(built, "select sum(records) as n from marts.data_quality")
    assert errors["n"] > 0, "the examples hold records that are skipped"
    assert listed["n"] == errors["n"] == counted["n"]


@pytest.mark.slow
def test_changelog_compares_every_ordered_pair(built):
    pairs = rows(
        built,
        "select distinct scoring_run, previous_scoring_run, is_latest_previous "
        "from marts.changelog",
    )
    assert {(p["scoring_run"], p["previous_scoring_run"]) for p in pairs} <= {
        ("imported", "rules-v1"),
        ("rules-v1", "imported"),
    }
    assert pairs
    latest = [p for p in pairs if p["is_latest_previous"]]
    assert len(latest) <= 1
