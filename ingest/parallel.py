"""Reading run files in worker processes while the main process writes to the warehouse.

Why: reading a run file (bytes, hash, decode, JSON with its checks, one row per record) is
most of an ingest's Python time, and it is independent per file; DuckDB's writes are most of
the rest. With the reading in workers (`RESCORE_INGEST_WORKERS`, default 2 on a machine with
2 or more cores) the two overlap.

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
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, Future
from datetime import datetime
from pathlib import Path

from ingest.runs import FileRead, parse_file

AHEAD_BYTES = 64 * 1024 * 1024
"""File bytes read ahead by the workers: enough to keep them busy while a 64 MB batch is
written, bounded whatever the size of the run."""
MIN_BYTES = 16 * 1024 * 1024
"""A folder with less than this to read is read in the main process (starting workers would
cost more than they save)."""


def workers() -> int:
    """Worker processes for reading: `RESCORE_INGEST_WORKERS` (0 or 1: none), else 2 when the
    machine has 2 or more cores."""
    env = os.environ.get("RESCORE_INGEST_WORKERS", "").strip()
    if env:
        try:
            return max(0, int(env))
        except ValueError:
            return 0
    return 2 if (os.cpu_count() or 1) >= 2 else 0


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
        todo: list[tuple[int, str, Path, str, int]],  # (entry index, kind, path, name, size)
        run_dir: Path,
        folder: str,
        now: datetime,
        ahead_bytes: int = AHEAD_BYTES,
    ) -> None:
        self.pool = pool
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
                future = self.pool.submit(parse_file, kind, path, run_dir, folder, name, now)
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
            read = future.result()
        except Exception:  # BrokenProcessPool, a result that did not pickle: read it here
            read = read_here()
        self._fill()
        return read
