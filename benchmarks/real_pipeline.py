"""The whole pipeline on the real run, as a user runs it (issue 13.6: under 30 s, dbt tests
included), and where its time goes.

Two ways, each into a fresh empty folder, `--repeat` times (medians printed):

- `rescore report SUITES RUN`: the one command (ingest, rules judge, dbt build with its data
  tests, site), in one process apart from dbt and mkdocs;
- the four stage commands `rescore ingest / judge --judge rules / build / site`, each its own
  process, then the same four again with nothing new (the no-op re-run, issue 13.5).

Each command runs through `scale.measure` (a launcher child: wall, CPU of the command and
everything it waited for, dbt, mkdocs and the judge's workers, and peak RSS), with
`scale.stage_cmd`'s command lines; the build's node time by kind is `scale.dbt_timings`
(dbt's `run_results.json`).

dbt's unit tests read fixtures only, so `rescore build` skips them when they passed on the same
code (per-user record); `--unit-tests` runs them in every build (`RESCORE_UNIT_TEST_CACHE=off`),
as on a machine's very first build.

    .venv/bin/python benchmarks/real_pipeline.py [--data ../shared/data/epyc] [--repeat 3]
                                                 [--unit-tests] [--only report|stages]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale import STAGES, dbt_timings, measure, stage_cmd  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 30.0
NOOP_TARGET_S = 5.0
TIMEOUT_S = 600.0


def _run(label: str, cmd: list[str], work: Path, env: dict[str, str]) -> dict[str, float]:
    """One command measured: wall, CPU, peak RSS; a failure stops the benchmark."""
    m = measure(label, cmd, work / "logs" / f"{label}.log", TIMEOUT_S, env=env)
    if m.rc != 0 or m.timed_out:
        tail = Path(m.log).read_text()[-3000:]
        raise SystemExit(f"{' '.join(cmd)}: {m.cell()}, rc {m.rc}:\n{tail}")
    return {label: m.wall_s, f"{label} cpu": m.cpu_s, f"{label} rss": m.peak_rss_mb}


def _dbt(warehouse: Path, work: Path) -> dict[str, float]:
    """Node seconds by kind and dbt's elapsed time of the last build."""
    got = dbt_timings(warehouse, work / "run_results.json") or {}
    figures = {"nodes (elapsed)": float(got.get("elapsed_s") or 0.0)}
    figures.update(
        {f"{k[:-2]} node time": v for k, v in got.items() if k.endswith("_s") and k != "elapsed_s"}
    )
    return figures


def report_once(data: Path, env: dict[str, str]) -> dict[str, float]:
    suites, runs = data / "prompts" / "v1", sorted((data / "runs").iterdir())
    with tempfile.TemporaryDirectory(prefix="rescore-pipeline-") as tmp:
        work = Path(tmp)
        wh = work / "warehouse" / "rescore.duckdb"
        cmd = [
            str(Path(sys.executable).with_name("rescore")), "--warehouse", str(wh),
            "report", str(suites), *map(str, runs), "--site-dir", str(work / "site"),
        ]  # fmt: skip
        return {**_run("report", cmd, work, env), **_dbt(wh, work)}


def stages_once(data: Path, env: dict[str, str]) -> dict[str, float]:
    suites, runs = data / "prompts" / "v1", sorted((data / "runs").iterdir())
    with tempfile.TemporaryDirectory(prefix="rescore-pipeline-") as tmp:
        work = Path(tmp)
        wh, site = work / "w.duckdb", work / "site"
        figures: dict[str, float] = {}
        for label in ("full", "no-op"):
            for stage in STAGES:
                cmd = stage_cmd(stage, suites, runs, wh, site)
                figures.update(_run(f"{label} {stage}", cmd, work, env))
                if label == "full" and stage == "build":
                    figures.update(_dbt(wh, work))
            for kind in ("", " cpu"):
                figures[f"{label} pipeline{kind}"] = sum(
                    figures[f"{label} {s}{kind}"] for s in STAGES
                )
            figures[f"{label} pipeline rss"] = max(figures[f"{label} {s} rss"] for s in STAGES)
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
            f"rescore report          {m['report']:6.1f} s wall  (CPU {m['report cpu']:5.1f} s,"
            f" peak RSS {m['report rss']:,.0f} MB)   target {TARGET_S:.0f} s: {verdict}"
        )
        _print_dbt(m)
    if args.only in (None, "stages"):
        m = median_table([stages_once(data, env) for _ in range(args.repeat)])
        print("four commands            full                    no-op")
        for stage in (*STAGES, "pipeline"):
            print(
                f"  {stage:<9} {m[f'full {stage}']:8.1f} s (CPU {m[f'full {stage} cpu']:5.1f} s)"
                f"   {m[f'no-op {stage}']:8.2f} s (CPU {m[f'no-op {stage} cpu']:5.2f} s)"
                f"   peak RSS {m[f'full {stage} rss']:,.0f} MB"
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
    keys = [k for k in m if k.startswith("nodes") or k.endswith("node time")]
    if keys:
        print("  dbt inside the build: " + ", ".join(f"{k} {m[k]:.1f} s" for k in keys))


if __name__ == "__main__":
    raise SystemExit(main())
