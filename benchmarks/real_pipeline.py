"""The whole pipeline on the real run, as a user runs it (issue 13.6: under 30 s, dbt tests
included), and where its time goes.

Two ways, each into a fresh empty folder, `--repeat` times (medians printed):

- `rescore report SUITES RUN`: the one command (ingest, rules judge, dbt build with its data
  tests, site), in one process apart from dbt and mkdocs;
- the four stage commands `rescore ingest / judge --judge rules / build / site`, each its own
  process, then the same four again with nothing new (the no-op re-run, issue 13.5).

Each command runs as a child process; CPU is its user+sys with its children (dbt, mkdocs,
the judge's workers). For the build, dbt's own figures are read from its artifacts: parse time
(`perf_info.json`) and node time (`run_results.json`: models, data tests, unit tests).

dbt's unit tests read fixtures only, so `rescore build` skips them when they passed on the same
code (per-user record); `--unit-tests` runs them in every build (`RESCORE_UNIT_TEST_CACHE=off`),
as on a machine's very first build.

    .venv/bin/python benchmarks/real_pipeline.py [--data ../shared/data/epyc] [--repeat 3]
                                                 [--unit-tests] [--only report|stages]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 30.0
NOOP_TARGET_S = 5.0


def rescore_exe() -> list[str]:
    """This environment's `rescore` (the venv's console script), else the module."""
    exe = Path(sys.executable).with_name("rescore")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "rescore.cli"]


def _children_cpu() -> float:
    import resource

    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, str]:
    """Wall and CPU seconds of one command and its output. CPU is the growth of
    RUSAGE_CHILDREN: the command and every descendant it waited for (dbt, mkdocs, workers)."""
    before = _children_cpu()
    t0 = time.perf_counter()
    proc = subprocess.run(
        cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} exited with {proc.returncode}:\n{proc.stdout[-3000:]}")
    return wall, _children_cpu() - before, proc.stdout


def dbt_figures(warehouse: Path) -> dict[str, float]:
    """Parse seconds and node seconds by kind from the build's artifacts (dbt's own timings)."""
    target = warehouse.with_name(f".{warehouse.name}.dbt") / "target"
    figures: dict[str, float] = {}
    perf = target / "perf_info.json"
    if perf.exists():
        figures["parse"] = float(json.loads(perf.read_text()).get("load_all_elapsed") or 0.0)
    results = target / "run_results.json"
    if results.exists():
        data = json.loads(results.read_text())
        figures["nodes (elapsed)"] = float(data.get("elapsed_time") or 0.0)
        for r in data.get("results", []):
            kind = r["unique_id"].split(".", 1)[0]
            key = f"{kind} node time"
            figures[key] = figures.get(key, 0.0) + float(r.get("execution_time") or 0.0)
    return figures


def report_once(data: Path, env: dict[str, str]) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="rescore-pipeline-") as tmp:
        work = Path(tmp)
        wh = work / "warehouse" / "rescore.duckdb"
        cmd = [
            *rescore_exe(),
            "report",
            str(data / "prompts" / "v1"),
            *map(str, sorted((data / "runs").iterdir())),
            "--warehouse",
            str(wh),
            "--site-dir",
            str(work / "site"),
        ]
        wall, cpu, _ = run(cmd, env, work)
        return {"report": wall, "report cpu": cpu, **dbt_figures(wh)}


STAGES = ("ingest", "judge", "build", "site")


def stages_once(data: Path, env: dict[str, str]) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="rescore-pipeline-") as tmp:
        work = Path(tmp)
        wh = work / "w.duckdb"
        env = {**env, "RESCORE_WAREHOUSE": str(wh)}
        runs = [str(p) for p in sorted((data / "runs").iterdir())]
        commands = {
            "ingest": ["ingest", str(data / "prompts" / "v1"), *runs],
            "judge": ["judge", "--judge", "rules", "--scoring-run", "rules-blind", "--no-progress"],
            "build": ["build"],
            "site": ["site", "--site-dir", str(work / "site")],
        }
        figures: dict[str, float] = {}
        for label in ("full", "no-op"):
            for stage in STAGES:
                wall, cpu, _ = run([*rescore_exe(), *commands[stage]], env, work)
                figures[f"{label} {stage}"] = wall
                figures[f"{label} {stage} cpu"] = cpu
                if label == "full" and stage == "build":
                    figures.update(dbt_figures(wh))
            figures[f"{label} pipeline"] = sum(figures[f"{label} {s}"] for s in STAGES)
            figures[f"{label} pipeline cpu"] = sum(figures[f"{label} {s} cpu"] for s in STAGES)
        return figures


def median_table(rows: list[dict[str, float]]) -> dict[str, float]:
    return {k: statistics.median(r[k] for r in rows) for k in rows[0]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "epyc")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--unit-tests", action="store_true", help="run dbt's unit tests every build")
    ap.add_argument("--only", choices=["report", "stages"])
    args = ap.parse_args(argv)
    data = args.data.resolve()
    if not (data / "runs").is_dir():
        print(f"no real data at {data}: nothing to measure")
        return 1
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("RESCORE_WAREHOUSE", None)
    if args.unit_tests:
        env["RESCORE_UNIT_TEST_CACHE"] = "off"
    else:
        # one build first, so the per-user unit-test record exists as on any used machine
        report_once(data, env)
    load = os.getloadavg()[0]
    print(f"real run {data}; load {load:.1f}; {args.repeat} repeats; medians")
    if args.only in (None, "report"):
        m = median_table([report_once(data, env) for _ in range(args.repeat)])
        verdict = "met" if m["report"] < TARGET_S else "not met"
        print(
            f"rescore report          {m['report']:6.1f} s wall  (CPU {m['report cpu']:5.1f} s)"
            f"   target {TARGET_S:.0f} s: {verdict}"
        )
        _print_dbt(m)
    if args.only in (None, "stages"):
        m = median_table([stages_once(data, env) for _ in range(args.repeat)])
        print("four commands            full                    no-op")
        for stage in (*STAGES, "pipeline"):
            print(
                f"  {stage:<9} {m[f'full {stage}']:8.1f} s (CPU {m[f'full {stage} cpu']:5.1f} s)"
                f"   {m[f'no-op {stage}']:8.2f} s (CPU {m[f'no-op {stage} cpu']:5.2f} s)"
            )
        full = "met" if m["full pipeline"] < TARGET_S else "not met"
        noop = "met" if m["no-op pipeline"] < NOOP_TARGET_S else "not met"
        print(
            f"  target: full under {TARGET_S:.0f} s ({full}), "
            f"no-op under {NOOP_TARGET_S:.0f} s ({noop})"
        )
        _print_dbt(m)
    print(f"load at the end {os.getloadavg()[0]:.1f}")
    return 0


def _print_dbt(m: dict[str, float]) -> None:
    keys = [k for k in m if k == "parse" or k.startswith("nodes") or k.endswith("node time")]
    if keys:
        print("  dbt inside the build: " + ", ".join(f"{k} {m[k]:.1f} s" for k in keys))


if __name__ == "__main__":
    raise SystemExit(main())
