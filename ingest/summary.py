"""`rescore import-summary`: an earlier summary CSV of percentages -> raw.baselines.

Why: a new scoring run is judged against what was published before (marts.drift). Those
earlier numbers survive only as hand-kept summary CSVs, in several shapes:

- ``summary.csv``: ``model, <suite>..., total, pct_str, avg_tps, [spec_*...]`` with suite
  cells like ``9/10`` or ``-``, ``total`` like ``50/61`` and ``pct_str`` like ``82%``,
  ``45%†`` or ``93%+``. Some versions have a header with one column more than their rows
  (a suite column added to the header only); such rows are aligned from both ends around the
  percentage cell, so the column left out is the last suite column before ``total``;
- ``summary_draft_models.csv``: ``model, general, thinking, total, pct_str, avg_tps``;
- ``draft_models_summary.csv``: ``model, questions, total, max, avg, pct, tps``;
- ``thinking_models_summary.csv``: ``model, ..., <suite>_score..., total_scored,
  total_possible, percentage, avg_tokens_per_second, notes``;
- ``summary_relative.csv``: ``model, role, <suite>..., total, pct``.

Each data row becomes one ``raw.baselines`` row: the subject as written, ``subject_kind``
``config`` when it is exactly a config of ``raw.configs`` else ``model``, score and max score,
``pct`` 0-100 (as written when a percentage is written, else computed from score/max),
``pct_text`` as written, ``avg_tps``, ``suite_scores`` as JSON ``{suite: cell}``, and the
file and line it came from. Rows that cannot be read are quarantined with file, line and
reason. Importing again under the same baseline name replaces that baseline's rows.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from ingest.accounting import Outcome
from ingest.csv_reader import CsvTable, Record, read_csv
from ingest.errors import SourceError
from ingest.sources import source_name

COMMAND = "import-summary"
PCT_COLUMNS = ("pct_str", "pct", "percentage")
TOTAL_COLUMNS = ("total", "total_scored")
MAX_COLUMNS = ("max", "total_possible")
TPS_COLUMNS = ("avg_tps", "tps", "avg_tokens_per_second")
NOT_SUITES = {"model", "role", "model_size", "quantization", "questions", "avg", "notes"}
PCT_RE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*%")
NUMBER_RE = re.compile(r"^\s*-?\d+(?:\.\d+)?\s*$")
FRACTION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*/\s*(\d+(?:\.\d+)?)\s*$")


class _Bad(Exception):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def _number(text: str | None) -> float | None:
    """A plain number, or None for blank, '-', 'null', 'None', 'n/a'."""
    if text is None:
        return None
    t = text.strip()
    if not t or t.lower() in {"-", "null", "none", "n/a", "na", "nan"}:
        return None
    if NUMBER_RE.match(t):
        return float(t)
    raise _Bad("non_numeric_cell", f"{t!r} is not a number")


def _suite_columns(header: list[str]) -> list[tuple[str, str]]:
    """(column, suite) pairs: columns between the subject and the total, and `<suite>_score`."""
    end = next((header.index(c) for c in TOTAL_COLUMNS if c in header), len(header))
    out: list[tuple[str, str]] = []
    for col in header[1:end]:
        if col in NOT_SUITES or col in PCT_COLUMNS or col in TPS_COLUMNS:
            continue
        suite = col[: -len("_score")] if col.endswith("_score") else col
        out.append((col, suite))
    return out


def is_summary(table: CsvTable) -> bool:
    """A subject column plus a percentage or total: the shapes this module reads."""
    h = table.header or []
    return bool(h) and h[0] == "model" and any(c in h for c in PCT_COLUMNS + TOTAL_COLUMNS)


def _align(table: CsvTable, record: Record) -> dict[str, str]:
    """The row's cells by header name, anchored on the percentage cell.

    Hand-kept summaries drift: a suite column added to the header but not to older rows, a
    notes cell appended to newer rows. Cells left of the total are matched to the header from
    the start (so a missing suite is the last suite column); the total, percentage and every
    cell after them are matched relative to the percentage cell. Cells beyond the header are
    kept under ``_extra`` (free-text notes). Without a recognisable percentage cell, the row
    must have exactly as many fields as the header.
    """
    header = table.header or []
    fields = record.fields
    pct_col = next((c for c in PCT_COLUMNS if c in header), None)
    hp = header.index(pct_col) if pct_col else None
    rp = next((i for i, f in enumerate(fields[1:], 1) if PCT_RE.match(f)), None)
    if hp is None or rp is None or rp == hp:
        if len(fields) == len(header):
            return dict(zip(header, fields, strict=True))
        if len(fields) > len(header) and hp is not None and rp == hp:
            values = dict(zip(header, fields[: len(header)], strict=True))
            values["_extra"] = ",".join(f for f in fields[len(header) :] if f.strip())
            return values
        raise _Bad(
            "field_count",
            f"{len(fields)} fields where the header has {len(header)}, and no percentage "
            "cell to align the row on",
        )
    shift = rp - hp
    ht = next((header.index(c) for c in TOTAL_COLUMNS if c in header), None)
    hb = ht if ht == hp - 1 else hp  # first header column of the right-aligned block
    if shift > 0:
        raise _Bad(
            "field_count",
            f"the percentage cell is field {rp + 1} where the header puts "
            f"{pct_col!r} at column {hp + 1}: {shift} more cell(s) before it than the "
            "header has columns for; the row cannot be matched to the header",
        )
    values = {header[i]: fields[i] for i in range(hb + shift)}
    extra: list[str] = []
    for i in range(hb + shift, len(fields)):
        j = i - shift
        if j < len(header):
            values[header[j]] = fields[i]
        elif fields[i].strip():
            extra.append(fields[i])
    if extra:
        values["_extra"] = ",".join(extra)
    return values


def _row(table: CsvTable, record: Record, config_names: set[str]) -> dict[str, object]:
    """One baseline row from one data record; raises _Bad with the first problem."""
    if record.problems:
        raise _Bad(*record.problems[0])
    v = _align(table, record)
    header = table.header or []
    subject = v.get(header[0], "").strip()
    if not subject:
        raise _Bad("blank_cell", f"the {header[0]!r} column is blank")

    score = max_score = None
    total_col = next((c for c in TOTAL_COLUMNS if c in v), None)
    total = (v.get(total_col) or "").strip() if total_col else ""
    m = FRACTION_RE.match(total)
    if m:
        score, max_score = float(m.group(1)), float(m.group(2))
    elif total:
        score = _number(total)
        max_col = next((c for c in MAX_COLUMNS if c in v), None)
        max_score = _number(v.get(max_col)) if max_col else None

    pct_col = next((c for c in PCT_COLUMNS if c in v), None)
    pct_text = (v.get(pct_col) or "").strip() if pct_col else ""
    pct: float | None = None
    pm = PCT_RE.match(pct_text)
    if pm:
        pct = float(pm.group(1))
    elif pct_text and pct_text not in {"-", "null"}:
        pct = _number(pct_text)
        if pct is not None and score is not None and max_score:
            computed = 100 * score / max_score
            if abs(pct * 100 - computed) < abs(pct - computed):
                pct *= 100  # written as a fraction 0-1
    if pct is None and score is not None and max_score:
        pct = 100 * score / max_score
    if pct is None:
        raise _Bad(
            "no_percentage",
            f"no percentage and no total/max to compute one ({pct_col or 'no pct column'}: "
            f"{pct_text or 'blank'!r})",
        )
    if not 0 <= pct <= 100:
        raise _Bad("pct_out_of_range", f"percentage {pct:g} is outside 0-100")

    tps_col = next((c for c in TPS_COLUMNS if c in v), None)
    try:
        avg_tps = _number(v.get(tps_col)) if tps_col else None
    except _Bad:
        avg_tps = None  # speed is a side fact here; an odd cell should not lose the row
    suites = {
        suite: v[col].strip()
        for col, suite in _suite_columns(header)
        if col in v and v[col].strip() not in {"", "-"}
    }
    return {
        "subject": subject,
        "subject_kind": "config" if subject in config_names else "model",
        "score": score,
        "max_score": max_score,
        "pct": pct,
        "pct_text": pct_text or None,
        "avg_tps": avg_tps,
        "suite_scores": json.dumps(suites) if suites else None,
        "source_line": record.line,
    }


def import_summary(con, path: Path, baseline: str) -> Outcome:
    """Import one summary CSV as baseline `baseline` (replacing that baseline's rows)."""
    outcome = Outcome(COMMAND, batch=baseline)
    source = source_name(path)
    outcome.files.add(source)
    rows: list[dict[str, object]] = []
    try:
        table = read_csv(path)
    except SourceError as exc:
        outcome.quarantine(source, None, exc.kind, exc.message)
        table = None
    if table is not None:
        for kind, message in table.notes:
            outcome.note(source, kind, message)
        outcome.skip_comments(source, table.comments)
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
        elif not is_summary(table):
            outcome.quarantine(
                source,
                None,
                "not_a_summary",
                "not a summary CSV: expected a first column 'model' and a percentage or total "
                f"column; header is {','.join(table.raw_header or [])[:200]!r}",
            )
        else:
            configs = {
                r[0] for r in con.execute("select distinct config from raw.configs").fetchall()
            }
            seen: dict[str, int] = {}
            for record in table.records:
                try:
                    row = _row(table, record, configs)
                    first = seen.get(str(row["subject"]))
                    if first is not None:
                        raise _Bad(
                            "duplicate_subject",
                            f"{row['subject']!r} already has a row at line {first}; "
                            "the first one is kept",
                        )
                except _Bad as bad:
                    outcome.quarantine(source, record.location, bad.kind, bad.message, record.text)
                    continue
                seen[str(row["subject"])] = record.line
                rows.append(row)
    _write(con, baseline, source, rows, outcome)
    outcome.load("baselines", len(rows))
    return outcome


def _write(con, baseline: str, source: str, rows: list[dict], outcome: Outcome) -> None:
    """Replace the baseline's rows and this file's error rows in one transaction."""
    now = datetime.now(UTC).replace(tzinfo=None)
    n = len(rows)

    def col(name: str, typ: pa.DataType) -> pa.Array:
        return pa.array([r[name] for r in rows], typ)

    table = pa.table(
        {
            "baseline": pa.array([baseline] * n, pa.string()),
            "subject": col("subject", pa.string()),
            "subject_kind": col("subject_kind", pa.string()),
            "score": col("score", pa.float64()),
            "max_score": col("max_score", pa.float64()),
            "pct": col("pct", pa.float64()),
            "pct_text": col("pct_text", pa.string()),
            "avg_tps": col("avg_tps", pa.float64()),
            "suite_scores": col("suite_scores", pa.string()),
            "source_file": pa.array([source] * n, pa.string()),
            "source_line": col("source_line", pa.int32()),
            "loaded_at": pa.array([now] * n, pa.timestamp("us")),
        }
    )
    con.execute("begin transaction")
    try:
        con.execute("delete from raw.baselines where baseline = ?", [baseline])
        # The baseline is replaced whole, so are its problem rows, whichever file they named.
        con.execute(
            "delete from raw.ingest_errors where command = ? and batch = ?", [COMMAND, baseline]
        )
        con.register("_rescore_import_summary", table)
        con.execute(
            """
            insert into raw.baselines (baseline, subject, subject_kind, score, max_score, pct,
                pct_text, avg_tps, suite_scores, source_file, source_line, loaded_at)
            select baseline, subject, subject_kind, score, max_score, pct, pct_text, avg_tps,
                suite_scores::json, source_file, source_line, loaded_at
            from _rescore_import_summary
            """
        )
        con.unregister("_rescore_import_summary")
        outcome.write(con)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
