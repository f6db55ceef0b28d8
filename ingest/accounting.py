"""Accounting for every command: what was loaded, skipped and quarantined, and why.

Nothing a user gives rescore disappears silently. Each command collects an :class:`Outcome`,
writes its problems to `raw.ingest_errors` (replacing earlier rows for the same files, so a
re-run is idempotent) and prints a short summary. Exit code 1 when anything was quarantined.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

EXCERPT_CHARS = 300
_SURROGATE = re.compile("[\ud800-\udfff]")


def _storable(s: str | None) -> str | None:
    """Text DuckDB can store: lone surrogates (from JSON escapes or file names) -> U+FFFD."""
    return None if s is None else _SURROGATE.sub("\ufffd", s)


def excerpt(text: object, limit: int = EXCERPT_CHARS) -> str:
    """A short, printable slice of the offending input (NUL bytes shown, not stored raw)."""
    try:
        s = text if isinstance(text, str) else repr(text)
    except (RecursionError, ValueError):
        s = f"<{type(text).__name__} too deep or too large to show>"
    n = len(s)
    s = s[: 4 * limit].replace("\x00", "\\x00")
    return s if len(s) <= limit else s[:limit] + f"... [{n - limit} more chars]"


@dataclass
class Problem:
    """One quarantined record or skipped file."""

    source_file: str
    location: str | None
    kind: str
    message: str
    excerpt: str | None = None
    quarantined: bool = True  # False: a skipped non-data file (reported, not an error)


@dataclass
class Outcome:
    """What one command did, per kind of record."""

    command: str
    batch: str | None = None
    loaded: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    noted: Counter[str] = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)
    files: set[str] = field(default_factory=set)
    failed_files: set[str] = field(default_factory=set)  # quarantined whole
    conflicts: list[str] = field(default_factory=list)  # import-scores: per file pair
    unchanged_files: int = 0  # ingest: files not read again (unchanged since their last ingest)
    carried_quarantined: int = 0  # their problems, quarantined then and kept in ingest_errors

    def note(self, source_file: str, kind: str, message: str, location: str | None = None) -> None:
        """Something the user should know that is not an error (an encoding converted, a
        folder given twice, a file removed since the last ingest): a row, not exit 1."""
        self.problems.append(Problem(source_file, location, kind, message, quarantined=False))
        self.noted[kind] += 1

    def unload(self, kind: str, n: int) -> None:
        self.loaded[kind] -= n
        if self.loaded[kind] <= 0:
            del self.loaded[kind]

    def load(self, kind: str, n: int = 1) -> None:
        self.loaded[kind] += n

    def skip(
        self,
        source_file: str,
        kind: str,
        message: str,
        location: str | None = None,
        raw: object = None,
    ) -> None:
        """Input that is not data of this command (an aggregate, a notes folder, a # comment):
        reported with its place, but not an error."""
        self.skipped[kind] += 1
        self.problems.append(
            Problem(
                source_file,
                location,
                kind,
                message,
                excerpt(raw) if raw is not None else None,
                quarantined=False,
            )
        )

    def skip_comments(self, source_file: str, comments: list[tuple[int, str]]) -> None:
        """`#` comment lines of a CSV: named one by one, never counted as data rows."""
        for line, text in comments:
            self.skip(
                source_file,
                "comment_line",
                "comment line (#), not a data row; skipped",
                location=f"line {line}",
                raw=text,
            )

    def quarantine(
        self,
        source_file: str,
        location: str | None,
        kind: str,
        message: str,
        raw: object = None,
    ) -> None:
        self.problems.append(
            Problem(source_file, location, kind, message, excerpt(raw) if raw is not None else None)
        )

    @property
    def quarantined(self) -> list[Problem]:
        return [p for p in self.problems if p.quarantined]

    @property
    def exit_code(self) -> int:
        return 1 if self.quarantined or self.carried_quarantined else 0

    def write(self, con) -> None:
        """Replace this command's earlier problem rows for the files it read, then add its own."""
        files = sorted(self.files | {p.source_file for p in self.problems})
        if files:
            con.execute(
                "delete from raw.ingest_errors where command = ? and source_file in "
                "(select unnest(?::varchar[])) and coalesce(batch, '') = coalesce(?, '')",
                [self.command, files, self.batch],
            )
        now = datetime.now(UTC).replace(tzinfo=None)
        rows = [
            (
                self.command,
                _storable(p.source_file),
                _storable(p.location),
                p.kind,
                _storable(p.message),
                _storable(p.excerpt),
                _storable(self.batch),
                now,
            )
            for p in self.problems
        ]
        if rows:
            # One Arrow insert: executemany costs ~0.4 ms a row (13 s for the 30k problems
            # of a whole reviews/ folder).
            import pyarrow as pa

            cols = list(zip(*rows, strict=True))
            table = pa.table(
                {
                    "command": pa.array(cols[0], pa.string()),
                    "source_file": pa.array(cols[1], pa.string()),
                    "location": pa.array(cols[2], pa.string()),
                    "kind": pa.array(cols[3], pa.string()),
                    "message": pa.array(cols[4], pa.string()),
                    "excerpt": pa.array(cols[5], pa.string()),
                    "batch": pa.array(cols[6], pa.string()),
                    "logged_at": pa.array(cols[7], pa.timestamp("us")),
                }
            )
            con.register("_rescore_ingest_errors", table)
            try:
                con.execute(
                    "insert into raw.ingest_errors (command, source_file, location, kind, "
                    "message, excerpt, batch, logged_at) select * from _rescore_ingest_errors"
                )
            finally:
                con.unregister("_rescore_ingest_errors")

    def summary(self) -> str:
        lines = [f"rescore {self.command}" + (f" ({self.batch})" if self.batch else "") + ":"]
        for kind, n in sorted(self.loaded.items()):
            lines.append(f"  loaded      {n:>7}  {kind}")
        for kind, n in sorted(self.skipped.items()):
            lines.append(f"  skipped     {n:>7}  {kind}")
        for kind, n in sorted(self.noted.items()):
            lines.append(f"  noted       {n:>7}  {kind}")
        if self.unchanged_files:
            lines.append(
                f"  unchanged   {self.unchanged_files:>7}  run files (same path, size and mtime "
                "as at their last ingest: not read again; --full reads them)"
            )
        if self.carried_quarantined:
            lines.append(
                f"  quarantined {self.carried_quarantined:>7}  problems of those unchanged files "
                "(reported when they were read; still in raw.ingest_errors)"
            )
        if self.conflicts:
            lines.append(f"  duplicate scores by file pair ({len(self.conflicts) - 1} pairs):")
            lines.extend(f"    {c}" for c in self.conflicts[:11])
            if len(self.conflicts) > 11:
                lines.append(
                    "    ... all pairs: select * from raw.score_conflicts where scoring_run = "
                    f"'{self.batch}'"
                )
        q = Counter(p.kind for p in self.quarantined)
        for kind, n in sorted(q.items()):
            lines.append(f"  quarantined {n:>7}  {kind}")
        if self.quarantined or self.carried_quarantined:
            lines.append(
                f"  details: select * from raw.ingest_errors where command = '{self.command}'"
            )
        return "\n".join(lines)
