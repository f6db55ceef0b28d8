"""`rescore build`: run `dbt build` over the warehouse and say plainly what failed.

dbt runs as a subprocess of the same virtual environment rather than in-process: dbt keeps
global state (flags, adapter registry, an open DuckDB handle) that would outlive the call and
hold the warehouse file, and a subprocess keeps dbt's logging out of ours. The warehouse path
reaches `dbt/profiles.yml` through `RESCORE_WAREHOUSE`. Failures are read from dbt's own
`run_results.json`, so the summary names each model or test with its message.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

from rescore import paths
from rescore.warehouse import ENV_VAR, connect

DBT_DIR = paths.dbt_dir()
BAD_STATUSES = {"error", "fail", "runtime error"}


@dataclass(frozen=True)
class NodeResult:
    """One dbt node's outcome as run_results.json records it."""

    unique_id: str
    status: str
    message: str
    failures: int | None

    @property
    def name(self) -> str:
        """`model.rescore.leaderboard` -> `model leaderboard`; tests keep their full name."""
        kind, _, rest = self.unique_id.partition(".")
        _, _, name = rest.partition(".")
        return f"{kind} {name}"


def dbt_executable() -> list[str]:
    """The dbt of this interpreter's environment (venv `bin/dbt`), else the module entry point."""
    candidate = Path(sys.executable).with_name("dbt")
    if candidate.exists():
        return [str(candidate)]
    found = shutil.which("dbt")
    if found:
        return [found]
    return [sys.executable, "-c", "from dbt.cli.main import cli; cli()"]


def read_results(target_path: Path) -> list[NodeResult]:
    """The nodes of the last dbt invocation; empty when dbt stopped before running any."""
    path = target_path / "run_results.json"
    if not path.exists():
        return []
    data = json.loads(path.read_text())
    return [
        NodeResult(
            unique_id=r.get("unique_id", "?"),
            status=str(r.get("status", "?")),
            message=(r.get("message") or "").strip(),
            failures=r.get("failures"),
        )
        for r in data.get("results", [])
    ]


def summarise(results: list[NodeResult]) -> tuple[list[NodeResult], list[NodeResult], str]:
    """Split into failures and warnings and write the one-paragraph summary users read."""
    bad = [r for r in results if r.status in BAD_STATUSES]
    warned = [r for r in results if r.status == "warn"]
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    lines = ["rescore build: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))]
    for title, group in (("FAILED", bad), ("warning", warned)):
        for r in group:
            extra = f" ({r.failures} failing rows)" if r.failures else ""
            lines.append(f"  {title}: {r.name}{extra}")
            lines += [f"      {m.strip()}" for m in r.message.splitlines()[:6] if m.strip()]
    return bad, warned, "\n".join(lines)


def run_dbt_build(
    warehouse: Path,
    select: str | None = None,
    *,
    target_path: Path | None = None,
    quiet: bool = True,
) -> int:
    """Build staging, intermediate and mart models and run every dbt test; 0 if all passed.

    The raw schema is created first when missing, so an empty warehouse builds empty marts
    instead of failing on absent sources. `target_path` (default `dbt/target`, gitignored)
    holds dbt's artifacts; pass a private folder when several builds may run at once.
    """
    warehouse = Path(warehouse).resolve()
    try:
        connect(warehouse).close()
    except duckdb.IOException as exc:
        print(f"rescore build: cannot open the warehouse {warehouse}: {exc}")
        print("  (another process holds it open? close it and run `rescore build` again)")
        return 1
    target = Path(target_path).resolve() if target_path else DBT_DIR / "target"
    log_path = target / "logs"
    cmd = [
        *dbt_executable(),
        "build",
        "--no-use-colors",
        "--project-dir",
        str(DBT_DIR),
        "--profiles-dir",
        str(DBT_DIR),
        "--target-path",
        str(target),
        "--log-path",
        str(log_path),
    ]
    if quiet:
        cmd += ["--quiet"]
    if select:
        cmd += ["--select", select]
    env = {**os.environ, ENV_VAR: str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    run_results = target / "run_results.json"
    if run_results.exists():
        run_results.unlink()
    proc = subprocess.run(cmd, env=env, cwd=DBT_DIR, capture_output=True, text=True)
    results = read_results(target)
    bad, _warned, summary = summarise(results)
    print(summary)
    if proc.returncode != 0 and not bad:
        # dbt failed before or outside the nodes (parse error, bad profile): show its output.
        print("dbt exited with code", proc.returncode)
        print((proc.stdout + proc.stderr).strip()[-4000:])
    return 0 if proc.returncode == 0 and not bad else 1
