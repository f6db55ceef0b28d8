"""Writing a checked :class:`~ingest.runs.Batch` into raw.runs / raw.configs / raw.responses.

Why a module of its own: this is where the warehouse is compared with what is on disk now.

- **Clashes with earlier ingests.** A file whose (run, config) or byte content is already in
  the warehouse from *another* file that still exists is quarantined, not loaded over it.
- **Removed files** (rule): when a run folder is ingested again, the rows of run files that
  were loaded from that folder before and are no longer in it are *deleted*, and each such
  file is reported (kind `file_removed`, not an error): the folder is the source of truth,
  and putting the file back restores its rows.
- **Corrupted files** (rule): a file that fails to read now keeps the rows of its last good
  ingest; its quarantine row is joined by a `kept_previous_rows` note with their count.
- **Unchanged files** (same file, same bytes, same configs) are parsed again, so their
  problems are reported as before, but their rows are not rewritten: a re-ingest of an
  unchanged folder costs the parse, not the write.
- **Writing.** One transaction, one Arrow insert per table. Should the database refuse it,
  each file is written in a transaction of its own and a refused file is quarantined
  (`write_failed`), so one file never takes its neighbours down.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pyarrow as pa

from ingest import runs
from ingest.accounting import Outcome
from ingest.runs import Batch, FileRows
from ingest.sources import source_name


def _same_or_gone(old: str, new: str, skip: set[str]) -> bool:
    """True when `old` (a source_file of the warehouse) is no rival of `new`: the same file
    under an older spelling, being re-read or removed now, or no longer on disk."""
    return old in skip or not os.path.exists(old) or source_name(Path(old)) == new


def _existing_rows(con, files: list[str]) -> dict[str, list[tuple[str, str, str, int]]]:
    if not files:
        return {}
    out: dict[str, list] = {}
    for src, run_id, config, sha, n in con.execute(
        "select source_file, run_id, config, file_sha256, response_count from raw.configs "
        "where source_file in (select unnest(?::varchar[]))",
        [files],
    ).fetchall():
        out.setdefault(src, []).append((run_id, config, sha, n or 0))
    return out


def _drop(batch: Batch, rows: FileRows, outcome: Outcome) -> None:
    batch.files.remove(rows)
    batch.accepted.discard(rows.name)
    for kind, n in rows.loaded.items():
        outcome.unload(kind, n)
    outcome.failed_files.add(rows.name)


def _rows_not_present(con, folders: dict[str, set[str]]) -> dict[str, list[tuple]]:
    """The raw.configs rows of files directly in each folder (by the folder's name without a
    trailing slash) that the folder's listing did not show, in one scan with the present
    files as an anti-join: fetching every row of the folders to compare in Python was
    117,464 rows for the no-op ingest at 1M responses (0.4 s) to find, as a rule, none."""
    if not folders:
        return {}
    con.register("_rescore_folders", pa.table({"folder": [f.rstrip("/") for f in folders]}))
    con.register(
        "_rescore_present", pa.table({"source_file": [n for p in folders.values() for n in p]})
    )
    try:
        rows = con.execute(
            "select p.folder, c.source_file, c.run_id, c.config, c.response_count"
            " from raw.configs as c"
            " inner join _rescore_folders as p on p.folder = substr(c.source_file, 1,"
            " length(c.source_file) - strpos(reverse(c.source_file), '/'))"
            " anti join _rescore_present as f on f.source_file = c.source_file"
            " order by c.source_file, c.run_id, c.config"
        ).fetchall()
    finally:
        con.unregister("_rescore_folders")
        con.unregister("_rescore_present")
    out: dict[str, list[tuple]] = {}
    for folder, *row in rows:
        out.setdefault(folder, []).append(tuple(row))
    return out


def check_against_warehouse(
    con, batch: Batch, outcome: Outcome, final: bool = True
) -> list[tuple[str, str]]:
    """Quarantine pending files clashing with other files' rows; when `final` (all files
    read), also return the (run, config) keys of files removed from their folders (their rows
    are deleted by :func:`write_batch`) and note failed files that keep earlier rows."""
    removed_keys: list[tuple[str, str]] = []
    removed_files: set[str] = set()
    not_listed = _rows_not_present(con, batch.folders) if final else {}
    for folder in batch.folders if final else ():
        gone: dict[str, list] = {}
        for src, run_id, config, n in not_listed.get(folder.rstrip("/"), []):
            if not os.path.exists(src):
                gone.setdefault(src, []).append((run_id, config, n or 0))
        for src, keys in sorted(gone.items()):
            removed_files.add(src)
            removed_keys.extend((r, c) for r, c, _ in keys)
            outcome.note(
                src,
                "file_removed",
                f"this run file was loaded by an earlier ingest of {folder} and is no longer "
                f"there; its {sum(n for *_, n in keys)} response(s) were removed from the "
                "warehouse (put the file back and ingest again to restore them)",
            )
    previous = _existing_rows(con, sorted(outcome.failed_files) if final else [])
    for src, keys in previous.items():
        outcome.note(
            src,
            "kept_previous_rows",
            f"the file failed to read this time; the {sum(k[3] for k in keys)} response(s) of "
            "its last good ingest are kept. Repair it and ingest again to replace them.",
        )
    if not batch.files:
        return removed_keys
    keys = pa.table(
        {
            "run_id": [k[0] for f in batch.files for k in sorted(f.keys)],
            "config": [k[1] for f in batch.files for k in sorted(f.keys)],
            "source_file": [f.name for f in batch.files for _ in f.keys],
        }
    )
    shas = pa.table(
        {"sha": [f.sha256 for f in batch.files], "source_file": [f.name for f in batch.files]}
    )
    con.register("_rescore_keys", keys)
    con.register("_rescore_shas", shas)
    try:
        key_clash = con.execute(
            "select k.source_file, c.source_file, c.run_id, c.config from _rescore_keys k "
            "join raw.configs c using (run_id, config) where c.source_file <> k.source_file"
        ).fetchall()
        sha_clash = con.execute(
            "select s.source_file, c.source_file from _rescore_shas s join raw.configs c "
            "on c.file_sha256 = s.sha where c.source_file <> s.source_file"
        ).fetchall()
    finally:
        con.unregister("_rescore_keys")
        con.unregister("_rescore_shas")
    by_name = {f.name: f for f in batch.files}
    in_batch = set(by_name) | batch.accepted
    for new, old, run_id, config in key_clash:
        if _same_or_gone(old, new, removed_files | in_batch):
            continue  # moved, renamed or re-spelled: the new file replaces the old rows
        if new in by_name:
            outcome.quarantine(
                new,
                None,
                "duplicate_config",
                f"run {run_id!r} config {config!r} is already loaded from {old}, which still "
                "exists; this file was not loaded. Give each run its own run_id or folder name "
                "(or remove the other file and ingest again).",
            )
            _drop(batch, by_name.pop(new), outcome)
    for new, old in sha_clash:
        if _same_or_gone(old, new, removed_files | in_batch):
            continue
        if new in by_name and by_name[new].configs:
            outcome.quarantine(
                new,
                None,
                "duplicate_content",
                f"byte-identical to {old}, which is already loaded; the copy was not loaded "
                "(it would be a second config with the same responses). Remove one.",
            )
            _drop(batch, by_name.pop(new), outcome)
    return removed_keys


def _file_states(files: list[FileRows]) -> pa.Table:
    rows = [f for f in files if f.stat is not None]
    return pa.table(
        {
            "source_file": pa.array([f.name for f in rows], pa.string()),
            "size_bytes": pa.array([f.stat[0] for f in rows], pa.int64()),
            "mtime_ns": pa.array([f.stat[1] for f in rows], pa.int64()),
            "read_at_ns": pa.array([f.stat[2] for f in rows], pa.int64()),
            "file_sha256": pa.array([f.sha256 for f in rows], pa.string()),
            "parser_version": pa.array([runs.PARSER_VERSION] * len(rows), pa.string()),
            "quarantined": pa.array([f.quarantined for f in rows], pa.int32()),
            "other_shape": pa.nulls(len(rows), pa.string()),
        }
    )


def _write_other_shape(con, batch: Batch) -> None:
    """Record the files of another shape read (or skipped unread) by this ingest, so the next
    one skips them unread while they are unchanged; a file that was a run file before is now
    this row (its configs rows are the folder check's business, as before)."""
    rows = batch.other_shape
    if not rows:
        return
    table = pa.table(
        {
            "source_file": pa.array([r[0] for r in rows], pa.string()),
            "size_bytes": pa.array([r[1] for r in rows], pa.int64()),
            "mtime_ns": pa.array([r[2] for r in rows], pa.int64()),
            "read_at_ns": pa.array([r[3] for r in rows], pa.int64()),
            "file_sha256": pa.array([r[4] for r in rows], pa.string()),
            "parser_version": pa.array([runs.PARSER_VERSION] * len(rows), pa.string()),
            "quarantined": pa.array([0] * len(rows), pa.int32()),
            "other_shape": pa.array([r[5] for r in rows], pa.string()),
        }
    )
    con.register("_rescore_other_shape", table)
    try:
        con.execute("begin")
        con.execute(
            "delete from raw.ingest_files where source_file in "
            "(select source_file from _rescore_other_shape)"
        )
        con.execute("insert into raw.ingest_files select * from _rescore_other_shape")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        con.unregister("_rescore_other_shape")
    batch.other_shape = []


def _write(
    con,
    batch: Batch,
    files: list[FileRows],
    delete_keys: list[tuple[str, str]],
    now,
    same: list[FileRows] = (),
):
    """Write `files` (rows replaced by key) and the read state of `files` and `same` (files
    whose rows are already these bytes'), in one transaction: rows and the state that lets a
    later ingest skip the file never disagree, even after kill -9."""
    questions = {
        tuple(r) for r in con.execute("select suite, question_id from raw.questions").fetchall()
    }
    con.execute("begin")
    try:
        keys = delete_keys + [k for f in files for k in f.keys]
        if keys:
            con.register(
                "_rescore_replaced",
                pa.table({"run_id": [k[0] for k in keys], "config": [k[1] for k in keys]}),
            )
            con.execute(
                "delete from raw.responses r using _rescore_replaced k "
                "where r.run_id = k.run_id and r.config = k.config"
            )
            con.execute(
                "delete from raw.configs c using _rescore_replaced k "
                "where c.run_id = k.run_id and c.config = k.config"
            )
            con.unregister("_rescore_replaced")
        configs = batch.configs_table(files)
        if configs.num_rows:
            con.register("_rescore_configs", configs)
            con.execute("insert into raw.configs select * from _rescore_configs")
            con.unregister("_rescore_configs")
        responses = batch.responses_table(files, questions)
        if responses.num_rows:
            con.register("_rescore_responses", responses)
            con.execute("insert into raw.responses select * from _rescore_responses")
            con.unregister("_rescore_responses")
        states = _file_states([*files, *same])
        if states.num_rows:
            con.register("_rescore_file_states", states)
            con.execute(
                "delete from raw.ingest_files where source_file in "
                "(select source_file from _rescore_file_states)"
            )
            con.execute("insert into raw.ingest_files select * from _rescore_file_states")
            con.unregister("_rescore_file_states")
        run_ids = sorted({k[0] for k in keys})
        for run_id in run_ids:
            info = batch.runs.get(run_id)
            n = con.execute(
                "select count(*) from raw.configs where run_id = ?", [run_id]
            ).fetchone()
            if info is None and n[0]:
                continue
            con.execute("delete from raw.runs where run_id = ?", [run_id])
            if n[0] and info is not None:
                con.execute(
                    "insert into raw.runs values (?, ?, ?, ?, ?)",
                    [run_id, info["dir"], n[0], info.get("skipped_files"), now],
                )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def write_batch(con, batch: Batch, outcome: Outcome, now: datetime, final: bool = True) -> None:
    """Check the pending files against the warehouse, then write them; a file the database
    refuses is quarantined. `final=False` is a flush in the middle of reading."""
    try:
        _write_pending(con, batch, outcome, now, final)
        _write_other_shape(con, batch)
    finally:
        batch.files = []
        batch.pending_chars = 0


def _unchanged(con, files: list[FileRows]) -> list[FileRows]:
    """Files whose rows are in the warehouse from these very bytes (same file, same hash,
    same configs and counts): parsed again for their problems, but not rewritten."""
    if not files:
        return []
    stored: dict[str, set] = {}
    for src, run_id, config, sha, n in con.execute(
        "select source_file, run_id, config, file_sha256, response_count from raw.configs "
        "where source_file in (select unnest(?::varchar[]))",
        [[f.name for f in files]],
    ).fetchall():
        stored.setdefault(src, set()).add((run_id, config, sha, n))
    same = []
    for f in files:
        mine = {(c[0], c[1], f.sha256, c[12]) for c in f.configs}
        if mine and stored.get(f.name) == mine:
            same.append(f)
    return same


def _write_pending(con, batch: Batch, outcome: Outcome, now: datetime, final: bool) -> None:
    import duckdb

    removed = check_against_warehouse(con, batch, outcome, final)
    same = _unchanged(con, batch.files)
    unchanged = {id(f) for f in same}
    batch.files = [f for f in batch.files if id(f) not in unchanged]
    try:
        _write(con, batch, list(batch.files), removed, now, same)
        return
    except (duckdb.Error, pa.ArrowException, UnicodeError, OverflowError):
        pass
    if removed or same:
        _write(con, batch, [], removed, now, same)
    for rows in list(batch.files):
        try:
            _write(con, batch, [rows], [], now)
        except (duckdb.Error, pa.ArrowException, UnicodeError, OverflowError) as exc:
            outcome.quarantine(
                rows.name,
                None,
                "write_failed",
                f"the warehouse refused this file's rows ({type(exc).__name__}: "
                f"{str(exc).splitlines()[0][:200]}); nothing of it was loaded, other files "
                "were. Please report this with the file.",
            )
            _drop(batch, rows, outcome)


def mark_in_suite(con, suites: set[str] | None = None) -> None:
    """A response is `in_suite` when its (suite, question_id) is a known question. New rows
    are marked as they are written; this re-marks older rows of the `suites` whose questions
    changed in this ingest (all suites when None), writing only rows whose mark changes."""
    if suites is not None and not suites:
        return
    con.execute(
        """
        update raw.responses r set in_suite = not r.in_suite
        where (?::varchar[] is null or list_contains(?::varchar[], r.suite))
          and r.in_suite <> exists (
            select 1 from raw.questions q
            where q.suite = r.suite and q.question_id = r.question_id
        )
        """,
        [sorted(suites) if suites is not None else None] * 2,
    )
