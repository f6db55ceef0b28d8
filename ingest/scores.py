"""`rescore import-scores`: judge-score CSVs kept by hand -> one scoring run in raw.judgments.

Why this exists: earlier scoring (Claude as a judge, by hand, over months) survives only as
CSV files of many shapes. Importing them as a named scoring run lets the marts compare them
with a new blind scoring (agreement, drift) without re-spending anything.

Every data row of every score file ends in exactly one of two places, so that
``loaded + quarantined = rows read`` holds per file:

- ``raw.judgments`` (joined to its response), or
- ``raw.ingest_errors`` as a quarantined row (file, line, kind, message, excerpt).

A *data row* is a CSV record after the header that is neither blank nor a comment line.
Comment lines (first non-blank character ``#``) are not data rows: they are reported as
skipped (kind ``comment_line``, with their line, in ``raw.ingest_errors``) and do not make
the command exit 1. Files that carry no per-response scores (summaries, Markdown notes) are
skipped with a reason; their rows are not data rows of this command. In a score matrix each
score cell is a data record of its own (``line N, column <question id>``).

Shapes recognised (header names, any order, case-insensitive):

- per config: ``suite, question_id, [tokens_per_second | latency_ms | turns | tier ...],
  claude_score, score_reason``; the config is the file name;
- aggregated: ``model, suite, question_id, claude_score, score_reason``; ``model`` holds the
  config;
- ``question_id, score, reason`` with ids written ``suite/question_id``; config from the name;
- score matrix: ``model, <question id>, <question id>, ..., [total, pct, ..., notes]``: one row
  per config (``model``), one 0-3 score per question column (e.g. ``vl_benchmark_*.csv``); the
  suite is the one in which the config answered that question; the row's notes become the
  reason;
- relative: ``model, question_id, score, score_reason``; the suite is the file-name prefix.
  These files score on 0-10; the scale is decided from the values (see
  :func:`_other_scale`), not the name, and such files are quarantined row by row.

Config names (from the file name or the ``model`` column) resolve to a config of the loaded
runs: as written; else without a suffix such as ``_rescored``; else with ``_baseline``
appended (``draft_qwen3_0_6b.csv`` scores ``draft_qwen3_0_6b_baseline``). When a
``(config, suite, question_id)`` exists in several runs, the response of the latest run
(greatest ``run_id``; run ids are timestamps) is the one scored.

Order and duplicates: files are read in a fixed order (paths as given; inside a folder, its
own files by name, then its subfolders by name, recursively). The first score of a response
wins; a later one, from any file of this scoring run, is quarantined (``already_scored``)
naming the file and line that scored it first.

Idempotent: the rows this scoring run holds from the files being imported are deleted first,
then reloaded, in one transaction; ``raw.ingest_errors`` rows for those files are replaced.
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from ingest.accounting import Outcome
from ingest.csv_reader import CsvTable, Record, read_csv
from ingest.errors import IngestUsageError, SourceError
from ingest.sources import source_name

COMMAND = "import-scores"
SCORE_COLUMNS = ("claude_score", "score")
REASON_COLUMNS = ("score_reason", "reason")
NAME_SUFFIXES = ("_rescored", "_scores", "_scored", "_claude", "_review")
SUMMARY_COLUMNS = {"total", "pct", "pct_str", "percentage", "total_scored", "questions", "avg"}
QUESTION_COLUMN = re.compile(r"^t\d+_q\d+")
RUBRIC_VERSION = "imported"
JUDGE = "imported"
"""One judge label for every imported score: who scored is unknown, the file is a column."""
ON_CONFLICT = ("first", "last", "error")


@dataclass(frozen=True)
class Candidate:
    """A data row that joined to a response and passed every check."""

    source_file: str
    line: int
    response_id: str
    score: int
    reason: str | None
    judge: str
    judged_at: datetime
    text: str = ""  # the line as read, for the excerpt if it is quarantined later


class ResponseIndex:
    """The loaded responses, keyed for joining score rows: (config, suite, question_id)."""

    def __init__(self, con) -> None:
        rows = con.execute(
            """
            select config, suite, question_id,
                   arg_max(response_id, run_id) as response_id,
                   max(run_id) as run_id,
                   count(*) as runs
            from raw.responses
            group by config, suite, question_id
            """
        ).fetchall()
        self.by_key: dict[tuple[str, str, str], str] = {}
        self.configs: set[str] = set()
        self.suites: set[str] = set()
        self.multi_run: set[str] = set()
        self.responses_per_config: dict[str, int] = {}
        for config, suite, qid, rid, _run, runs in rows:
            self.by_key[(config, suite, qid)] = rid
            self.configs.add(config)
            self.responses_per_config[config] = self.responses_per_config.get(config, 0) + 1
            self.suites.add(suite)
            if runs > 1:
                self.multi_run.add(config)
        self.speed_test_only: set[str] = {
            r[0]
            for r in con.execute(
                "select config from raw.responses group by config having bool_and(is_speed_test)"
            ).fetchall()
        }

    def resolve_config(self, name: str) -> str | None:
        """The loaded config a score file means by `name`, or None (see module docstring)."""
        candidates = [name]
        for suffix in NAME_SUFFIXES:
            if name.endswith(suffix):
                candidates.append(name[: -len(suffix)])
        for c in list(candidates):
            if not c.endswith("_baseline"):
                candidates.append(c + "_baseline")
        for c in candidates:
            if c in self.configs:
                return c
        return None

    def suite_from_name(self, stem: str) -> str | None:
        """The suite a file named `<suite>_...` is about (longest matching suite name)."""
        matches = [s for s in self.suites if stem == s or stem.startswith(s + "_")]
        return max(matches, key=len) if matches else None


# --------------------------------------------------------------------------- discovery


def discover(paths: list[Path], outcome: Outcome) -> list[Path]:
    """The CSV files to read, in the documented fixed order; other files are skipped.

    A `*.csv` entry that is no regular file (a symlink loop, a FIFO, a dangling link) is
    still returned, so reading it quarantines it with its reason instead of passing over it.
    """
    seen: set[str] = set()
    found: list[Path] = []

    def add(p: Path) -> None:
        r = source_name(p)
        if r not in seen:
            seen.add(r)
            found.append(p)

    def walk(folder: Path) -> None:
        try:
            entries = sorted(folder.iterdir(), key=lambda e: e.name)
        except OSError as exc:
            outcome.quarantine(
                _name(folder), None, "unreadable_folder", f"cannot list: {exc.strerror}"
            )
            return
        dirs = []
        for e in entries:
            if e.is_dir():
                if source_name(e) in seen_dirs:
                    outcome.note(_name(e), "folder_loop", "a folder reached twice; read once")
                    continue
                dirs.append(e)
            elif e.suffix.lower() == ".csv":
                add(e)
            else:
                outcome.skip(_name(e), "not_csv", "not a CSV file; import-scores reads *.csv only")
        for e in dirs:
            seen_dirs.add(source_name(e))
            walk(e)

    seen_dirs: set[str] = set()
    for p in paths:
        if p.is_dir():
            seen_dirs.add(source_name(p))
            walk(p)
        else:
            add(p)
    return found


def _name(path: Path) -> str:
    """How a file is named in the warehouse: its resolved absolute path (stable across
    working directories and spellings)."""
    return source_name(path)


# --------------------------------------------------------------------------- shapes


def is_score_matrix(header: list[str]) -> bool:
    """`model,<question id>,<question id>,...[,total,pct,...]`: one row per config, one 0-3
    score per question column (e.g. vl_benchmark). Each score cell is a record of its own."""
    return "model" in header and sum(1 for h in header if QUESTION_COLUMN.match(h)) >= 2


def classify(table: CsvTable) -> tuple[str, str] | None:
    """None for a score file; else (kind, reason) why the file is skipped."""
    header = table.header
    if not header:
        return ("empty_file", "the file has no header line (empty, or only comments)")
    has_q = "question_id" in header
    has_score = any(c in header for c in SCORE_COLUMNS)
    if has_q and has_score:
        return None
    if is_score_matrix(header):
        return None
    if "model" in header and SUMMARY_COLUMNS & set(header):
        return (
            "summary_file",
            "totals per config or model, not per-response scores; import it with "
            "`rescore import-summary` as a baseline",
        )
    return (
        "unrecognised_csv",
        "no question_id and score columns; header is " + ",".join(table.raw_header or [])[:200],
    )


def _scale_label(top: float) -> str:
    for limit in (5, 10, 100):
        if top <= limit:
            return f"0-{limit}"
    return f"0-{top:g}"


def _other_scale(scores: list[float]) -> float | None:
    """The file's top score when the file uses a scale other than 0-3, else None.

    Decided from the values: at least 3 scores, and at least a quarter of them, above 3 (or
    below 0). A single 7 in a 0-3 file is a bad row, not a different scale.
    """
    outside = [s for s in scores if s < 0 or s > 3]
    if len(outside) >= 3 and len(outside) >= 0.25 * len(scores):
        return max(scores)
    return None


# --------------------------------------------------------------------------- rows


@dataclass
class _Parsed:
    record: Record
    values: dict[str, str]
    score: float
    recovered_commas: int


class _Quarantine(Exception):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def _fit_fields(table: CsvTable, record: Record, reason_idx: int | None) -> tuple[list[str], int]:
    """The record's fields aligned to the header; extra fields re-joined into the reason.

    Returns the fields and how many unquoted commas were absorbed into the reason.
    """
    header = table.header or []
    fields = list(record.fields)
    n_hdr, n = len(header), len(fields)
    if n > n_hdr and all(not f.strip() for f in fields[n_hdr:]):
        fields = fields[:n_hdr]  # trailing empty cells: a stray comma at the end
        n = n_hdr
    if n > n_hdr:
        if reason_idx == n_hdr - 1:
            return fields[: n_hdr - 1] + [",".join(fields[n_hdr - 1 :])], n - n_hdr
        raise _Quarantine(
            "too_many_fields",
            f"{n} fields where the header has {n_hdr} (an unquoted comma?), and the reason "
            "is not the last column, so the line cannot be repaired; quote the field",
        )
    if n < n_hdr:
        raise _Quarantine(
            "too_few_fields",
            f"{n} fields where the header has {n_hdr} ({', '.join(header[n:])} missing)",
        )
    return fields, 0


def _parse_row(table: CsvTable, record: Record, score_idx: int, reason_idx: int | None) -> _Parsed:
    """Structural checks of one data row; raises _Quarantine with the first problem found."""
    if record.problems:
        kind, message = record.problems[0]
        raise _Quarantine(kind, message)
    fields, recovered = _fit_fields(table, record, reason_idx)
    header = table.header or []
    values = dict(zip(header, fields, strict=True))
    try:
        required = ["question_id", header[score_idx]]
        required += [c for c in ("model", "suite") if c in values]
        for col in required:
            if not values[col].strip():
                raise _Quarantine("blank_cell", f"column '{col}' is blank")
        raw_score = values[header[score_idx]].strip()
        try:
            score = float(raw_score)
        except ValueError:
            raise _Quarantine(
                "non_numeric_score", f"score {raw_score!r} is not a number (expected 0-3)"
            ) from None
        if not math.isfinite(score):
            raise _Quarantine("non_numeric_score", f"score {raw_score!r} is not a finite number")
    except _Quarantine as q:
        if recovered:
            q.kind = "malformed_line"
            q.message = (
                f"{len(record.fields)} fields where the header has {len(header)} "
                f"(an unquoted comma?) and, with the extra fields joined into the reason, "
                f"{q.message}"
            )
        raise
    return _Parsed(record, values, score, recovered)


@dataclass
class _FileResult:
    candidates: list[Candidate]
    quarantined: list[tuple[Record | _Cell, str, str]]  # record or matrix cell, kind, message


def read_score_file(
    table: CsvTable, index: ResponseIndex, source: str, judged_at: datetime
) -> _FileResult:
    """Every data row of one score file -> a candidate judgment or a quarantine entry."""
    header = table.header or []
    score_idx = table.column(*SCORE_COLUMNS)
    assert score_idx is not None
    reason_idx = table.column(*REASON_COLUMNS)
    reason_col = header[reason_idx] if reason_idx is not None else None
    stem = table.path.stem
    judge = JUDGE

    result = _FileResult([], [])
    parsed: list[_Parsed] = []
    for record in table.records:
        try:
            parsed.append(_parse_row(table, record, score_idx, reason_idx))
        except _Quarantine as q:
            result.quarantined.append((record, q.kind, q.message))

    top = _other_scale([p.score for p in parsed])
    if top is not None:
        above = sum(1 for p in parsed if not 0 <= p.score <= 3)
        message = (
            f"the file scores on a {_scale_label(top)} scale ({above} of {len(parsed)} scores "
            f"outside 0-3, top {top:g}), not the 0-3 rubric; rescale it before importing"
        )
        for p in parsed:
            result.quarantined.append((p.record, "scale_not_0_3", message))
        return result

    file_config = index.resolve_config(stem)
    for p in parsed:
        v = p.values
        try:
            if not 0 <= p.score <= 3:
                raise _Quarantine("score_out_of_range", f"score {p.score:g} is outside 0-3")
            if p.score != int(p.score):
                raise _Quarantine(
                    "score_not_integer", f"score {p.score:g} is not a whole number 0-3"
                )
            qid = v["question_id"].strip()
            if "suite" in v:
                suite = v["suite"].strip()
            elif "/" in qid:
                suite, qid = (s.strip() for s in qid.split("/", 1))
            else:
                suite = index.suite_from_name(stem)
                if suite is None:
                    raise _Quarantine(
                        "no_suite",
                        f"question id {qid!r} names no suite (no suite column, no "
                        "'suite/question_id' form, no suite name at the start of the file name)",
                    )
            if "model" in v:
                name, where = v["model"].strip(), "model column"
                config = index.resolve_config(name)
            else:
                name, where, config = stem, "file name", file_config
            if config is None:
                hint = "" if index.configs else " (no runs are loaded: run `rescore ingest`)"
                raise _Quarantine(
                    "no_matching_response",
                    f"config {name!r} (from the {where}) is in no loaded run{hint}",
                )
            rid = index.by_key.get((config, suite, qid))
            if rid is None:
                has = index.responses_per_config.get(config, 0)
                hint = (
                    " (only a speed-test record: its quality was inherited from its baseline)"
                    if config in index.speed_test_only
                    else ""
                )
                raise _Quarantine(
                    "no_matching_response",
                    f"no response for config {config!r}, suite {suite!r}, question "
                    f"{qid!r} in the loaded runs; the config has {has} response(s){hint}",
                )
        except _Quarantine as q:
            result.quarantined.append((p.record, q.kind, q.message))
            continue
        reason = v.get(reason_col) if reason_col else None
        reason = reason.strip() if reason else None
        result.candidates.append(
            Candidate(
                source,
                p.record.line,
                rid,
                int(p.score),
                reason or None,
                judge,
                judged_at,
                p.record.text,
            )
        )
    return result


@dataclass(frozen=True)
class _Cell:
    """One score cell of a matrix row, accounted for like a row of the other shapes."""

    line: int
    column: str
    text: str

    @property
    def location(self) -> str:
        return f"line {self.line}, column {self.column}"


def read_matrix_file(
    table: CsvTable, index: ResponseIndex, source: str, judged_at: datetime
) -> _FileResult:
    """A score matrix: each (row, question column) cell is one judgment or one quarantine entry.

    The question's suite is the one suite in which the row's config answered that question id;
    the row's notes column (the last free-text column), if any, becomes every cell's reason.
    """
    header = table.header or []
    qcols = [i for i, h in enumerate(header) if QUESTION_COLUMN.match(h)]
    note_idx = table.column("notes", "note", "reason", "score_reason")
    if note_idx is None and header and not QUESTION_COLUMN.match(header[-1]):
        note_idx = len(header) - 1  # vl_benchmark: an unnamed trailing notes column
    result = _FileResult([], [])
    for record in table.records:
        fields = list(record.fields)
        config = None
        problem: _Quarantine | None = None
        if record.problems:
            problem = _Quarantine(*record.problems[0])
        elif len(fields) < max(qcols) + 1:
            problem = _Quarantine(
                "too_few_fields",
                f"{len(fields)} fields, the question columns need {max(qcols) + 1}",
            )
        else:
            name = fields[header.index("model")].strip()
            config = index.resolve_config(name)
            if config is None:
                problem = _Quarantine(
                    "no_matching_response",
                    f"config {name!r} (from the model column) is in no loaded run",
                )
        note = None
        if note_idx is not None and note_idx < len(fields) and note_idx not in qcols:
            note = fields[note_idx].strip() or None
        for i in qcols:
            cell = _Cell(record.line, header[i], record.text)
            try:
                if problem is not None:
                    raise problem
                raw = fields[i].strip()
                if not raw:
                    raise _Quarantine("blank_cell", f"column '{header[i]}' is blank")
                try:
                    score = float(raw)
                except ValueError:
                    raise _Quarantine(
                        "non_numeric_score", f"score {raw!r} is not a number (expected 0-3)"
                    ) from None
                if not (0 <= score <= 3 and score == int(score)):
                    raise _Quarantine(
                        "score_out_of_range", f"score {raw} is not a whole number 0-3"
                    )
                suites = [s for s in index.suites if (config, s, header[i]) in index.by_key]
                if len(suites) != 1:
                    raise _Quarantine(
                        "no_matching_response",
                        f"config {config!r} has {'no' if not suites else len(suites)} response(s) "
                        f"to question {header[i]!r} in the loaded runs",
                    )
                rid = index.by_key[(config, suites[0], header[i])]
            except _Quarantine as q:
                result.quarantined.append((cell, q.kind, q.message))
                continue
            reason = f"score matrix; row note: {note}" if note else "score matrix (no reason given)"
            result.candidates.append(
                Candidate(
                    source,
                    record.line,
                    rid,
                    int(score),
                    reason,
                    JUDGE,
                    judged_at,
                    record.text,
                )
            )
    return result


# --------------------------------------------------------------------------- command


def _file_time(path: Path) -> datetime:
    """When the scores were written, as well as we know: the file's mtime (UTC)."""
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(tzinfo=None)
    except OSError:
        return datetime.now(UTC).replace(tzinfo=None)


_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
_ISO_DATE = re.compile(r"(?<!\d)(20\d{2})-?(0[1-9]|1[0-2])-?(0[1-9]|[12]\d|3[01])(?!\d)")
_MONTH_YEAR = re.compile(
    r"(?<![a-z])(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*[-_]?(20\d{2})(?!\d)"
)
DATE_COLUMNS = ("scored_at", "judged_at", "date", "timestamp")


def stated_date(stem: str, table: CsvTable | None = None) -> datetime | None:
    """When a score file says it was scored: the latest date in a date column, else a date
    in its name (`..._2026-01-22`, `..._20260129_1010`, `..._jan2026` -> the 1st); else None.

    Why: a file's mtime is when it was copied, not when it was scored; marts.scoring_runs
    prefers a stated date (scored_at_source 'source')."""
    if table is not None and table.header:
        col = table.column(*DATE_COLUMNS)
        if col is not None:
            found = []
            for r in table.records:
                if col < len(r.fields):
                    m = _ISO_DATE.search(r.fields[col])
                    if m:
                        try:
                            found.append(datetime(int(m[1]), int(m[2]), int(m[3])))
                        except ValueError:  # 2026-02-30: not a date
                            continue
            if found:
                return max(found)
    low = stem.lower()
    m = _ISO_DATE.search(low)
    if m:
        try:
            return datetime(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None
    m = _MONTH_YEAR.search(low)
    if m:
        return datetime(int(m[2]), _MONTHS[m[1]], 1)
    return None


def _check_scoring_run(con, scoring_run: str) -> None:
    row = con.execute(
        "select origin from raw.scoring_runs where scoring_run = ?", [scoring_run]
    ).fetchone()
    if row and row[0] != "import":
        raise IngestUsageError(
            f"scoring run {scoring_run!r} was made by a judge (origin {row[0]!r}); "
            "import into a scoring run of its own"
        )


@dataclass
class _Pair:
    """Duplicates between two files (file_a scored the response first)."""

    agreed: int = 0
    disagreed: int = 0
    disagreed_by_2plus: int = 0

    def add(self, a: int, b: int) -> None:
        if a == b:
            self.agreed += 1
        else:
            self.disagreed += 1
            if abs(a - b) >= 2:
                self.disagreed_by_2plus += 1


def _resolve_conflicts(
    candidates: list[Candidate],
    earlier: dict[str, tuple[str | None, int | None, int | None]],
    on_conflict: str,
    scoring_run: str,
    outcome: Outcome,
) -> tuple[list[Candidate], dict[tuple[str, str], _Pair]]:
    """Pick one score per response by the `on_conflict` rule; every other score of it is
    quarantined naming the one kept, and each file pair's agreement is counted.

    Scores from files of an *earlier* import into the same scoring run always stay (the
    rule orders the files of one import; to re-decide, import all files together)."""
    kept: dict[str, Candidate] = {}
    pairs: dict[tuple[str, str], _Pair] = {}
    conflicted: set[str] = set()

    def drop(c: Candidate, kind: str, message: str) -> None:
        outcome.quarantine(c.source_file, f"line {c.line}", kind, message, c.text)

    for c in candidates:
        first = earlier.get(c.response_id)
        if first is not None:
            src, line, score = first
            where = f"{src} line {line}" if src else "a judge (no source file)"
            if src and score is not None:
                pairs.setdefault((src, c.source_file), _Pair()).add(score, c.score)
            drop(
                c,
                "already_scored",
                f"this response was already scored in scoring run {scoring_run!r} by {where} "
                "in an earlier import; that score is kept",
            )
            continue
        k = kept.get(c.response_id)
        if k is None:
            kept[c.response_id] = c
            continue
        pairs.setdefault((k.source_file, c.source_file), _Pair()).add(k.score, c.score)
        same = k.score == c.score
        detail = "the same score" if same else f"score {k.score} there, {c.score} here"
        if on_conflict == "last":
            drop(
                k,
                "superseded",
                f"scored again by {c.source_file} line {c.line} ({detail}); with "
                "--on-conflict last the later score is kept",
            )
            kept[c.response_id] = c
        elif on_conflict == "error" and (not same or c.response_id in conflicted):
            conflicted.add(c.response_id)
            drop(
                c,
                "score_conflict",
                f"also scored by {k.source_file} line {k.line} ({detail}); with "
                "--on-conflict error a response scored differently is not loaded at all",
            )
        else:
            drop(
                c,
                "already_scored",
                f"this response was already scored by {k.source_file} line {k.line} "
                f"({detail}); the first score is kept (--on-conflict first)",
            )
    for rid in sorted(conflicted):
        k = kept.pop(rid)
        drop(
            k,
            "score_conflict",
            "another file of this import scores this response differently; with "
            "--on-conflict error neither score is loaded",
        )
    return list(kept.values()), pairs


def import_scores(con, paths: list[Path], scoring_run: str, on_conflict: str = "first") -> Outcome:
    """Import judge-score CSVs (files or folders) as scoring run `scoring_run`.

    `on_conflict` decides which score of a response scored by several files of this import
    is kept: `first` (default; files in the order given, a folder's files in name order),
    `last`, or `error` (a response scored differently is loaded from none of them)."""
    if on_conflict not in ON_CONFLICT:
        raise IngestUsageError(
            f"--on-conflict must be one of {', '.join(ON_CONFLICT)}, not {on_conflict!r}"
        )
    outcome = Outcome(COMMAND, batch=scoring_run)
    _check_scoring_run(con, scoring_run)
    files = discover(paths, outcome)
    index = ResponseIndex(con)
    names = [_name(f) for f in files]
    outcome.files.update(names)

    earlier = {
        rid: (src, line, score)
        for rid, src, line, score in con.execute(
            "select response_id, source_file, source_line, score from raw.judgments "
            "where scoring_run = ? and (source_file is null or source_file not in "
            "(select unnest(?::varchar[])))",
            [scoring_run, names],
        ).fetchall()
    }

    candidates: list[Candidate] = []
    score_files: list[str] = []
    stated: list[datetime] = []
    for path, source in zip(files, names, strict=True):
        try:
            table = read_csv(path)
        except SourceError as exc:
            outcome.quarantine(source, None, exc.kind, exc.message)
            continue
        for kind, message in table.notes:
            outcome.note(source, kind, message)
        outcome.skip_comments(source, table.comments)
        skip = classify(table)
        if skip:
            outcome.skip(source, *skip)
            continue
        score_files.append(source)
        when = stated_date(path.stem, table)
        if when is not None:
            stated.append(when)
        dup = table.duplicate_columns()
        if dup:
            message = (
                f"the header names {', '.join(map(repr, dup))} more than once, so which column "
                "holds the value is unknown; rename one and import again"
            )
            for record in table.records:
                outcome.quarantine(
                    source, record.location, "duplicate_column", message, record.text
                )
            continue
        reader = read_matrix_file if is_score_matrix(table.header or []) else read_score_file
        try:
            result = reader(table, index, source, _file_time(path))
        except (ValueError, TypeError, KeyError, IndexError, RecursionError, MemoryError) as exc:
            # A fault of this file's shape that no rule foresaw: this file alone is refused.
            for record in table.records:
                outcome.quarantine(
                    source,
                    record.location,
                    "unreadable_content",
                    f"the file could not be read ({type(exc).__name__}: {str(exc)[:200]}); "
                    "none of its rows were loaded, other files were. Please report it.",
                    record.text,
                )
            continue
        for record, kind, message in result.quarantined:
            outcome.quarantine(source, record.location, kind, message, record.text)
        candidates.extend(result.candidates)

    accepted, pairs = _resolve_conflicts(candidates, earlier, on_conflict, scoring_run, outcome)
    scored_at = max(stated) if stated else None
    _write(con, scoring_run, names, score_files, accepted, pairs, on_conflict, outcome, scored_at)
    outcome.load("judgments", len(accepted))
    _report_extras(con, scoring_run, names, pairs, outcome)
    return outcome


def _report_extras(
    con,
    scoring_run: str,
    names: list[str],
    pairs: dict[tuple[str, str], _Pair],
    outcome: Outcome,
) -> None:
    """Summary lines: scores of no suite question (loaded, dbt leaves them out of quality)
    and the agreement of duplicates per file pair."""
    speed, other = con.execute(
        "select count(*) filter (where r.is_speed_test), "
        "count(*) filter (where not r.is_speed_test and not r.in_suite) "
        "from raw.judgments j join raw.responses r using (response_id) "
        "where j.scoring_run = ? and j.source_file in (select unnest(?::varchar[]))",
        [scoring_run, names],
    ).fetchone()
    if speed:
        outcome.load("judgments of speed-test records (loaded; not counted as quality)", speed)
    if other:
        outcome.load("judgments of ids in no suite (loaded; not counted as quality)", other)
    if pairs:
        agreed = sum(p.agreed for p in pairs.values())
        disagreed = sum(p.disagreed for p in pairs.values())
        by2 = sum(p.disagreed_by_2plus for p in pairs.values())
        outcome.conflicts.append(
            f"all pairs: {agreed + disagreed} duplicates, {agreed} agreed, {disagreed} "
            f"disagreed ({by2} by 2+)"
        )
    ranked = sorted(pairs.items(), key=lambda kv: (-kv[1].disagreed, -kv[1].agreed, kv[0]))
    for (a, b), p in ranked:
        try:
            base = os.path.commonpath([a, b]) if a != b else os.path.dirname(a)
        except ValueError:
            base = ""
        ra, rb = (os.path.relpath(x, base) if base else x for x in (a, b))
        outcome.conflicts.append(
            f"{ra} vs {rb}: {p.agreed} agreed, {p.disagreed} disagreed "
            f"({p.disagreed_by_2plus} by 2+)"
        )


def _write(
    con,
    scoring_run: str,
    names: list[str],
    score_files: list[str],
    accepted: list[Candidate],
    pairs: dict[tuple[str, str], _Pair],
    on_conflict: str,
    outcome: Outcome,
    scored_at: datetime | None = None,
) -> None:
    """One transaction: replace this run's rows from these files, record the run, the errors."""
    now = datetime.now(UTC).replace(tzinfo=None)
    table = pa.table(
        {
            "scoring_run": pa.array([scoring_run] * len(accepted), pa.string()),
            "response_id": pa.array([c.response_id for c in accepted], pa.string()),
            "judge": pa.array([c.judge for c in accepted], pa.string()),
            "rubric_version": pa.array([RUBRIC_VERSION] * len(accepted), pa.string()),
            "score": pa.array([c.score for c in accepted], pa.int32()),
            "reason": pa.array([c.reason for c in accepted], pa.string()),
            "judged_at": pa.array([c.judged_at for c in accepted], pa.timestamp("us")),
            "source_file": pa.array([c.source_file for c in accepted], pa.string()),
            "source_line": pa.array([c.line for c in accepted], pa.int32()),
        }
    )
    con.execute("begin transaction")
    try:
        con.execute(
            "delete from raw.judgments where scoring_run = ? and source_file in "
            "(select unnest(?::varchar[]))",
            [scoring_run, names],
        )
        con.register("_rescore_import_scores", table)
        con.execute(
            """
            insert into raw.judgments (scoring_run, response_id, judge, rubric_version, score,
                reason, judged_at, source_file, source_line)
            select scoring_run, response_id, judge, rubric_version, score, reason, judged_at,
                source_file, source_line
            from _rescore_import_scores
            """
        )
        con.unregister("_rescore_import_scores")
        con.execute(
            "delete from raw.score_conflicts where scoring_run = ? and file_b in "
            "(select unnest(?::varchar[]))",
            [scoring_run, names],
        )
        if pairs:
            con.executemany(
                "insert into raw.score_conflicts values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        scoring_run,
                        a,
                        b,
                        on_conflict,
                        p.agreed + p.disagreed,
                        p.agreed,
                        p.disagreed,
                        p.disagreed_by_2plus,
                        now,
                    )
                    for (a, b), p in sorted(pairs.items())
                ],
            )
        existing = con.execute(
            "select source_files from raw.scoring_runs where scoring_run = ?", [scoring_run]
        ).fetchone()
        files = set(score_files)
        if existing and existing[0]:
            files |= set(json.loads(existing[0]))
        judge = JUDGE
        settings = json.dumps(
            {
                "rubric": "0-3",
                "on_conflict": on_conflict,
                "duplicates": {
                    "first": "first score of a response wins (file order, then line order)",
                    "last": "last score of a response wins (file order, then line order)",
                    "error": "a response scored differently by two files is loaded from none",
                }[on_conflict],
                "run_choice": "latest run_id holding the (config, suite, question_id)",
            }
        )
        if existing:
            con.execute(
                "update raw.scoring_runs set judge = ?, source_files = ?, settings = ?, "
                "updated_at = ?, scored_at = greatest(scored_at, ?::timestamp) "
                "where scoring_run = ?",
                [judge, json.dumps(sorted(files)), settings, now, scored_at, scoring_run],
            )
        else:
            con.execute(
                "insert into raw.scoring_runs (scoring_run, judge, rubric_version, origin, "
                "source_files, settings, created_at, updated_at, scored_at) "
                "values (?, ?, ?, 'import', ?, ?, ?, ?, ?)",
                [
                    scoring_run,
                    judge,
                    RUBRIC_VERSION,
                    json.dumps(sorted(files)),
                    settings,
                    now,
                    now,
                    scored_at,
                ],
            )
        outcome.write(con)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
