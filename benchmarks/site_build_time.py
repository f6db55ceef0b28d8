"""How long the report site takes to build for the real run (target: under 60 s, 2 cores).

Builds a warehouse from the real data (`../shared/data/epyc`: every suite and the whole run,
the saved Claude scores of the report as scoring runs, the earlier summary as a baseline, and
the offline rules judge over everything), runs `rescore build`, then times `build_site` (plain
build, dbt docs included) and a mike publish, and prints the size and page count of the
version. Without the real data it uses synthetic raw rows (tests/site_marts.py) built by dbt
into a warehouse of the same size (~700 configs, ~6,000 responses). The warehouse is kept in
build/bench/ and reused with --reuse.

    .venv/bin/python benchmarks/site_build_time.py [--reuse] [--synthetic]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

REAL = (ROOT / ".." / "shared" / "data" / "epyc").resolve()
BENCH = ROOT / "build" / "bench"


def real_warehouse(path: Path) -> Path:
    from ingest.pipeline import ingest_all
    from ingest.scores import import_scores
    from ingest.summary import import_summary
    from judge.run import JudgeOptions, run_judge
    from rescore.cli import main as rescore
    from rescore.warehouse import connect

    reviews = REAL / "reviews"
    with connect(path) as con:
        ingest_all(con, REAL / "prompts" / "v1", [REAL / "runs" / "20251220_214317"])
        import_scores(
            con, [reviews / "architect_ingest_baseline_scores.csv"], "architect-ingest-2026-01-16"
        )
        import_scores(
            con, [reviews / "thinking_models_comprehensive_scores.csv"], "thinking-2026-01-16"
        )
        import_scores(con, sorted(reviews.glob("draft_*_baseline.csv")), "draft-per-config-reviews")
        import_summary(con, reviews / "backup_20260116" / "summary.csv", "summary-2026-01-16")
        run_judge(con, JudgeOptions(judge="rules", scoring_run="rules-blind", progress=False))
    assert rescore(["--warehouse", str(path), "build"]) == 0
    return path


def synthetic_warehouse(path: Path) -> Path:
    from tests.site_marts import SyntheticSpec, build_synthetic_warehouse

    # 7 roles x 12 configs x 4 suites x 18 questions ~ 6,000 judged responses, plus
    # 600 single-record speed-test configs: the real run's shape and size.
    return build_synthetic_warehouse(
        path,
        SyntheticSpec(
            configs_per_role=12,
            questions_per_suite=18,
            speed_only_configs=600,
            scoring_runs=("rules-blind",),
        ),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse", action="store_true", help="reuse build/bench/*.duckdb")
    parser.add_argument("--synthetic", action="store_true", help="do not use the real data")
    parser.add_argument("--scoring-run", default=None)
    args = parser.parse_args()

    import duckdb

    from rescore.site_builder import build_site

    synthetic = args.synthetic or not REAL.is_dir()
    warehouse = BENCH / ("synthetic.duckdb" if synthetic else "real.duckdb")
    if not (args.reuse and warehouse.exists()):
        if warehouse.exists():
            warehouse.unlink()
        BENCH.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        (synthetic_warehouse if synthetic else real_warehouse)(warehouse)
        print(
            f"warehouse ({'synthetic' if synthetic else 'real data'}) built in "
            f"{time.perf_counter() - t:.1f}s: {warehouse}"
        )
    with duckdb.connect(str(warehouse), read_only=True) as con:
        configs, responses = con.execute(
            "select (select count(*) from raw.configs), (select count(*) from raw.responses)"
        ).fetchall()[0]
    print(f"{configs} configs, {responses} responses")

    site = BENCH / "site"
    t = time.perf_counter()
    code = build_site(warehouse, site_dir=site, scoring_run=args.scoring_run)
    plain = time.perf_counter() - t
    size = sum(f.stat().st_size for f in site.rglob("*") if f.is_file()) / 1e6
    pages = sum(1 for _ in site.rglob("index.html"))
    print(f"plain build: {plain:.1f}s, {pages} pages, {size:.0f} MB (exit {code})")
    big = max((f.stat().st_size, f) for f in site.rglob("*.html"))
    index = site / "search" / "search_index.json"
    print(
        f"largest page {big[1].relative_to(site)} {big[0] / 1e6:.2f} MB (budget ~1 MB; "
        f"dbt-docs/index.html is dbt's own app, the same size for any data); search index "
        f"{index.stat().st_size / 1e6:.2f} MB"
    )
    t = time.perf_counter()
    build_site(warehouse, site_dir=site, scoring_run=args.scoring_run, force=True)
    print(
        f"rebuild with the page cache warm (--force, nothing changed): "
        f"{time.perf_counter() - t:.1f}s"
    )

    out = BENCH / "published"
    shutil.rmtree(out, ignore_errors=True)
    t = time.perf_counter()
    code2 = build_site(warehouse, out=out, scoring_run=args.scoring_run)
    publish = time.perf_counter() - t
    print(f"mike publish: {publish:.1f}s (exit {code2})")
    verdict = "OK" if max(plain, publish) < 60 else "OVER the 60 s target"
    print(f"site build time: {verdict}")
    return code or code2


if __name__ == "__main__":
    sys.exit(main())
