"""One function per CLI command: open the warehouse, call the stage, print its summary.

Kept apart from `cli.py` so argument parsing stays import-light; the stage packages are
imported here, only when their command runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rescore.warehouse import connect, warehouse_path


class UsageError(Exception):
    """A problem with the command line itself (exit code 2)."""


def _existing(path: str, what: str) -> Path:
    p = Path(path)
    if not p.exists():
        raise UsageError(f"{what} {path!r} does not exist")
    return p


def ingest(args: argparse.Namespace) -> int:
    from ingest.pipeline import ingest_all

    suites_dir = _existing(args.suites_dir, "suites folder")
    run_dirs = [_existing(d, "run folder") for d in args.run_dirs]
    with connect(args.warehouse) as con:
        outcome = ingest_all(con, suites_dir, run_dirs)
    print(outcome.summary())
    return outcome.exit_code


def import_scores(args: argparse.Namespace) -> int:
    from ingest.errors import IngestUsageError
    from ingest.scores import import_scores as run

    paths = [_existing(p, "score file or folder") for p in args.paths]
    with connect(args.warehouse) as con:
        try:
            outcome = run(con, paths, args.scoring_run, getattr(args, "on_conflict", "first"))
        except IngestUsageError as exc:
            raise UsageError(str(exc)) from None
    print(outcome.summary())
    return outcome.exit_code


def import_summary(args: argparse.Namespace) -> int:
    from ingest.summary import import_summary as run

    path = _existing(args.csv, "summary file")
    with connect(args.warehouse) as con:
        outcome = run(con, path, args.baseline)
    print(outcome.summary())
    return outcome.exit_code


def judge(args: argparse.Namespace) -> int:
    from judge.run import JudgeOptions, run_judge

    options = JudgeOptions(
        judge=args.judge,
        scoring_run=args.scoring_run,
        model=args.model,
        batch=args.batch,
        concurrency=args.concurrency,
        dry_run=args.dry_run,
        limit=args.limit,
        progress=not args.no_progress,
        batch_state=str(warehouse_path(args.warehouse).with_suffix(".claude_batches.json")),
        rules_version=args.rules_version,
        model_judge=args.model_judge,
        base_url=args.base_url,
        price_input=args.price_per_mtok[0],
        price_output=args.price_per_mtok[1],
    )
    with connect(args.warehouse) as con:
        return run_judge(con, options)


def build(args: argparse.Namespace) -> int:
    from rescore.dbt_runner import run_dbt_build

    return run_dbt_build(warehouse_path(args.warehouse), select=args.select)


def site(args: argparse.Namespace) -> int:
    from rescore.site_builder import build_site

    return build_site(
        warehouse_path(args.warehouse),
        out=Path(args.out) if args.out else None,
        version=args.version,
        scoring_run=args.scoring_run,
        site_dir=Path(args.site_dir) if args.site_dir else None,
    )


def report(args: argparse.Namespace) -> int:
    """Everything in order; stops at the first stage that fails outright (exit 2+)."""
    from ingest.pipeline import ingest_all
    from judge.run import JudgeOptions, run_judge
    from rescore.dbt_runner import run_dbt_build
    from rescore.site_builder import build_site

    suites_dir = _existing(args.suites_dir, "suites folder")
    run_dirs = [_existing(d, "run folder") for d in args.run_dirs]
    scoring_run = args.scoring_run or f"{args.judge}-blind"
    worst = 0
    with connect(args.warehouse) as con:
        outcome = ingest_all(con, suites_dir, run_dirs)
        print(outcome.summary())
        worst = max(worst, outcome.exit_code)
        if args.scores:
            from ingest.scores import import_scores

            out = import_scores(con, [Path(p) for p in args.scores], "imported")
            print(out.summary())
            worst = max(worst, out.exit_code)
        if args.summary:
            from ingest.summary import import_summary

            out = import_summary(con, Path(args.summary), "previous")
            print(out.summary())
            worst = max(worst, out.exit_code)
        code = run_judge(con, JudgeOptions(judge=args.judge, scoring_run=scoring_run))
        worst = max(worst, code)
    wh = warehouse_path(args.warehouse)
    code = run_dbt_build(wh)
    if code:
        return code
    code = build_site(
        wh,
        out=Path(args.out) if args.out else None,
        version=scoring_run,
        scoring_run=scoring_run,
        site_dir=Path(args.site_dir) if args.site_dir else None,
    )
    return code or worst
