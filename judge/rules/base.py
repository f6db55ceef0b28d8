"""What a rule returns, and the one mapping from partial credit to the 0-3 rubric."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RuleResult:
    """A rule's verdict: rubric score 0-3 and a short reason a reader can check by hand."""

    score: int
    reason: str
    # Which kind of rule decided: "rules" (deterministic: a spec, tool call, JSON field, key
    # answer or detector) or "overlap" (word-overlap estimate of free text, nothing verified).
    # The cascade hands "overlap" verdicts to a model judge; raw.judgments.decided_by keeps it.
    path: str = "rules"

    def capped(self, cap: int, why: str) -> RuleResult:
        """The same verdict, lowered to `cap` (with the reason saying so) when above it."""
        if self.score <= cap:
            return self
        return RuleResult(cap, f"{self.reason}; capped at {cap}: {why}", self.path)


def credit_to_score(credit: float, attempted: bool = True) -> int:
    """Partial credit in [0, 1] -> rubric score.

    1.0 is fully correct (3); at least half right is partially correct (2); anything less is
    a wrong answer, which the rubric scores 1 when it is a reasonable attempt and 0 otherwise.
    """
    if credit >= 0.999:
        return 3
    if credit >= 0.5:
        return 2
    return 1 if attempted else 0
