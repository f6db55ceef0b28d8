"""Errors the ingest stage raises, so the CLI can map them to exit codes by type.

Data problems never raise: they end as rows of `raw.ingest_errors` and exit code 1. What
raises is a problem with the command itself (:class:`IngestUsageError`, exit 2) or with one
input file (:class:`SourceError`, caught per file and quarantined, never reaching the CLI).
"""

from __future__ import annotations


class IngestError(Exception):
    """Base of every error ingest raises on purpose."""


class IngestUsageError(IngestError):
    """The command line asks for something ingest refuses (exit code 2), e.g. importing into
    a scoring run a judge made."""


class SourceError(IngestError):
    """One input file cannot be read as data: it is quarantined with `kind` and `message`,
    and the other files are read as usual."""

    def __init__(
        self, kind: str, message: str, location: str | None = None, excerpt: str | None = None
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.location = location
        self.excerpt = excerpt
