"""`rescore ingest`: suites first (so responses can be marked), then runs, then accounting."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from ingest.accounting import Outcome
from ingest.run_writer import mark_in_suite, write_batch
from ingest.runs import Batch, known_files, load_jsonl, load_run_dir
from ingest.suites import load_suites


def ingest_all(con, suites_dir: Path, run_dirs: list[Path], full: bool = False) -> Outcome:
    """Load suites and runs; every file ends up loaded, skipped or quarantined in `Outcome`.

    Run files unchanged since their last ingest are not read (rules: `ingest.runs.
    _keep_unchanged_rows`, `_skip_other_shape_again`); `full` reads every file again."""
    # Checkpoint once, when the ingest's connection closes, not after every 64 MB batch: each
    # checkpoint rewrites the growing tables' indexes, so per-batch checkpoints grew
    # faster than the data (10x: -2 CPU s of 27.6). The WAL keeps every commit durable.
    saved = con.execute("select current_setting('checkpoint_threshold')").fetchone()[0]
    con.execute("set checkpoint_threshold = '4GB'")
    try:
        return _ingest(con, suites_dir, run_dirs, full)
    finally:
        con.execute(f"set checkpoint_threshold = '{saved.replace(chr(39), '')}'")


def _ingest(con, suites_dir: Path, run_dirs: list[Path], full: bool) -> Outcome:
    outcome = Outcome("ingest")
    now = datetime.now(UTC).replace(tzinfo=None)
    changed_suites = load_suites(con, Path(suites_dir), outcome)
    batch = Batch(known=known_files(con, full))
    batch.on_full = lambda: write_batch(con, batch, outcome, now, final=False)
    try:
        for run in map(Path, run_dirs):
            if run.is_dir():
                load_run_dir(run, batch, outcome, now)
            else:
                load_jsonl(run, batch, outcome, now)
    finally:
        batch.close_pool()
    write_batch(con, batch, outcome, now)
    mark_in_suite(con, changed_suites)
    names = sorted(batch.accepted)
    not_in_suite = con.execute(
        "select count(*) filter (where is_speed_test), "
        "count(*) filter (where not is_speed_test and not in_suite) "
        "from raw.responses where source_file in (select unnest(?::varchar[]))",
        [names],
    ).fetchone()
    if not_in_suite[0]:
        outcome.load("responses marked speed-test (quality inherited)", not_in_suite[0])
    if not_in_suite[1]:
        outcome.load("responses marked not-in-suite (question in no suite)", not_in_suite[1])
    outcome.write(con)
    return outcome
