"""Quoting of names and paths that must appear inside SQL text.

DuckDB's COPY takes its target path as a literal, not a bind parameter, so a project folder
called `Bob's runs` would end the literal early. Every path or name the site puts into SQL text
goes through these two helpers, never through a bare f-string.
"""

from __future__ import annotations

from os import PathLike


def sql_literal(value: str | PathLike[str]) -> str:
    """A single-quoted SQL string literal of `value` (quotes doubled)."""
    text = str(value)
    return "'" + text.replace("'", "''") + "'"


def sql_ident(name: str) -> str:
    """A double-quoted SQL identifier of `name` (quotes doubled)."""
    return '"' + name.replace('"', '""') + '"'
