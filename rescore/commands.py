"""One function per CLI command: hold the warehouse, call the stage, print its summary.

Kept apart from `cli.py` so argument parsing stays import-light; the stage packages are
imported here, only when their command runs. Every command that touches a warehouse holds its
lock (`rescore.warehouse.warehouse_lock`) for the whole run, children included. Stages raise
their own exception types; `exit_code_for` maps them (and ours) to the CLI's exit codes.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path

from rescore.warehouse import (
    WarehouseBusy,
    WarehouseError,
    bound_memory,
    check_warehouse,
    connect,
    warehouse_lock,
    warehouse_path,
)

# Exit codes (CONTRACT.md)
OK, DATA_PROBLEMS, USAGE, INTERNAL, BUSY = 0, 1, 2, 3, 4


class UsageError(Exception):
    """A problem with the command line itself (exit code 2)."""


def _stage_error_types() -> tuple[tuple[type[BaseException], int], ...]:
    """The stages' own error types with the exit code each means (most specific first)."""
    from ingest.errors import IngestError, IngestUsageError
    from judge.errors import JudgeError

    return ((IngestUsageError, USAGE), (JudgeError, USAGE), (IngestError, DATA_PROBLEMS))


def exit_code_for(exc: BaseException) -> int:
    """The exit code an exception out of a command means (by type, never by name)."""
    import duckdb

    if isinstance(exc, UsageError | WarehouseError):
        return USAGE
    if isinstance(exc, WarehouseBusy):
        return BUSY
    if isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower():
        return BUSY  # a stage that opened DuckDB itself met another process's lock
    code = getattr(exc, "exit_code", None)
    if isinstance(code, int) and code in (DATA_PROBLEMS, USAGE, INTERNAL, BUSY):
        return code
    for cls, mapped in _stage_error_types():
        if isinstance(exc, cls):
            return mapped
    return INTERNAL


def _existing(path: str, what: str) -> Path:
    p = Path(path)
    if not p.exists():
        raise UsageError(f"{what} {path!r} does not exist")
    return p


@contextlib.contextmanager
def _holding(args: argparse.Namespace, *, must_exist: bool) -> Iterator[Path]:
    """The warehouse path of this command, locked for the command's whole run."""
    wh = warehouse_path(args.warehouse)
    if must_exist:
        check_warehouse(wh)
    with warehouse_lock(wh, command=f"rescore {args.command}", wait=args.wait or 0.0):
        if must_exist:
            connect(wh, read_only=True).close()  # a bad file fails here, in one line
        yield wh


def ingest(args: argparse.Namespace) -> int:
    from ingest.pipeline import ingest_all

    suites_dir = _existing(args.suites_dir, "suites folder")
    run_dirs = [_existing(d, "run folder") for d in args.run_dirs]
    with _holding(args, must_exist=False) as wh, connect(wh) as con:
        bound_memory(con)
        outcome = ingest_all(con, suites_dir, run_dirs, full=getattr(args, "full", False))
    print(outcome.summary())
    return outcome.exit_code


def import_scores(args: argparse.Namespace) -> int:
    from ingest.errors import IngestUsageError
    from ingest.scores import import_scores as run

    paths = [_existing(p, "score file or folder") for p in args.paths]
    with _holding(args, must_exist=True) as wh, connect(wh) as con:
        try:
            outcome = run(con, paths, args.scoring_run, getattr(args, "on_conflict", "first"))
        except IngestUsageError as exc:
            raise UsageError(str(exc)) from None
    print(outcome.summary())
    return outcome.exit_code


def import_summary(args: argparse.Namespace) -> int:
    from ingest.summary import import_summary as run

    path = _existing(args.csv, "summary file")
    with _holding(args, must_exist=False) as wh, connect(wh) as con:
        outcome = run(con, path, args.baseline)
    print(outcome.summary())
    return outcome.exit_code


def judge(args: argparse.Namespace) -> int:
    from judge.run import JudgeOptions, run_judge

    with _holding(args, must_exist=True) as wh:
        options = JudgeOptions(
            judge=args.judge,
            scoring_run=args.scoring_run,
            model=args.model,
            batch=args.batch,
            concurrency=args.concurrency,
            dry_run=args.dry_run,
            limit=args.limit,
            progress=not args.no_progress,
            batch_state=str(wh.with_suffix(".claude_batches.json")),
            rules_version=args.rules_version,
            model_judge=args.model_judge,
            base_url=args.base_url,
            price_input=args.price_per_mtok[0],
            price_output=args.price_per_mtok[1],
        )
        with connect(wh) as con:
            bound_memory(con)
            return run_judge(con, options)


def build(args: argparse.Namespace) -> int:
    from rescore.dbt_runner import run_dbt_build

    with _holding(args, must_exist=True) as wh:
        return run_dbt_build(
            wh,
            select=args.select,
            force=getattr(args, "force", False),
            full_refresh=getattr(args, "full_refresh", False),
        )


def dbt(args: argparse.Namespace) -> int:
    from rescore.dbt_runner import run_dbt

    if not args.dbt_args:
        raise UsageError("name a dbt command, e.g. `rescore dbt test` or `rescore dbt ls`")
    with _holding(args, must_exist=True) as wh:
        return run_dbt(wh, args.dbt_args)


def _site_options(args: argparse.Namespace) -> dict:
    from rescore.publish import validate_version

    if getattr(args, "version", None) is not None:
        validate_version(args.version)
    return {
        "out": Path(args.out) if args.out else None,
        "site_dir": Path(args.site_dir) if args.site_dir else None,
        "site_url": getattr(args, "site_url", None),
    }


def site(args: argparse.Namespace) -> int:
    from rescore.site_builder import build_site

    options = _site_options(args)
    with _holding(args, must_exist=True) as wh:
        return build_site(
            wh,
            version=args.version,
            scoring_run=args.scoring_run,
            force=getattr(args, "force", False),
            **options,
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
    args.version = scoring_run
    options = _site_options(args)
    worst = 0
    with _holding(args, must_exist=False) as wh:
        with connect(wh) as con:
            bound_memory(con)
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
            options_ = JudgeOptions(
                judge=args.judge,
                scoring_run=scoring_run,
                model=getattr(args, "model", None),
                rules_version=getattr(args, "rules_version", "v2"),
                model_judge=getattr(args, "model_judge", "claude"),
                base_url=getattr(args, "base_url", None),
            )
            code = run_judge(con, options_)
            worst = max(worst, code)
        code = run_dbt_build(wh)
        if code:
            return code
        code = build_site(wh, version=scoring_run, scoring_run=scoring_run, **options)
    return code or worst


def doctor(args: argparse.Namespace) -> int:
    from rescore.doctor import run_doctor

    publish_dirs = [Path(p) for p in args.publish_dir]
    with _holding(args, must_exist=True) as wh:
        return run_doctor(wh, publish_dirs)


def example(args: argparse.Namespace) -> int:
    """Copy the bundled example data into DIR, so a newcomer can run the tool without a clone."""
    from rescore import paths

    dest = Path(args.dir)
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise UsageError(f"{dest} exists and is not an empty folder; choose a new folder")
    shutil.copytree(paths.examples_dir(), dest, dirs_exist_ok=True)
    runs = sorted(p.name for p in (dest / "runs").iterdir() if p.is_dir())
    print(
        f"Example data written to {dest}: prompts/, runs/{runs[0] if runs else '?'}/, "
        "reviews/, summary.csv\nTry it:\n"
        f"  rescore report {dest / 'prompts'} {dest / 'runs' / (runs[0] if runs else '?')} "
        f"--scores {dest / 'reviews'} --summary {dest / 'summary.csv'}"
    )
    return OK
