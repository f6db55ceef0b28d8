"""Agreement of the rules judge with the imported Claude scores of the architect/ingest configs.

Ingests the real suites and run into a throwaway warehouse, imports
`reviews/architect_ingest_baseline_scores.csv` as scoring run `claude-import`, runs the rules
judge as `rules`, and prints n, exact agreement, within-one agreement, quadratic weighted
Cohen's kappa and the 4x4 confusion matrix (rows: Claude, columns: rules), overall and per
suite. The Claude scores are only compared against, never read by the judge.

Usage:
    .venv/bin/python benchmarks/judge_agreement.py [DATA_DIR] [--csv NAME] [--keep PATH]

`--keep PATH` keeps (and on later runs reuses) the ingested warehouse, for quick iteration.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import tempfile
from collections import defaultdict
from pathlib import Path

from rescore.warehouse import connect, response_id

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT / ".." / "shared" / "data" / "epyc"
RUN_ID = "20251220_214317"
REFERENCE = "claude-import"
SECOND = "claude-per-config"  # the per-config CSVs of the same configs: Claude vs Claude
CANDIDATE = "rules"


def weighted_kappa(pairs: list[tuple[int, int]], k: int = 4) -> float:
    """Cohen's kappa with quadratic weights over scores 0..k-1."""
    n = len(pairs)
    if n == 0:
        return float("nan")
    obs = [[0.0] * k for _ in range(k)]
    for a, b in pairs:
        obs[a][b] += 1
    ra = [sum(obs[i]) for i in range(k)]
    cb = [sum(obs[i][j] for i in range(k)) for j in range(k)]
    num = den = 0.0
    for i in range(k):
        for j in range(k):
            w = (i - j) ** 2 / (k - 1) ** 2
            num += w * obs[i][j]
            den += w * ra[i] * cb[j] / n
    return 1.0 - num / den if den else float("nan")


def agreement(pairs: list[tuple[int, int]]) -> dict:
    n = len(pairs)
    return {
        "n": n,
        "exact": sum(a == b for a, b in pairs) / n if n else float("nan"),
        "within_one": sum(abs(a - b) <= 1 for a, b in pairs) / n if n else float("nan"),
        "kappa": weighted_kappa(pairs),
    }


def _import_csv_fallback(con, path: Path) -> None:
    """Used only while `ingest.scores` is unavailable: load config,suite,question_id,score."""
    rows = []
    with path.open(encoding="utf-8", errors="replace", newline="") as fh:
        for rec in csv.DictReader(line for line in fh if not line.startswith("#")):
            try:
                score = int(float(rec["claude_score"]))
            except (TypeError, ValueError):
                continue
            rid = response_id(RUN_ID, rec["model"], rec["suite"], rec["question_id"])
            rows.append((REFERENCE, rid, "imported", "imported", score, rec.get("score_reason")))
    con.execute(
        "insert or replace into raw.scoring_runs (scoring_run, judge, rubric_version, origin, "
        "created_at, updated_at) values (?, 'imported', 'imported', 'import', now(), now())",
        [REFERENCE],
    )
    con.executemany(
        "insert or replace into raw.judgments (scoring_run, response_id, judge, rubric_version, "
        "score, reason, judged_at) values (?, ?, ?, ?, ?, ?, now())",
        rows,
    )


def prepare_warehouse(path: Path, data: Path, csv_path: Path, reuse: bool) -> None:
    from ingest.pipeline import ingest_all

    if reuse and path.exists():
        return
    con = connect(path)
    ingest_all(con, data / "prompts" / "v1", [data / "runs" / RUN_ID])
    try:
        from ingest.scores import import_scores
    except ImportError:
        _import_csv_fallback(con, csv_path)
        con.close()
        return
    import_scores(con, [csv_path], REFERENCE)
    configs = [r[0] for r in con.execute(
        "select distinct r.config from raw.judgments j inner join raw.responses r "
        "using (response_id) where j.scoring_run = ?", [REFERENCE]).fetchall()]  # fmt: skip
    per_config = [p for c in configs if (p := csv_path.parent / f"{c}.csv").exists()]
    if per_config:
        import_scores(con, per_config, SECOND)
    con.close()


def pairs_by_suite(con, reference: str, candidate: str) -> dict[str, list[tuple[int, int]]]:
    """(reference score, candidate score) per suite over the responses both scored."""
    rows = con.execute(
        """
        select r.suite, ref.score, cand.score
        from raw.judgments as ref
        inner join raw.judgments as cand
            on cand.response_id = ref.response_id and cand.scoring_run = ?
        inner join raw.responses as r on r.response_id = ref.response_id
        where ref.scoring_run = ?
        """,
        [candidate, reference],
    ).fetchall()
    out: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for suite, a, b in rows:
        out[suite].append((int(a), int(b)))
    return out


def print_report(by_suite: dict[str, list[tuple[int, int]]], title: str, per_suite: bool) -> None:
    allp = [p for ps in by_suite.values() for p in ps]
    if not allp:
        print(f"{title}: no responses scored by both")
        return
    m = agreement(allp)
    print(f"{title}: n={m['n']}")
    print(f"  exact agreement   {m['exact']:.1%}")
    print(f"  within one        {m['within_one']:.1%}")
    print(f"  weighted kappa    {m['kappa']:.3f}  (quadratic)")
    print("  confusion matrix (rows: first named 0-3, columns: second 0-3):")
    print("          " + "".join(f"{j:>6}" for j in range(4)))
    for i in range(4):
        row = [sum(1 for a, b in allp if a == i and b == j) for j in range(4)]
        print(f"  row {i}   " + "".join(f"{x:>6}" for x in row))
    if not per_suite:
        return
    print("  per suite:")
    for suite in sorted(by_suite):
        s = agreement(by_suite[suite])
        ca = sum(a for a, _ in by_suite[suite]) / s["n"]
        cb = sum(b for _, b in by_suite[suite]) / s["n"]
        print(
            f"    {suite:22s} n={s['n']:4d} exact {s['exact']:.0%} within-one "
            f"{s['within_one']:.0%} kappa {s['kappa']:+.2f}  means {ca:.2f} vs {cb:.2f}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", nargs="?", default=str(DEFAULT_DATA))
    ap.add_argument("--csv", default="architect_ingest_baseline_scores.csv")
    ap.add_argument("--keep", help="keep/reuse the ingested warehouse at this path")
    args = ap.parse_args()
    data = Path(args.data)
    if not (data / "runs" / RUN_ID).is_dir():
        raise SystemExit(f"real data not found at {data}")
    from judge.run import JudgeOptions, run_judge

    tmp = Path(tempfile.mkdtemp())
    try:
        path = Path(args.keep) if args.keep else tmp / "agreement.duckdb"
        prepare_warehouse(path, data, data / "reviews" / args.csv, reuse=bool(args.keep))
        con = connect(path)
        con.execute("delete from raw.judgments where scoring_run = ?", [CANDIDATE])
        con.execute("delete from raw.scoring_runs where scoring_run = ?", [CANDIDATE])
        con.execute("delete from raw.judge_cache where judge = 'rules-v1'")
        run_judge(con, JudgeOptions("rules", CANDIDATE, progress=False))
        print_report(
            pairs_by_suite(con, REFERENCE, CANDIDATE),
            f"Claude ({REFERENCE}) vs rules-v1",
            per_suite=True,
        )
        print_report(
            pairs_by_suite(con, SECOND, CANDIDATE), f"Claude ({SECOND}) vs rules-v1", False
        )
        print_report(
            pairs_by_suite(con, REFERENCE, SECOND),
            f"Claude ({REFERENCE}) vs Claude ({SECOND}), for scale",
            per_suite=False,
        )
        con.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
