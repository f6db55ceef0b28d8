"""JSON parsing that keeps what `json.loads` would silently lose or crash on.

- Duplicate keys at any level are collected with their place (JSON lets the later win).
- `NaN`, `Infinity`, `1e400` and integers too long to convert are kept as :class:`BadNumber`
  holding the original text, so the field that receives one can report it.
- Nesting deeper than the interpreter can recurse is a :class:`~ingest.errors.SourceError`
  (`too_deep`), not a `RecursionError` that takes the command down.

Speed: the C scanner does the work; the hooks are C `dict` plus a length check per object,
and a Python call only per float/int literal.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ingest.errors import SourceError

MAX_INT_DIGITS = 30
"""Integer literals longer than this are kept as text (Python refuses > 4300 digits anyway)."""


class BadNumber:
    """A JSON number with no finite value (or too long an integer); `text` as written."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _parse_float(s: str) -> float | BadNumber:
    f = float(s)
    return f if f - f == 0 else BadNumber(s)


def _parse_int(s: str) -> int | BadNumber:
    return int(s) if len(s) <= MAX_INT_DIGITS else BadNumber(s)


@dataclass
class Parsed:
    doc: Any
    duplicates: list[tuple[str, str, Any]] = field(default_factory=list)  # (place, key, earlier)


def _default(o: Any) -> Any:
    if isinstance(o, BadNumber):
        return o.text
    raise TypeError(f"{type(o).__name__} is not JSON")


def dumps(value: Any) -> str:
    """JSON text of a parsed value (BadNumber written back as its text)."""
    return json.dumps(value, ensure_ascii=False, default=_default)


def loads(text: str) -> Parsed:
    """Parse `text`; raises json.JSONDecodeError for syntax, SourceError for depth/size."""
    found: list[tuple[dict, str, Any]] = []

    def hook(pairs: list[tuple[str, Any]]) -> dict:
        d = dict(pairs)
        if len(d) != len(pairs):
            seen: dict[str, Any] = {}
            for k, v in pairs:
                if k in seen:
                    found.append((d, k, seen[k]))
                seen[k] = v
        return d

    try:
        doc = json.loads(
            text,
            object_pairs_hook=hook,
            parse_float=_parse_float,
            parse_int=_parse_int,
            parse_constant=BadNumber,
            strict=False,  # raw control characters (NUL included) inside strings are text
        )
    except RecursionError:
        raise SourceError(
            "too_deep",
            "JSON nested too deeply to read safely (thousands of levels); nothing of it was "
            "loaded. A run file is 4-6 levels deep: regenerate or repair it.",
        ) from None
    except MemoryError:
        raise SourceError("too_large", "JSON too large to hold in memory") from None
    parsed = Parsed(doc)
    if found:
        places = _places(doc, {id(d) for d, _, _ in found})
        parsed.duplicates = [(places.get(id(d), "?"), k, v) for d, k, v in found]
    return parsed


def _places(doc: Any, wanted: set[int]) -> dict[int, str]:
    """Dotted place of each wanted object (only walked when duplicates exist)."""
    out: dict[int, str] = {}
    stack: list[tuple[Any, str]] = [(doc, "")]
    while stack and len(out) < len(wanted):
        obj, place = stack.pop()
        if isinstance(obj, dict):
            if id(obj) in wanted:
                out[id(obj)] = place
            stack.extend((v, f"{place}.{k}" if place else str(k)) for k, v in obj.items())
        elif isinstance(obj, list):
            stack.extend((v, f"{place}[{i}]") for i, v in enumerate(obj))
    return out
