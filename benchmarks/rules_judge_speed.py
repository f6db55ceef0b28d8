"""Wall time of the rules judge over the real run (issue 13.4: >= 2,000 responses/s; a fully
cached re-run under 1 s).

Ingests the real suites and run into a throwaway warehouse (not timed), then times
`run_judge` three ways: a first run (detectors + blind view + every verdict computed and
written), a re-run of the same scoring run (everything already done), and a new scoring run
answered from `raw.judge_cache`.

Usage: .venv/bin/python benchmarks/rules_judge_speed.py [DATA_DIR]   (default ../shared/data/epyc)
       .venv/bin/python benchmarks/rules_judge_speed.py --dump FILE --rules-version v1

`--dump FILE` writes every verdict and flag of the first run, sorted (scoring_run,
response_id, score, reason, decided_by, cache_key, then the flags with their evidence): a
speed-up must leave the file byte-identical (`cmp` before and after). The cache key is the
sha256 of the whole blind item (blind text, truncation, question data) with the judge's
settings, so an equal key is an equal blind view.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from pathlib import Path

from ingest.pipeline import ingest_all
from judge.run import JudgeOptions, run_judge
from rescore.warehouse import connect

ROOT = Path(__file__).resolve().parents[1]


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the judge's worker processes)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def _dump(con, scoring_run: str, path: Path) -> None:
    """Every verdict of `scoring_run` and every flag, one sorted line each (JSON)."""
    rows = con.execute(
        "select scoring_run, response_id, score, reason, decided_by, cache_key from raw.judgments "
        "where scoring_run = ? order by response_id",
        [scoring_run],
    ).fetchall()
    flags = con.execute(
        "select response_id, flag, evidence from raw.response_flags order by all"
    ).fetchall()
    with path.open("w") as out:
        for r in rows:
            out.write(json.dumps(["judgment", *r], ensure_ascii=False) + "\n")
        for f in flags:
            out.write(json.dumps(["flag", *f], ensure_ascii=False) + "\n")
    print(f"dumped {len(rows)} judgments and {len(flags)} flags to {path}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", nargs="?", default=str(ROOT / ".." / "shared" / "data" / "epyc"))
    ap.add_argument("--rules-version", choices=["v1", "v2"], default="v2")
    ap.add_argument("--dump", type=Path, help="write the first run's verdicts and flags here")
    args = ap.parse_args()
    data = Path(args.data)
    suites, run = data / "prompts" / "v1", data / "runs" / "20251220_214317"
    if not run.is_dir():
        raise SystemExit(f"real data not found at {data}")
    with tempfile.TemporaryDirectory() as tmp:
        con = connect(Path(tmp) / "bench.duckdb")
        ingest_all(con, suites, [run])
        n = con.execute("select count(*) from raw.responses").fetchone()[0]
        for label, scoring_run in (
            ("first run", "bench"),
            ("re-run (all done)", "bench"),
            ("new run, from cache", "bench-2"),
        ):
            t0, c0 = time.perf_counter(), _cpu()
            opts = JudgeOptions("rules", scoring_run, progress=False)
            opts.rules_version = args.rules_version
            run_judge(con, opts)
            dt, cpu = time.perf_counter() - t0, _cpu() - c0
            floor = "floor 2,000/s" if label == "first run" else "floor: under 1 s"
            print(
                f"== rules-{args.rules_version} {label:22s} {dt:6.2f} s wall ({cpu:.2f} s CPU, "
                f"workers included) for {n} responses, {n / dt:,.0f} responses/s wall, "
                f"{n / max(cpu, 1e-9):,.0f} per CPU second ({floor}; load {_load()})"
            )
            if args.dump is not None and label == "first run":
                _dump(con, scoring_run, args.dump)
        con.close()


if __name__ == "__main__":
    main()
