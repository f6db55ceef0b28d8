"""Which dbt nodes grow with history, and what materialising the per-response views would save.

    .venv/bin/python benchmarks/scale_dbt.py build/scale/10x/rescore.duckdb [more warehouses]

For each warehouse (e.g. the ones `scale.py run` leaves in build/scale/<size>/), on a copy of
it and a copy of the dbt project (nothing in dbt/ is changed):
- `dbt build` as the project is (intermediate models are views, so every mart and every
  test on an intermediate re-runs the per-response joins);
- `dbt build` with the per-response intermediates `int_responses_joined` and
  `int_judgments_enriched` materialised as tables (computed once per build);
- `dbt build --select <only what reads raw.judgments>` and `dbt build --exclude
  test_type:data`, to show what selection and the data tests cost.
It prints each variant's wall and CPU time and peak RSS (scale.measure), dbt's node times by
kind (models, tests on staging / intermediate / marts, unit tests) and the nodes that grew most
between the first and the last warehouse given.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale  # noqa: E402

from rescore import paths  # noqa: E402
from rescore.dbt_runner import dbt_executable  # noqa: E402

PER_RESPONSE = ("int_responses_joined", "int_judgments_enriched")
VARIANTS = {
    "as is": ([], None),
    "per-response ints as tables": (["build"], "tables"),
    "judgments+ only": (["build", "--select", "source:raw.judgments+"], None),
    "no data tests": (["build", "--exclude", "test_type:data"], None),
}


def project_copy(tmp: Path, variant: str | None) -> Path:
    """A copy of dbt/ (no target, no logs); 'tables' turns the per-response views into tables."""
    dst = tmp / "dbt"
    shutil.copytree(
        paths.dbt_dir(), dst, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages")
    )
    if variant == "tables":
        for name in PER_RESPONSE:
            sql = dst / "models" / "intermediate" / f"{name}.sql"
            sql.write_text("{{ config(materialized='table') }}\n" + sql.read_text())
    return dst


def node_kind(unique_id: str, depends: list[str]) -> str:
    kind = unique_id.split(".")[0]
    if kind != "test":
        return kind
    layers = {d.split(".")[-1].split("_")[0] for d in depends}
    if "stg" in layers:
        return "test on staging"
    if "int" in layers:
        return "test on intermediate"
    return "test on marts"


def breakdown(target: Path) -> tuple[dict[str, list[float]], dict[str, float]]:
    results = json.loads((target / "run_results.json").read_text())["results"]
    manifest = json.loads((target / "manifest.json").read_text())
    nodes = {**manifest.get("nodes", {}), **manifest.get("unit_tests", {})}
    kinds: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    times = {}
    for r in results:
        uid = r["unique_id"]
        deps = nodes.get(uid, {}).get("depends_on", {}).get("nodes", [])
        k = node_kind(uid, deps)
        kinds[k][0] += 1
        kinds[k][1] += r.get("execution_time") or 0.0
        times[uid] = r.get("execution_time") or 0.0
    return kinds, times


def main() -> int:
    warehouses = [Path(p).resolve() for p in sys.argv[1:]]
    if not warehouses:
        raise SystemExit(__doc__)
    all_times: list[dict[str, float]] = []
    for wh in warehouses:
        print(f"\n## {wh} ({wh.stat().st_size / 1e6:.0f} MB)")
        for label, (args, variant) in VARIANTS.items():
            with tempfile.TemporaryDirectory() as t:
                tmp = Path(t)
                proj = project_copy(tmp, variant)
                copy = tmp / "w.duckdb"
                shutil.copyfile(wh, copy)
                target = tmp / "target"
                cmd = [
                    *dbt_executable(),
                    *(args or ["build"]),
                    "--project-dir",
                    str(proj),
                    "--profiles-dir",
                    str(proj),
                    "--target-path",
                    str(target),
                    "--log-path",
                    str(tmp / "logs"),
                    "--quiet",
                ]
                env = {**scale.os.environ, "RESCORE_WAREHOUSE": str(copy)}
                m = scale.measure(label, cmd, tmp / "dbt.log", 1800, env)
                kinds, times = breakdown(target)
                if label == "as is":
                    all_times.append(times)
                parts = ", ".join(f"{k} {n} {s:.1f} s" for k, (n, s) in sorted(kinds.items()))
                print(f"- {label}: {m.cell()} (CPU {m.cpu_s:.1f} s, {m.peak_rss_mb:.0f} MB)")
                print(f"    node times summed: {parts}")
    if len(all_times) > 1:
        first, last = all_times[0], all_times[-1]
        grew = sorted(((last[u] - first.get(u, 0), u) for u in last), reverse=True)[:10]
        print("\nnodes that grew most (seconds, first -> last warehouse):")
        for _growth, u in grew:
            print(f"  {first.get(u, 0):5.2f} -> {last[u]:5.2f}  {u}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
