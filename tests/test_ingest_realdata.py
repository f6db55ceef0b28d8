"""Must-show: the real run ingests completely, counted independently of the ingest code."""

from __future__ import annotations

import json

import pytest

from ingest.pipeline import ingest_all
from tests.conftest import REAL_RUN, REAL_SUITES, require_real_data

pytestmark = pytest.mark.realdata


def independent_counts() -> tuple[set[str], int, set[str]]:
    """Per-config files, response records and other files, walked with plain json."""
    configs, others, responses = set(), set(), 0
    for path in REAL_RUN.iterdir():
        doc = json.loads(path.read_text())
        if isinstance(doc, dict) and "model_role" in doc and isinstance(doc.get("results"), dict):
            configs.add(path.stem)
            responses += sum(len(q) for q in doc["results"].values())
        else:
            others.add(path.name)
    return configs, responses, others


def test_real_run_loads_every_config_file_and_every_response(con):
    require_real_data()
    configs, responses, others = independent_counts()
    out = ingest_all(con, REAL_SUITES, [REAL_RUN])
    assert out.exit_code == 0, out.summary()
    loaded = {r[0] for r in con.execute("select config from raw.configs").fetchall()}
    assert loaded == configs
    assert con.execute("select count(*) from raw.responses").fetchone()[0] == responses
    # every skipped file is named with its reason
    skipped = dict(
        con.execute(
            "select regexp_extract(source_file, '[^/]+$'), message from raw.ingest_errors "
            "where source_file like '%/runs/%'"
        ).fetchall()
    )
    assert set(skipped) == others
    assert all("not a per-config run file" in m for m in skipped.values())


def test_real_suites_load_and_non_suites_are_named(con):
    require_real_data()
    ingest_all(con, REAL_SUITES, [REAL_RUN])
    expected = {}
    import yaml

    for path in REAL_SUITES.glob("*.yaml"):
        doc = yaml.safe_load(path.read_text())
        if isinstance(doc, dict) and isinstance(doc.get("prompts"), dict):
            expected[path.stem] = len(doc["prompts"])
    got = dict(con.execute("select suite, count(*) from raw.questions group by 1").fetchall())
    assert got == expected
    named = {
        r[0].rsplit("/", 1)[-1]
        for r in con.execute(
            "select source_file from raw.ingest_errors where source_file like '%prompts%'"
        ).fetchall()
    }
    non_suites = {p.name for p in REAL_SUITES.iterdir() if p.stem not in expected}
    assert named == non_suites


def test_speed_tests_and_retired_questions_are_marked_not_dropped(con):
    require_real_data()
    ingest_all(con, REAL_SUITES, [REAL_RUN])
    speed, retired = con.execute(
        "select count(*) filter (where is_speed_test), "
        "count(*) filter (where not is_speed_test and not in_suite) from raw.responses"
    ).fetchone()
    assert speed > 0 and retired > 0
    # a speculative config holds its single speed-test record with its speed
    row = con.execute(
        "select count(*), max(tokens_per_second) from raw.responses "
        "where config = 'architect_qwen2_5_72b_spec_draft_qwen25_k8'"
    ).fetchone()
    assert row[0] == 1 and row[1] > 0


def test_model_facts_of_the_real_configs(con):
    require_real_data()
    ingest_all(con, REAL_SUITES, [REAL_RUN])
    row = con.execute(
        "select model, params_b, active_params_b, quant from raw.configs "
        "where config = 'architect_general_baseline'"
    ).fetchone()
    # model_path ends in Qwen3-235B-A22B-Q4_K_M-00001-of-00004.gguf
    assert row == ("Qwen3-235B-A22B-Q4_K_M", 235.0, 22.0, "Q4_K_M")
