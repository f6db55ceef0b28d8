"""Agreement of every judge with every imported scoring run, on the real run (issue 12.4).

The reference is Claude's per-config CSVs in `reviews/` whose reasons are individual, not
templated: a file whose config is in the run, with at least `MIN_ROWS` rows and at least
`MIN_DISTINCT_SHARE` of its reasons distinct (a file with 61 rows and 1 distinct reason was
filled in by a template, not graded). Those files are imported as one scoring run
`claude-individual`. `architect_ingest_baseline_scores.csv` (templated: 18 reasons for 944 rows)
is not a reference. The judges never read any of these scores.

For every judge scoring run (rules-v1, rules-v2 here; any other judge run already in a kept
warehouse too) against every imported scoring run, it prints: n, quadratic weighted kappa,
exact and within-one agreement, per suite, and Spearman's rho over config means (configs with at
least `MIN_PER_CONFIG` responses scored by both). `--markdown` also prints the table for
`benchmarks/README.md`.

Usage:
    .venv/bin/python benchmarks/judge_agreement.py [DATA_DIR] [--keep PATH] [--markdown]
"""

from __future__ import annotations

import argparse
import csv
import shutil
import tempfile
from collections import defaultdict
from pathlib import Path

from rescore.warehouse import connect

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT / ".." / "shared" / "data" / "epyc"
RUN_ID = "20251220_214317"
REFERENCE = "claude-individual"
JUDGES = {"rules-v1": "rules-v1", "rules-v2": "rules-v2"}  # scoring run -> --judge
MIN_ROWS = 10
MIN_DISTINCT_SHARE = 0.5
MIN_PER_CONFIG = 5
FREE_TEXT = ("general", "thinking", "long_context")


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


def _ranks(xs: list[float]) -> list[float]:
    order = sorted(range(len(xs)), key=lambda i: xs[i])
    ranks = [0.0] * len(xs)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and xs[order[j + 1]] == xs[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def spearman(a: list[float], b: list[float]) -> float:
    """Spearman's rho (Pearson over average ranks, ties shared)."""
    if len(a) < 3:
        return float("nan")
    ra, rb = _ranks(a), _ranks(b)
    ma, mb = sum(ra) / len(ra), sum(rb) / len(rb)
    cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb, strict=True))
    va = sum((x - ma) ** 2 for x in ra) ** 0.5
    vb = sum((y - mb) ** 2 for y in rb) ** 0.5
    return cov / (va * vb) if va and vb else float("nan")


def individual_files(reviews: Path, configs: set[str]) -> list[tuple[Path, int, int]]:
    """(file, rows, distinct reasons) of the per-config CSVs with individual reasons."""
    out = []
    for path in sorted(reviews.glob("*.csv")):
        if path.stem not in configs:
            continue
        with path.open(encoding="utf-8", errors="replace", newline="") as fh:
            rows = list(csv.DictReader(line for line in fh if not line.startswith("#")))
        if not rows or "claude_score" not in rows[0]:
            continue
        reasons = {(r.get("score_reason") or "").strip() for r in rows}
        if len(rows) >= MIN_ROWS and len(reasons) >= MIN_DISTINCT_SHARE * len(rows):
            out.append((path, len(rows), len(reasons)))
    return out


def prepare_warehouse(path: Path, data: Path, reuse: bool) -> None:
    from ingest.pipeline import ingest_all
    from ingest.scores import import_scores

    if reuse and path.exists():
        return
    con = connect(path)
    ingest_all(con, data / "prompts" / "v1", [data / "runs" / RUN_ID])
    configs = {r[0] for r in con.execute("select config from raw.configs").fetchall()}
    files = individual_files(data / "reviews", configs)
    import_scores(con, [f for f, _, _ in files], REFERENCE)
    print(
        f"reference {REFERENCE}: {len(files)} per-config files with individual reasons, "
        f"{sum(n for _, n, _ in files)} rows"
    )
    con.close()


def pairs(con, reference: str, candidate: str) -> list[tuple[str, str, int, int]]:
    """(suite, config, reference score, candidate score) over the responses both scored."""
    return con.execute(
        """
        select r.suite, r.config, ref.score, cand.score
        from raw.judgments as ref
        inner join raw.judgments as cand
            on cand.response_id = ref.response_id and cand.scoring_run = ?
        inner join raw.responses as r on r.response_id = ref.response_id
        where ref.scoring_run = ? and not r.is_speed_test and r.in_suite
        """,
        [candidate, reference],
    ).fetchall()


def metrics(rows: list[tuple[str, str, int, int]]) -> dict:
    ps = [(int(a), int(b)) for _, _, a, b in rows]
    n = len(ps)
    by_config: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for _, config, a, b in rows:
        by_config[config].append((int(a), int(b)))
    means = [
        (sum(a for a, _ in v) / len(v), sum(b for _, b in v) / len(v))
        for v in by_config.values()
        if len(v) >= MIN_PER_CONFIG
    ]
    return {
        "n": n,
        "kappa": weighted_kappa(ps),
        "exact": sum(a == b for a, b in ps) / n if n else float("nan"),
        "within_one": sum(abs(a - b) <= 1 for a, b in ps) / n if n else float("nan"),
        "configs": len(means),
        "spearman": spearman([m[0] for m in means], [m[1] for m in means]),
    }


def line(label: str, m: dict) -> str:
    return (
        f"  {label:24s} n={m['n']:5d}  kappa {m['kappa']:+.3f}  exact {m['exact']:.1%}  "
        f"within-one {m['within_one']:.1%}  spearman {m['spearman']:+.3f} "
        f"({m['configs']} configs)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", nargs="?", default=str(DEFAULT_DATA))
    ap.add_argument("--keep", help="keep/reuse the ingested warehouse at this path")
    ap.add_argument("--markdown", action="store_true", help="also print the README table")
    args = ap.parse_args()
    data = Path(args.data)
    if not (data / "runs" / RUN_ID).is_dir():
        raise SystemExit(f"real data not found at {data}")
    from judge.run import JudgeOptions, run_judge

    tmp = Path(tempfile.mkdtemp())
    try:
        path = Path(args.keep) if args.keep else tmp / "agreement.duckdb"
        prepare_warehouse(path, data, reuse=bool(args.keep))
        con = connect(path)
        for scoring_run, judge in JUDGES.items():
            run_judge(con, JudgeOptions(judge, scoring_run, progress=False))
        imported = [
            r[0]
            for r in con.execute(
                "select scoring_run from raw.scoring_runs where origin = 'import' order by 1"
            ).fetchall()
        ]
        judged = [
            r[0]
            for r in con.execute(
                "select scoring_run from raw.scoring_runs where origin = 'judge' order by 1"
            ).fetchall()
        ]
        table: dict[tuple[str, str, str], dict] = {}
        for ref in imported:
            for cand in judged:
                rows = pairs(con, ref, cand)
                if not rows:
                    continue
                print(f"{cand} vs {ref}:")
                m = metrics(rows)
                table[(ref, cand, "overall")] = m
                print(line("overall", m))
                suites = sorted({r[0] for r in rows})
                for suite in suites:
                    ms = metrics([r for r in rows if r[0] == suite])
                    table[(ref, cand, suite)] = ms
                    print(line(suite, ms))
                free = metrics([r for r in rows if r[0] in FREE_TEXT])
                table[(ref, cand, "free text")] = free
                print(line("free text (" + "+".join(FREE_TEXT) + ")", free))
                by_path = con.execute(
                    "select coalesce(decided_by, '?'), count(*) from raw.judgments "
                    "where scoring_run = ? group by 1 order by 1",
                    [cand],
                ).fetchall()
                print("  decided by: " + ", ".join(f"{p} {n}" for p, n in by_path))
        con.close()
        if args.markdown:
            print_markdown(table)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def print_markdown(table: dict[tuple[str, str, str], dict]) -> None:
    print()
    print("| slice | rules-v1 kappa | rules-v2 kappa | rules-v1 Spearman | rules-v2 Spearman | n |")
    print("| --- | --- | --- | --- | --- | --- |")
    for part in ("overall", *FREE_TEXT, "free text"):
        v1 = table.get((REFERENCE, "rules-v1", part))
        v2 = table.get((REFERENCE, "rules-v2", part))
        if not v1 or not v2:
            continue
        print(
            f"| {part} | {v1['kappa']:.3f} | {v2['kappa']:.3f} | {v1['spearman']:.3f} | "
            f"{v2['spearman']:.3f} | {v1['n']} |"
        )


if __name__ == "__main__":
    main()
