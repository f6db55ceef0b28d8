"""`rescore build` skips dbt only when nothing it depends on changed (issue 13.1).

Each skip rule has a test that makes a real change of that kind (a new judgment, an edited
model, a changed var, another dbt version, `rescore dbt run`, a failed build) and proves the
next build runs dbt. The fast tests replace the dbt child by a recorder (the decision is
rescore's, not dbt's); the slow one runs the real `dbt build` twice on a real warehouse.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from rescore import build_state, dbt_runner, paths
from tests.site_marts import SyntheticSpec, write_raw


class FakeDbt:
    """Stands in for the dbt child: records each command, exits with `returncode`."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.returncode = 0

    def __call__(self, cmd, **_kwargs):
        self.calls.append(list(cmd))
        # dbt's run_results.json: one unit test, passed unless excluded (or the build fails)
        target = Path(cmd[cmd.index("--target-path") + 1])
        target.mkdir(parents=True, exist_ok=True)
        results = []
        if "test_type:unit" not in cmd:
            status = "pass" if self.returncode == 0 else "fail"
            results.append({"unique_id": "unit_test.rescore.leaderboard.case", "status": status})
        (target / "run_results.json").write_text(json.dumps({"results": results}))
        return subprocess.CompletedProcess(cmd, self.returncode, "", "")


@pytest.fixture
def fake_dbt(monkeypatch) -> FakeDbt:
    fake = FakeDbt()
    monkeypatch.setattr(dbt_runner, "run_child", fake)
    return fake


@pytest.fixture(scope="module")
def raw_template(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("raw")
    return write_raw(folder / "w.duckdb", SyntheticSpec(configs_per_role=1))


@pytest.fixture
def raw_warehouse(raw_template: Path, tmp_path: Path) -> Path:
    """A fresh copy of a warehouse holding raw rows only (never built)."""
    return Path(shutil.copyfile(raw_template, tmp_path / "w.duckdb"))


@pytest.fixture
def project_copy(tmp_path: Path, monkeypatch) -> Path:
    """A copy of the dbt project that `rescore build` uses instead of the checkout's."""
    dest = tmp_path / "dbt"
    shutil.copytree(
        paths.dbt_dir(), dest, ignore=shutil.ignore_patterns("target", "logs", ".user.yml")
    )
    monkeypatch.setattr(paths, "dbt_dir", lambda: dest)
    return dest


def build(warehouse: Path, capsys, **kwargs) -> tuple[int, str]:
    code = dbt_runner.run_dbt_build(warehouse, **kwargs)
    return code, capsys.readouterr().out


def add_judgment(warehouse: Path) -> None:
    """One new judgment of an existing response, in a new scoring run (data changes only)."""
    con = duckdb.connect(str(warehouse))
    rid = con.execute("select response_id from raw.responses limit 1").fetchone()[0]
    con.execute(
        "insert into raw.judgments (scoring_run, response_id, judge, rubric_version, score,"
        " judged_at) values ('new-run', ?, 'rules-v1', 'v1', 2, ?)",
        [rid, datetime(2026, 2, 1)],
    )
    con.close()


def test_second_build_is_skipped_and_says_since_when(raw_warehouse, fake_dbt, capsys):
    assert build(raw_warehouse, capsys)[0] == 0
    assert len(fake_dbt.calls) == 1
    code, out = build(raw_warehouse, capsys)
    assert code == 0
    assert len(fake_dbt.calls) == 1, "dbt ran although nothing changed"
    assert "up to date (nothing changed since" in out


def test_force_rebuilds_and_reruns_unit_tests(raw_warehouse, fake_dbt, capsys):
    build(raw_warehouse, capsys)
    build(raw_warehouse, capsys, force=True)
    assert len(fake_dbt.calls) == 2
    assert "test_type:unit" not in fake_dbt.calls[1]


def test_a_new_judgment_rebuilds(raw_warehouse, fake_dbt, capsys):
    build(raw_warehouse, capsys)
    add_judgment(raw_warehouse)
    code, out = build(raw_warehouse, capsys)
    assert len(fake_dbt.calls) == 2 and "up to date" not in out
    # only the code is unchanged: the unit tests are not re-run, the data tests are
    cmd = fake_dbt.calls[1]
    assert cmd[cmd.index("--exclude") + 1] == "test_type:unit"
    assert "unit tests not re-run" in out


@pytest.mark.parametrize(
    "table, change",
    [
        ("judgments", "update raw.judgments set score = 3 - score where rowid = 0"),
        ("responses", "update raw.responses set tokens_per_second = 1 where rowid = 0"),
        # a re-ingested run file with other response texts rewrites its config row's sha256
        ("configs", "update raw.configs set file_sha256 = 'another' where rowid = 0"),
        ("configs", "update raw.configs set role = 'other_role' where rowid = 0"),
        ("response_flags", "delete from raw.response_flags where rowid = 0"),
        ("scoring_runs", "update raw.scoring_runs set settings = '{\"k\": 1}' where rowid = 0"),
    ],
)
def test_an_edited_raw_value_with_the_same_counts_rebuilds(
    raw_warehouse, fake_dbt, capsys, table, change
):
    build(raw_warehouse, capsys)
    con = duckdb.connect(str(raw_warehouse))
    before = build_state.raw_fingerprint(con)
    con.execute(change)
    after = build_state.raw_fingerprint(con)
    con.close()
    assert before[table] != after[table]
    build(raw_warehouse, capsys)
    assert len(fake_dbt.calls) == 2


def test_a_judge_run_that_judged_nothing_does_not_rebuild(raw_warehouse, fake_dbt, capsys):
    """The judge re-stamps raw.scoring_runs.updated_at even when it judged nothing."""
    build(raw_warehouse, capsys)
    con = duckdb.connect(str(raw_warehouse))
    con.execute("update raw.scoring_runs set updated_at = updated_at + interval 1 hour")
    con.close()
    assert "up to date" in build(raw_warehouse, capsys)[1]
    assert len(fake_dbt.calls) == 1


def test_an_edited_model_rebuilds_with_unit_tests(raw_warehouse, project_copy, fake_dbt, capsys):
    build(raw_warehouse, capsys)
    model = project_copy / "models" / "marts" / "leaderboard.sql"
    model.write_text(model.read_text() + "\n-- edited\n")
    build(raw_warehouse, capsys)
    assert len(fake_dbt.calls) == 2
    assert "test_type:unit" not in fake_dbt.calls[1]


def test_a_changed_var_rebuilds(raw_warehouse, project_copy, fake_dbt, capsys):
    build(raw_warehouse, capsys)
    project = project_copy / "dbt_project.yml"
    text = project.read_text()
    assert "  avoid_below_pct: 70\n" in text
    project.write_text(text.replace("  avoid_below_pct: 70\n", "  avoid_below_pct: 60\n"))
    build(raw_warehouse, capsys)
    assert len(fake_dbt.calls) == 2


def test_another_dbt_version_rebuilds(raw_warehouse, fake_dbt, capsys, monkeypatch):
    build(raw_warehouse, capsys)
    real = build_state._versions
    monkeypatch.setattr(build_state, "_versions", lambda *d: {**real(*d), "dbt-core": "9.9.9"})
    build(raw_warehouse, capsys)
    assert len(fake_dbt.calls) == 2


def test_a_failed_build_is_not_recorded(raw_warehouse, fake_dbt, capsys):
    build(raw_warehouse, capsys)
    fake_dbt.returncode = 1
    assert build(raw_warehouse, capsys, force=True)[0] == 1
    fake_dbt.returncode = 0
    code, out = build(raw_warehouse, capsys)
    assert len(fake_dbt.calls) == 3 and "up to date" not in out
    assert "test_type:unit" not in fake_dbt.calls[2], "unit tests skipped after a failure"


def test_a_selected_build_or_dbt_run_invalidates_the_record(raw_warehouse, fake_dbt, capsys):
    build(raw_warehouse, capsys)
    build(raw_warehouse, capsys, select="leaderboard")
    build(raw_warehouse, capsys)
    assert len(fake_dbt.calls) == 3, "a --select build left the full build's record"
    dbt_runner.run_dbt(raw_warehouse, ["run", "--select", "leaderboard"])
    build(raw_warehouse, capsys)
    assert len(fake_dbt.calls) == 5, "`rescore dbt run` left the build record"
    dbt_runner.run_dbt(raw_warehouse, ["ls"])
    build(raw_warehouse, capsys)
    assert len(fake_dbt.calls) == 6, "`rescore dbt ls` (read-only) dropped the record"


def test_full_refresh_passes_through_and_always_builds(raw_warehouse, fake_dbt, capsys):
    build(raw_warehouse, capsys)
    build(raw_warehouse, capsys, full_refresh=True)
    assert len(fake_dbt.calls) == 2 and "--full-refresh" in fake_dbt.calls[1]


@pytest.fixture
def unit_cache(tmp_path: Path, monkeypatch) -> Path:
    """The per-user record of unit-test passes, switched on (conftest turns it off)."""
    path = tmp_path / "cache" / "dbt-unit-tests.json"
    monkeypatch.setenv(build_state.UNIT_CACHE_ENV, str(path))
    return path


def fresh_copy(raw_template: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copyfile(raw_template, folder / "w.duckdb"))


def test_unit_tests_passed_on_one_warehouse_are_not_rerun_on_a_fresh_one(
    raw_template, tmp_path, unit_cache, fake_dbt, capsys
):
    first = fresh_copy(raw_template, tmp_path / "a")
    assert build(first, capsys)[0] == 0
    assert "test_type:unit" not in fake_dbt.calls[0]
    assert unit_cache.exists()
    code, out = build(fresh_copy(raw_template, tmp_path / "b"), capsys)
    assert code == 0
    cmd = fake_dbt.calls[1]
    assert cmd[cmd.index("--exclude") + 1] == "test_type:unit"
    assert "1 passed on this exact code" in out and str(first.resolve()) in out
    # --force runs them, and the data tests always ran
    build(fresh_copy(raw_template, tmp_path / "c"), capsys, force=True)
    assert "test_type:unit" not in fake_dbt.calls[2]


def test_no_unit_test_pass_is_reused_without_the_per_user_record(
    raw_template, tmp_path, fake_dbt, capsys
):
    build(fresh_copy(raw_template, tmp_path / "a"), capsys)
    build(fresh_copy(raw_template, tmp_path / "b"), capsys)
    assert "test_type:unit" not in fake_dbt.calls[1]


@pytest.mark.parametrize("change", ["model", "raw column", "dbt-duckdb", "failed build"])
def test_a_unit_test_pass_is_reused_only_for_the_exact_same_code(
    raw_template, tmp_path, unit_cache, project_copy, fake_dbt, capsys, monkeypatch, change
):
    if change == "failed build":
        fake_dbt.returncode = 1
    build(fresh_copy(raw_template, tmp_path / "a"), capsys)
    fake_dbt.returncode = 0
    second = fresh_copy(raw_template, tmp_path / "b")
    if change == "model":
        model = project_copy / "models" / "marts" / "leaderboard.sql"
        model.write_text(model.read_text() + "\n-- edited\n")
    elif change == "raw column":
        con = duckdb.connect(str(second))
        con.execute("alter table raw.responses add column extra varchar")
        con.close()
    elif change == "dbt-duckdb":
        real = build_state._versions
        monkeypatch.setattr(
            build_state, "_versions", lambda *d: {**real(*d), "dbt-duckdb": "9.9.9"}
        )
    code, out = build(second, capsys)
    assert "test_type:unit" not in fake_dbt.calls[1], f"reused after a changed {change}"
    assert "unit tests not re-run" not in out


@pytest.mark.slow
def test_real_build_then_noop_then_new_judgment(tmp_path, capsys):
    """The real dbt: the no-op keeps the marts, a new scoring run reaches them."""
    warehouse = write_raw(tmp_path / "w.duckdb", SyntheticSpec(configs_per_role=1))
    code, out = build(warehouse, capsys)
    assert code == 0, out
    assert "unit tests" in out and "passed" in out
    code, out = build(warehouse, capsys)
    assert code == 0 and "up to date" in out
    con = duckdb.connect(str(warehouse))
    before = con.execute("select count(*) from marts.leaderboard").fetchone()[0]
    con.execute(
        "insert into raw.scoring_runs (scoring_run, judge, origin, created_at, updated_at)"
        " values ('late-run', 'rules-v1', 'judge', now(), now())"
    )
    con.execute(
        "insert into raw.judgments (scoring_run, response_id, judge, rubric_version, score,"
        " judged_at) select 'late-run', response_id, 'rules-v1', 'v1', 1, now()"
        " from raw.responses where not is_speed_test"
    )
    con.close()
    code, out = build(warehouse, capsys)
    assert code == 0, out
    assert "up to date" not in out and "unit tests not re-run" in out
    con = duckdb.connect(str(warehouse), read_only=True)
    runs = {r[0] for r in con.execute("select scoring_run from marts.leaderboard").fetchall()}
    after = con.execute("select count(*) from marts.leaderboard").fetchone()[0]
    con.close()
    assert "late-run" in runs and after > before


def test_incremental_models_start_over_only_when_the_code_changed(
    raw_warehouse, project_copy, fake_dbt, capsys
):
    """marts.responses keeps rows between builds: a build without a successful build of the
    same code on record passes --full-refresh; a data-only rebuild does not."""
    build(raw_warehouse, capsys)
    assert "--full-refresh" in fake_dbt.calls[0], "first build: nothing to build on"
    add_judgment(raw_warehouse)
    build(raw_warehouse, capsys)
    assert "--full-refresh" not in fake_dbt.calls[1], "new data, same code: incremental"
    model = project_copy / "models" / "marts" / "leaderboard.sql"
    model.write_text(model.read_text() + "\n-- edited\n")
    build(raw_warehouse, capsys)
    assert "--full-refresh" in fake_dbt.calls[2], "edited project: incremental models rebuilt"
