"""Prompt suites (YAML) -> raw.suites and raw.questions.

A suite is a YAML mapping with a `prompts:` mapping of question id -> question. Other files in
the folder (notes, orchestrator configs, sub-folders of other material) are skipped and named,
so a user can see nothing was overlooked. A bad question is quarantined; its siblings still load.

Each suite file is read with limits (:mod:`ingest.yamlsafe`: depth, aliases, expanded size) and
written in a transaction of its own, so one bad file never stops the others. Reported: keys
given twice at any level (the later wins), question ids that collide as text (`1` and `'1'`),
two files of one suite (`math.yaml` beside `math.yml`: the first by name loads, the other is
quarantined), numbers that cannot be stored (NaN, out of range, booleans; the field is left
empty). Rules for files since the last ingest of the folder: a suite file that is gone has its
suite and questions removed (reported as `file_removed`); a file that fails to read keeps its
last good rows (`kept_previous_rows`).
"""

from __future__ import annotations

import json
import math
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import yaml

from ingest import yamlsafe
from ingest.accounting import Outcome
from ingest.errors import SourceError
from ingest.sources import clean_text, list_dir, read_text, source_name

SUITE_SUFFIXES = {".yaml", ".yml"}
QUESTION_TEXT_FIELDS = ("name", "prompt", "expected", "reference_answer", "auto_score")
INT32_MAX = 2**31 - 1
QUESTION_COLUMNS = [
    ("suite", pa.string()),
    ("question_id", pa.string()),
    ("tier", pa.int32()),
    ("name", pa.string()),
    ("prompt", pa.string()),
    ("expected", pa.string()),
    ("reference_answer", pa.string()),
    ("scoring", pa.string()),
    ("auto_score", pa.string()),
    ("context_tokens", pa.int32()),
    ("context_type", pa.string()),
    ("needle", pa.string()),
    ("needle_position", pa.string()),
    ("image_path", pa.string()),
    ("source_file", pa.string()),
    ("source_path", pa.string()),
]


class _Values:
    """Coercions of one file, each reported with the original text."""

    def __init__(self, name: str, outcome: Outcome) -> None:
        self.name = name
        self.outcome = outcome

    def bad(self, place: str, why: str, raw: Any) -> None:
        self.outcome.quarantine(
            self.name, place, "bad_value", f"{why}; loaded with this field empty", raw
        )

    def text(self, value: Any, place: str = "") -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            value = (
                json.dumps(value, default=str) if isinstance(value, (dict, list)) else str(value)
            )
        s, changed = clean_text(value)
        if changed:
            self.outcome.quarantine(
                self.name,
                place or None,
                "lone_surrogate",
                "text holds an unpaired UTF-16 surrogate; replaced with U+FFFD",
            )
        return s

    def int(self, value: Any, place: str, low: int = 0) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool):
            self.bad(place, f"expected a whole number, got the boolean {value}", value)
            return None
        try:
            f = float(value)
        except (TypeError, ValueError, OverflowError):
            self.bad(place, f"expected a whole number, got {value!r}", value)
            return None
        if not math.isfinite(f) or f < low or f > INT32_MAX or not f.is_integer():
            self.bad(place, f"{value!r} is not a whole number in {low}..{INT32_MAX}", value)
            return None
        return int(f)

    def float(self, value: Any, place: str) -> float | None:
        if value is None:
            return None
        if isinstance(value, bool):
            self.bad(place, f"expected a number, got the boolean {value}", value)
            return None
        try:
            f = float(value)
        except (TypeError, ValueError, OverflowError):
            self.bad(place, f"expected a number, got {value!r}", value)
            return None
        if not math.isfinite(f):
            self.bad(place, f"{value!r} has no finite value", value)
            return None
        return f


def _criteria(value: Any, v: _Values, place: str) -> tuple[list[dict], str | None]:
    """Normalise `scoring:` to [{criterion, weight}]; say what did not fit."""
    if value is None:
        return [], None
    if not isinstance(value, list):
        return [], f"scoring is a {type(value).__name__}, expected a list"
    out = []
    for i, item in enumerate(value):
        if isinstance(item, dict):
            out.append(
                {
                    "criterion": v.text(item.get("criterion"), place),
                    "weight": v.float(item.get("weight"), f"{place}[{i}].weight"),
                }
            )
        elif isinstance(item, str):
            out.append({"criterion": v.text(item, place), "weight": None})
        else:
            return out, f"scoring entry {item!r} is neither a mapping nor a string"
    return out, None


def load_suites(con, suites_dir: Path, outcome: Outcome) -> set[str]:
    """Load every suite file directly in `suites_dir`; report everything else. Returns the
    suites whose questions changed (written or removed), so only their responses are
    re-marked."""
    now = datetime.now(UTC).replace(tzinfo=None)
    folder = source_name(suites_dir)
    changed: set[str] = set()
    present: set[str] = set()
    owners: dict[str, str] = {}  # suite -> file that loaded it in this ingest
    try:
        entries = list_dir(suites_dir)
    except OSError as exc:
        outcome.quarantine(
            folder, None, "unreadable_folder", f"cannot list the suites folder: {exc.strerror}"
        )
        return changed
    for entry, name in entries:
        path = Path(entry.path)
        if path.suffix.lower() not in SUITE_SUFFIXES:
            if entry.is_dir():
                outcome.skip(
                    name,
                    "non-suite folder",
                    "folder skipped: suites are YAML files directly in the suites folder",
                )
            else:
                outcome.skip(
                    name, "non-suite file", f"not a YAML file ({path.suffix or 'no suffix'})"
                )
            continue
        outcome.files.add(name)
        present.add(name)
        suite = path.stem
        if suite in owners:
            outcome.quarantine(
                name,
                None,
                "duplicate_suite",
                f"suite {suite!r} was already loaded from {owners[suite]}; this file was not "
                "loaded (one suite, one file: remove or rename one of them)",
            )
            continue
        try:
            wrote = _load_suite_file(con, path, name, outcome, now)
            if wrote is not None:
                owners[suite] = name
                if wrote:
                    changed.add(suite)
        except SourceError as exc:
            outcome.quarantine(name, exc.location, exc.kind, exc.message, exc.excerpt)
            outcome.failed_files.add(name)
        except (
            RecursionError,
            MemoryError,
            ValueError,
            TypeError,
            OverflowError,
            duckdb.Error,
            pa.ArrowException,
        ) as exc:
            outcome.quarantine(
                name,
                None,
                "unreadable_content",
                f"the file could not be read ({type(exc).__name__}: {str(exc)[:200]}); "
                "nothing of it was loaded. Repair it.",
            )
            outcome.failed_files.add(name)
    changed |= _removed_and_kept(con, folder, present, outcome)
    return changed


def _removed_and_kept(con, folder: str, present: set[str], outcome: Outcome) -> set[str]:
    """Apply the module's rules for suite files gone or broken since the last ingest."""
    prefix = folder.rstrip("/") + "/"
    removed: set[str] = set()
    for suite, src, n in con.execute(
        "select suite, source_file, question_count from raw.suites "
        "where starts_with(source_file, ?) and strpos(substr(source_file, ?), '/') = 0",
        [prefix, len(prefix) + 1],
    ).fetchall():
        if src in outcome.failed_files:
            outcome.note(
                src,
                "kept_previous_rows",
                f"the file failed to read this time; suite {suite!r} keeps the {n} question(s) "
                "of its last good ingest. Repair it and ingest again.",
            )
        elif src not in present and not os.path.exists(src):
            con.execute("begin")
            con.execute("delete from raw.questions where suite = ?", [suite])
            con.execute("delete from raw.suites where suite = ?", [suite])
            con.execute("commit")
            removed.add(suite)
            outcome.note(
                src,
                "file_removed",
                f"this suite file was loaded by an earlier ingest and is gone; suite {suite!r} "
                f"and its {n} question(s) were removed (responses to them are now marked "
                "not-in-suite). Put the file back and ingest again to restore them.",
            )
    return removed


def _report_duplicates(name: str, dups: list[tuple[int, Any, Any]], outcome: Outcome) -> None:
    for line, key, earlier in dups:
        outcome.quarantine(
            name,
            f"line {line}",
            "duplicate_key",
            f"key {key!r} appears twice in one mapping; the later value was loaded, the "
            "earlier one is kept here",
            earlier,
        )


def _load_suite_file(con, path: Path, name: str, outcome: Outcome, now: datetime) -> bool | None:
    """Read one suite file; None when it is no suite, False when it is loaded unchanged
    (same file, same bytes: nothing rewritten), True when its rows were (re)written."""
    src = read_text(path)
    for kind, message in src.repairs:
        outcome.quarantine(name, None, kind, message)
    for kind, message in src.notes:
        outcome.note(name, kind, message)
    text = src.text
    if "\x00" in text:
        outcome.quarantine(name, None, "nul_bytes", "NUL bytes removed before parsing YAML")
        text = text.replace("\x00", "")
    try:
        parsed = yamlsafe.load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        raise SourceError(
            "invalid_yaml",
            f"YAML does not parse: {getattr(exc, 'problem', exc)}; fix the file and ingest again",
            where,
            text[:300],
        ) from None
    doc = parsed.doc
    if not isinstance(doc, dict):
        raise SourceError(
            "not_a_mapping",
            f"a suite file must be a YAML mapping with a 'prompts' key; this one is "
            f"a {type(doc).__name__}",
            None,
            text[:300],
        )
    prompts = doc.get("prompts")
    if prompts is None:
        outcome.skip(
            name,
            "non-suite YAML",
            "YAML mapping without 'prompts' (keys: "
            + ", ".join(map(str, list(doc)[:8]))
            + "): not a prompt suite",
        )
        return None
    if not isinstance(prompts, dict):
        raise SourceError(
            "bad_prompts",
            f"'prompts' must map question ids to questions; it is a {type(prompts).__name__}",
            "prompts",
        )
    _report_duplicates(name, parsed.duplicates, outcome)

    v = _Values(name, outcome)
    suite = path.stem
    params = doc.get("inference_params") if isinstance(doc.get("inference_params"), dict) else {}
    rows: list[tuple] = []
    seen: dict[str, Any] = {}
    for qid, q in prompts.items():
        qid_s = v.text(qid, "prompts") or ""
        place = f"prompts.{qid_s}"
        if qid_s in seen:
            outcome.quarantine(
                name,
                place,
                "duplicate_question",
                f"question id {qid!r} collides with {seen[qid_s]!r} (ids are compared as text: "
                "1 and '1' are one id); the first is loaded, this one is not",
                q,
            )
            continue
        seen[qid_s] = qid
        if not isinstance(q, dict):
            outcome.quarantine(
                name,
                place,
                "bad_question",
                f"question {qid!r} is a {type(q).__name__}, expected a mapping",
                q,
            )
            continue
        if not isinstance(q.get("prompt"), str) or not q["prompt"].strip():
            outcome.quarantine(
                name,
                place,
                "missing_prompt",
                f"question {qid!r} has no prompt text; it cannot be judged",
                q,
            )
            continue
        criteria, problem = _criteria(q.get("scoring"), v, place + ".scoring")
        if problem:
            outcome.quarantine(
                name,
                place + ".scoring",
                "bad_scoring",
                problem + " (question loaded without those criteria)",
                q.get("scoring"),
            )
        rows.append(
            (
                suite,
                qid_s,
                v.int(q.get("tier"), place + ".tier"),
                v.text(q.get("name"), place),
                v.text(q["prompt"], place),
                v.text(q.get("expected"), place),
                v.text(q.get("reference_answer"), place),
                json.dumps(criteria),
                v.text(q.get("auto_score"), place),
                v.int(q.get("context_tokens"), place + ".context_tokens"),
                v.text(q.get("context_type"), place),
                v.text(q.get("needle"), place),
                v.text(q.get("needle_position"), place),
                v.text(q.get("image_path"), place),
                name,
                place,
            )
        )
    suite_row = [
        suite,
        v.text(doc.get("version")),
        v.text(doc.get("domain")),
        v.text(doc.get("description")),
        v.int(params.get("max_tokens"), "inference_params.max_tokens", low=1),
        v.float(params.get("temperature"), "inference_params.temperature"),
        v.text(json.dumps(params, default=str)),
        len(rows),
        name,
        src.sha256,
        now,
    ]
    cols = list(zip(*rows, strict=True)) if rows else [[] for _ in QUESTION_COLUMNS]
    table = pa.table(
        {c: pa.array(list(x), type=t) for (c, t), x in zip(QUESTION_COLUMNS, cols, strict=True)}
    )
    outcome.load("suites")
    outcome.load("questions", len(rows))
    same = con.execute(
        "select count(*) from raw.suites where suite = ? and source_file = ? and file_sha256 = ?",
        [suite, name, src.sha256],
    ).fetchone()[0]
    if same:
        return False
    con.execute("begin")
    try:
        con.execute("delete from raw.questions where suite = ?", [suite])
        con.execute("delete from raw.suites where suite = ?", [suite])
        con.execute("insert into raw.suites values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", suite_row)
        if rows:
            con.register("_rescore_questions", table)
            con.execute("insert into raw.questions select * from _rescore_questions")
            con.unregister("_rescore_questions")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        outcome.unload("suites", 1)
        outcome.unload("questions", len(rows))
        raise
    return True
