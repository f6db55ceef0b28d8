"""The offline rules judges (`rules-v1`, `rules-v2`): deterministic 0-3 scores from question data.

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

rules-v2 (:func:`score_item_v2`) keeps that order and changes principled details (see
`judge.rules.v2`): runner artefacts score 0; a 2 needs an answer (free text that only
overlap scored is capped at 1 when the model ran out of tokens, or began to loop, while still
reasoning; a loop after a finished answer caps it at 2 like any cut); the final answer counts
for key answers; tool-call wrappers and string calls are understood (capped at 2); a data
answer (YAML/JSON the reference gives) is parsed and compared as data
(`judge.rules.data_answer`); rubric words, descriptive points and criteria are no coverage;
instructions get IFEval's loose re-check. rules-v1 stays reproducible by name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from judge.base import BlindItem, Task, Verdict
from judge.detectors import (
    DETECTOR_VERSION,
    detect_degenerate,
    detect_wrong_modality,
    loop_start,
)
from judge.rules import auto_score, data_answer, numbers, overlap, tool_calls, v2
from judge.rules.artefacts import runner_artefact
from judge.rules.base import RuleResult
from judge.rules.text import answer_text, drop_prompt_continuation, words

NAME = "rules-v1"
NAME_V2 = "rules-v2"
VERSIONS = ("v1", "v2")
# A loop after this many words of answer is "answer, then ran on to the cap" (at most 2);
# with less before it, the response is the loop (0).
MIN_WORDS_BEFORE_LOOP = 60
# rules-v2's revision: part of its cache key, so a changed rule is never answered from verdicts
# cached by an earlier revision (2: prompt words excluded only where they word the task; final
# answers: a heading commits to nothing, a run-on line to its first sentence; math answers
# compared for equivalence; 3: rubric words matched as whole words, descriptive points and
# criteria not matched, a loop caps at 1 only when it began while still reasoning, data answers
# compared as data).
V2_REVISION = 3


def _cut_answer(text: str) -> tuple[RuleResult | None, str, bool, Any]:
    """The answer part of a response, shared by v1 and v2: cut before a repetition loop (or
    the verdict 0 when too little comes before it), outside the reasoning block and without a
    prompt continuation. Returns (verdict when there is no answer, answer, looped, detection)."""
    deg = detect_degenerate(text)
    looped = False
    if deg is not None:
        before = text[: loop_start(text) or 0]
        if len(words(answer_text(before))) < MIN_WORDS_BEFORE_LOOP:
            return RuleResult(0, f"degenerate repetition: {deg.evidence}"), "", False, deg
        text, looped = before, True
    answer = drop_prompt_continuation(answer_text(text))
    if not answer:
        return RuleResult(0, "no answer outside the reasoning block"), "", looped, deg
    return None, answer, looped, deg


def score_item(item: BlindItem) -> RuleResult:
    """The rules judge's verdict on one blind item."""
    text = item.response.strip()
    if not text:
        return RuleResult(0, "empty response (or only the prompt echoed)")
    early, answer, looped, deg = _cut_answer(text)
    if early is not None:
        return early
    result = (
        auto_score.evaluate(item.auto_score, answer)
        or tool_calls.evaluate(item.expected, item.reference_answer, answer)
        or overlap.json_fields(item.expected, answer)
        or numbers.evaluate(item.expected, answer, item.prompt)
        or _overlap_path(
            overlap.evaluate(
                expected=item.expected,
                reference_answer=item.reference_answer,
                criteria=[c.criterion for c in item.criteria],
                prompt=item.prompt,
                text=answer,
            )
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


def _overlap_path(result: RuleResult) -> RuleResult:
    return RuleResult(result.score, result.reason, "overlap")


# A reasoning transcript: the thinking-aloud markers of a model still working the problem.
_REASONING = re.compile(
    r"\b(?:wait|hmm+|let me (?:think|check|re-?check|try|verify|recompute)|"
    r"let's (?:think|check|see|try|verify)|actually,|on second thought|double-check)\b",
    re.IGNORECASE,
)
REASONING_MARKERS = 3  # this many in the last 2,000 characters: still reasoning, not answering


# Every `_REASONING` match holds one of these (lower-cased): on ASCII text, where IGNORECASE
# is plain lower-casing, their counts bound the number of matches from above.
_REASONING_WORDS = ("wait", "hmm", "let", "actually,", "on second thought", "double-check")


def _reasoning_markers_at_least(tail: str, n: int) -> bool:
    if tail.isascii():
        low = tail.lower()
        if sum(low.count(w) for w in _REASONING_WORDS) < n:
            return False  # fewer candidates than needed: the pattern cannot find n
    return len(_REASONING.findall(tail)) >= n


def still_reasoning(raw: str, truncated: bool) -> str | None:
    """Why a truncated response ran out of tokens while still reasoning; None if it did not."""
    opens = raw.count("<think>")
    if opens and raw.count("</think>") < opens:
        return "ran out of tokens inside an unclosed <think> block"
    if truncated and _reasoning_markers_at_least(raw[-2000:], REASONING_MARKERS):
        return "reasoning transcript cut at the token cap"
    return None


def score_item_v2(item: BlindItem) -> RuleResult:
    """The rules-v2 verdict on one blind item (see the module docstring for what changed)."""
    text = item.response.strip()
    if not text:
        return RuleResult(0, "empty response (or only the prompt echoed)")
    artefact = runner_artefact(text)
    if artefact is not None:
        return RuleResult(0, f"runner artefact, no answer: {artefact}")
    early, answer, looped, deg = _cut_answer(text)
    if early is not None:
        return early
    criteria = [c.criterion for c in item.criteria]
    result = (
        v2.instructions(item.auto_score, answer)
        or v2.tool_calls(item.expected, item.reference_answer, answer)
        or overlap.json_fields(item.expected, answer)
        or v2.math_answer(item.expected, answer)
        or v2.key_answers(item.expected, answer, item.prompt)
        or data_answer.evaluate(item.expected, item.reference_answer, item.prompt, answer)
        or v2.coverage(
            expected=item.expected,
            reference_answer=item.reference_answer,
            criteria=criteria,
            prompt=item.prompt,
            text=answer,
        )
    )
    wrong = detect_wrong_modality(answer, has_image=item.suite == "vl")
    if wrong is not None:
        result = result.capped(1, wrong.evidence)
    unverified = result.path == "overlap"
    if looped:
        # Where the loop began decides: after an answer it is that answer cut short ("correct
        # but truncated": 2, as the rubric says); while the model was still reasoning there was
        # no answer yet, so free text that only overlap scored gets 1.
        reasoning = still_reasoning(text[: loop_start(text) or len(text)], truncated=True)
        evidence = f"answer followed by a repetition loop ({deg.evidence})"
        if unverified and reasoning is not None:
            result = result.capped(1, f"{evidence}, begun while still reasoning ({reasoning})")
        else:
            result = result.capped(2, evidence)
        return result
    reasoning = None
    if item.truncated or "<think>" in item.response:
        reasoning = still_reasoning(item.response, item.truncated)
    if reasoning is not None:
        result = result.capped(1 if unverified else 2, reasoning)
    elif item.truncated:
        result = result.capped(2, "response truncated")
    return result


class RulesJudge:
    """Implements the `judge.base.Judge` protocol with :func:`score_item` (v1) or
    :func:`score_item_v2` (v2)."""

    offline = True  # no API: run_judge commits its verdicts in chunks, not one by one

    def __init__(self, version: str = "v2") -> None:
        if version not in VERSIONS:
            raise ValueError(f"unknown rules version {version!r}: choose v1 or v2")
        self.version = version
        self.name = NAME if version == "v1" else NAME_V2
        self.score = score_item if version == "v1" else score_item_v2

    def settings(self) -> dict:
        # v1's verdicts depend on the detectors as they were in v1: its key stays the same
        detectors = "detectors-v1" if self.version == "v1" else DETECTOR_VERSION
        if self.version == "v1":
            return {"rules": self.name, "detectors": detectors}
        return {"rules": self.name, "detectors": detectors, "revision": V2_REVISION}

    def judge_all(
        self,
        tasks: list[Task],
        on_result: Callable[[Task, Verdict], None] | None = None,
    ) -> dict[str, Verdict]:
        out: dict[str, Verdict] = {}
        for task in tasks:
            try:
                r = self.score(task.item)
                verdict = Verdict(score=r.score, reason=r.reason, decided_by=r.path)
            except Exception as exc:  # a rule bug must not lose the rest of the run
                verdict = Verdict(score=None, reason="", error=f"{type(exc).__name__}: {exc}")
            out[task.cache_key] = verdict
            if on_result is not None:
                on_result(task, verdict)
        return out
