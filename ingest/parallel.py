"""Reading run files in worker processes while the main process writes to the warehouse.

Why: reading a run file (bytes, hash, decode, JSON with its checks, one row per record) is
most of an ingest's Python time, and it is independent per file; DuckDB's writes are most of
the rest. With the reading in workers (`RESCORE_INGEST_WORKERS=2`) the two overlap. Off by
default: measured on the shared 2-core machine (benchmarks/README.md, "ingest2"), two workers
cost ~50% more CPU (fork, Arrow files, a third busy process) and gave no shorter wall time
while the cores were taken by other work; they pay only where cores are idle.

What stays the same: the workers only run :func:`ingest.runs.parse_file`, which touches no
batch, outcome or warehouse; the main process takes the results in file order
(:func:`ingest.runs.take_read`), so every check against the rest of the ingest (copies,
(run, config) clashes, repeated responses, unchanged files) and every row and problem are
what reading the files one by one gives. A result that cannot come back (a worker killed, a
value that does not pickle) is read again in the main process.

Memory: at most :data:`AHEAD_BYTES` of files are read ahead of the one being taken in.
"""

from __future__ import annotations

import os
import tempfile
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, Future
from datetime import datetime
from pathlib import Path

import pyarrow as pa

from ingest.runs import FileRead, parse_file

AHEAD_BYTES = 64 * 1024 * 1024
"""File bytes read ahead by the workers: enough to keep them busy while a 64 MB batch is
written, bounded whatever the size of the run."""
MIN_BYTES = 16 * 1024 * 1024
"""A folder with less than this to read is read in the main process (starting workers would
cost more than they save)."""


def workers() -> int:
    """Worker processes for reading: `RESCORE_INGEST_WORKERS` (unset, 0 or 1: none)."""
    try:
        return max(0, int(os.environ.get("RESCORE_INGEST_WORKERS", "0").strip() or 0))
    except ValueError:
        return 0


def make_pool(n: int) -> Executor:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # fork: the workers start warm (modules imported) and never touch DuckDB
    return ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("fork"))


class ReadAhead:
    """Files of one folder read by a pool in order, at most AHEAD_BYTES ahead of `take`."""

    def __init__(
        self,
        pool: Executor | None,
        spool: str | None,
        todo: list[tuple[int, str, Path, str, int]],  # (entry index, kind, path, name, size)
        run_dir: Path,
        folder: str,
        now: datetime,
        ahead_bytes: int = AHEAD_BYTES,
    ) -> None:
        self.pool = pool
        self.spool = spool
        self.todo = deque(todo)
        self.args = (run_dir, folder, now)
        self.ahead_bytes = ahead_bytes
        self.running: dict[int, tuple[Future, int]] = {}
        self.in_flight = 0
        self._fill()

    def _fill(self) -> None:
        while self.pool is not None and self.todo:
            i, kind, path, name, size = self.todo[0]
            if self.running and self.in_flight + size > self.ahead_bytes:
                return
            self.todo.popleft()
            run_dir, folder, now = self.args
            try:
                future = self.pool.submit(
                    _read_packed, kind, path, run_dir, folder, name, now, self.spool
                )
            except RuntimeError:  # a broken pool: read the rest here
                self.pool = None
                self.todo.appendleft((i, kind, path, name, size))
                return
            self.running[i] = (future, size)
            self.in_flight += size

    def take(self, i: int, read_here: Callable[[], FileRead]) -> FileRead | None:
        """The read of entry `i` when it was sent to a worker (None when it was not);
        `read_here` reads it again in this process when the worker's result is lost."""
        got = self.running.pop(i, None)
        if got is None:
            return None
        future, size = got
        self.in_flight -= size
        try:
            read = _unspool(future.result())
        except Exception:  # BrokenProcessPool, a result that did not pickle: read it here
            read = read_here()
        self._fill()
        return read


def _read_packed(
    kind: str, path: Path, run_dir: Path, folder: str, name: str, now, spool: str | None
) -> FileRead:
    """In a worker: read one file and pack its responses as Arrow for the way back, written
    to an Arrow file in `spool` (memory-backed when /dev/shm exists) that the main process
    maps instead of receiving the text through a pipe and unpickling it."""
    read = parse_file(kind, path, run_dir, folder, name, now)
    rows = read.rows
    if rows is not None:
        rows.pack()
        if spool is not None and rows.arrow is not None and rows.arrow.num_rows:
            fd, target = tempfile.mkstemp(suffix=".arrow", dir=spool)
            os.close(fd)
            with pa.OSFile(target, "wb") as sink, pa.ipc.new_file(sink, rows.arrow.schema) as w:
                w.write_table(rows.arrow)
            rows.arrow, rows.arrow_file = None, target
    return read


def _unspool(read: FileRead) -> FileRead:
    """The worker's Arrow file mapped back into the read (and its name removed)."""
    rows = read.rows
    if rows is not None and rows.arrow_file is not None:
        try:
            rows.arrow = pa.ipc.open_file(pa.memory_map(rows.arrow_file)).read_all()
        finally:
            os.unlink(rows.arrow_file)
            rows.arrow_file = None
    return read


def make_spool() -> str | None:
    """A private folder for the workers' Arrow files: in /dev/shm (memory) when there is one,
    else in the temporary folder; None when neither can be made (results come by pipe)."""
    for base in ("/dev/shm", None):
        if base is not None and not os.path.isdir(base):
            continue
        try:
            return tempfile.mkdtemp(prefix="rescore-ingest-", dir=base)
        except OSError:
            continue
    return None
