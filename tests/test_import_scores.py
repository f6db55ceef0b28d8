"""`rescore import-scores`: every score row loaded or quarantined with file, line and reason.

Synthetic CSVs in tmp_path exercise each malformed-line case next to valid rows; the
real-data tests (marked `realdata`) check the Must-show claims against ../shared/data/epyc,
counting rows independently with the csv module.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ingest.scores import import_scores
from rescore.warehouse import response_id
from tests.conftest import REAL_REVIEWS, REAL_RUN, REAL_SUITES, require_real_data

PER_CONFIG_HEADER = "suite,question_id,tokens_per_second,claude_score,score_reason"
QUESTIONS = [("math", f"t1_q{i}") for i in range(1, 7)]


def add_responses(con, config: str, run_id: str = "20260101_000000", keys=QUESTIONS) -> None:
    """Minimal raw.responses rows, as ingest would leave them, for joins to find."""
    con.executemany(
        "insert into raw.responses (response_id, run_id, config, suite, question_id, "
        "is_speed_test, in_suite, source_file, source_path) values (?, ?, ?, ?, ?, false, "
        "true, 'fixture', ?)",
        [
            (response_id(run_id, config, s, q), run_id, config, s, q, f"results.{s}.{q}")
            for s, q in keys
        ],
    )


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def judgments(con, scoring_run: str = "s") -> list[tuple]:
    return con.execute(
        "select response_id, score, reason, judge, source_file, source_line from raw.judgments "
        "where scoring_run = ? order by source_file, source_line",
        [scoring_run],
    ).fetchall()


def quarantined(outcome) -> list[tuple[str, str | None, str, str]]:
    return [(p.source_file, p.location, p.kind, p.message) for p in outcome.quarantined]


@pytest.fixture
def cfg(con):
    add_responses(con, "worker_math_baseline")
    return con


# --------------------------------------------------------------------------- shapes


def test_score_matrix_loads_one_judgment_per_cell_and_quarantines_bad_cells(con, tmp_path):
    keys = [("vl", "t1_q1_chart"), ("vl", "t1_q2_invoice"), ("vl", "t2_q1_math")]
    add_responses(con, "vision_small_baseline", keys=keys)
    f = write(
        tmp_path / "vl_benchmark.csv",
        "model,t1_q1_chart,t1_q2_invoice,t2_q1_math,total,pct,notes\n"
        'vision_small,3,x,2,5/9,56%,"reads the chart, misses the total"\n'
        "vision_unknown_baseline,1,1,1,3/9,33%,\n",
    )
    out = import_scores(con, [f], "m")
    rows = judgments(con, "m")
    rid = {q: response_id("20260101_000000", "vision_small_baseline", "vl", q) for _, q in keys}
    assert [(r[0], r[1]) for r in rows] == [(rid["t1_q1_chart"], 3), (rid["t2_q1_math"], 2)]
    assert all("misses the total" in r[2] for r in rows)  # the row's note is the reason
    q = {(loc, kind) for _, loc, kind, _ in quarantined(out)}
    assert ("line 2, column t1_q2_invoice", "non_numeric_score") in q
    assert {loc for loc, kind in q if kind == "no_matching_response"} == {
        "line 3, column t1_q1_chart",
        "line 3, column t1_q2_invoice",
        "line 3, column t2_q1_math",
    }
    assert len(rows) + len(out.quarantined) == 2 * 3  # every cell accounted for


def test_per_config_file_takes_config_from_name_and_keeps_line_reason_and_mtime(cfg, tmp_path):
    f = write(
        tmp_path / "worker_math_baseline.csv",
        f"{PER_CONFIG_HEADER}\nmath,t1_q1,10.5,3,Correct\nmath,t1_q2,9.0,1,Wrong answer\n",
    )
    os.utime(f, (1_700_000_000, 1_700_000_000))
    out = import_scores(cfg, [f], "s")
    assert out.exit_code == 0, out.summary()
    rows = judgments(cfg)
    rid = response_id("20260101_000000", "worker_math_baseline", "math", "t1_q1")
    assert rows[0] == (rid, 3, "Correct", "imported", str(f.resolve()), 2)
    assert rows[1][1:3] == (1, "Wrong answer") and rows[1][5] == 3
    judged_at = cfg.execute("select distinct judged_at from raw.judgments").fetchall()
    assert judged_at == [(datetime.fromtimestamp(1_700_000_000, UTC).replace(tzinfo=None),)]
    run = cfg.execute(
        "select origin, judge, rubric_version, source_files::varchar from raw.scoring_runs"
    ).fetchone()
    assert run[:3] == ("import", "imported", "imported")
    assert str(f.resolve()) in run[3]


@pytest.mark.parametrize(
    "file_name",
    ["worker_math_baseline_rescored.csv", "worker_math.csv", "worker_math_rescored.csv"],
)
def test_file_name_suffixes_resolve_to_the_existing_config(cfg, tmp_path, file_name):
    f = write(tmp_path / file_name, f"{PER_CONFIG_HEADER}\nmath,t1_q1,1,2,ok\n")
    out = import_scores(cfg, [f], "s")
    assert out.exit_code == 0, out.summary()
    assert judgments(cfg)[0][0] == response_id(
        "20260101_000000", "worker_math_baseline", "math", "t1_q1"
    )


def test_exact_config_name_wins_over_the_baseline_variant(con, tmp_path):
    add_responses(con, "worker_math")
    add_responses(con, "worker_math_baseline")
    f = write(tmp_path / "worker_math.csv", f"{PER_CONFIG_HEADER}\nmath,t1_q1,1,2,ok\n")
    import_scores(con, [f], "s")
    assert judgments(con)[0][0] == response_id("20260101_000000", "worker_math", "math", "t1_q1")


def test_aggregated_file_uses_model_column_as_config(con, tmp_path):
    add_responses(con, "a_baseline")
    add_responses(con, "b_baseline")
    f = write(
        tmp_path / "agg.csv",
        "model,suite,question_id,claude_score,score_reason\n"
        "# section for a\n"
        "a_baseline,math,t1_q1,3,good\n"
        "b,math,t1_q1,0,empty\n"  # joins b_baseline
        ",math,t1_q2,2,no model\n",
    )
    out = import_scores(con, [f], "s")
    got = {r[0]: r[1] for r in judgments(con)}
    assert got == {
        response_id("20260101_000000", "a_baseline", "math", "t1_q1"): 3,
        response_id("20260101_000000", "b_baseline", "math", "t1_q1"): 0,
    }
    assert quarantined(out) == [
        (str(f.resolve()), "line 5", "blank_cell", "column 'model' is blank")
    ]
    assert out.skipped["comment_line"] == 1


def test_slash_ids_carry_the_suite_and_the_judge_is_one_label(cfg, tmp_path):
    f = write(
        tmp_path / "worker_math.csv",
        "question_id,score,reason\nmath/t1_q1,2,partial\nt1_q2,3,no suite here\n",
    )
    out = import_scores(cfg, [f], "s")
    rows = judgments(cfg)
    assert [(r[1], r[3]) for r in rows] == [(2, "imported")]
    assert [(q[1], q[2]) for q in quarantined(out)] == [("line 3", "no_suite")]


def test_relative_0_10_file_is_quarantined_whole_by_its_values(con, tmp_path):
    add_responses(con, "math_config")
    lines = ["model,question_id,score,score_reason"]
    lines += [f"math_config,t1_q{i},{s},r" for i, s in enumerate([10, 8, 2, 9, 1, 7], 1)]
    f = write(tmp_path / "math_relative_scores.csv", "\n".join(lines) + "\n")
    out = import_scores(con, [f], "s")
    assert judgments(con) == []
    kinds = Counter(q[2] for q in quarantined(out))
    assert kinds == {"scale_not_0_3": 6}  # rows scored 2 and 1 too: they are on 0-10
    assert "0-10 scale" in quarantined(out)[0][3]


def test_same_shape_with_0_3_values_is_not_called_another_scale(cfg, tmp_path):
    # One 7 among 0-3 values is a bad row, not a different scale: judged row by row.
    lines = ["question_id,score,reason"]
    lines += [f"math/t1_q{i},{s},r" for i, s in enumerate([3, 2, 7, 1, 0, 3], 1)]
    f = write(tmp_path / "worker_math_baseline.csv", "\n".join(lines) + "\n")
    out = import_scores(cfg, [f], "s")
    assert len(judgments(cfg)) == 5
    assert [(q[1], q[2]) for q in quarantined(out)] == [("line 4", "score_out_of_range")]


# --------------------------------------------------------------------------- malformed lines

# Each case: one bad line placed between two valid ones, and what should happen to it.
# kind None means "loaded intact"; then `reason` is what the loaded reason must be.
MALFORMED = [
    ("unquoted_commas", b"math,t1_q2,1.0,2,Good (a, b, c) answer", None, "Good (a, b, c) answer"),
    ("commas_and_bad_score", b"math,t1_q2,1.0,x,y,z", "malformed_line", None),
    ("blank_score", b"math,t1_q2,1.0,,reason", "blank_cell", None),
    ("blank_question", b"math,,1.0,2,reason", "blank_cell", None),
    ("non_numeric_score", b"math,t1_q2,1.0,good,reason", "non_numeric_score", None),
    ("score_7", b"math,t1_q2,1.0,7,reason", "score_out_of_range", None),
    ("score_negative", b"math,t1_q2,1.0,-1,reason", "score_out_of_range", None),
    ("half_point", b"math,t1_q2,1.0,2.5,reason", "score_not_integer", None),
    ("score_as_float", b"math,t1_q2,1.0,2.0,reason", None, "reason"),
    ("invalid_utf8", b"math,t1_q2,1.0,2,caf\xe9 \xff", "invalid_utf8", None),
    ("nul_bytes", b"math,t1_q2,1.0,2,re\x00ason", "nul_byte", None),
    ("too_few_fields", b"math,t1_q2,1.0", "too_few_fields", None),
    ("unknown_question", b"math,t9_q9,1.0,2,reason", "no_matching_response", None),
    ("unknown_suite", b"poetry,t1_q2,1.0,2,reason", "no_matching_response", None),
    ("unterminated_quote", b'math,t1_q2,1.0,2,"never closed', "unterminated_quote", None),
    ("quoted_reason", b'math,t1_q2,1.0,2,"said ""hi"", then left"', None, 'said "hi", then left'),
    ("big_reason", b"math,t1_q2,1.0,2," + b"x" * 5_000_000, None, "x" * 5_000_000),
]


@pytest.mark.parametrize(
    "bad,kind,reason", [c[1:] for c in MALFORMED], ids=[c[0] for c in MALFORMED]
)
def test_a_malformed_line_is_quarantined_and_its_neighbours_load(cfg, tmp_path, bad, kind, reason):
    f = write(
        tmp_path / "worker_math_baseline.csv",
        PER_CONFIG_HEADER.encode()
        + b"\nmath,t1_q1,1.0,3,first\n"
        + bad
        + b"\nmath,t1_q3,1.0,1,last\n",
    )
    out = import_scores(cfg, [f], "s")
    rows = judgments(cfg)
    loaded = {r[5]: r for r in rows}
    assert loaded[2][1:3] == (3, "first") and loaded[4][1:3] == (1, "last")
    if kind is None:
        assert out.exit_code == 0, out.summary()
        assert loaded[3][2] == reason
    else:
        assert 3 not in loaded
        q = quarantined(out)
        assert [(x[0], x[1], x[2]) for x in q] == [(str(f.resolve()), "line 3", kind)]
        stored = cfg.execute(
            "select location, kind, message, excerpt from raw.ingest_errors "
            "where command = 'import-scores' and batch = 's'"
        ).fetchall()
        assert stored[0][:2] == ("line 3", kind) and stored[0][2] and stored[0][3]
        assert "\x00" not in stored[0][3]
        assert out.exit_code == 1


def test_comment_lines_are_reported_as_skipped_not_data(cfg, tmp_path):
    f = write(
        tmp_path / "worker_math_baseline.csv",
        f"# scored by hand\n{PER_CONFIG_HEADER}\nmath,t1_q1,1,3,a\n  # mid-file note, x\n"
        "math,t1_q2,1,2,b\n\n",
    )
    out = import_scores(cfg, [f], "s")
    assert out.exit_code == 0  # comments are not problems
    assert [r[5] for r in judgments(cfg)] == [3, 5]
    comments = cfg.execute(
        "select location, kind, excerpt from raw.ingest_errors where kind = 'comment_line' "
        "order by location"
    ).fetchall()
    assert comments == [
        ("line 1", "comment_line", "# scored by hand"),
        ("line 4", "comment_line", "  # mid-file note, x"),
    ]


def test_crlf_file_loads_intact(cfg, tmp_path):
    f = write(
        tmp_path / "worker_math_baseline.csv",
        f'{PER_CONFIG_HEADER}\r\nmath,t1_q1,1,3,a b\r\nmath,t1_q2,1,2,"c, d"\r\n',
    )
    out = import_scores(cfg, [f], "s")
    assert out.exit_code == 0
    assert [(r[2], r[5]) for r in judgments(cfg)] == [("a b", 2), ("c, d", 3)]


def test_quoted_reason_over_two_lines_is_one_record(cfg, tmp_path):
    f = write(
        tmp_path / "worker_math_baseline.csv",
        f'{PER_CONFIG_HEADER}\nmath,t1_q1,1,3,"line one\nline two"\nmath,t1_q2,1,2,b\n',
    )
    out = import_scores(cfg, [f], "s")
    assert out.exit_code == 0
    assert [(r[2], r[5]) for r in judgments(cfg)] == [("line one\nline two", 2), ("b", 4)]


# --------------------------------------------------------------------------- duplicates, order


def test_duplicate_row_in_one_file_keeps_the_first(cfg, tmp_path):
    f = write(
        tmp_path / "worker_math_baseline.csv",
        f"{PER_CONFIG_HEADER}\nmath,t1_q1,1,3,first\nmath,t1_q1,1,0,again\n",
    )
    out = import_scores(cfg, [f], "s")
    assert [(r[1], r[5]) for r in judgments(cfg)] == [(3, 2)]
    [(src, loc, kind, msg)] = quarantined(out)
    assert (loc, kind) == ("line 3", "already_scored")
    assert f"{f.resolve()} line 2" in msg


def test_response_scored_by_another_file_names_the_earlier_file_and_line(cfg, tmp_path):
    a = write(tmp_path / "worker_math_baseline.csv", f"{PER_CONFIG_HEADER}\nmath,t1_q1,1,3,a\n")
    b = write(
        tmp_path / "agg.csv",
        "model,suite,question_id,claude_score,score_reason\n"
        "worker_math_baseline,math,t1_q2,1,new\n"
        "worker_math_baseline,math,t1_q1,0,dup\n",
    )
    out = import_scores(cfg, [a, b], "s")
    assert len(judgments(cfg)) == 2
    [(src, loc, kind, msg)] = quarantined(out)
    assert (src, loc, kind) == (str(b.resolve()), "line 3", "already_scored")
    assert f"{a.resolve()} line 2" in msg
    # A later import of only `b` into the same run still sees a's judgment.
    out2 = import_scores(cfg, [b], "s")
    assert [(q[1], q[2]) for q in quarantined(out2)] == [("line 3", "already_scored")]
    assert len(judgments(cfg)) == 2


def test_folder_order_is_own_files_then_subfolders_and_other_files_are_skipped(cfg, tmp_path):
    d = tmp_path / "reviews"
    write(d / "old" / "worker_math_baseline.csv", f"{PER_CONFIG_HEADER}\nmath,t1_q1,1,0,old\n")
    write(d / "worker_math.csv", f"{PER_CONFIG_HEADER}\nmath,t1_q1,1,3,new\n")
    write(d / "notes.md", "# notes\n")
    write(d / "summary.csv", "model,general,total,pct_str,avg_tps\nm,1/2,1/2,50%,3.0\n")
    write(d / "empty.csv", "")
    out = import_scores(cfg, [d], "s")
    assert [(r[1], r[2]) for r in judgments(cfg)] == [(3, "new")]
    assert [(Path(q[0]).parent.name, q[2]) for q in quarantined(out)] == [("old", "already_scored")]
    skipped = {Path(p.source_file).name: p.kind for p in out.problems if not p.quarantined}
    assert skipped == {
        "notes.md": "not_csv",
        "summary.csv": "summary_file",
        "empty.csv": "empty_file",
    }


def test_config_in_several_runs_joins_the_latest_run(con, tmp_path):
    add_responses(con, "worker_math_baseline", run_id="20251220_214317")
    add_responses(con, "worker_math_baseline", run_id="20260105_090000")
    f = write(tmp_path / "worker_math_baseline.csv", f"{PER_CONFIG_HEADER}\nmath,t1_q1,1,3,a\n")
    import_scores(con, [f], "s")
    assert judgments(con)[0][0] == response_id(
        "20260105_090000", "worker_math_baseline", "math", "t1_q1"
    )


# --------------------------------------------------------------------------- idempotence


def test_reimport_gives_the_same_rows_and_errors(cfg, tmp_path):
    f = write(
        tmp_path / "worker_math_baseline.csv",
        f"{PER_CONFIG_HEADER}\nmath,t1_q1,1,3,a\nmath,t1_q2,1,9,bad\nmath,t1_q3,1,2,b\n",
    )
    import_scores(cfg, [f], "s")
    first = judgments(cfg)
    errors = cfg.execute("select count(*) from raw.ingest_errors").fetchone()[0]
    out = import_scores(cfg, [f], "s")
    assert judgments(cfg) == first
    assert cfg.execute("select count(*) from raw.ingest_errors").fetchone()[0] == errors == 1
    assert cfg.execute("select count(*) from raw.scoring_runs").fetchone()[0] == 1
    assert out.loaded["judgments"] == 2
    # a changed file replaces its rows
    write(f, f"{PER_CONFIG_HEADER}\nmath,t1_q1,1,1,changed\n")
    import_scores(cfg, [f], "s")
    assert [(r[1], r[2]) for r in judgments(cfg)] == [(1, "changed")]
    # other scoring runs are untouched
    import_scores(cfg, [f], "other")
    assert len(judgments(cfg, "s")) == 1 and len(judgments(cfg, "other")) == 1


def test_scoring_run_made_by_a_judge_is_refused(cfg, tmp_path):
    from ingest.errors import IngestUsageError as UsageError

    cfg.execute(
        "insert into raw.scoring_runs (scoring_run, origin, created_at, updated_at) "
        "values ('blind', 'judge', now(), now())"
    )
    f = write(tmp_path / "worker_math_baseline.csv", f"{PER_CONFIG_HEADER}\nmath,t1_q1,1,3,a\n")
    with pytest.raises(UsageError):
        import_scores(cfg, [f], "blind")


def test_cli_exits_1_on_quarantine_and_0_when_clean(tmp_path):
    from rescore.cli import main
    from rescore.warehouse import connect

    wh = tmp_path / "w.duckdb"
    with connect(wh) as con:
        add_responses(con, "worker_math_baseline")
    good = write(tmp_path / "worker_math_baseline.csv", f"{PER_CONFIG_HEADER}\nmath,t1_q1,1,3,a\n")
    bad = write(
        tmp_path / "x" / "worker_math_baseline.csv", f"{PER_CONFIG_HEADER}\nmath,t1_q2,1,5,a\n"
    )
    assert main(["import-scores", str(good), "--scoring-run", "s", "--warehouse", str(wh)]) == 0
    assert main(["import-scores", str(bad), "--scoring-run", "t", "--warehouse", str(wh)]) == 1


# --------------------------------------------------------------------------- real data


MATRIX_QUESTION = re.compile(r"^t\d+_q\d+")


def _rows(path: Path) -> list[list[str]]:
    text = path.read_bytes().decode("utf-8", errors="replace")
    rows = [r for r in csv.reader(io.StringIO(text, newline="")) if any(c.strip() for c in r)]
    return [r for r in rows if not r[0].lstrip().startswith("#")]


def matrix_questions(path: Path) -> int:
    """Question columns of a score matrix (model + one column per question id), else 0."""
    rows = _rows(path)
    cols = [c.strip().lower() for c in rows[0]] if rows else []
    n = sum(1 for c in cols if MATRIX_QUESTION.match(c))
    return n if "model" in cols and n >= 2 else 0


def data_rows(path: Path) -> int:
    """Records after the header that are neither blank nor `#` comments, counted with csv
    only; in a score matrix every score cell counts (rows x question columns)."""
    n = max(len(_rows(path)) - 1, 0)
    return n * (matrix_questions(path) or 1)


def carries_scores(path: Path) -> bool:
    rows = _rows(path)
    if not rows:
        return False
    cols = {c.strip().lower() for c in rows[0]}
    question_and_score = "question_id" in cols and bool(cols & {"claude_score", "score"})
    return question_and_score or matrix_questions(path) > 0


@pytest.fixture(scope="module")
def real_con(tmp_path_factory):
    require_real_data()
    from ingest.pipeline import ingest_all
    from rescore.warehouse import connect

    con = connect(tmp_path_factory.mktemp("real") / "w.duckdb")
    ingest_all(con, REAL_SUITES, [REAL_RUN])
    yield con
    con.close()


@pytest.mark.realdata
def test_real_architect_ingest_file_joins_all_944_rows(real_con):
    f = REAL_REVIEWS / "architect_ingest_baseline_scores.csv"
    assert data_rows(f) == 944
    out = import_scores(real_con, [f], "arch")
    assert out.quarantined == [], out.summary()
    assert out.loaded["judgments"] == 944
    n = real_con.execute(
        "select count(*) from raw.judgments j inner join raw.responses r using (response_id) "
        "where j.scoring_run = 'arch'"
    ).fetchone()[0]
    assert n == 944


@pytest.mark.realdata
def test_real_reviews_folder_accounts_for_every_row_of_every_file(real_con):
    out = import_scores(real_con, [REAL_REVIEWS], "all")
    loaded = dict(
        real_con.execute(
            "select source_file, count(*) from raw.judgments where scoring_run = 'all' "
            "group by source_file"
        ).fetchall()
    )
    q = Counter(p.source_file for p in out.quarantined)
    reasons_ok = all(p.kind and p.message and p.location for p in out.quarantined)
    assert reasons_ok
    skipped = {
        p.source_file: p.message for p in out.problems if not p.quarantined and not p.location
    }
    csvs = sorted(REAL_REVIEWS.rglob("*.csv"))
    assert any("backup_20260116" in str(p) for p in csvs)
    mismatches = []
    for path in csvs:
        name = str(path.resolve())
        if carries_scores(path):
            rows = data_rows(path)
            if loaded.get(name, 0) + q.get(name, 0) != rows:
                mismatches.append((path.name, rows, loaded.get(name, 0), q.get(name, 0)))
        else:
            assert name in skipped and skipped[name], f"{path.name} neither read nor skipped"
            assert name not in loaded
    assert mismatches == []
    checked = [p for p in csvs if carries_scores(p)]
    assert len(checked) > 800  # the per-config files of reviews/ and its backup folder
    # the kinds of trouble the data is known to hold all show up, each with a reason
    kinds = Counter(p.kind for p in out.quarantined)
    assert {"no_matching_response", "scale_not_0_3", "already_scored"} <= set(kinds)
    relative = str((REAL_REVIEWS / "agentic_relative_scores.csv").resolve())
    assert {p.kind for p in out.quarantined if p.source_file == relative} == {"scale_not_0_3"}
    # unquoted commas in reasons were re-joined, not lost
    f = REAL_REVIEWS / "architect_meta_llama_3_70b_baseline.csv"
    commas = import_scores(real_con, [f], "commas")
    assert commas.quarantined == [], commas.summary()
    reasons = [
        r[0]
        for r in real_con.execute(
            "select reason from raw.judgments where scoring_run = 'commas'"
        ).fetchall()
    ]
    assert "Correct answer (100,50) but no work shown" in reasons
