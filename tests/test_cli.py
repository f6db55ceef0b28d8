"""The real `rescore` console script, run as a user would."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from rescore.cli import build_parser

COMMANDS = ["ingest", "import-scores", "import-summary", "judge", "build", "site", "report"]


def rescore(*args: str) -> subprocess.CompletedProcess:
    exe = shutil.which("rescore") or ""
    cmd = [exe] if exe else [sys.executable, "-m", "rescore.cli"]
    return subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=120)


def test_top_level_help_lists_every_command():
    out = rescore("--help")
    assert out.returncode == 0
    for c in COMMANDS:
        assert c in out.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_each_subcommand_explains_itself(command):
    out = rescore(command, "--help")
    assert out.returncode == 0
    assert "--warehouse" in out.stdout
    assert len(out.stdout.splitlines()) > 5


def test_usage_errors_exit_2(tmp_path):
    assert rescore().returncode == 2
    assert rescore("judge").returncode == 2  # --scoring-run missing
    missing = rescore("--warehouse", str(tmp_path / "w.duckdb"), "ingest", "nope", "nope2")
    assert missing.returncode == 2 and "does not exist" in missing.stderr


def test_warehouse_flag_before_or_after_the_command():
    p = build_parser()
    assert p.parse_args(["--warehouse", "a.duckdb", "build"]).warehouse == "a.duckdb"
    assert p.parse_args(["build", "--warehouse", "b.duckdb"]).warehouse == "b.duckdb"


def test_ingest_command_writes_a_real_warehouse(tmp_path):
    suites = tmp_path / "p"
    suites.mkdir()
    (suites / "s.yaml").write_text("prompts:\n  q1: {prompt: hi}\n")
    run = tmp_path / "r"
    run.mkdir()
    (run / "x_baseline.json").write_text(
        '{"model_role": "x", "config_name": "baseline", "run_id": "r", '
        '"results": {"s": {"q1": {"question_id": "q1", "prompt": "hi", "response": "hello"}}}}'
    )
    wh = tmp_path / "w.duckdb"
    out = rescore("ingest", str(suites), str(run), "--warehouse", str(wh))
    assert out.returncode == 0, out.stderr
    assert "loaded" in out.stdout and "responses" in out.stdout
    import duckdb

    with duckdb.connect(str(wh), read_only=True) as c:
        assert c.execute("select count(*) from raw.responses").fetchone()[0] == 1
