"""`rescore import-summary`: earlier percentages into raw.baselines, every row accounted for."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from ingest.summary import import_summary
from tests.conftest import REAL_REVIEWS, require_real_data

SUMMARY_HEADER = "model,thinking,general,math,vl,total,pct_str,avg_tps,spec_draft,spec_k_results"


def write(path: Path, text: str | bytes) -> Path:
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def baselines(con, baseline: str = "prev") -> dict[str, dict]:
    cur = con.execute(
        "select subject, subject_kind, score, max_score, pct, pct_text, avg_tps, "
        "suite_scores::varchar as suite_scores, source_line from raw.baselines where baseline = ?",
        [baseline],
    )
    names = [d[0] for d in cur.description]
    out = {}
    for row in cur.fetchall():
        rec = dict(zip(names, row, strict=True))
        rec["suite_scores"] = json.loads(rec["suite_scores"]) if rec["suite_scores"] else None
        out[rec["subject"]] = rec
    return out


def add_config(con, config: str) -> None:
    con.execute(
        "insert into raw.configs (run_id, config, source_file, file_sha256, loaded_at) "
        "values ('r1', ?, 'fixture', 'x', now())",
        [config],
    )


def test_summary_with_a_header_one_column_longer_than_its_rows(con, tmp_path):
    f = write(
        tmp_path / "summary.csv",
        f"{SUMMARY_HEADER}\r\n"
        # full rows (10 fields)
        'Model-A-Q4_K_M,9/10,8/10,-,3/4,20/24,83%,5.5,draft_x,"k4:1.0,k8:2.0"\r\n'
        # rows written before the vl column existed (9 fields): vl is the missing column
        "Model-B-Q8_0,5/10,4/10,2/10,11/30,37%\u2020,12.0,,\r\n"
        "worker_math_baseline,10/10,10/10,10/10,30/30,93%+,2.1,,\r\n",
    )
    add_config(con, "worker_math_baseline")
    out = import_summary(con, f, "prev")
    assert out.exit_code == 0, out.summary()
    rows = baselines(con)
    a, b, c = rows["Model-A-Q4_K_M"], rows["Model-B-Q8_0"], rows["worker_math_baseline"]
    assert (a["score"], a["max_score"], a["pct"], a["pct_text"], a["avg_tps"]) == (
        20,
        24,
        83,
        "83%",
        5.5,
    )
    assert a["suite_scores"] == {"thinking": "9/10", "general": "8/10", "vl": "3/4"}
    assert (b["score"], b["max_score"], b["pct"], b["pct_text"], b["avg_tps"]) == (
        11,
        30,
        37,
        "37%\u2020",
        12.0,
    )
    assert b["suite_scores"] == {"thinking": "5/10", "general": "4/10", "math": "2/10"}
    assert (c["pct"], c["pct_text"], c["subject_kind"]) == (93, "93%+", "config")
    assert (a["subject_kind"], a["source_line"], c["source_line"]) == ("model", 2, 4)


def test_draft_models_summary_shape_with_number_columns(con, tmp_path):
    f = write(
        tmp_path / "draft_models_summary.csv",
        "model,questions,total,max,avg,pct,tps\n"
        "draft_a,20,40,60,2.0,66.66666666666666,29.47\n"
        "draft_b,20,39,60,1.95,0.65,82.26\n",  # a fraction: checked against total/max
    )
    out = import_summary(con, f, "prev")
    assert out.exit_code == 0, out.summary()
    rows = baselines(con)
    assert rows["draft_a"]["pct"] == pytest.approx(200 / 3)
    assert (rows["draft_a"]["score"], rows["draft_a"]["max_score"]) == (40, 60)
    assert rows["draft_b"]["pct"] == pytest.approx(65)
    assert rows["draft_a"]["pct_text"] == "66.66666666666666"
    assert rows["draft_b"]["avg_tps"] == 82.26


def test_thinking_models_summary_shape(con, tmp_path):
    f = write(
        tmp_path / "thinking_models_summary.csv",
        "model,model_size,quantization,thinking_score,general_score,total_scored,"
        "total_possible,percentage,avg_tokens_per_second,notes\n"
        "thinking_a,70B,Q4_K_M,20,4,24,36,67%,null,Many responses truncated - good when complete\n"
        "thinking_b,8B,Q4_K_M,0,21,21,30,70%,8.9,fine\n",
    )
    out = import_summary(con, f, "prev")
    assert out.exit_code == 0, out.summary()
    rows = baselines(con)
    assert (rows["thinking_a"]["pct"], rows["thinking_a"]["avg_tps"]) == (67, None)
    assert rows["thinking_a"]["suite_scores"] == {"thinking": "20", "general": "4"}
    assert (rows["thinking_b"]["score"], rows["thinking_b"]["max_score"]) == (21, 30)


def test_pct_computed_from_total_when_not_written(con, tmp_path):
    f = write(tmp_path / "s.csv", "model,general,total,pct_str\nm,3/4,3/4,\n")
    import_summary(con, f, "prev")
    row = baselines(con)["m"]
    assert (row["pct"], row["pct_text"]) == (75, None)


BAD_ROWS = [
    ("blank_subject", ",9/10,9/10,-,18/20,90%,1.0,,", "blank_cell"),
    ("no_percentage", "m-x,9/10,9/10,-,-,-,-,1.0,,", "no_percentage"),
    ("pct_over_100", "m-x,9/10,9/10,-,1/1,180%,1.0,,", "pct_out_of_range"),
    ("bad_total", "m-x,9/10,9/10,-,-,lots,50%,1.0,,", "non_numeric_cell"),
    ("too_many_before_pct", "m-x,1,2,3,4,5,6,7/8,88%,1.0,,", "field_count"),
    ("duplicate", "Model-A,1/10,1/10,-,-,2/20,10%,1.0,,", "duplicate_subject"),
    ("invalid_utf8", "m-\xff,9/10,9/10,-,-,18/20,90%,1.0,,", "invalid_utf8"),
    ("nul", "m-\x00,9/10,9/10,-,-,18/20,90%,1.0,,", "nul_byte"),
]


@pytest.mark.parametrize("line,kind", [b[1:] for b in BAD_ROWS], ids=[b[0] for b in BAD_ROWS])
def test_a_bad_row_is_quarantined_and_the_rest_load(con, tmp_path, line, kind):
    raw = line.encode("latin-1") if kind == "invalid_utf8" else line.encode()
    f = write(
        tmp_path / "summary.csv",
        f"{SUMMARY_HEADER}\nModel-A,9/10,8/10,-,-,17/20,85%,5.5,,\n".encode()
        + raw
        + b"\nModel-C,1/10,1/10,-,-,2/20,10%,3.0,,\n",
    )
    out = import_summary(con, f, "prev")
    assert set(baselines(con)) == {"Model-A", "Model-C"}
    assert [(p.location, p.kind) for p in out.quarantined] == [("line 3", kind)]
    assert out.quarantined[0].message and out.exit_code == 1


def test_a_file_that_is_not_a_summary_is_refused_with_a_reason(con, tmp_path):
    f = write(
        tmp_path / "arch.csv",
        "suite,question_id,tokens_per_second,claude_score,score_reason\nmath,q1,1,3,ok\n",
    )
    out = import_summary(con, f, "prev")
    assert [p.kind for p in out.quarantined] == ["not_a_summary"]
    assert baselines(con) == {}


def test_reimport_replaces_the_baseline(con, tmp_path):
    f = write(tmp_path / "s.csv", "model,general,total,pct_str\nm,3/4,3/4,75%\nn,1/4,1/4,25%\n")
    import_summary(con, f, "prev")
    first = baselines(con)
    import_summary(con, f, "prev")
    assert baselines(con) == first
    g = write(tmp_path / "t.csv", "model,general,total,pct_str\nm,4/4,4/4,100%\n")
    import_summary(con, g, "prev")
    assert {k: v["pct"] for k, v in baselines(con).items()} == {"m": 100}
    import_summary(con, f, "older")
    assert len(baselines(con, "older")) == 2 and len(baselines(con, "prev")) == 1
    # problems of a file the baseline no longer comes from go with it
    bad = write(tmp_path / "bad.csv", "model,general,total,pct_str\nm,3/4,3/4,75%\n,1/4,1/4,25%\n")
    assert import_summary(con, bad, "prev").exit_code == 1
    import_summary(con, g, "prev")
    errors = "select count(*) from raw.ingest_errors where batch = 'prev'"
    assert con.execute(errors).fetchone()[0] == 0


def test_cli_import_summary(tmp_path):
    from rescore.cli import main

    f = write(tmp_path / "s.csv", "model,general,total,pct_str\nm,3/4,3/4,75%\n")
    wh = tmp_path / "w.duckdb"
    assert main(["import-summary", str(f), "--baseline", "b", "--warehouse", str(wh)]) == 0


# --------------------------------------------------------------------------- real data


def csv_rows(path: Path) -> list[list[str]]:
    text = path.read_bytes().decode("utf-8", errors="replace")
    rows = [r for r in csv.reader(io.StringIO(text, newline="")) if any(c.strip() for c in r)]
    return [r for r in rows if not r[0].lstrip().startswith("#")][1:]


@pytest.mark.realdata
def test_real_backup_summary_is_the_drift_baseline(con):
    require_real_data()
    f = REAL_REVIEWS / "backup_20260116" / "summary.csv"
    out = import_summary(con, f, "previous")
    assert out.exit_code == 0, out.summary()
    rows = baselines(con, "previous")
    assert len(rows) == len(csv_rows(f))
    llama = rows["Meta-Llama-3.1-70B-Instruct-Q4_K_M"]
    assert (llama["pct"], llama["pct_text"], llama["score"], llama["max_score"]) == (
        93,
        "93%",
        57,
        61,
    )


@pytest.mark.realdata
def test_real_summary_with_the_longer_header_loads_every_row(con):
    require_real_data()
    f = REAL_REVIEWS / "summary.csv"
    rows_in_file = csv_rows(f)
    header_len = len(next(csv.reader(io.StringIO(f.read_text("utf-8")))))
    assert any(len(r) == header_len - 1 for r in rows_in_file)  # the known quirk is there
    out = import_summary(con, f, "latest")
    rows = baselines(con, "latest")
    assert len(rows) + len(out.quarantined) == len(rows_in_file)
    assert out.quarantined == [], out.summary()
    # every percentage as written survives, daggers and all
    written = {r[0]: r for r in rows_in_file}
    for subject, row in rows.items():
        assert row["pct_text"] in written[subject]


@pytest.mark.realdata
@pytest.mark.parametrize(
    "name",
    [
        "draft_models_summary.csv",
        "thinking_models_summary.csv",
        "summary_draft_models.csv",
        "backup_20260116/summary_draft_models.csv",
        "minimax_glm_scoring_2026-01-22.csv",
    ],
)
def test_real_other_summary_shapes_load_completely(con, name):
    require_real_data()
    f = REAL_REVIEWS / name
    out = import_summary(con, f, "b")
    assert out.exit_code == 0, out.summary()
    rows = baselines(con, "b")
    assert len(rows) == len(csv_rows(f))
    assert all(0 <= r["pct"] <= 100 for r in rows.values())
