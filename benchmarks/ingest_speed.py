"""Measure ingest against its floors on the real run (1x) and on N synthetic copies (Nx).

Usage: .venv/bin/python benchmarks/ingest_speed.py [--data DATA_DIR] [--scale N ...]

Floors, on the same files: `json.load` of every run file (the issue's floor: ingest should be
at most 3x it), orjson when installed, and DuckDB's own `read_json_objects`. The tool's
figures are a first load into an empty warehouse, a no-op re-load (unchanged files are not
read: issue 13.5), a `--full` re-load (every file read and checked again, nothing rewritten)
and adding one small run (7 config files) to the loaded warehouse. A further floor is DuckDB
writing the very rows the tool wrote (one Arrow insert into an empty raw.responses plus
checkpoint). The Nx run is N copies of the real run's files, each copy with its own run_id
(so nothing is a duplicate), their mtimes set an hour back (as old files are: a file changed
within 2 s of being read is read again).
CPU is the process's (all threads) plus its reaped children's (the ingest's worker
processes, `RESCORE_INGEST_WORKERS`). Peak RSS is the process's maximum so far (ru_maxrss),
printed after each stage, and the largest worker's (RUSAGE_CHILDREN). On a shared
machine compare ratios from one invocation (floors and tool measured back to back).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

from ingest.pipeline import ingest_all
from rescore.warehouse import connect


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> float:
    """CPU seconds of this process (all threads) and of its reaped children (the ingest's
    worker processes, joined when it ends)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _files(runs: list[Path]) -> list[Path]:
    return sorted(p for r in runs for p in r.iterdir() if p.suffix == ".json")


def floors(runs: list[Path]) -> dict[str, float]:
    files = _files(runs)
    out = {}
    t0, c0 = time.perf_counter(), time.process_time()
    for p in files:
        with p.open("rb") as f:
            json.load(f)
    out["json.load"] = time.perf_counter() - t0
    out["json.load (cpu)"] = time.process_time() - c0
    try:
        import orjson

        t0 = time.perf_counter()
        for p in files:
            orjson.loads(p.read_bytes())
        out["orjson"] = time.perf_counter() - t0
    except ImportError:
        pass
    import duckdb

    con = duckdb.connect()
    t0 = time.perf_counter()
    globs = [str(r / "*.json") for r in runs]
    con.execute("select count(*) from read_json_objects(?, maximum_object_size=1e9)", [globs])
    out["duckdb read_json_objects"] = time.perf_counter() - t0
    con.close()
    return out


def synthetic(real_run: Path, n: int, into: Path) -> list[Path]:
    """N copies of the real run, copy k with run_id `synthetic_<k>` (files rewritten)."""
    runs = []
    for k in range(n):
        d = into / f"synthetic_{k:03d}"
        d.mkdir(parents=True)
        for p in real_run.iterdir():
            if p.suffix != ".json":
                shutil.copy(p, d / p.name)
                continue
            doc = json.loads(p.read_bytes())
            if isinstance(doc, dict) and "results" in doc:
                doc["run_id"] = d.name
            (d / p.name).write_text(json.dumps(doc))
        _age(d)
        runs.append(d)
    return runs


def _age(folder: Path) -> None:
    old = time.time_ns() - 3600 * 10**9
    for p in folder.iterdir():
        os.utime(p, ns=(old, old))


def small_run(real_run: Path, into: Path, files: int = 7) -> Path:
    """A new small run: the first `files` config files of the real run under a new run_id."""
    d = into / "added_small_run"
    d.mkdir(parents=True)
    for p in sorted(real_run.glob("*.json"))[:files]:
        doc = json.loads(p.read_bytes())
        if isinstance(doc, dict) and "results" in doc:
            doc["run_id"] = d.name
        (d / p.name).write_text(json.dumps(doc))
    _age(d)
    return d


def write_floor(con, tmp: Path) -> tuple[float, float]:
    """DuckDB alone writing the rows the tool wrote: (wall, cpu)."""
    rows = con.sql("select * from raw.responses").to_arrow_table()
    other = connect(tmp / "floor.duckdb")
    other.register("_rows", rows)
    t0, c0 = time.perf_counter(), time.process_time()
    other.execute("insert into raw.responses select * from _rows")
    other.execute("checkpoint")
    out = time.perf_counter() - t0, time.process_time() - c0
    other.close()
    return out


def measure(label: str, suites: Path, runs: list[Path]) -> None:
    fl = floors(runs)
    with tempfile.TemporaryDirectory() as tmp:
        con = connect(Path(tmp) / "bench.duckdb")
        times = []
        steps = [
            ("first load", runs, False),
            ("no-op re-load", runs, False),
            ("re-load --full", runs, True),
            ("add a 7-file run", [*runs, small_run(runs[0], Path(tmp))], False),
        ]
        for what, dirs, full in steps:
            t0, c0 = time.perf_counter(), _cpu()
            out = ingest_all(con, suites, dirs, full=full)
            wall, cpu = time.perf_counter() - t0, _cpu() - c0
            times.append((what, wall, cpu, out.loaded["responses"], out.unchanged_files))
            if what == "first load":
                fl["duckdb write of the rows"], fl["duckdb write (cpu)"] = write_floor(
                    con, Path(tmp)
                )
        con.close()
    size = sum(p.stat().st_size for p in _files(runs))
    print(f"\n{label}: {size / 1e6:.0f} MB in {len(_files(runs))} run files")
    floor, floor_cpu = fl["json.load"], fl["json.load (cpu)"]
    for name, t in fl.items():
        print(f"  floor  {name:26s} {t:7.2f} s")
    for what, t, cpu, n, unchanged in times:
        print(
            f"  tool   ingest {what:19s} {t:7.2f} s  (cpu {cpu:5.2f} s, all threads and workers)  "
            f"{n:>8} responses loaded, {unchanged:>5} files unread  "
            f"{t / floor:5.1f}x json.load wall, {cpu / floor_cpu:5.1f}x cpu (goal <= 3x)"
        )
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"  peak RSS so far {_rss_mb():.0f} MB (largest worker process {kids:.0f} MB)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="../shared/data/epyc")
    ap.add_argument("--scale", type=int, nargs="*", default=[1])
    args = ap.parse_args()
    data = Path(args.data)
    suites, run = data / "prompts" / "v1", data / "runs" / "20251220_214317"
    for n in args.scale:
        if n == 1:
            measure("1x (real run)", suites, [run])
            continue
        with tempfile.TemporaryDirectory() as tmp:
            runs = synthetic(run, n, Path(tmp))
            measure(f"{n}x (synthetic copies)", suites, runs)


if __name__ == "__main__":
    main()
