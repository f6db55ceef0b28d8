"""Scale benchmark: synthetic runs of any size through every stage, with floors and peak RSS.

    .venv/bin/python benchmarks/scale.py run --scale 1x 10x          # the figures in README
    .venv/bin/python benchmarks/scale.py run --responses 20000        # any size
    .venv/bin/python benchmarks/scale.py generate OUT --scale 100x    # data only

Sizes: `Nx` is N times the source run (the real run: 6,094 responses in 716 files), `1M` is
1,000,000 responses. Data comes from `_synthetic.py` (the source run's shape, new text).

For each size, in a work folder (default `build/scale/<size>`, reused when the data matches):
1. floors, each in a fresh child over the same run files: reading the bytes, `json.loads`,
   `orjson.loads` (when installed) and DuckDB's own `read_json_objects`;
2. a full pass into an empty warehouse: `rescore ingest`, `rescore judge --judge rules`,
   `rescore build`, `rescore site` (plain build);
3. +1%: a new run of 1% of the size (new run id, new text) ingested on its own, then judge,
   build and site over the grown warehouse;
4. no-op: the whole pipeline again over everything, nothing new.

Every stage is the real command line in its own process (session), timed on the wall clock,
with its CPU time and peak RSS from `os.wait4` in a small launcher (the process and everything
it waited for, so dbt's own subprocess counts), and killed after `--timeout` seconds. The
tables are printed in Markdown; the raw figures go to `<work>/results.json`. The CPU is shared
with whatever else runs on the machine: compare figures from one sitting, and read CPU beside
wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _synthetic  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
REAL = (ROOT / ".." / "shared" / "data" / "epyc").resolve()
DEFAULT_SOURCE = REAL / "runs" / "20251220_214317"
DEFAULT_SUITES = REAL / "prompts" / "v1"
STAGES = ("ingest", "judge", "build", "site")
FLOORS = ("read", "json", "orjson", "duckdb")
SCORING_RUN = "scale"


@dataclass
class Measured:
    """One child process: what it cost and how it ended."""

    label: str
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    rc: int
    timed_out: bool
    log: str

    def cell(self) -> str:
        if self.timed_out:
            return f"timeout > {self.wall_s:.0f} s"
        mark = "" if self.rc == 0 else f" (rc {self.rc})"
        return f"{self.wall_s:.1f} s{mark}"


# The child is started by a small launcher, not forked from this process: Linux keeps the peak
# RSS across fork + exec, so a child forked from a big parent would report the parent's size.
LAUNCHER = """
import json, os, resource, subprocess, sys, time
out, cmd = sys.argv[1], sys.argv[2:]
limit = int(os.environ.get("SCALE_AS_LIMIT") or 0)
def cap():
    if limit:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
t0 = time.perf_counter()
proc = subprocess.Popen(cmd, preexec_fn=cap)
_, status, ru = os.wait4(proc.pid, 0)
with open(out, "w") as fh:
    json.dump({"wall_s": time.perf_counter() - t0, "cpu_s": ru.ru_utime + ru.ru_stime,
               "maxrss_kb": ru.ru_maxrss, "rc": os.waitstatus_to_exitcode(status)}, fh)
"""


def measure(
    label: str, cmd: list[str], log: Path, timeout: float, env=None, max_gb: float = 0
) -> Measured:
    """Run cmd in a fresh session; wall, CPU and peak RSS from wait4; killed at timeout.

    max_gb caps the child's address space (RLIMIT_AS), so a stage that would need more memory
    than the machine can spare fails on its own instead of pushing the machine into swap or
    the OOM killer; address space exceeds RSS, so a stage that passes stayed below the cap.
    """
    env = dict(os.environ if env is None else env)
    env["SCALE_AS_LIMIT"] = str(int(max_gb * 2**30)) if max_gb else ""
    log.parent.mkdir(parents=True, exist_ok=True)
    stats = log.with_suffix(".rusage.json")
    stats.unlink(missing_ok=True)
    t0 = time.perf_counter()
    timed_out = False
    with log.open("w") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-c", LAUNCHER, str(stats), *cmd],
            stdout=fh,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=ROOT,
            start_new_session=True,
        )
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            timed_out = True
    got = json.loads(stats.read_text()) if stats.exists() else {}
    return Measured(
        label=label,
        wall_s=got.get("wall_s", time.perf_counter() - t0),
        cpu_s=got.get("cpu_s", 0.0),
        peak_rss_mb=got.get("maxrss_kb", 0) / 1024,
        rc=got.get("rc", proc.returncode),
        timed_out=timed_out,
        log=str(log),
    )


# --- floors (run in a child: `scale.py _floor KIND DIR...`) --------------------------------


def _json_files(dirs: list[Path]) -> list[Path]:
    return [p for d in dirs for p in sorted(d.glob("*.json"))]


def floor(kind: str, dirs: list[Path]) -> None:
    """Parse every run file the way the floor says; print what was read so work is not skipped."""
    files = _json_files(dirs)
    total = 0
    if kind == "read":
        for p in files:
            total += len(p.read_bytes())
    elif kind == "json":
        for p in files:
            total += len(json.loads(p.read_bytes()))
    elif kind == "orjson":
        import orjson

        for p in files:
            total += len(orjson.loads(p.read_bytes()))
    elif kind == "duckdb":
        import duckdb

        con = duckdb.connect()
        globs = [str(d / "*.json") for d in dirs]
        total = con.execute(
            "select count(*), sum(length(json)) from read_json_objects(?, format = 'auto', "
            "maximum_object_size = 134217728)",
            [globs],
        ).fetchone()[1]
    else:
        raise SystemExit(f"unknown floor {kind}")
    print(f"{kind}: {len(files)} files, {total}")


def _has_orjson() -> bool:
    try:
        import orjson  # noqa: F401
    except ImportError:
        return False
    return True


# --- sizes and data ---------------------------------------------------------------------


def parse_size(text: str, run_size: int) -> int:
    """'10x' -> 10 source runs, '1M' -> 1,000,000, '20000' -> 20,000 responses."""
    t = text.strip().lower()
    if t.endswith("x"):
        return int(round(float(t[:-1]) * run_size))
    if t.endswith("m"):
        return int(round(float(t[:-1]) * 1_000_000))
    if t.endswith("k"):
        return int(round(float(t[:-1]) * 1_000))
    return int(t)


def ensure_data(
    profile: _synthetic.Profile, folder: Path, responses: int, seed: int, first_run: int
) -> tuple[list[Path], float]:
    """Generate the run folders unless the manifest says they are already these."""
    manifest = folder / "manifest.json"
    want = {
        "responses": responses,
        "seed": seed,
        "first_run": first_run,
        "run_size": profile.run_size,
        "generator": _synthetic.__doc__[:60],
    }
    if manifest.exists():
        got = json.loads(manifest.read_text())
        if {k: got.get(k) for k in want} == want:
            return [Path(p) for p in got["runs"]], 0.0
    if folder.exists():
        shutil.rmtree(folder)
    t0 = time.perf_counter()
    runs = _synthetic.generate(profile, folder, responses, seed=seed, first_run=first_run)
    dt = time.perf_counter() - t0
    manifest.write_text(json.dumps({**want, "runs": [str(r) for r in runs], "gen_s": dt}))
    return runs, dt


def folder_mb(dirs: list[Path]) -> tuple[float, int]:
    files = _json_files(dirs)
    return sum(p.stat().st_size for p in files) / 1e6, len(files)


# --- what the stages left behind ---------------------------------------------------------


def dbt_timings(warehouse: Path, keep: Path) -> dict | None:
    """Models vs tests time of the last `rescore build`, from dbt's run_results.json.

    dbt's target is per warehouse where the runner has `state_dir` (else `dbt/target`). The
    file is copied to `keep` so every node's time stays available for profiling.
    """
    from rescore import dbt_runner, paths

    state_dir = getattr(dbt_runner, "state_dir", None)
    target = state_dir(warehouse) / "target" if state_dir else paths.dbt_dir() / "target"
    path = target / "run_results.json"
    if not path.exists():
        return None
    shutil.copyfile(path, keep)
    data = json.loads(path.read_text())
    out: dict = {"elapsed_s": data.get("elapsed_time")}
    slow = []
    for r in data.get("results", []):
        kind = r.get("unique_id", "?").split(".")[0]
        out[f"{kind}_n"] = out.get(f"{kind}_n", 0) + 1
        out[f"{kind}_s"] = round(out.get(f"{kind}_s", 0.0) + (r.get("execution_time") or 0), 2)
        slow.append((r.get("execution_time") or 0, r.get("unique_id")))
    out["slowest"] = [f"{u} {t:.2f} s" for t, u in sorted(slow, reverse=True)[:5]]
    return out


def site_stats(site: Path) -> dict | None:
    """Page count, total size, the largest page and the search index of a built site."""
    if not site.is_dir():
        return None
    pages = [(p.stat().st_size, p) for p in site.rglob("*.html")]
    total = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
    index = site / "search" / "search_index.json"
    big = max(pages, default=(0, site))
    return {
        "pages": len(pages),
        "total_mb": round(total / 1e6, 1),
        "largest_page": f"{big[1].relative_to(site)} {big[0] / 1e6:.2f} MB",
        "search_index_mb": round(index.stat().st_size / 1e6, 2) if index.exists() else None,
    }


# --- one size ---------------------------------------------------------------------------


def stage_cmd(stage: str, suites: Path, runs: list[Path], wh: Path, site: Path) -> list[str]:
    tool = str(Path(sys.executable).with_name("rescore"))
    base = [tool, "--warehouse", str(wh)]
    if stage == "ingest":
        return [*base, "ingest", str(suites), *map(str, runs)]
    if stage == "judge":
        return [*base, "judge", "--judge", "rules", "--scoring-run", SCORING_RUN, "--no-progress"]
    if stage == "build":
        return [*base, "build"]
    return [*base, "site", "--scoring-run", SCORING_RUN, "--site-dir", str(site)]


PHASES = ("full", "+1%", "no-op")


def run_size_label(label: str, args, profile: _synthetic.Profile) -> dict:
    responses = parse_size(label, profile.run_size)
    work = Path(args.work) / label
    wh, site, logs = work / "rescore.duckdb", work / "site", work / "logs"
    runs, gen_s = ensure_data(profile, work / "data", responses, args.seed, 0)
    inc_n = max(1, round(responses * 0.01))
    inc_runs, inc_gen_s = ensure_data(profile, work / "inc", inc_n, args.seed, len(runs))
    mb, nfiles = folder_mb(runs)
    print(
        f"\n## {label}: {responses:,} responses, {len(runs)} runs, {nfiles} files, {mb:.0f} MB "
        f"(generated in {gen_s:.1f} s; 0 = reused); +1% run: {inc_n} responses",
        flush=True,
    )
    env = {**os.environ, "RESCORE_WAREHOUSE": str(wh)}
    res: dict = {"label": label, "responses": responses, "runs": len(runs), "files": nfiles}
    res["input_mb"] = round(mb, 1)
    res["floors"] = {}
    cap = args.max_gb
    for kind in [k for k in FLOORS if k in args.floors]:
        if kind == "orjson" and not _has_orjson():
            continue
        cmd = [sys.executable, __file__, "_floor", kind, *map(str, runs)]
        m = measure(f"floor {kind}", cmd, logs / f"floor-{kind}.log", args.timeout, None, cap)
        res["floors"][kind] = asdict(m)
        print(f"  floor {kind:7s} {m.cell():>12s}  {m.peak_rss_mb:7.0f} MB", flush=True)
    if not args.keep_warehouse:
        for path in (wh, Path(str(wh) + ".wal")):
            path.unlink(missing_ok=True)
        shutil.rmtree(site, ignore_errors=True)
    phases = [(p, {"full": runs, "+1%": inc_runs, "no-op": runs + inc_runs}[p]) for p in PHASES]
    if args.skip_incremental:
        phases = phases[:1]
    if args.phases:
        phases = [(p, r) for p, r in phases if p in args.phases]
    for phase, phase_runs in phases:
        res[phase] = {}
        for stage in [s for s in STAGES if s in args.stages]:
            cmd = stage_cmd(stage, Path(args.suites), phase_runs, wh, site)
            tag = phase.replace("+1%", "inc").replace("no-op", "noop")
            # V8 inside vl-convert (the site's SVGs) reserves a large address range up front
            # ("Oilpan: CagedHeap reservation" at 8 GB): the cap is on address space, not
            # RSS, so the site runs without it (its peak RSS is measured all the same).
            stage_cap = 0 if stage == "site" else cap
            m = measure(stage, cmd, logs / f"{tag}-{stage}.log", args.timeout, env, stage_cap)
            res[phase][stage] = asdict(m)
            line = f"  {phase:5s} {stage:6s} {m.cell():>14s} cpu {m.cpu_s:6.1f} s"
            print(f"{line}  {m.peak_rss_mb:7.0f} MB", flush=True)
            if stage == "build":
                res[phase]["dbt"] = dbt_timings(wh, logs / f"{tag}-run_results.json")
            if m.timed_out or m.rc not in (0, 1):
                break  # later stages would read a half-built warehouse
        if phase == "full":
            res["site"] = site_stats(site)
            res["warehouse_mb"] = round(wh.stat().st_size / 1e6, 1) if wh.exists() else None
    return res


# --- tables -----------------------------------------------------------------------------


def _stage(res: dict, phase: str, stage: str) -> dict | None:
    return (res.get(phase) or {}).get(stage)


def _cell(m: dict | None, cpu: bool = False) -> str:
    if m is None:
        return "-"
    text = Measured(**m).cell()
    return f"{text} (CPU {m['cpu_s']:.1f} s)" if cpu and not m["timed_out"] else text


FLOOR_NAMES = {"read": "read bytes", "json": "json.loads", "orjson": "orjson.loads"}
FLOOR_NAMES["duckdb"] = "DuckDB read_json_objects"


def _floor_text(res: dict) -> str:
    f = res["floors"]
    return ", ".join(f"{FLOOR_NAMES[k]} {_cell(f[k])}" for k in FLOORS if k in f)


def tables(results: list[dict]) -> str:
    """The per-size table (full / +1% / no-op with RSS) and the side-by-side summary."""
    out = []
    for res in results:
        out.append(
            f"\n### {res['label']}: {res['responses']:,} responses in {res['runs']} runs "
            f"({res['files']} files, {res['input_mb']:.0f} MB)\n"
        )
        out.append("| stage | full pass | peak RSS | +1% run | peak RSS | no-op | peak RSS |")
        out.append("| --- | --- | --- | --- | --- | --- | --- |")
        for stage in STAGES:
            row = [stage]
            full = _stage(res, "full", stage)
            row.append(_cell(full, cpu=True))
            row.append(f"{full['peak_rss_mb']:.0f} MB" if full else "-")
            for phase in ("+1%", "no-op"):
                m = _stage(res, phase, stage)
                row += [_cell(m, cpu=True), f"{m['peak_rss_mb']:.0f} MB" if m else "-"]
            out.append("| " + " | ".join(row) + " |")
            if stage == "ingest":
                for kind, m in res["floors"].items():
                    name = FLOOR_NAMES[kind]
                    out.append(
                        f"| ingest floor: {name} | {_cell(m, cpu=True)} | "
                        f"{m['peak_rss_mb']:.0f} MB | | | | |"
                    )
        totals = []
        for phase in ("full", "+1%", "no-op"):
            ms = [_stage(res, phase, s) for s in STAGES]
            if all(ms):
                wall, cpu = sum(m["wall_s"] for m in ms), sum(m["cpu_s"] for m in ms)
                totals.append(f"{phase} {wall:.1f} s (CPU {cpu:.1f} s)")
        out.append(f"\npipeline: {', '.join(totals)}")
        for what in ("wall_s", "cpu_s"):
            full_total = sum((_stage(res, "full", s) or {}).get(what, 0) for s in STAGES)
            inc_total = sum((_stage(res, "+1%", s) or {}).get(what, 0) for s in STAGES)
            if full_total and inc_total:
                share = 100 * inc_total / full_total
                out.append(f"+1% run costs {share:.0f}% of a full pass ({what[:-2]} time)")
        dbt = (res.get("full") or {}).get("dbt")
        if dbt:
            kinds = sorted(k[:-2] for k in dbt if k.endswith("_n"))
            parts = ", ".join(f"{dbt[k + '_n']} {k}s {dbt[k + '_s']:.1f} s" for k in kinds)
            out.append(
                f"dbt (full pass, run_results.json; node times summed): {parts}, elapsed "
                f"{dbt.get('elapsed_s') or 0:.1f} s; slowest: {'; '.join(dbt['slowest'])}"
            )
        if res.get("site"):
            s = res["site"]
            out.append(
                f"site: {s['pages']} pages, {s['total_mb']} MB, largest {s['largest_page']}, "
                f"search index {s['search_index_mb']} MB; warehouse {res.get('warehouse_mb')} MB"
            )
    if len(results) > 1:
        labels = [r["label"] for r in results]
        out.append("\n### side by side (full pass; peak RSS per size)\n")
        out.append(f"| stage | {' | '.join(labels)} | peak RSS {' / '.join(labels)} |")
        out.append("| --- |" + " --- |" * (len(labels) + 1))
        for stage in STAGES:
            cells = [_cell(_stage(r, "full", stage), cpu=True) for r in results]
            rss = [
                f"{(_stage(r, 'full', stage) or {}).get('peak_rss_mb', 0) / 1024:.2f}"
                for r in results
            ]
            out.append(f"| {stage} | {' | '.join(cells)} | {' / '.join(rss)} GB |")
        cells = [_floor_text(r) for r in results]
        out.append(f"| ingest floors | {' | '.join(cells)} | |")
    return "\n".join(out)


# --- command line -----------------------------------------------------------------------


def _merged(earlier: list[dict], res: dict) -> dict:
    """This run's stages over the same size's earlier ones (a --keep-warehouse continuation)."""
    for old in earlier:
        if old.get("label") != res["label"]:
            continue
        out = {**old, **{k: v for k, v in res.items() if k not in PHASES and v}}
        for phase in PHASES:
            if phase in old or phase in res:
                out[phase] = {**old.get(phase, {}), **res.get(phase, {})}
        out["floors"] = {**old.get("floors", {}), **res.get("floors", {})}
        return out
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--source", default=str(DEFAULT_SOURCE), help="run folder to take shapes from")
    ap.add_argument("--suites", default=str(DEFAULT_SUITES), help="prompt suites folder")
    ap.add_argument("--seed", type=int, default=0)
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate", help="write synthetic run folders only")
    g.add_argument("out")
    g.add_argument("--scale", default=None, help="Nx (source runs) or 1M")
    g.add_argument("--responses", type=int, default=None)
    g.add_argument("--first-run", type=int, default=0, help="index of the first run id")
    r = sub.add_parser("run", help="generate, then time every stage with floors and peak RSS")
    r.add_argument("--scale", nargs="*", default=None, help="sizes: 1x 10x 100x 1M")
    r.add_argument("--responses", type=int, nargs="*", default=None)
    r.add_argument("--work", default=str(ROOT / "build" / "scale"))
    r.add_argument("--timeout", type=float, default=1800, help="seconds per stage")
    r.add_argument("--skip-incremental", action="store_true", help="full pass only")
    r.add_argument("--stages", nargs="*", default=list(STAGES), choices=STAGES)
    r.add_argument(
        "--floors", nargs="*", default=list(FLOORS), choices=FLOORS, help="bare: no floors"
    )
    r.add_argument(
        "--max-gb", type=float, default=0, help="address-space cap per stage (GB; 0 = none)"
    )
    r.add_argument(
        "--phases",
        nargs="*",
        choices=PHASES,
        default=None,
        help=(
            "only these phases (e.g. '+1%%' 'no-op' with --keep-warehouse after a full pass;"
            " no-op covers the +1%% run too, so run '+1%%' before it or its first pass is the"
            " +1%% run)"
        ),
    )
    r.add_argument(
        "--keep-warehouse",
        action="store_true",
        help="start from the warehouse an earlier run left (e.g. --stages build site after"
        " --stages ingest judge: at 100x the judge alone takes half an hour)",
    )
    t = sub.add_parser("table", help="print the tables of an earlier run's results.json")
    t.add_argument("results", nargs="?", default=str(ROOT / "build" / "scale" / "results.json"))
    f = sub.add_parser("_floor", help=argparse.SUPPRESS)
    f.add_argument("kind", choices=FLOORS)
    f.add_argument("dirs", nargs="+")
    args = ap.parse_args(argv)

    if args.cmd == "_floor":
        floor(args.kind, [Path(d) for d in args.dirs])
        return 0
    if args.cmd == "table":
        print(tables(json.loads(Path(args.results).read_text())))
        return 0
    source = Path(args.source)
    if not source.is_dir():
        raise SystemExit(f"source run not found: {source} (pass --source RUN_DIR)")
    profile = _synthetic.build_profile(source, Path(args.suites))
    if args.cmd == "generate":
        if (args.scale is None) == (args.responses is None):
            raise SystemExit("give exactly one of --scale or --responses")
        n = args.responses
        if n is None:
            n = parse_size(args.scale, profile.run_size)
        t0 = time.perf_counter()
        out = Path(args.out)
        runs = _synthetic.generate(profile, out, n, seed=args.seed, first_run=args.first_run)
        mb, nfiles = folder_mb(runs)
        dt = time.perf_counter() - t0
        print(f"{n:,} responses in {len(runs)} runs, {nfiles} files, {mb:.0f} MB, {dt:.1f} s")
        return 0
    labels = list(args.scale or []) + [str(n) for n in args.responses or []]
    results = []
    earlier = Path(args.work) / "results.json"
    for label in labels or ["1x"]:
        res = run_size_label(label, args, profile)
        if args.keep_warehouse and earlier.exists():
            res = _merged(json.loads(earlier.read_text()), res)
        results.append(res)
        Path(args.work).mkdir(parents=True, exist_ok=True)
        (Path(args.work) / "results.json").write_text(json.dumps(results, indent=2))
    print(tables(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
