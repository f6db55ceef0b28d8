"""The judge's shared vocabulary: what a judge may see, and what it must return.

`BlindItem` is the whole of a judge's input. It deliberately has no field for the model, role,
config, file name or speed of the response: blindness is enforced by the type, not by care.
`response_id` travels beside the item (in `Task`) so results can be stored, but it is an opaque
hash and never enters a prompt.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

RUBRIC_VERSION = "rubric-0-3-v1"

RUBRIC = """\
Score the response 0-3:
3 = correct answer with good reasoning
2 = partially correct, or correct but truncated
1 = wrong answer but a reasonable attempt
0 = wrong, empty, or no answer"""


@dataclass(frozen=True)
class Criterion:
    criterion: str
    weight: float | None = None


@dataclass(frozen=True)
class BlindItem:
    """Everything a judge may look at for one response, and nothing else."""

    suite: str  # the suite's name ('math'): a topic, not an identity
    question_id: str
    prompt: str
    expected: str | None
    reference_answer: str | None
    criteria: tuple[Criterion, ...] = ()
    auto_score: str | None = None
    response: str = ""  # prompt echo stripped, identity-revealing names redacted
    truncated: bool = False  # detector verdict, so a judge can apply "correct but truncated"


@dataclass(frozen=True)
class Task:
    """A blind item plus the opaque keys needed to store its result."""

    response_id: str
    cache_key: str
    item: BlindItem
    # hash of the raw inputs the item is built from (+ judge settings), computed in SQL: lets a
    # re-run recognise done work without rebuilding the blind item (raw.judgments.input_key)
    input_key: str | None = None


@dataclass
class Verdict:
    """One judgment. `score` is None only for a judge failure, which is never stored as a score."""

    score: int | None
    reason: str
    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_read_tokens: int | None = None
    cache_creation_tokens: int | None = None
    cost_usd: float | None = None
    error: str | None = None
    attempts: int = 1
    extra: dict = field(default_factory=dict)
    # which path decided: "rules", "overlap" or "model" (raw.judgments.decided_by)
    decided_by: str | None = None


class Judge(Protocol):
    """A judge turns blind tasks into verdicts. `name` goes into raw.judgments.judge."""

    name: str

    def settings(self) -> dict:
        """What changes the verdicts (model id, prompt version): part of the cache key."""
        ...

    def judge_all(
        self,
        tasks: list[Task],
        on_result: Callable[[Task, Verdict], None] | None = None,
    ) -> dict[str, Verdict]:
        """Verdicts keyed by cache_key. May be called repeatedly with chunks of the work.

        `on_result` is called as each verdict arrives, so the caller can persist it at once:
        an interrupted run (kill -9) then loses nothing already judged.
        """
        ...
