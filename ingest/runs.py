"""Benchmark run files -> raw.runs, raw.configs and raw.responses.

Two ways in:
- a run folder of per-config JSON files `<model_role>_<config_name>.json` (this benchmark's
  runner); files of other shapes in the folder (aggregates, stubs) are recognised and skipped;
- a generic JSONL file, one response per line (`config`, `suite`, `question_id`, `prompt`,
  `response`, optional `run_id`, `model`, `role`, `tokens_per_second`, `prompt_tokens`,
  `completion_tokens`, `total_time_ms`, `max_tokens`, `finish_reason`): the way in for any
  other runner. See README "Generic JSONL run format".

Rows are collected in columns and written with one Arrow insert per batch; a file's earlier
rows are replaced, so re-ingesting is idempotent and a changed file replaces its rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from ingest.accounting import Outcome
from ingest.models import model_facts
from ingest.sources import as_posix, read_text
from rescore.warehouse import response_id

SPEED_SUITE = "speed_test"
NULL_STRINGS = {"", "none", "null", "nan", "n/a"}

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
NUMERIC_FIELDS = {
    "tokens_per_second": float,
    "prompt_tokens": int,
    "completion_tokens": int,
    "total_time_ms": float,
    "algorithmic_score": float,
    "acceptance_rate": float,
    "max_tokens": int,
}


class _Duplicates(dict):
    """json object_pairs_hook result that remembers keys given twice (last one wins in JSON)."""

    duplicates: list[tuple[str, Any]]


def _pairs(pairs: list[tuple[str, Any]]) -> dict:
    d = _Duplicates()
    d.duplicates = []
    for k, v in pairs:
        if k in d:
            d.duplicates.append((k, d[k]))
        d[k] = v
    return d


@dataclass
class Batch:
    """Rows of one ingest call, in columns, ready for one Arrow insert."""

    responses: dict[str, list] = field(default_factory=lambda: {c: [] for c, _ in RESPONSE_COLUMNS})
    configs: list[tuple] = field(default_factory=list)
    replaced: set[tuple[str, str]] = field(default_factory=set)  # (run_id, config)
    runs: dict[str, dict] = field(default_factory=dict)

    def add_response(self, row: dict) -> None:
        for c, _ in RESPONSE_COLUMNS:
            self.responses[c].append(row.get(c))

    def table(self) -> pa.Table:
        return pa.table({c: pa.array(self.responses[c], type=t) for c, t in RESPONSE_COLUMNS})


def coerce(value: Any, kind: type, place: str, name: str, outcome: Outcome) -> Any:
    """Numbers may arrive as strings and nulls as the string 'None'. Anything else is reported."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        s = value.strip()
        if s.lower() in NULL_STRINGS:
            return None
        value = s
    try:
        f = float(value)
    except (TypeError, ValueError):
        outcome.quarantine(
            name,
            place,
            "bad_value",
            f"expected a number, got {type(value).__name__} {value!r}; the record "
            "is loaded with this field empty",
            value,
        )
        return None
    if f != f or f in (float("inf"), float("-inf")):
        return None
    if kind is int:
        if not f.is_integer():
            outcome.quarantine(
                name,
                place,
                "bad_value",
                f"expected a whole number, got {value!r}; rounded down",
                value,
            )
        return int(f)
    return f


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else str(value)


def _record_row(
    rec: dict,
    *,
    run_id: str,
    config: str,
    suite: str,
    qid: str,
    name: str,
    place: str,
    outcome: Outcome,
) -> dict:
    row: dict[str, Any] = {
        "response_id": response_id(run_id, config, suite, qid),
        "run_id": run_id,
        "config": config,
        "suite": suite,
        "question_id": qid,
        "prompt": _text(rec.get("prompt")),
        "response": _text(rec.get("response")),
        "score_reason": _text(rec.get("score_reason")),
        "finish_reason": _text(rec.get("finish_reason")),
        "is_speed_test": suite == SPEED_SUITE,
        "in_suite": False,
        "source_file": name,
        "source_path": place,
    }
    if isinstance(row["score_reason"], str) and row["score_reason"].strip().lower() in NULL_STRINGS:
        row["score_reason"] = None
    for f, kind in NUMERIC_FIELDS.items():
        row[f] = coerce(rec.get(f), kind, f"{place}.{f}", name, outcome)
    if "response" not in rec:
        outcome.quarantine(
            name,
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


def load_run_dir(run_dir: Path, batch: Batch, outcome: Outcome, now: datetime) -> None:
    """Every *.json file of a run folder; other files are skipped and named."""
    loaded = skipped = 0
    for path in sorted(run_dir.iterdir()):
        name = as_posix(path)
        if path.is_dir():
            outcome.skip(name, "non-run folder", "sub-folder of a run folder skipped")
            skipped += 1
            continue
        if path.suffix.lower() == ".jsonl":
            outcome.files.add(name)
            load_jsonl(path, batch, outcome, now)
            continue
        if path.suffix.lower() != ".json":
            outcome.skip(
                name, "non-run file", f"not a JSON run file ({path.suffix or 'no suffix'})"
            )
            skipped += 1
            continue
        outcome.files.add(name)
        if _load_config_file(path, run_dir, batch, outcome, now):
            loaded += 1
        else:
            skipped += 1
    run_id_counts = batch.runs.setdefault(run_dir.name, {"dir": as_posix(run_dir)})
    run_id_counts["config_files"] = loaded
    run_id_counts["skipped_files"] = skipped


def _parse_json(path: Path, name: str, outcome: Outcome) -> tuple[Any, str] | None:
    src = read_text(path)
    for kind, message in src.repairs:
        outcome.quarantine(name, None, kind, message)
    try:
        # strict=False: raw control characters (NUL included) inside strings are kept as text.
        return json.loads(src.text, object_pairs_hook=_pairs, strict=False), src.sha256
    except json.JSONDecodeError as exc:
        outcome.quarantine(
            name,
            f"line {exc.lineno}, column {exc.colno}",
            "invalid_json",
            f"JSON does not parse ({exc.msg}); the file is truncated or corrupt. Nothing of it "
            "was loaded: repair or re-export it and ingest again.",
            src.text[max(0, exc.pos - 150) : exc.pos + 150],
        )
        return None


def _report_duplicates(obj: Any, name: str, place: str, outcome: Outcome) -> None:
    for key, earlier in getattr(obj, "duplicates", []):
        outcome.quarantine(
            name,
            f"{place}.{key}" if place else key,
            "duplicate_key",
            f"key {key!r} appears twice; the later value was loaded, the earlier one is kept here",
            earlier,
        )


def _load_config_file(
    path: Path, run_dir: Path, batch: Batch, outcome: Outcome, now: datetime
) -> bool:
    name = as_posix(path)
    parsed = _parse_json(path, name, outcome)
    if parsed is None:
        return False
    doc, sha = parsed
    if not (isinstance(doc, dict) and isinstance(doc.get("results"), dict)):
        if isinstance(doc, dict) and "results" in doc:
            outcome.quarantine(
                name,
                "results",
                "bad_results",
                f"'results' is a {type(doc['results']).__name__}, expected "
                "{suite: {question_id: record}}",
                doc.get("results"),
            )
            return False
        outcome.skip(name, "other-shape file", f"not a per-config run file: {_shape_of(doc)}")
        return False
    _report_duplicates(doc, name, "", outcome)
    role = _text(doc.get("model_role"))
    config_name = _text(doc.get("config_name"))
    if not role:
        outcome.quarantine(
            name,
            "model_role",
            "missing_field",
            "run file has no model_role; loaded with an empty role",
            None,
        )
    run_id = _text(doc.get("run_id")) or run_dir.name
    config = path.stem
    facts = model_facts(_text(doc.get("model_path")))
    started = None
    if doc.get("timestamp"):
        try:
            started = datetime.fromisoformat(str(doc["timestamp"]).replace("Z", "+00:00"))
            started = started.replace(tzinfo=None)
        except ValueError:
            outcome.quarantine(
                name,
                "timestamp",
                "bad_value",
                f"timestamp {doc['timestamp']!r} is not ISO 8601",
                doc["timestamp"],
            )
    n = 0
    for suite, questions in doc["results"].items():
        place = f"results.{suite}"
        if not isinstance(questions, dict):
            outcome.quarantine(
                name,
                place,
                "bad_results",
                f"suite {suite!r} holds a {type(questions).__name__}, expected "
                "{question_id: record}",
                questions,
            )
            continue
        _report_duplicates(questions, name, place, outcome)
        for qid, rec in questions.items():
            rplace = f"{place}.{qid}"
            if not isinstance(rec, dict):
                outcome.quarantine(
                    name,
                    rplace,
                    "bad_record",
                    f"record is a {type(rec).__name__}, expected a mapping",
                    rec,
                )
                continue
            batch.add_response(
                _record_row(
                    rec,
                    run_id=run_id,
                    config=config,
                    suite=str(suite),
                    qid=str(qid),
                    name=name,
                    place=rplace,
                    outcome=outcome,
                )
            )
            n += 1
    summary = doc.get("summary")
    batch.configs.append(
        (
            run_id,
            config,
            role,
            config_name,
            _text(doc.get("model_path")),
            facts.model,
            facts.family,
            facts.params_b,
            facts.active_params_b,
            facts.quant,
            started,
            json.dumps(summary, default=str) if summary is not None else None,
            n,
            name,
            sha,
            now,
        )
    )
    batch.replaced.add((run_id, config))
    batch.runs.setdefault(run_id, {"dir": as_posix(run_dir)})
    outcome.load("config files")
    outcome.load("responses", n)
    return True


def load_jsonl(path: Path, batch: Batch, outcome: Outcome, now: datetime) -> None:
    """Generic JSONL run format: one response per line; each bad line is quarantined alone."""
    name = as_posix(path)
    src = read_text(path)
    for kind, message in src.repairs:
        outcome.quarantine(name, None, kind, message)
    configs: dict[tuple[str, str], dict] = {}
    default_run = path.stem
    for lineno, line in enumerate(src.text.splitlines(), start=1):
        if not line.strip():
            continue
        place = f"line {lineno}"
        try:
            rec = json.loads(line, object_pairs_hook=_pairs, strict=False)
        except json.JSONDecodeError as exc:
            outcome.quarantine(name, place, "invalid_json", f"line is not JSON ({exc.msg})", line)
            continue
        if not isinstance(rec, dict):
            outcome.quarantine(name, place, "bad_record", "line is not a JSON object", line)
            continue
        _report_duplicates(rec, name, place, outcome)
        missing = [k for k in ("config", "suite", "question_id") if not rec.get(k)]
        if missing:
            outcome.quarantine(
                name,
                place,
                "missing_field",
                f"missing {', '.join(missing)}: a response needs config, suite and question_id",
                line,
            )
            continue
        run_id = _text(rec.get("run_id")) or default_run
        config = _text(rec["config"])
        batch.add_response(
            _record_row(
                rec,
                run_id=run_id,
                config=config,
                suite=_text(rec["suite"]),
                qid=_text(rec["question_id"]),
                name=name,
                place=place,
                outcome=outcome,
            )
        )
        c = configs.setdefault((run_id, config), {"n": 0, "model": None, "role": None})
        c["n"] += 1
        c["model"] = c["model"] or _text(rec.get("model"))
        c["role"] = c["role"] or _text(rec.get("role"))
        outcome.load("responses")
    for (run_id, config), c in configs.items():
        facts = model_facts(c["model"])
        batch.configs.append(
            (
                run_id,
                config,
                c["role"],
                config,
                c["model"],
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
        batch.replaced.add((run_id, config))
        batch.runs.setdefault(run_id, {"dir": as_posix(path.parent)})
        outcome.load("config files (jsonl)")


def write_batch(con, batch: Batch, now: datetime) -> None:
    """Replace the configs this batch read, in one transaction, with one Arrow insert."""
    con.execute("begin")
    try:
        if batch.replaced:
            keys = pa.table(
                {
                    "run_id": [k[0] for k in batch.replaced],
                    "config": [k[1] for k in batch.replaced],
                }
            )
            con.register("replaced_keys", keys)
            con.execute(
                "delete from raw.responses r using replaced_keys k "
                "where r.run_id = k.run_id and r.config = k.config"
            )
            con.execute(
                "delete from raw.configs c using replaced_keys k "
                "where c.run_id = k.run_id and c.config = k.config"
            )
            con.unregister("replaced_keys")
        if batch.configs:
            con.executemany(
                "insert into raw.configs values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                batch.configs,
            )
        table = batch.table()
        if table.num_rows:
            con.register("new_responses", table)
            con.execute("insert into raw.responses select * from new_responses")
            con.unregister("new_responses")
        for run_id, info in batch.runs.items():
            con.execute("delete from raw.runs where run_id = ?", [run_id])
            con.execute(
                "insert into raw.runs values (?, ?, "
                "(select count(*) from raw.configs where run_id = ?), ?, ?)",
                [run_id, info["dir"], run_id, info.get("skipped_files"), now],
            )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def mark_in_suite(con) -> None:
    """A response is `in_suite` when its (suite, question_id) is a known question."""
    con.execute(
        """
        update raw.responses r set in_suite = exists (
            select 1 from raw.questions q
            where q.suite = r.suite and q.question_id = r.question_id
        )
        """
    )


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
