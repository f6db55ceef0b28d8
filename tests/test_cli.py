"""The real `rescore` console script, run as a user would, and the CLI's exit-code contract."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ingest.errors import IngestError, IngestUsageError
from judge.errors import JudgeError
from rescore import commands
from rescore.cli import build_parser, main
from rescore.dbt_runner import NodeResult, summarise

COMMANDS = [
    "ingest",
    "import-scores",
    "import-summary",
    "judge",
    "build",
    "dbt",
    "site",
    "report",
    "doctor",
    "example",
]


def rescore(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    exe = shutil.which("rescore") or ""
    cmd = [exe] if exe else [sys.executable, "-m", "rescore.cli"]
    return subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=120, cwd=cwd)


def test_top_level_help_lists_every_command():
    out = rescore("--help")
    assert out.returncode == 0
    for c in COMMANDS:
        assert c in out.stdout
    assert "exit codes" in out.stdout and "4 warehouse" in out.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_each_subcommand_explains_itself(command):
    out = rescore(command, "--help")
    assert out.returncode == 0
    if command not in ("dbt", "example"):
        assert "--warehouse" in out.stdout
    assert len(out.stdout.splitlines()) > 5


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def test_every_flag_and_positional_has_help_text():
    parser = build_parser()
    missing = []
    for name, sub in [("rescore", parser), *_subparsers(parser).items()]:
        for action in sub._actions:
            if isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
                continue
            if not action.help or action.help == argparse.SUPPRESS:
                missing.append(f"{name} {'/'.join(action.option_strings) or action.dest}")
    assert not missing, missing


def test_import_scores_help_lists_the_accepted_csv_shapes():
    out = rescore("import-scores", "--help").stdout
    for shape in ("per config", "aggregated", "matrix", "relative", "claude_score", "0-3"):
        assert shape in out


def test_usage_errors_exit_2(tmp_path):
    assert rescore().returncode == 2
    assert rescore("judge").returncode == 2  # --scoring-run missing
    missing = rescore("--warehouse", str(tmp_path / "w.duckdb"), "ingest", "nope", "nope2")
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    assert rescore("--warehouse", str(tmp_path / "w.duckdb"), "dbt").returncode == 2


def test_warehouse_flag_before_or_after_the_command():
    p = build_parser()
    assert p.parse_args(["--warehouse", "a.duckdb", "build"]).warehouse == "a.duckdb"
    assert p.parse_args(["build", "--warehouse", "b.duckdb"]).warehouse == "b.duckdb"
    assert p.parse_args(["--wait", "5", "build"]).wait == 5.0
    dbt = p.parse_args(["--warehouse", "c.duckdb", "dbt", "test", "--select", "x"])
    assert dbt.dbt_args == ["test", "--select", "x"] and dbt.warehouse == "c.duckdb"


class Boom(Exception):
    pass


class DataProblem(Exception):
    exit_code = 1


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (commands.UsageError("bad"), 2),
        (Boom("kaput"), 3),
        (KeyError("x"), 3),
        (DataProblem("counted"), 1),
        (IngestUsageError("scoring run made by a judge"), 2),
        (IngestError("bad data"), 1),
        (JudgeError("no key"), 2),
    ],
    ids=["usage", "internal", "keyerror", "stage-exit-code", "ingest-usage", "ingest", "judge"],
)
def test_exceptions_map_to_exit_codes_with_one_line(monkeypatch, capsys, exc, code):
    def fail(args):
        raise exc

    monkeypatch.setattr(commands, "example", fail)
    monkeypatch.delenv("RESCORE_DEBUG", raising=False)
    assert main(["example", "somewhere"]) == code
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("rescore example: ")
    if code == 3:
        assert "internal error" in err[0] and "RESCORE_DEBUG=1" in err[0]


def test_debug_shows_the_traceback(monkeypatch, capsys):
    def fail(args):
        raise Boom("kaput")

    monkeypatch.setattr(commands, "example", fail)
    monkeypatch.setenv("RESCORE_DEBUG", "1")
    assert main(["example", "x"]) == 3
    assert "Traceback" in capsys.readouterr().err


def test_build_summary_names_models_tests_and_the_others():
    results = [NodeResult(f"model.rescore.m{i}", "success", "", None) for i in range(3)]
    results += [NodeResult(f"test.rescore.t{i}", "pass", "", 0) for i in range(5)]
    results += [NodeResult(f"unit_test.rescore.m0.u{i}", "pass", "", 0) for i in range(2)]
    results += [NodeResult("seed.rescore.s", "success", "", None)]
    results += [NodeResult("test.rescore.bad", "fail", "Got 2 results", 2)]
    bad, _, text = summarise(results)
    first = text.splitlines()[0]
    assert first == ("rescore build: 3 models, 5 data tests, 2 unit tests, 1 seeds passed; 1 fail")
    assert bad and "FAILED: test bad (2 failing rows)" in text


def test_example_writes_the_bundled_data(tmp_path):
    out = rescore("example", str(tmp_path / "demo"))
    assert out.returncode == 0, out.stderr
    demo = tmp_path / "demo"
    assert (demo / "prompts" / "math.yaml").is_file()
    assert list((demo / "runs").glob("*/architect_general_baseline.json"))
    assert (demo / "summary.csv").is_file() and "rescore report" in out.stdout
    again = rescore("example", str(demo))
    assert again.returncode == 2 and "not an empty folder" in again.stderr


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
