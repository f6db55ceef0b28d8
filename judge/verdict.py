"""The verdict format every model judge must answer in, and its strict parser.

One JSON object with exactly ``score`` (integer 0-3) and ``reason`` (non-empty string); shared by
the Claude and the OpenAI-compatible judges so both are held to the same contract.
"""

from __future__ import annotations

import json
import re

from judge.errors import InvalidJudgeOutput

VERDICT_SCHEMA: dict = {
    "type": "object",
    "properties": {
        "score": {"type": "integer", "enum": [0, 1, 2, 3]},
        "reason": {"type": "string"},
    },
    "required": ["score", "reason"],
    "additionalProperties": False,
}

_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.DOTALL)


def parse_verdict(text: str) -> tuple[int, str]:
    """(score, reason) from the model's text, or InvalidJudgeOutput saying what is wrong.

    Strict: one JSON object with exactly the keys ``score`` (an integer 0-3, not a string or a
    bool) and ``reason`` (a non-empty string). A single ```json fence around it is tolerated.
    """
    body = text.strip()
    fenced = _FENCE.match(body)
    if fenced:
        body = fenced.group(1)
    if not body:
        raise InvalidJudgeOutput("empty answer")
    try:
        obj = json.loads(body)
    except json.JSONDecodeError:
        raise InvalidJudgeOutput(f"not a JSON object: {body[:80]!r}") from None
    if not isinstance(obj, dict):
        raise InvalidJudgeOutput(f"not a JSON object: {body[:80]!r}")
    if set(obj) != {"score", "reason"}:
        raise InvalidJudgeOutput(f"expected keys score and reason, got {sorted(obj)}")
    score, reason = obj["score"], obj["reason"]
    if type(score) is not int or not 0 <= score <= 3:
        raise InvalidJudgeOutput(f"score must be an integer 0-3, got {score!r}")
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidJudgeOutput("reason must be a non-empty string")
    return score, reason.strip()
