"""The rules-first cascade (`--judge cascade --model-judge claude|openai`).

The rules decide where a deterministic rule applies: auto_score specs, tool calls and JSON fields,
key numeric answers, and the detector verdicts (empty, echo-only, degenerate, runner artefacts).
Everything else, which the rules could only estimate by word overlap (free text, truncated or
looping answers whose answer no rule verified), goes to the model judge. Each verdict records
the path that decided it (`decided_by`: ``rules`` or ``model``), so marts can split agreement by
path and the dry run can say how much of a model run the rules save.

Blindness is unchanged: the model judge gets the same `BlindItem`s it would get alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from judge.base import Judge, Task, Verdict
from judge.rules_judge import RulesJudge


@dataclass(frozen=True)
class Routing:
    """How a cascade splits tasks: decided by the rules, or sent to the model judge."""

    rules: list[tuple[Task, Verdict]]
    model: list[Task]


class CascadeJudge:
    """Rules (v2 by default) first, the model judge for what no rule verified."""

    offline = False  # verdicts of the model judge are committed one by one

    def __init__(self, model_judge: Judge, rules: RulesJudge | None = None) -> None:
        self.rules = rules or RulesJudge("v2")
        self.model_judge = model_judge

    @property
    def name(self) -> str:
        return f"cascade:{self.rules.name}+{self.model_judge.name}"

    def settings(self) -> dict:
        return {
            "cascade": "rules-first-v1",
            "rules": self.rules.settings(),
            "model": self.model_judge.settings(),
        }

    def route(self, tasks: list[Task]) -> Routing:
        """Score every task with the rules; keep the deterministic verdicts, pass on the rest."""
        decided: list[tuple[Task, Verdict]] = []
        to_model: list[Task] = []
        for task in tasks:
            result = self.rules.score(task.item)
            if result.path == "rules":
                decided.append((task, Verdict(result.score, result.reason, decided_by="rules")))
            else:
                to_model.append(task)
        return Routing(decided, to_model)

    def judge_all(
        self,
        tasks: list[Task],
        on_result: Callable[[Task, Verdict], None] | None = None,
    ) -> dict[str, Verdict]:
        routing = self.route(tasks)
        out: dict[str, Verdict] = {}
        for task, verdict in routing.rules:
            out[task.cache_key] = verdict
            if on_result is not None:
                on_result(task, verdict)

        def model_result(task: Task, verdict: Verdict) -> None:
            if verdict.score is not None:
                verdict = replace(verdict, decided_by="model")
            out[task.cache_key] = verdict
            if on_result is not None:
                on_result(task, verdict)

        self.model_judge.judge_all(routing.model, on_result=model_result)
        return out
