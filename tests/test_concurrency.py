"""Two commands on one warehouse, and a killed `rescore build` (issue 11.4), with real processes.

Every command holds the warehouse lock for its whole run: a second command says who holds it
and exits 4 (or waits with --wait). A process outside rescore holding DuckDB's own lock gets the
same one-line answer. Killing `rescore build` with SIGKILL takes its dbt child down with it, and
the next build runs normally.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rescore.dbt_runner import state_dir
from rescore.warehouse import lock_holder, warehouse_lock
from tests.conftest import EXAMPLES

RUN = EXAMPLES / "runs" / "20260101_120000"


def rescore_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("rescore")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "rescore.cli"]


def rescore(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([*rescore_cmd(), *args], capture_output=True, text=True, timeout=timeout)


HOLD = """
import sys, time
from rescore.warehouse import warehouse_lock
with warehouse_lock(sys.argv[1], command="rescore test-holder"):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def _hold(warehouse: Path, seconds: float) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(warehouse), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


@pytest.fixture
def ingested(tmp_path: Path) -> Path:
    wh = tmp_path / "w.duckdb"
    out = rescore("ingest", str(EXAMPLES / "prompts"), str(RUN), "--warehouse", str(wh))
    assert out.returncode in (0, 1), out.stderr
    return wh


@pytest.mark.parametrize(
    "args",
    [
        ["ingest", str(EXAMPLES / "prompts"), str(RUN)],
        ["judge", "--scoring-run", "x"],
        ["build"],
        ["site"],
        ["doctor"],
        ["dbt", "ls"],
        ["import-summary", str(EXAMPLES / "summary.csv"), "--baseline", "b"],
    ],
    ids=lambda a: a[0],
)
def test_a_second_command_on_a_held_warehouse_says_who_holds_it(ingested: Path, args) -> None:
    holder = _hold(ingested, 60)
    try:
        out = rescore("--warehouse", str(ingested), *args, timeout=60)
        assert out.returncode == 4, (out.stdout, out.stderr)
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 1, out.stderr  # one line, no traceback
        assert "is busy (held by PID" in lines[0] and str(holder.pid) in lines[0]
        assert "rescore test-holder" in lines[0]
    finally:
        holder.kill()
        holder.wait()


def test_wait_gets_the_warehouse_once_the_holder_is_done(ingested: Path) -> None:
    holder = _hold(ingested, 2)
    try:
        started = time.monotonic()
        out = rescore("--warehouse", str(ingested), "--wait", "60", "judge", "--scoring-run", "w")
        assert out.returncode == 0, out.stderr
        assert time.monotonic() - started >= 1.0  # it did wait for the holder
    finally:
        holder.wait()
    assert lock_holder(ingested) is None


def test_a_plain_duckdb_connection_elsewhere_is_reported_as_busy(ingested: Path) -> None:
    code = (
        "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
        "print('open', flush=True); time.sleep(60)"
    )
    other = subprocess.Popen(
        [sys.executable, "-c", code, str(ingested)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert other.stdout is not None and other.stdout.readline().strip() == "open"
        out = rescore("--warehouse", str(ingested), "judge", "--scoring-run", "x", timeout=60)
        assert out.returncode == 4, (out.stdout, out.stderr)
        assert "busy (held by PID" in out.stderr and str(other.pid) in out.stderr
        assert "Traceback" not in out.stderr
    finally:
        other.kill()
        other.wait()


def test_lock_is_free_again_after_its_holder_is_killed(tmp_path: Path) -> None:
    wh = tmp_path / "w.duckdb"
    holder = _hold(wh, 60)
    assert lock_holder(wh) and str(holder.pid) in lock_holder(wh)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    with warehouse_lock(wh, wait=0):
        pass  # no stale lock: the kernel released it with the process


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_kill_9_of_build_stops_dbt_and_the_next_build_runs(ingested: Path) -> None:
    assert rescore("--warehouse", str(ingested), "judge", "--scoring-run", "k").returncode == 0
    build = subprocess.Popen(
        [*rescore_cmd(), "--warehouse", str(ingested), "build"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    dbt_pid = None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and dbt_pid is None:
        kids = _children(build.pid)
        dbt_pid = kids[0] if kids else None
        time.sleep(0.05)
    assert dbt_pid, "rescore build never started dbt"
    time.sleep(2)  # dbt is parsing or running models now
    build.send_signal(signal.SIGKILL)
    build.wait()
    deadline = time.monotonic() + 15
    while _alive(dbt_pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(dbt_pid), "dbt outlived the killed rescore build"
    out = rescore("--warehouse", str(ingested), "build")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "models" in out.stdout and "passed" in out.stdout


@pytest.mark.slow
def test_two_builds_on_two_warehouses_keep_their_own_dbt_results(ingested: Path) -> None:
    other = ingested.with_name("other.duckdb")
    shutil.copyfile(ingested, other)
    a = subprocess.Popen(
        [*rescore_cmd(), "--warehouse", str(ingested), "build", "--select", "stg_rescore__suites"],
        stdout=subprocess.PIPE,
        text=True,
    )
    b = subprocess.Popen(
        [*rescore_cmd(), "--warehouse", str(other), "build", "--select", "stg_rescore__baselines"],
        stdout=subprocess.PIPE,
        text=True,
    )
    out_a, _ = a.communicate(timeout=300)
    out_b, _ = b.communicate(timeout=300)
    assert a.returncode == 0 and b.returncode == 0, (out_a, out_b)
    assert state_dir(ingested) != state_dir(other)
    ra = (state_dir(ingested) / "target" / "run_results.json").read_text()
    rb = (state_dir(other) / "target" / "run_results.json").read_text()
    assert "stg_rescore__suites" in ra and "stg_rescore__baselines" not in ra
    assert "stg_rescore__baselines" in rb and "stg_rescore__suites" not in rb
    assert os.path.isdir(state_dir(ingested) / "target" / "logs")
