"""import-scores --on-conflict first|last|error: which duplicate score is kept, every other
one quarantined naming the kept one, and per file pair agreement in raw.score_conflicts."""

from __future__ import annotations

import pytest

from ingest.errors import IngestUsageError
from ingest.scores import import_scores
from tests.test_import_scores import add_responses, write

HEADER = "model,suite,question_id,claude_score,score_reason"
# Two files scoring t1_q1..t1_q4 of one config: q1 agrees, q2 differs by 1, q3 by 3; q4 only a.
A = f"{HEADER}\nc,math,t1_q1,3,a\nc,math,t1_q2,2,a\nc,math,t1_q3,3,a\nc,math,t1_q4,1,a\n"
B = f"{HEADER}\nc,math,t1_q1,3,b\nc,math,t1_q2,1,b\nc,math,t1_q3,0,b\n"

CASES = [
    # rule, kept scores by question, quarantined kinds (sorted)
    ("first", {"t1_q1": 3, "t1_q2": 2, "t1_q3": 3, "t1_q4": 1}, ["already_scored"] * 3),
    ("last", {"t1_q1": 3, "t1_q2": 1, "t1_q3": 0, "t1_q4": 1}, ["superseded"] * 3),
    (
        "error",
        {"t1_q1": 3, "t1_q4": 1},
        ["already_scored"] + ["score_conflict"] * 4,
    ),
]


@pytest.fixture
def files(con, tmp_path):
    add_responses(con, "c")
    return write(tmp_path / "d" / "a.csv", A), write(tmp_path / "d" / "b.csv", B)


@pytest.mark.parametrize(("rule", "kept", "kinds"), CASES, ids=[c[0] for c in CASES])
def test_on_conflict_rule_keeps_one_score_and_accounts_for_the_rest(con, files, rule, kept, kinds):
    a, b = files
    out = import_scores(con, [a, b], "s", on_conflict=rule)
    got = dict(
        con.execute(
            "select r.question_id, j.score from raw.judgments j join raw.responses r "
            "using (response_id) where j.scoring_run = 's'"
        ).fetchall()
    )
    assert got == kept
    assert sorted(p.kind for p in out.quarantined) == sorted(kinds)
    # Every data row: loaded or quarantined, once (4 + 3 rows).
    assert len(got) + len(out.quarantined) == 7
    row = con.execute(
        "select file_a, file_b, on_conflict, duplicates, agreed, disagreed, disagreed_by_2plus "
        "from raw.score_conflicts where scoring_run = 's'"
    ).fetchall()
    assert row == [(str(a.resolve()), str(b.resolve()), rule, 3, 1, 2, 1)]
    assert "a.csv vs b.csv: 1 agreed, 2 disagreed (1 by 2+)" in out.conflicts
    assert out.conflicts[0] == "all pairs: 3 duplicates, 1 agreed, 2 disagreed (1 by 2+)"
    assert "duplicate scores by file pair" in out.summary()


def test_a_folder_is_read_in_name_order_so_first_means_a_csv(con, files):
    a, _ = files
    import_scores(con, [a.parent], "s")
    scores = con.execute("select score from raw.judgments order by source_line").fetchall()
    assert sorted(s for (s,) in scores) == [1, 2, 3, 3]


def test_reimport_replaces_the_conflict_rows_not_adds(con, files):
    a, b = files
    import_scores(con, [a, b], "s")
    import_scores(con, [a, b], "s", on_conflict="last")
    rows = con.execute("select on_conflict from raw.score_conflicts").fetchall()
    assert rows == [("last",)]


def test_an_unknown_rule_is_a_usage_error(con, files):
    with pytest.raises(IngestUsageError):
        import_scores(con, list(files), "s", on_conflict="newest")


def test_scores_of_speed_tests_and_unknown_ids_are_loaded_and_counted(con, tmp_path):
    add_responses(con, "c", keys=[("math", "t1_q1")])
    con.execute(
        "insert into raw.responses (response_id, run_id, config, suite, question_id, "
        "is_speed_test, in_suite, source_file, source_path) values "
        "('sp', 'r', 'c', 'speed_test', 'speed_measurement', true, false, 'f', 'p'), "
        "('old', 'r', 'c', 'math', 'retired_q', false, false, 'f', 'p')"
    )
    f = write(
        tmp_path / "x.csv",
        f"{HEADER}\nc,math,t1_q1,3,a\nc,speed_test,speed_measurement,1,b\nc,math,retired_q,2,c\n",
    )
    out = import_scores(con, [f], "s")
    assert out.loaded["judgments"] == 3
    assert out.loaded["judgments of speed-test records (loaded; not counted as quality)"] == 1
    assert out.loaded["judgments of ids in no suite (loaded; not counted as quality)"] == 1


DATES = [
    ("minimax_glm_scoring_2026-01-22", "2026-01-22"),
    ("orchestrator_20260129_101033", "2026-01-29"),
    ("general_worker_scores_jan2026", "2026-01-01"),
    ("architect_general_baseline", None),
    ("model_2026-13-40", None),  # no such month or day: not a date
]


@pytest.mark.parametrize(("stem", "expected"), DATES)
def test_a_date_stated_in_the_file_name(stem, expected):
    from ingest.scores import stated_date

    got = stated_date(stem)
    assert (got.date().isoformat() if got else None) == expected


def test_scored_at_is_the_latest_stated_date_of_the_import(con, tmp_path):
    add_responses(con, "c")
    a = write(tmp_path / "a_2026-01-05.csv", f"{HEADER}\nc,math,t1_q1,3,a\n")
    b = write(
        tmp_path / "b.csv",
        "model,suite,question_id,claude_score,score_reason,scored_at\n"
        "c,math,t1_q2,2,b,2026-02-03T10:00\nc,math,t1_q3,1,b,2026-01-30\n",
    )
    import_scores(con, [a], "s")
    first = con.execute("select scored_at from raw.scoring_runs").fetchone()[0]
    assert first.date().isoformat() == "2026-01-05"
    import_scores(con, [a, b], "s")
    later = con.execute("select scored_at from raw.scoring_runs").fetchone()[0]
    assert later.date().isoformat() == "2026-02-03"
    none = write(tmp_path / "plain.csv", f"{HEADER}\nc,math,t1_q4,3,a\n")
    import_scores(con, [none], "t")
    assert con.execute(
        "select scored_at from raw.scoring_runs where scoring_run = 't'"
    ).fetchone() == (None,)
