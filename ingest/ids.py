"""Stable keys of ingested records (kept in `ingest/`, so ingest depends on nothing above it)."""

from __future__ import annotations

import hashlib


def response_id(run_id: str, config: str, suite: str, question_id: str) -> str:
    """Stable key of one response: the same record always gets the same id across re-ingests."""
    raw = "\x1f".join((run_id, config, suite, question_id)).encode("utf-8", "surrogatepass")
    return hashlib.sha1(raw).hexdigest()[:16]
