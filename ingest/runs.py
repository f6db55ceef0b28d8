"""Benchmark run files -> raw.runs, raw.configs and raw.responses.

Two ways in:
- a run folder of per-config JSON files `<model_role>_<config_name>.json` (this benchmark's
  runner); files of other shapes in the folder (aggregates, stubs) are recognised and skipped;
- a generic JSONL file, one response per line (`config`, `suite`, `question_id`, `prompt`,
  `response`, optional `run_id`, `model`, `role`, `tokens_per_second`, `prompt_tokens`,
  `completion_tokens`, `total_time_ms`, `max_tokens`, `finish_reason`): the way in for any
  other runner. See README "Generic JSONL run format". Lines are split on `\\n` only (a
  U+2028 or form feed inside a string is text, not a line break).

Isolation: each file is parsed into rows of its own (:class:`FileRows`); a file that fails in
any way is quarantined whole and adds nothing; a bad record is quarantined alone. Rows are
written with one Arrow insert per table in one transaction; should that fail, every file is
written in a transaction of its own, so a file the database refuses is quarantined and the
others load. A file's earlier rows are replaced, so re-ingesting is idempotent.

Reported, never silent: duplicate keys at any level (a duplicate suite inside `results` is
merged: questions only in the earlier copy load too); a response twice (one kept, the later
quarantined); one (run, config) from two files; a file whose content is byte-identical to
another file's (the copy is quarantined); NaN/Infinity/1e400, booleans, negative and
out-of-range numbers (the record loads with that field empty, the error row holds the text).
"""

from __future__ import annotations

import operator
import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import pyarrow as pa

from ingest.accounting import Outcome
from ingest.errors import SourceError
from ingest.ids import response_id
from ingest.jsonparse import BadNumber, dumps, loads
from ingest.models import model_facts
from ingest.sources import TextFile, clean_text, list_dir, read_text, source_name, suffix_of

PARSER_VERSION = "1"
"""Stored with every file read (raw.ingest_files.parser_version). Bump it whenever a change to
reading, parsing or checking could make a file yield other rows or problems: every file is
then read again by the next ingest, as with `rescore ingest --full`."""
RACY_NS = 2_000_000_000
"""A file whose mtime was within this of the moment it was read is read again next time:
a write in the same clock tick (coarse file systems) would not change its mtime."""

SPEED_SUITE = "speed_test"
NULL_STRINGS = {"", "none", "null", "nan", "n/a"}
INT32_MAX = 2**31 - 1

RESPONSE_COLUMNS = [
    ("response_id", pa.string()),
    ("run_id", pa.string()),
    ("config", pa.string()),
    ("suite", pa.string()),
    ("question_id", pa.string()),
    ("prompt", pa.string()),
    ("response", pa.string()),
    ("tokens_per_second", pa.float64()),
    ("prompt_tokens", pa.int32()),
    ("completion_tokens", pa.int32()),
    ("total_time_ms", pa.float64()),
    ("algorithmic_score", pa.float64()),
    ("score_reason", pa.string()),
    ("acceptance_rate", pa.float64()),
    ("max_tokens", pa.int32()),
    ("finish_reason", pa.string()),
    ("is_speed_test", pa.bool_()),
    ("in_suite", pa.bool_()),
    ("source_file", pa.string()),
    ("source_path", pa.string()),
]
RESPONSE_SCHEMA = pa.schema(RESPONSE_COLUMNS)
_RESPONSE_FIELDS = operator.itemgetter(*(c for c, _ in RESPONSE_COLUMNS))
CONFIG_COLUMNS = [
    ("run_id", pa.string()),
    ("config", pa.string()),
    ("role", pa.string()),
    ("config_name", pa.string()),
    ("model_path", pa.string()),
    ("model", pa.string()),
    ("model_family", pa.string()),
    ("params_b", pa.float64()),
    ("active_params_b", pa.float64()),
    ("quant", pa.string()),
    ("started_at", pa.timestamp("us")),
    ("summary", pa.string()),
    ("response_count", pa.int32()),
    ("source_file", pa.string()),
    ("file_sha256", pa.string()),
    ("loaded_at", pa.timestamp("us")),
]
# field -> (type, lowest allowed value or None). int fields are stored as int32.
NUMERIC_FIELDS: dict[str, tuple[type, float | None]] = {
    "tokens_per_second": (float, 0),
    "prompt_tokens": (int, 0),
    "completion_tokens": (int, 0),
    "total_time_ms": (float, 0),
    "algorithmic_score": (float, None),
    "acceptance_rate": (float, 0),
    "max_tokens": (int, 0),
}


class _Problems:
    """Problems of one file, kept apart until the file is accepted (a file that fails whole
    reports one file-level problem, not half of its record problems)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.items: list[tuple[str | None, str, str, object]] = []

    def add(self, place: str | None, kind: str, message: str, raw: object = None) -> None:
        self.items.append((place, kind, message, raw))


@dataclass
class FileRows:
    """Everything one input file contributes, accepted or refused as a unit."""

    name: str
    sha256: str
    responses: list[dict] = field(default_factory=list)
    configs: list[tuple] = field(default_factory=list)
    keys: set[tuple[str, str]] = field(default_factory=set)  # (run_id, config)
    run_dirs: dict[str, str] = field(default_factory=dict)  # run_id -> folder
    loaded: dict[str, int] = field(default_factory=dict)
    size: int = 0  # characters read, for bounding the memory a batch holds
    stat: tuple[int, int, int] | None = None  # (size_bytes, mtime_ns, read_at_ns) before read
    quarantined: int = 0  # problems quarantined against this file when it was read
    arrow: pa.Table | None = None  # the responses as Arrow instead of `responses` (see pack)
    arrow_file: str | None = None  # ... on their way back from a worker (ingest.parallel)

    def pack(self) -> None:
        """Hold the responses as one Arrow table (how a worker process sends them back: a
        fraction of the cost of pickling row dicts, and the main process need not convert
        them). Rows that do not convert stay dicts, so the write refuses them as before."""
        if not self.responses:
            return
        try:
            self.arrow = _rows_table(self.responses)
        except (pa.ArrowException, UnicodeError, OverflowError, TypeError, ValueError):
            return
        self.responses = []

    def response_keys(self) -> list[tuple[str, str]]:
        """(response_id, source_path) of each response, in order."""
        if self.arrow is not None:
            ids = self.arrow.column("response_id").to_pylist()
            return list(zip(ids, self.arrow.column("source_path").to_pylist(), strict=True))
        return [(r["response_id"], r["source_path"]) for r in self.responses]

    def keep(self, mask: list[bool]) -> None:
        """Keep only the responses whose `mask` entry is true."""
        if self.arrow is not None:
            self.arrow = self.arrow.filter(pa.array(mask, pa.bool_()))
        else:
            self.responses = [r for r, k in zip(self.responses, mask, strict=True) if k]


def _rows_table(rows: list[dict]) -> pa.Table:
    """Row dicts -> Arrow. Column lists, then one pa.array per column: 10x faster than
    Table.from_pylist; the rows are transposed by C-level itemgetter + zip (every row holds
    every column)."""
    if not rows:
        return RESPONSE_SCHEMA.empty_table()
    cols = zip(*map(_RESPONSE_FIELDS, rows), strict=True)
    return pa.table(
        {c: pa.array(v, type=t) for (c, t), v in zip(RESPONSE_COLUMNS, cols, strict=True)}
    )


FLUSH_CHARS = 64 * 1024 * 1024
"""Accepted rows are written once this much text is pending: memory stays bounded by this
plus one file, whatever the size of the run."""


@dataclass
class Batch:
    """Accepted files of one ingest call not yet written (`files`), plus what every file of
    the call is checked against (responses, (run, config) keys and content hashes seen)."""

    files: list[FileRows] = field(default_factory=list)
    accepted: set[str] = field(default_factory=set)  # every accepted file, written or pending
    pending_chars: int = 0
    on_full: Callable[[], None] | None = None
    response_ids: dict[str, str] = field(default_factory=dict)  # response_id -> file
    key_owner: dict[tuple[str, str], str] = field(default_factory=dict)  # (run, config) -> file
    sha_owner: dict[str, str] = field(default_factory=dict)  # content hash -> file
    runs: dict[str, dict] = field(default_factory=dict)
    runs_folders: set[str] = field(default_factory=set)  # resolved run folders read
    folders: dict[str, set[str]] = field(default_factory=dict)  # folder -> run files present
    # Incremental: file -> (size, mtime_ns, read_at_ns, sha256, quarantined, (run, config)
    # keys, why it was skipped if of another shape) of its last ingest, when its rows are still
    # those bytes' (see `known_files`).
    known: dict[str, tuple] = field(default_factory=dict)
    unchanged: set[str] = field(default_factory=set)  # files not read: unchanged since then
    # files of another shape read by this ingest: (name, size, mtime_ns, read_at_ns, sha256,
    # reason), kept in raw.ingest_files so an unchanged one is not read again
    other_shape: list[tuple] = field(default_factory=list)
    pool: Any = None  # worker processes reading files (ingest.parallel), made when needed
    pool_made: bool = False
    spool: str | None = None  # their folder of Arrow files on the way back

    def read_pool(self) -> Any:
        """The worker pool of this ingest (None when `RESCORE_INGEST_WORKERS` is 0 or 1)."""
        if not self.pool_made:
            from ingest import parallel

            self.pool_made = True
            n = parallel.workers()
            self.pool = parallel.make_pool(n) if n > 1 else None
            self.spool = parallel.make_spool() if self.pool is not None else None
        return self.pool

    def close_pool(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
            self.pool = None
        if self.spool is not None:
            import shutil

            shutil.rmtree(self.spool, ignore_errors=True)
            self.spool = None

    def responses_table(
        self, files: list[FileRows] | None = None, questions: set | None = None
    ) -> pa.Table:
        """One Arrow table of the files' responses (row dicts, or Arrow tables packed by a
        worker), in file order; `in_suite` from the known questions."""
        parts: list[pa.Table] = []
        rows: list[dict] = []
        for f in self.files if files is None else files:
            if f.arrow is None:
                rows.extend(f.responses)
                continue
            if rows:
                parts.append(self._dict_part(rows, questions))
                rows = []
            part = f.arrow
            if questions is not None:
                pairs = zip(
                    part.column("suite").to_pylist(),
                    part.column("question_id").to_pylist(),
                    strict=True,
                )
                mask = pa.array([p in questions for p in pairs], pa.bool_())
                part = part.set_column(part.schema.get_field_index("in_suite"), "in_suite", mask)
            parts.append(part)
        if rows or not parts:
            parts.append(self._dict_part(rows, questions))
        if len(parts) == 1:
            return parts[0]
        return pa.concat_tables(parts).combine_chunks()

    @staticmethod
    def _dict_part(rows: list[dict], questions: set | None) -> pa.Table:
        if questions is not None:
            for r in rows:
                r["in_suite"] = (r["suite"], r["question_id"]) in questions
        return _rows_table(rows)

    def configs_table(self, files: list[FileRows] | None = None) -> pa.Table:
        rows = [c for f in (self.files if files is None else files) for c in f.configs]
        cols = list(zip(*rows, strict=True)) if rows else [[] for _ in CONFIG_COLUMNS]
        return pa.table(
            {c: pa.array(list(v), type=t) for (c, t), v in zip(CONFIG_COLUMNS, cols, strict=True)}
        )


# --------------------------------------------------------------------------- values


def coerce(value: Any, field_name: str, place: str, problems: _Problems) -> Any:
    """One numeric field: numbers may arrive as strings and nulls as 'None'. Whatever cannot
    be stored as given (text, NaN, Infinity, booleans, negative or out-of-range numbers)
    leaves the field empty and an error row holding the original text."""
    kind, lowest = NUMERIC_FIELDS[field_name]
    if value is None:
        return None
    t = type(value)  # the common case first: a finite, in-range number of the right kind
    if t is float and kind is float and (lowest is None or value >= lowest) and value - value == 0:
        return value
    if t is int and (lowest is None or value >= lowest) and value <= INT32_MAX:
        return value if kind is int else float(value)

    def bad(why: str) -> None:
        problems.add(
            place,
            "bad_value",
            f"{field_name}: {why}; the record is loaded with this field empty",
            value.text if isinstance(value, BadNumber) else value,
        )

    if isinstance(value, bool):
        bad(f"expected a number, got the boolean {str(value).lower()}")
        return None
    if isinstance(value, BadNumber):
        bad(f"{value.text!r} has no finite value")
        return None
    original = value
    if isinstance(value, str):
        s = value.strip()
        if s.lower() in NULL_STRINGS and s.lower() != "nan":
            return None
        value = s
    if isinstance(value, int):
        f: float = value
    else:
        try:
            f = float(value)
        except (TypeError, ValueError, OverflowError):
            bad(f"expected a number, got {type(original).__name__} {original!r}")
            return None
    if f != f or f in (float("inf"), float("-inf")):
        bad(f"{original!r} has no finite value")
        return None
    if lowest is not None and f < lowest:
        bad(f"{original!r} is negative; a {field_name.replace('_', ' ')} cannot be")
        return None
    if kind is int:
        if f > INT32_MAX:
            bad(f"{original!r} is beyond the largest storable count ({INT32_MAX})")
            return None
        if isinstance(f, float) and not f.is_integer():
            problems.add(
                place,
                "bad_value",
                f"{field_name}: expected a whole number, got {original!r}; rounded down",
                original,
            )
        return int(f)
    return f


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, BadNumber):
        return value.text
    return dumps(value) if isinstance(value, (dict, list)) else str(value)


def _clean(value: str | None, place: str, what: str, problems: _Problems) -> str | None:
    """Text with lone surrogates replaced (reported): they cannot be stored as UTF-8."""
    if value is None:
        return None
    s, changed = clean_text(value)
    if changed:
        problems.add(
            place,
            "lone_surrogate",
            f"{what} holds an unpaired UTF-16 surrogate escape (e.g. \\ud800), which is not a "
            "character; it was replaced with U+FFFD and the record loaded",
            value.encode("utf-8", "backslashreplace").decode("ascii", "replace"),
        )
    return s


def _record_row(
    rec: dict,
    *,
    run_id: str,
    config: str,
    suite: str,
    qid: str,
    name: str,
    place: str,
    problems: _Problems,
    check_text: bool,
) -> dict:
    texts = {
        "prompt": _text(rec.get("prompt")),
        "response": _text(rec.get("response")),
        "score_reason": _text(rec.get("score_reason")),
        "finish_reason": _text(rec.get("finish_reason")),
    }
    if check_text:
        texts = {k: _clean(v, place, k, problems) for k, v in texts.items()}
    row: dict[str, Any] = {
        "response_id": response_id(run_id, config, suite, qid),
        "run_id": run_id,
        "config": config,
        "suite": suite,
        "question_id": qid,
        **texts,
        "is_speed_test": suite == SPEED_SUITE,
        "in_suite": False,
        "source_file": name,
        "source_path": place,
    }
    if isinstance(row["score_reason"], str) and row["score_reason"].strip().lower() in NULL_STRINGS:
        row["score_reason"] = None
    for f in NUMERIC_FIELDS:  # every column present (None when absent): see responses_table
        row[f] = coerce(rec[f], f, f"{place}.{f}", problems) if f in rec else None
    if "response" not in rec:
        problems.add(
            place,
            "missing_field",
            "record has no 'response' field; loaded as an empty response",
            rec,
        )
    return row


def _shape_of(doc: Any) -> str:
    """Describe a JSON document that is not a per-config run file, for the skip reason."""
    if isinstance(doc, list):
        return f"a JSON list of {len(doc)} items"
    if not isinstance(doc, dict):
        return f"a JSON {type(doc).__name__}"
    keys = list(doc)
    sample = ", ".join(map(str, keys[:4]))
    if keys and all(isinstance(k, str) and k[:2] in {"t1", "t2", "t3"} for k in keys):
        return f"an aggregate keyed by question id ({sample}, ...)"
    if keys and all(isinstance(v, dict) for v in doc.values()):
        return f"an aggregate keyed by {len(keys)} names ({sample}, ...)"
    return f"a mapping with keys {sample}"


# --------------------------------------------------------------------------- reading


def _read(path: Path, problems: _Problems) -> TextFile:
    src = read_text(path)  # raises SourceError
    for kind, message in src.repairs:
        problems.add(None, kind, message)
    for kind, message in src.notes:
        problems.add(None, kind, message)
    return src


def _report_duplicates(dups: list[tuple[str, str, Any]], problems: _Problems) -> None:
    for place, key, earlier in dups:
        problems.add(
            f"{place}.{key}" if place else key,
            "duplicate_key",
            f"key {key!r} appears twice; the later value was loaded, the earlier one is kept here",
            earlier if not isinstance(earlier, (dict, list)) else dumps(earlier),
        )


def _parse_config_file(path: Path, run_dir: Path, folder: str, name: str, now: datetime):
    """One per-config JSON file -> (FileRows or None when skipped, problems, the skip reason
    of a file of another shape or None, the sha256 of the bytes read)."""
    problems = _Problems(name)
    src = _read(path, problems)
    import json

    try:
        parsed = loads(src.text)
    except json.JSONDecodeError as exc:
        raise SourceError(
            "invalid_json",
            f"JSON does not parse ({exc.msg}); the file is truncated or corrupt. Nothing of it "
            "was loaded: repair or re-export it and ingest again.",
            f"line {exc.lineno}, column {exc.colno}",
            src.text[max(0, exc.pos - 150) : exc.pos + 150],
        ) from None
    doc = parsed.doc
    if not (isinstance(doc, dict) and isinstance(doc.get("results"), dict)):
        if isinstance(doc, dict) and "results" in doc:
            raise SourceError(
                "bad_results",
                f"'results' is a {type(doc['results']).__name__}, expected "
                "{suite: {question_id: record}}",
            )
        return None, problems, f"not a per-config run file: {_shape_of(doc)}", src.sha256
    results: dict = doc["results"]
    for place, key, earlier in parsed.duplicates:
        if place == "results" and isinstance(earlier, dict) and isinstance(results.get(key), dict):
            missing = {q: r for q, r in earlier.items() if q not in results[key]}
            if missing:
                results[key] = {**missing, **results[key]}
    _report_duplicates(parsed.duplicates, problems)
    check_text = src.lone_surrogate_escape
    role = _clean(_text(doc.get("model_role")), "model_role", "model_role", problems)
    config_name = _clean(_text(doc.get("config_name")), "config_name", "config_name", problems)
    if not role:
        problems.add(
            "model_role", "missing_field", "run file has no model_role; loaded with an empty role"
        )
    run_id = _clean(_text(doc.get("run_id")), "run_id", "run_id", problems) or run_dir.name
    config = path.stem
    model_path = _clean(_text(doc.get("model_path")), "model_path", "model_path", problems)
    facts = model_facts(model_path)
    started = None
    if doc.get("timestamp"):
        try:
            started = datetime.fromisoformat(str(doc["timestamp"]).replace("Z", "+00:00"))
            started = started.replace(tzinfo=None)
        except (ValueError, TypeError):
            problems.add(
                "timestamp",
                "bad_value",
                f"timestamp {doc['timestamp']!r} is not ISO 8601; loaded without a start time",
                doc["timestamp"],
            )
    rows = FileRows(name, src.sha256, size=len(src.text))
    for suite, questions in results.items():
        suite_s = _clean(str(suite), "results", "suite name", problems) if check_text else suite
        place = f"results.{suite_s}"
        if not isinstance(questions, dict):
            problems.add(
                place,
                "bad_results",
                f"suite {suite!r} holds a {type(questions).__name__}, expected "
                "{question_id: record}",
                questions,
            )
            continue
        suite_s = str(suite_s)
        for qid, rec in questions.items():
            qid_s = _clean(str(qid), place, "question id", problems) if check_text else str(qid)
            rplace = f"{place}.{qid_s}"
            if not isinstance(rec, dict):
                problems.add(
                    rplace,
                    "bad_record",
                    f"record is a {type(rec).__name__}, expected a mapping",
                    rec,
                )
                continue
            rows.responses.append(
                _record_row(
                    rec,
                    run_id=run_id,
                    config=config,
                    suite=suite_s,
                    qid=qid_s,
                    name=name,
                    place=rplace,
                    problems=problems,
                    check_text=check_text,
                )
            )
    summary = doc.get("summary")
    summary_text = None
    if summary is not None:
        summary_text = _clean(dumps(summary), "summary", "summary", problems)
    rows.configs.append(
        (
            run_id,
            config,
            role,
            config_name,
            model_path,
            facts.model,
            facts.family,
            facts.params_b,
            facts.active_params_b,
            facts.quant,
            started,
            summary_text,
            len(rows.responses),
            name,
            src.sha256,
            now,
        )
    )
    rows.keys.add((run_id, config))
    rows.run_dirs[run_id] = folder
    rows.loaded = {"config files": 1, "responses": len(rows.responses)}
    return rows, problems, None, src.sha256


def _parse_jsonl(path: Path, name: str, now: datetime):
    """Generic JSONL run format: one response per line; each bad line is quarantined alone."""
    import json

    problems = _Problems(name)
    src = _read(path, problems)
    check_text = src.lone_surrogate_escape
    rows = FileRows(name, src.sha256, size=len(src.text))
    configs: dict[tuple[str, str], dict] = {}
    seen: dict[str, tuple[int, str]] = {}
    default_run = path.stem
    for lineno, line in enumerate(src.text.split("\n"), start=1):
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        place = f"line {lineno}"
        try:
            parsed = loads(line)
        except json.JSONDecodeError as exc:
            problems.add(place, "invalid_json", f"line is not JSON ({exc.msg})", line)
            continue
        except SourceError as exc:
            problems.add(place, exc.kind, exc.message, line[:300])
            continue
        rec = parsed.doc
        if not isinstance(rec, dict):
            problems.add(place, "bad_record", "line is not a JSON object", line)
            continue
        _report_duplicates([(place, k, v) for _, k, v in parsed.duplicates], problems)
        missing = [k for k in ("config", "suite", "question_id") if not _text(rec.get(k))]
        if missing:
            problems.add(
                place,
                "missing_field",
                f"missing {', '.join(missing)}: a response needs config, suite and question_id",
                line,
            )
            continue
        ids = {k: _text(rec.get(k)) for k in ("run_id", "config", "suite", "question_id")}
        if check_text:
            ids = {k: _clean(v, place, k, problems) for k, v in ids.items()}
        run_id = ids["run_id"] or default_run
        config = ids["config"]
        row = _record_row(
            rec,
            run_id=run_id,
            config=config,
            suite=ids["suite"],
            qid=ids["question_id"],
            name=name,
            place=place,
            problems=problems,
            check_text=check_text,
        )
        first = seen.get(row["response_id"])
        if first is not None:
            same = first[1] == line
            problems.add(
                place,
                "duplicate_record" if same else "duplicate_response",
                (
                    f"the same record as line {first[0]}; loaded once"
                    if same
                    else f"a second response to ({config}, {ids['suite']}, "
                    f"{ids['question_id']}) of run {run_id!r} (first at line {first[0]}, which "
                    'is kept); question ids 1 and "1" are the same id'
                ),
                line,
            )
            continue
        seen[row["response_id"]] = (lineno, line)
        rows.responses.append(row)
        c = configs.setdefault((run_id, config), {"n": 0, "model": None, "role": None})
        c["n"] += 1
        c["model"] = c["model"] or _text(rec.get("model"))
        c["role"] = c["role"] or _text(rec.get("role"))
    for (run_id, config), c in configs.items():
        model = _clean(c["model"], "model", "model", problems)
        role = _clean(c["role"], "role", "role", problems)
        facts = model_facts(model)
        rows.configs.append(
            (
                run_id,
                config,
                role,
                config,
                model,
                facts.model,
                facts.family,
                facts.params_b,
                facts.active_params_b,
                facts.quant,
                None,
                None,
                c["n"],
                name,
                src.sha256,
                now,
            )
        )
        rows.keys.add((run_id, config))
        rows.run_dirs.setdefault(run_id, source_name(path.parent))
    rows.loaded = {"responses": len(rows.responses), "config files (jsonl)": len(configs)}
    return rows, problems


# --------------------------------------------------------------------------- accepting


def _accept(rows: FileRows | None, problems: _Problems, batch: Batch, outcome: Outcome) -> bool:
    """Check a parsed file against the rest of the batch and add it; report its problems."""
    name = problems.name
    if rows is not None:
        copy_of = batch.sha_owner.get(rows.sha256)
        if copy_of is not None and copy_of != name and rows.configs:
            outcome.quarantine(
                name,
                None,
                "duplicate_content",
                f"byte-identical to {copy_of}, already read in this ingest; the copy was not "
                "loaded (it would be a second config with the same responses). Remove one.",
            )
            return False
        clash = sorted(k for k in rows.keys if k in batch.key_owner)
        if clash:
            run_id, config = clash[0]
            outcome.quarantine(
                name,
                None,
                "duplicate_config",
                f"run {run_id!r} config {config!r} was already read from "
                f"{batch.key_owner[clash[0]]} in this ingest (the same run folder under two "
                "names, or two folders with one name?); this file was not loaded. Give each "
                "run its own run_id or folder name.",
            )
            return False
        ids = rows.response_keys()
        mask = []
        for rid, place in ids:
            other = batch.response_ids.get(rid)
            mask.append(other is None)
            if other is not None:
                problems.add(
                    place,
                    "duplicate_response",
                    f"this response was already read from {other}; the first is kept",
                )
        if not all(mask):
            rows.loaded["responses"] = sum(mask)
            rows.keep(mask)
    for place, kind, message, raw in problems.items:
        if kind == "encoding_converted":
            outcome.note(name, kind, message, place)
        else:
            outcome.quarantine(name, place, kind, message, raw)
            if rows is not None:
                rows.quarantined += 1
    if rows is None:
        return False
    batch.sha_owner.setdefault(rows.sha256, name)
    for k in rows.keys:
        batch.key_owner[k] = name
    for (rid, _), ok in zip(ids, mask, strict=True):
        if ok:
            batch.response_ids[rid] = name
    for run_id, folder in rows.run_dirs.items():
        batch.runs.setdefault(run_id, {"dir": folder})
    for kind, n in rows.loaded.items():
        outcome.load(kind, n)
    batch.files.append(rows)
    batch.accepted.add(name)
    batch.pending_chars += rows.size
    if batch.on_full is not None and batch.pending_chars > FLUSH_CHARS:
        batch.on_full()
    return True


@dataclass
class FileRead:
    """What reading one run file gave, apart from the batch: made by :func:`parse_file`, in
    this process or in a worker (`ingest.parallel`), and taken in by :func:`take_read`."""

    rows: FileRows | None
    problems: _Problems | None
    skip: str | None = None  # a file of another shape: why it was skipped
    error: tuple[str | None, str, str, str | None] | None = None  # (place, kind, message,
    # excerpt) of a file that failed whole
    stat: tuple[int, int] | None = None  # (size_bytes, mtime_ns) just before the read
    read_at: int = 0
    sha256: str | None = None  # of the bytes read (kept for a file of another shape)


def parse_file(
    kind: str,
    path: Path | str,
    run_dir: Path,
    folder: str | None,
    name: str,
    now: datetime,
    st: os.stat_result | None | bool = False,
) -> FileRead:
    """Read and check one run file (`kind` 'json' or 'jsonl'), isolated: whatever goes wrong
    inside it is kept as its `error`. Touches no batch, outcome or warehouse, so it can run
    in a worker process. `st`: the file's stat when the caller has just taken it."""
    path = Path(path)
    if st is False:
        st = _stat(path)
    stat_now = (st.st_size, st.st_mtime_ns) if st is not None else None
    read_at = time.time_ns()
    try:
        if kind == "jsonl":
            rows, problems = _parse_jsonl(path, name, now)
            skip = sha = None
        else:
            rows, problems, skip, sha = _parse_config_file(
                path, run_dir, folder or source_name(run_dir), name, now
            )
    except SourceError as exc:
        return FileRead(None, None, error=(exc.location, exc.kind, exc.message, exc.excerpt))
    except (RecursionError, MemoryError, ValueError, TypeError, OverflowError) as exc:
        message = (
            f"the file could not be read ({type(exc).__name__}: {str(exc)[:200]}); nothing of "
            "it was loaded. Repair or re-export it."
        )
        return FileRead(None, None, error=(None, "unreadable_content", message, None))
    return FileRead(rows, problems, skip, None, stat_now, read_at, sha)


def take_read(read: FileRead, name: str, batch: Batch, outcome: Outcome) -> bool:
    """Account for one file read by :func:`parse_file` and add its rows to the batch."""
    outcome.files.add(name)
    if read.skip is not None:
        outcome.skip(name, "other-shape file", read.skip)
        if read.stat is not None and read.sha256 and not read.problems.items:
            batch.other_shape.append((name, *read.stat, read.read_at, read.sha256, read.skip))
    if read.error is not None:
        place, kind, message, excerpt = read.error
        outcome.quarantine(name, place, kind, message, excerpt)
        outcome.failed_files.add(name)
        return False
    rows = read.rows
    if rows is not None and read.stat is not None:
        rows.stat = (*read.stat, read.read_at)
    return _accept(rows, read.problems, batch, outcome)


def read_file(
    kind: str,
    path: Path | str,
    run_dir: Path,
    batch: Batch,
    outcome: Outcome,
    now: datetime,
    name: str | None = None,
    folder: str | None = None,
    st: os.stat_result | None | bool = False,
    maybe: bool | None = None,
) -> bool:
    """Read one run file (`kind` 'json' or 'jsonl') in this process, unless it is unchanged
    since its last ingest (`st`: its stat when the caller has taken it; `maybe`: what
    :func:`_maybe_unchanged` said of it then)."""
    name = name or source_name(path)
    if st is False:
        st = _stat(path)
    if maybe is None:
        maybe = st is not None and _maybe_unchanged(name, st, batch)
    if maybe and _skip_other_shape_again(name, batch, outcome):
        return False
    if maybe and _keep_unchanged_rows(name, batch, outcome):
        return True
    read = parse_file(kind, path, run_dir, folder, name, now, st)
    return take_read(read, name, batch, outcome)


def _stat(path: Path | str) -> os.stat_result | None:
    try:
        st = os.stat(path)
    except OSError:
        return None  # the read reports why
    return st if stat.S_ISREG(st.st_mode) else None


def _maybe_unchanged(name: str, st: os.stat_result, batch: Batch) -> bool:
    """The part of the rules below that needs only the file and its last read: the resolved
    path, size and mtime_ns stored when it was last read by this PARSER_VERSION, and not
    modified within RACY_NS before that read. Asked once per file."""
    known = batch.known.get(name)
    if known is None:
        return False
    size, mtime_ns, read_at = known[:3]
    return (st.st_size, st.st_mtime_ns) == (size, mtime_ns) and mtime_ns + RACY_NS <= read_at


def _skip_other_shape_again(name: str, batch: Batch, outcome: Outcome) -> bool:
    """Rule (incremental ingest): a file of another shape (a JSON that is not a run file, such
    as an export of all responses) read without a problem by this PARSER_VERSION, unchanged
    (:func:`_maybe_unchanged`), is skipped again unread, for the reason it was skipped then:
    the real run's four exports per run folder are most of a no-op ingest's reading."""
    reason = batch.known[name][6]
    if reason is None:
        return False
    outcome.skip(name, "other-shape file", reason)
    return True


def _keep_unchanged_rows(name: str, batch: Batch, outcome: Outcome) -> bool:
    """Rule (incremental ingest): a run file unchanged since it was last read
    (:func:`_maybe_unchanged`) whose rows in the warehouse are still from the bytes it had
    then (content hash) is not read again: its rows and its earlier problem rows stay as they
    are, unless something else of this ingest claims its hash or one of its (run, config)
    keys. Anything else, or `--full`, reads it."""
    _, _, _, sha, quarantined, keys, _ = batch.known[name]
    if sha in batch.sha_owner or any(k in batch.key_owner for k in keys):
        return False  # something else of this ingest claims it: read it and decide as before
    batch.sha_owner[sha] = name
    for k in keys:
        batch.key_owner[k] = name
    batch.unchanged.add(name)
    outcome.unchanged_files += 1
    outcome.carried_quarantined += quarantined
    return True


def known_files(con, full: bool) -> dict[str, tuple]:
    """What :func:`_maybe_unchanged` and :func:`_keep_unchanged_rows` compare with: files
    read by this PARSER_VERSION whose rows in raw.configs carry the hash stored with them,
    and files of another shape (with the reason they were skipped); none when `full`."""
    if full:
        return {}
    out: dict[str, tuple] = {}
    for src, size, mtime_ns, read_at, sha, quarantined, run_id, config in con.execute(
        "select f.source_file, f.size_bytes, f.mtime_ns, f.read_at_ns, f.file_sha256, "
        "f.quarantined, c.run_id, c.config from raw.ingest_files f join raw.configs c "
        "on c.source_file = f.source_file and c.file_sha256 = f.file_sha256 "
        "where f.parser_version = ? and f.other_shape is null",
        [PARSER_VERSION],
    ).fetchall():
        entry = out.setdefault(src, (size, mtime_ns, read_at, sha, quarantined, [], None))
        entry[5].append((run_id, config))
    for src, size, mtime_ns, read_at, sha, reason in con.execute(
        "select source_file, size_bytes, mtime_ns, read_at_ns, file_sha256, other_shape "
        "from raw.ingest_files where parser_version = ? and other_shape is not null",
        [PARSER_VERSION],
    ).fetchall():
        out.setdefault(src, (size, mtime_ns, read_at, sha, 0, [], reason))
    return out


def load_jsonl(path: Path, batch: Batch, outcome: Outcome, now: datetime) -> None:
    """A JSONL run file given on the command line."""
    read_file("jsonl", path, path.parent, batch, outcome, now)


def load_run_dir(run_dir: Path, batch: Batch, outcome: Outcome, now: datetime) -> None:
    """Every *.json / *.jsonl file of a run folder, in name order; other entries are named."""
    loaded = skipped = 0
    folder = source_name(run_dir)
    if folder in batch.runs_folders:
        outcome.note(folder, "same_folder_twice", "this run folder was given twice; read once")
        return
    batch.runs_folders.add(folder)
    try:
        entries = list_dir(run_dir)
    except OSError as exc:
        outcome.quarantine(folder, None, "unreadable_folder", f"cannot list: {exc.strerror}")
        return
    present: set[str] = set()
    ahead, stats = _read_ahead(entries, run_dir, folder, batch, now)
    for i, (entry, name) in enumerate(entries):
        path = entry.path  # a str: a Path is made only for a file that is read
        if i in stats:
            kind, st, maybe = stats[i]
            present.add(name)
            read = None
            if not maybe:
                read = ahead.take(i, partial(parse_file, kind, path, run_dir, folder, name, now))
            if read is not None:
                ok = take_read(read, name, batch, outcome)
            else:
                ok = read_file(kind, path, run_dir, batch, outcome, now, name, folder, st, maybe)
            if ok:
                loaded += 1
            else:
                skipped += 1
            continue
        if entry.is_dir():
            outcome.skip(name, "non-run folder", "sub-folder of a run folder skipped")
        else:
            shown = suffix_of(entry.name) or "no suffix"
            outcome.skip(name, "non-run file", f"not a JSON run file ({shown})")
        skipped += 1
    info = batch.runs.setdefault(run_dir.name, {"dir": folder})
    info["config_files"] = loaded
    info["skipped_files"] = skipped
    batch.folders[folder] = present


def _read_ahead(
    entries: list[tuple[os.DirEntry, str]], run_dir: Path, folder: str, batch: Batch, now: datetime
):
    """The folder's run files that will be read (not unchanged since their last ingest),
    handed to worker processes when there are enough bytes of them (`ingest.parallel`);
    and, by entry, each run file's kind, stat and whether it may be unchanged, taken once."""
    from ingest import parallel

    stats: dict[int, tuple[str, os.stat_result | None, bool]] = {}
    todo = []
    for i, (entry, name) in enumerate(entries):
        suffix = suffix_of(entry.name).lower()
        if suffix not in (".json", ".jsonl"):
            continue
        st = _stat(entry.path)
        maybe = st is not None and _maybe_unchanged(name, st, batch)
        stats[i] = (suffix[1:], st, maybe)
        if maybe:
            continue  # decided (and read here, should it be claimed) when its turn comes
        todo.append((i, suffix[1:], Path(entry.path), name, st.st_size if st is not None else 0))
    pool = None
    if sum(t[4] for t in todo) >= parallel.MIN_BYTES:
        pool = batch.read_pool()
    spool = batch.spool if pool else None
    return parallel.ReadAhead(pool, spool, todo if pool else [], run_dir, folder, now), stats
