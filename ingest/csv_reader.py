"""Tolerant reading of hand-kept CSV files, line by line, keeping every line accounted for.

The judge-score and summary CSVs in the wild were written by hand and by scripts over months:
CRLF and LF endings, `#` comment lines, blank lines, unquoted commas inside free text, a header
with one column more than its rows, the odd invalid UTF-8 byte or NUL. Python's `csv` module
alone would either stop at the first bad byte or let one stray quote swallow the rest of the
file into a single field. This reader never does either:

- the file is split into physical lines first (`\\n`, `\\r\\n`, or bare `\\r` when the file has
  no `\\n` at all), and each line is decoded on its own, so one bad byte spoils one record;
- a record spans several lines only when a quoted field is open at the end of a line and is
  closed within :data:`MAX_CONTINUATION_LINES` lines; otherwise that one line is a record with
  an ``unterminated_quote`` problem and reading goes on with the next line;
- comment lines (first non-blank character `#`, outside any quoted field) and blank lines are
  reported separately and are *not* data rows; the first other line is the header.

Callers decide what a problem means for them (quarantine, skip); this module only reports.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from ingest.sources import decode, read_bytes, utf16_without_bom

MAX_CONTINUATION_LINES = 200
"""How far a quoted field may run over line breaks before we call the quote unterminated."""


@dataclass
class Record:
    """One CSV record: its first and last physical line (1-based), its text and its fields."""

    line: int
    end_line: int
    text: str
    fields: list[str]
    problems: list[tuple[str, str]] = field(default_factory=list)  # (kind, message)

    @property
    def location(self) -> str:
        if self.end_line == self.line:
            return f"line {self.line}"
        return f"lines {self.line}-{self.end_line}"


@dataclass
class CsvTable:
    """A whole file: header, data records, and what was set aside (comments, blank lines)."""

    path: Path
    header: list[str] | None = None  # normalised: stripped, lower case, BOM removed
    raw_header: list[str] | None = None
    header_line: int | None = None
    header_problems: list[tuple[str, str]] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)
    comments: list[tuple[int, str]] = field(default_factory=list)
    blank_lines: int = 0
    line_ending: str = "LF"  # 'LF', 'CRLF', 'CR' or 'mixed'
    encoding: str = "utf-8"
    notes: list[tuple[str, str]] = field(default_factory=list)  # (kind, message), not errors

    def duplicate_columns(self) -> list[str]:
        """Header names given more than once (blank names aside): which one is meant?"""
        names = [h for h in self.header or [] if h]
        return sorted({h for h in names if names.count(h) > 1})

    def column(self, *names: str) -> int | None:
        """Index of the first of `names` present in the header, or None."""
        if not self.header:
            return None
        for name in names:
            if name in self.header:
                return self.header.index(name)
        return None


def normalise_header(cells: list[str]) -> list[str]:
    """Header names as matched by shape detection: no BOM, no padding, lower case."""
    return [c.replace("\ufeff", "").strip().strip('"').strip().lower() for c in cells]


def _split_lines(data: bytes) -> tuple[list[bytes], str]:
    """Physical lines without their terminators, and the line-ending style seen."""
    if b"\n" not in data and b"\r" in data:
        lines = data.split(b"\r")
        style = "CR"
    else:
        lines = data.split(b"\n")
        crlf = sum(1 for ln in lines[:-1] if ln.endswith(b"\r"))
        n = len(lines) - 1
        style = "CRLF" if n and crlf == n else ("mixed" if crlf else "LF")
        lines = [ln[:-1] if ln.endswith(b"\r") else ln for ln in lines]
    if lines and lines[-1] == b"":
        lines.pop()  # the terminator of the last line, not an empty line
    return lines, style


def _decode(raw: bytes) -> tuple[str, tuple[str, str] | None]:
    """Decode one line as UTF-8; on failure keep a readable version and say where it broke."""
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        bad = raw[exc.start : exc.start + 4]
        return raw.decode("utf-8", errors="replace"), (
            "invalid_utf8",
            f"invalid UTF-8 at byte {exc.start} of the line ({bad!r}); "
            "save the file as UTF-8 or fix the byte",
        )


def _open_quote_at_end(line: str, in_quotes: bool = False) -> bool:
    """True when `line` ends inside a quoted field (csv's rules: a quote opens a field only
    at its start; inside it, `""` is a literal quote)."""
    if '"' not in line:
        return in_quotes
    at_field_start = not in_quotes
    i, n = 0, len(line)
    while i < n:
        ch = line[i]
        if in_quotes:
            if ch == '"':
                if i + 1 < n and line[i + 1] == '"':
                    i += 1
                else:
                    in_quotes = False
        elif ch == ",":
            at_field_start = True
            i += 1
            continue
        elif ch == '"' and at_field_start:
            in_quotes = True
        at_field_start = False
        i += 1
    return in_quotes


_CR = "\ue000"  # stands in for a bare CR while csv parses (csv treats CR as a row break)


def _parse(text: str) -> tuple[list[str], tuple[str, str] | None]:
    """Fields of one record's text (csv's non-strict rules, NULs allowed; a bare CR inside a
    line is kept as text), and a problem when csv cannot split it."""
    cr = "\r" in text
    if cr:
        text = text.replace("\r", _CR)
    try:
        rows = list(csv.reader([text]))
    except csv.Error as exc:
        return [], ("csv_error", f"the line cannot be split into fields ({exc})")
    fields = rows[0] if rows else []
    if cr:
        fields = [f.replace(_CR, "\r") for f in fields]
    return fields, None


def read_csv(path: Path) -> CsvTable:
    """Read `path` into a :class:`CsvTable`; never raises on content, only
    :class:`~ingest.errors.SourceError` when the file cannot be read (see ingest.sources)."""
    csv.field_size_limit(1 << 30)  # a 5 MB reason is data, not an attack
    data = read_bytes(path)
    notes: list[tuple[str, str]] = []
    encoding = "utf-8"
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")) or utf16_without_bom(data):
        # UTF-16/32 (spreadsheet exports): decode whole, then read as UTF-8 like any file.
        text, encoding, repairs, notes = decode(data)
        notes = notes + repairs
        data = text.encode("utf-8", "surrogatepass")
    raw_lines, style = _split_lines(data)
    table = CsvTable(path=path, line_ending=style, encoding=encoding, notes=notes)
    decoded = [_decode(b) for b in raw_lines]

    i = 0
    n = len(decoded)
    while i < n:
        text, problem = decoded[i]
        stripped = text.strip()
        if not stripped:
            table.blank_lines += 1
            i += 1
            continue
        if stripped.startswith("#"):
            table.comments.append((i + 1, text))
            i += 1
            continue

        start = i
        problems: list[tuple[str, str]] = [problem] if problem else []
        end = i
        if _open_quote_at_end(text):
            # Look for the closing quote on the following lines, within a bound.
            j = i + 1
            state = True
            closed = False
            while j < n and j - i <= MAX_CONTINUATION_LINES:
                state = _open_quote_at_end(decoded[j][0], in_quotes=True)
                if not state:
                    closed = True
                    break
                j += 1
            if closed:
                end = j
                for k in range(i + 1, j + 1):
                    if decoded[k][1]:
                        problems.append(decoded[k][1])
                text = "\n".join(decoded[k][0] for k in range(i, j + 1))
            else:
                problems.append(
                    (
                        "unterminated_quote",
                        "a quoted field opens on this line and is not closed "
                        f"within {MAX_CONTINUATION_LINES} lines; quote the field properly "
                        'or double the quote ("")',
                    )
                )
        if "\x00" in text:
            problems.append(("nul_byte", "the line contains NUL bytes (binary data?)"))
        fields, split_problem = _parse(text)
        if split_problem:
            problems.append(split_problem)
        record = Record(start + 1, end + 1, text, fields, problems)
        i = end + 1

        if table.header is None:
            table.raw_header = record.fields
            table.header = normalise_header(record.fields)
            table.header_line = record.line
            table.header_problems = record.problems
        else:
            table.records.append(record)
    return table
