"""The thresholds the marts applied, for the Methodology page.

`marts.thresholds` (the house helper's mart: the dbt vars in force when the marts were built,
with their meaning) is the only source: it shows `--vars` overrides, which the project file
cannot.
"""

from __future__ import annotations

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
