"""`rescore doctor`: each kind of damage to a warehouse or publish folder is found and explained.

One real warehouse (bundled examples, rules judge, dbt build) is built per module; each case
copies it, damages the copy one way and runs the real CLI, which must exit 1 naming the check
and a fix, while the undamaged copy passes (exit 0).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.conftest import EXAMPLES

RUN = EXAMPLES / "runs" / "20260101_120000"


def rescore(*args: str) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("rescore")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "rescore.cli"]
    return subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wh = tmp_path_factory.mktemp("built") / "w.duckdb"
    assert rescore(
        "--warehouse", str(wh), "ingest", str(EXAMPLES / "prompts"), str(RUN)
    ).returncode in (0, 1)
    assert rescore("--warehouse", str(wh), "judge", "--scoring-run", "r").returncode == 0
    out = rescore("--warehouse", str(wh), "build")
    assert out.returncode == 0, out.stdout
    return wh


def _copy(built: Path, tmp_path: Path) -> Path:
    wh = tmp_path / "w.duckdb"
    shutil.copyfile(built, wh)
    state = built.with_name(f".{built.name}.dbt")
    if state.is_dir():  # the build record travels with the copy
        shutil.copytree(state, tmp_path / f".{wh.name}.dbt")
    return wh


# (id, SQL that damages the warehouse, check expected in the report, text expected)
CASES = [
    (
        "orphan-judgment",
        "delete from raw.responses where response_id in "
        "(select response_id from raw.judgments limit 1)",
        "orphans",
        "no longer in raw.responses",
    ),
    ("schema-column", "alter table raw.runs drop column skipped_files", "schema", "skipped_files"),
    ("marts-missing", "drop table marts.findings", "schema", "findings"),
    (
        "stale-new-judgments",
        "insert into raw.scoring_runs (scoring_run, judge, rubric_version, origin, source_files, "
        "settings, created_at, updated_at) values ('late', 'rules-v1', 'x', "
        "'judge', null, null, now(), now()); insert into raw.judgments (scoring_run, response_id, "
        "judge, rubric_version, score, judged_at) select 'late', response_id, 'rules-v1', 'x', 1, "
        "now() from raw.responses limit 3",
        "stale",
        "rescore build",
    ),
    (
        "accounting-empty-config",
        "insert into raw.configs (run_id, config, source_file, "
        "file_sha256, loaded_at) values ('r', 'ghost', 'ghost.json', 'x', now())",
        "accounting",
        "ghost.json",
    ),
]


@pytest.mark.slow
def test_a_healthy_warehouse_passes(built: Path, tmp_path: Path) -> None:
    out = rescore("--warehouse", str(_copy(built, tmp_path)), "doctor")
    assert out.returncode == 0, out.stdout
    assert "no problems found" in out.stdout and "responses loaded" in out.stdout


@pytest.mark.slow
@pytest.mark.parametrize(
    ("sql", "check", "text"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_damage_is_found_with_a_fix(
    built: Path, tmp_path: Path, sql: str, check: str, text: str
) -> None:
    wh = _copy(built, tmp_path)
    with duckdb.connect(str(wh)) as con:
        con.execute(sql)
    out = rescore("--warehouse", str(wh), "doctor")
    assert out.returncode == 1, out.stdout + out.stderr
    problems = [line for line in out.stdout.splitlines() if f"PROBLEM [{check}]" in line]
    assert problems and any(text in p for p in problems), out.stdout
    assert "fix:" in out.stdout


def _fake_publish_dir(tmp_path: Path) -> Path:
    out = tmp_path / "pub"
    out.mkdir()
    subprocess.run(["git", "init", "-q", str(out)], check=True)
    (out / "v1").mkdir()
    (out / "v1" / "index.html").write_text("<p>v1</p>")
    versions = [
        {"version": "v1", "title": "v1", "aliases": []},
        {"version": "v2", "title": "v2", "aliases": ["latest"]},
    ]
    (out / "versions.json").write_text(json.dumps(versions))
    return out


@pytest.mark.slow
def test_publish_folder_leftovers_and_missing_versions(built: Path, tmp_path: Path) -> None:
    out = _fake_publish_dir(tmp_path)
    (out / ".git" / "index.lock").write_text("")
    (out / ".rescore-staging-123").mkdir()
    wh = _copy(built, tmp_path)
    report = rescore("--warehouse", str(wh), "doctor", "--publish-dir", str(out))
    assert report.returncode == 1
    text = report.stdout
    assert "index.lock" in text and ".rescore-staging-123" in text
    assert "'v2' is listed in versions.json" in text and "'latest'" in text
    assert "PROBLEM [publish]" in text and "publish any version again" in text


def test_missing_warehouse_is_one_line_exit_2(tmp_path: Path) -> None:
    for args in (["doctor"], ["dbt", "test"], ["build"], ["site"], ["judge", "--scoring-run", "x"]):
        out = rescore("--warehouse", str(tmp_path / "nope.duckdb"), *args)
        assert out.returncode == 2, (args, out.stderr)
        assert len(out.stderr.strip().splitlines()) == 1 and "no warehouse at" in out.stderr
    assert not (tmp_path / "nope.duckdb").exists()


def test_a_file_that_is_not_a_warehouse_is_one_line_exit_2(tmp_path: Path) -> None:
    bogus = tmp_path / "w.duckdb"
    bogus.write_text("not a database")
    for args in (["doctor"], ["judge", "--scoring-run", "x"], ["dbt", "test"]):
        out = rescore("--warehouse", str(bogus), *args)
        assert out.returncode == 2, out.stderr
        assert len(out.stderr.strip().splitlines()) == 1, out.stderr
        assert "cannot open warehouse" in out.stderr
