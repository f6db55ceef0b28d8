"""The thresholds the marts applied, for the Methodology page.

`marts.thresholds` (the house helper's mart: the dbt vars in force when the marts were built,
with their meaning) is the source. Until a warehouse has that mart, the old reading stays as
a fallback: the vars and the comment above each in the dbt project file, which cannot show a
`--vars` override (the page says so).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

NAME_KEYS = ("var_name", "name", "var", "threshold")
VALUE_KEYS = ("value", "value_text", "var_value")
MEANING_KEYS = ("meaning", "description")


def _first(row: dict[str, Any], keys: tuple[str, ...]) -> Any:
    return next((row[k] for k in keys if k in row), None)


def from_mart(rows: list[dict[str, Any]]) -> list[tuple[str, Any, str]]:
    """(var, value as JSON text, meaning) per row of `marts.thresholds`, in the mart's order."""
    return [
        (str(_first(r, NAME_KEYS)), _first(r, VALUE_KEYS), str(_first(r, MEANING_KEYS) or ""))
        for r in rows
    ]


def dbt_vars(project_file: Path) -> list[tuple[str, object, str]]:
    """Fallback: dbt `vars` with the comment above each, read from dbt_project.yml."""
    import yaml

    if not project_file.exists():
        return []
    text = project_file.read_text(encoding="utf-8")
    values = (yaml.safe_load(text) or {}).get("vars") or {}
    comments: dict[str, str] = {}
    pending: list[str] = []
    current = ""  # a comment describes every var below it, up to a blank line
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            pending.append(stripped.lstrip("#").strip())
            continue
        if pending:
            current, pending = " ".join(pending), []
        if not stripped:
            current = ""
            continue
        name = stripped.split(":", 1)[0]
        if name in values and ":" in stripped:
            comments[name] = current
    return [(k, v, comments.get(k, "")) for k, v in values.items() if not isinstance(v, dict)]
