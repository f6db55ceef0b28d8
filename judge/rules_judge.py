"""The offline rules judge (`rules-v1`): deterministic 0-3 scores from the question's own data.

It needs no network and no money, so it is the default and the baseline any paid judge is
compared against. Per question it picks the most specific rule that applies:

1. `auto_score` spec of the suite (instruction_precision, tool_compliance);
2. JSON tool calls when `expected` is a tool call (compared by name and parameters);
3. JSON fields when `expected` is a JSON object;
4. key answers (numbers with tolerance, tuples, times, identifiers) when `expected` is short;
5. otherwise coverage of `expected`, the reference answer and the criteria.

Detector caps apply last: empty and echo-only responses score 0, a truncated one at most 2,
and one asking for an image on a text task at most 1. A degenerate response scores 0 when the
loop is (nearly) all there is; when a substantive answer (60+ words) precedes the loop, that
answer is judged and capped at 2, like any answer that ran on to the token cap.
"""

from __future__ import annotations

from collections.abc import Callable

from judge.base import BlindItem, Task, Verdict
from judge.detectors import (
    DETECTOR_VERSION,
    detect_degenerate,
    detect_wrong_modality,
    loop_start,
)
from judge.rules import auto_score, numbers, overlap, tool_calls
from judge.rules.base import RuleResult
from judge.rules.text import answer_text, drop_prompt_continuation, words

NAME = "rules-v1"
# A loop after this many words of answer is "answer, then ran on to the cap" (at most 2);
# with less before it, the response is the loop (0).
MIN_WORDS_BEFORE_LOOP = 60


def score_item(item: BlindItem) -> RuleResult:
    """The rules judge's verdict on one blind item."""
    text = item.response.strip()
    if not text:
        return RuleResult(0, "empty response (or only the prompt echoed)")
    deg = detect_degenerate(text)
    looped = False
    if deg is not None:
        before = text[: loop_start(text) or 0]
        if len(words(answer_text(before))) < MIN_WORDS_BEFORE_LOOP:
            return RuleResult(0, f"degenerate repetition: {deg.evidence}")
        text, looped = before, True
    answer = drop_prompt_continuation(answer_text(text))
    if not answer:
        return RuleResult(0, "no answer outside the reasoning block")
    result = (
        auto_score.evaluate(item.auto_score, answer)
        or tool_calls.evaluate(item.expected, item.reference_answer, answer)
        or overlap.json_fields(item.expected, answer)
        or numbers.evaluate(item.expected, answer, item.prompt)
        or overlap.evaluate(
            expected=item.expected,
            reference_answer=item.reference_answer,
            criteria=[c.criterion for c in item.criteria],
            prompt=item.prompt,
            text=answer,
        )
    )
    wrong = detect_wrong_modality(answer, has_image=item.suite == "vl")
    if wrong is not None:
        result = result.capped(1, wrong.evidence)
    if looped:
        result = result.capped(2, f"answer followed by a repetition loop ({deg.evidence})")
    elif item.truncated:
        result = result.capped(2, "response truncated")
    return result


class RulesJudge:
    """Implements the `judge.base.Judge` protocol with :func:`score_item`."""

    name = NAME
    offline = True  # no API: run_judge commits its verdicts in chunks, not one by one

    def settings(self) -> dict:
        return {"rules": NAME, "detectors": DETECTOR_VERSION}

    def judge_all(
        self,
        tasks: list[Task],
        on_result: Callable[[Task, Verdict], None] | None = None,
    ) -> dict[str, Verdict]:
        out: dict[str, Verdict] = {}
        for task in tasks:
            try:
                r = score_item(task.item)
                verdict = Verdict(score=r.score, reason=r.reason)
            except Exception as exc:  # a rule bug must not lose the rest of the run
                verdict = Verdict(score=None, reason="", error=f"{type(exc).__name__}: {exc}")
            out[task.cache_key] = verdict
            if on_result is not None:
                on_result(task, verdict)
        return out
