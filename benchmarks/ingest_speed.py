"""Measure ingest of the real run: wall time for a first load and for an idempotent re-load.

Usage: .venv/bin/python benchmarks/ingest_speed.py [DATA_DIR]   (default ../shared/data/epyc)
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from ingest.pipeline import ingest_all
from rescore.warehouse import connect


def main() -> None:
    data = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/epyc")
    suites, run = data / "prompts" / "v1", data / "runs" / "20251220_214317"
    with tempfile.TemporaryDirectory() as tmp:
        con = connect(Path(tmp) / "bench.duckdb")
        for label in ("first load", "re-load (idempotent)"):
            t0 = time.perf_counter()
            out = ingest_all(con, suites, [run])
            dt = time.perf_counter() - t0
            n = out.loaded["responses"]
            print(f"{label:22s} {dt:6.2f} s  {n} responses  {n / dt:8.0f} responses/s")
        size = sum(p.stat().st_size for p in run.iterdir())
        print(f"input: {size / 1e6:.1f} MB in {len(list(run.iterdir()))} files")


if __name__ == "__main__":
    main()
