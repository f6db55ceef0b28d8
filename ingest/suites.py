"""Prompt suites (YAML) -> raw.suites and raw.questions.

A suite is a YAML mapping with a `prompts:` mapping of question id -> question. Other files in
the folder (notes, orchestrator configs, sub-folders of other material) are skipped and named,
so a user can see nothing was overlooked. A bad question is quarantined; its siblings still load.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from ingest.accounting import Outcome
from ingest.sources import as_posix, read_text

SUITE_SUFFIXES = {".yaml", ".yml"}
QUESTION_TEXT_FIELDS = ("name", "prompt", "expected", "reference_answer", "auto_score")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value) if isinstance(value, (dict, list)) else str(value)


def _int(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        try:
            return int(float(value))
        except (TypeError, ValueError):
            return None


def _float(value: Any) -> float | None:
    try:
        return None if value is None or isinstance(value, bool) else float(value)
    except (TypeError, ValueError):
        return None


def _criteria(value: Any) -> tuple[list[dict], str | None]:
    """Normalise `scoring:` to [{criterion, weight}]; say what did not fit."""
    if value is None:
        return [], None
    if not isinstance(value, list):
        return [], f"scoring is a {type(value).__name__}, expected a list"
    out = []
    for item in value:
        if isinstance(item, dict):
            out.append(
                {"criterion": _text(item.get("criterion")), "weight": _float(item.get("weight"))}
            )
        elif isinstance(item, str):
            out.append({"criterion": item, "weight": None})
        else:
            return out, f"scoring entry {item!r} is neither a mapping nor a string"
    return out, None


def load_suites(con, suites_dir: Path, outcome: Outcome) -> None:
    """Load every suite file directly in `suites_dir`; report everything else."""
    now = datetime.now(UTC).replace(tzinfo=None)
    for path in sorted(suites_dir.iterdir()):
        name = as_posix(path)
        if path.is_dir():
            outcome.skip(
                name,
                "non-suite folder",
                "folder skipped: suites are YAML files directly in the suites folder",
            )
            continue
        if path.suffix.lower() not in SUITE_SUFFIXES:
            outcome.skip(name, "non-suite file", f"not a YAML file ({path.suffix or 'no suffix'})")
            continue
        outcome.files.add(name)
        _load_suite_file(con, path, outcome, now)


def _load_suite_file(con, path: Path, outcome: Outcome, now: datetime) -> None:
    name = as_posix(path)
    src = read_text(path)
    for kind, message in src.repairs:
        outcome.quarantine(name, None, kind, message)
    text = src.text
    if "\x00" in text:
        outcome.quarantine(name, None, "nul_bytes", "NUL bytes removed before parsing YAML")
        text = text.replace("\x00", "")
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        outcome.quarantine(
            name,
            where,
            "invalid_yaml",
            f"YAML does not parse: {getattr(exc, 'problem', exc)}; fix the file and ingest again",
            text[:300],
        )
        return
    if not isinstance(doc, dict):
        outcome.quarantine(
            name,
            None,
            "not_a_mapping",
            f"a suite file must be a YAML mapping with a 'prompts' key; this one is "
            f"a {type(doc).__name__}",
            text[:300],
        )
        return
    prompts = doc.get("prompts")
    if prompts is None:
        outcome.skip(
            name,
            "non-suite YAML",
            "YAML mapping without 'prompts' (keys: "
            + ", ".join(map(str, list(doc)[:8]))
            + "): not a prompt suite",
        )
        return
    if not isinstance(prompts, dict):
        outcome.quarantine(
            name,
            "prompts",
            "bad_prompts",
            f"'prompts' must map question ids to questions; it is a {type(prompts).__name__}",
            prompts,
        )
        return

    suite = path.stem
    params = doc.get("inference_params") if isinstance(doc.get("inference_params"), dict) else {}
    rows = []
    for qid, q in prompts.items():
        place = f"prompts.{qid}"
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
        criteria, problem = _criteria(q.get("scoring"))
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
                str(qid),
                _int(q.get("tier")),
                _text(q.get("name")),
                q["prompt"],
                _text(q.get("expected")),
                _text(q.get("reference_answer")),
                json.dumps(criteria),
                _text(q.get("auto_score")),
                _int(q.get("context_tokens")),
                _text(q.get("context_type")),
                _text(q.get("needle")),
                _text(q.get("needle_position")),
                _text(q.get("image_path")),
                name,
                place,
            )
        )
    con.execute("begin")
    con.execute("delete from raw.questions where suite = ?", [suite])
    con.execute("delete from raw.suites where suite = ?", [suite])
    con.execute(
        "insert into raw.suites values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            suite,
            _text(doc.get("version")),
            _text(doc.get("domain")),
            _text(doc.get("description")),
            _int(params.get("max_tokens")),
            _float(params.get("temperature")),
            json.dumps(params, default=str),
            len(rows),
            name,
            src.sha256,
            now,
        ],
    )
    if rows:
        con.executemany(
            "insert into raw.questions values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    con.execute("commit")
    outcome.load("suites")
    outcome.load("questions", len(rows))
