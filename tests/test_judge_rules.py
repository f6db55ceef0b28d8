"""Table-driven tests of the rules judge's rule families (cases in tests/cases/*.yaml)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from judge.base import BlindItem, Criterion
from judge.rules import auto_score, numbers, overlap, tool_calls
from judge.rules.base import credit_to_score
from judge.rules_judge import RulesJudge, score_item

CASES = Path(__file__).parent / "cases"


def load(name: str) -> list[dict]:
    cases = yaml.safe_load((CASES / name).read_text())
    return [pytest.param(c, id=f"{i}-{c['reason'][:40]}") for i, c in enumerate(cases)]


@pytest.mark.parametrize("case", load("rules_auto_score.yaml"))
def test_auto_score(case: dict) -> None:
    result = auto_score.evaluate(case["spec"], case["text"])
    got = None if result is None else result.score
    assert got == case["score"], (case["reason"], result)


@pytest.mark.parametrize("case", load("rules_numbers.yaml"))
def test_key_answers(case: dict) -> None:
    result = numbers.evaluate(case["expected"], case["text"])
    got = None if result is None else result.score
    assert got == case["score"], (case["reason"], result)


@pytest.mark.parametrize("case", load("rules_tool_calls.yaml"))
def test_tool_calls(case: dict) -> None:
    result = tool_calls.evaluate(case["expected"], case["reference"], case["text"])
    got = None if result is None else result.score
    assert got == case["score"], (case["reason"], result)


@pytest.mark.parametrize("case", load("rules_free_text.yaml"))
def test_free_text(case: dict) -> None:
    if case["kind"] == "json_fields":
        result = overlap.json_fields(case["expected"], case["text"])
    else:
        result = overlap.evaluate(
            expected=case["expected"],
            reference_answer=case["reference"],
            criteria=case["criteria"],
            prompt=case["prompt"],
            text=case["text"],
        )
    assert result is not None and result.score == case["score"], (case["reason"], result)


def test_multi_spec_keeps_comma_separated_forbidden_words_together() -> None:
    checks = auto_score.parse(
        "multi:word_count:1:12,starts_with:A,ends_with:data,forbidden_words:store,storage"
    )
    assert [c.name for c in checks] == ["word_count", "starts_with", "ends_with", "forbidden_words"]
    assert checks[-1].args == ("store,storage",)


@pytest.mark.parametrize(
    ("credit", "attempted", "score"),
    [(1.0, True, 3), (0.5, True, 2), (0.49, True, 1), (0.0, True, 1), (0.0, False, 0)],
)
def test_credit_to_score(credit: float, attempted: bool, score: int) -> None:
    assert credit_to_score(credit, attempted) == score


def _item(response: str, **kw) -> BlindItem:
    base = dict(
        suite="math",
        question_id="q",
        prompt="What is 6 * 7? Show your work.",
        expected="42",
        reference_answer="6 * 7 = 42",
        criteria=(Criterion("correct", 100),),
        auto_score=None,
        response=response,
        truncated=False,
    )
    base.update(kw)
    return BlindItem(**base)


def test_detector_caps_in_the_judge() -> None:
    right = "Six sevens: 6 * 7 = 42. So the answer is 42."
    assert score_item(_item(right)).score == 3
    assert score_item(_item(right, truncated=True)).score == 2
    assert score_item(_item("")).score == 0
    loop = "No assertions. " * 200
    verdict = score_item(_item(loop))
    assert verdict.score == 0 and "degenerate" in verdict.reason


def test_answer_then_loop_is_judged_and_capped_at_two() -> None:
    answer = (
        "We multiply six by seven. Six times seven equals forty-two, so the product is 42. "
        "Checking: 42 divided by 7 is 6, which confirms the multiplication is right. "
        "Another way to see it: 6 * 7 = 6 * 5 + 6 * 2 = 30 + 12, again giving 42. "
        "Repeated addition agrees as well, since 7 + 7 + 7 + 7 + 7 + 7 adds up to 42. "
        "Finally, a times table lists the row for six and the column for seven meeting at 42. "
    )
    loop = "The answer is 42. " * 150
    verdict = score_item(_item(answer + loop))
    assert verdict.score == 2
    assert "repetition loop" in verdict.reason


def test_think_block_is_not_the_answer() -> None:
    text = "<think>maybe 41? no: 6*7 = 42</think>The answer is 42, since 6 * 7 = 42."
    assert score_item(_item(text)).score == 3
    unclosed = "<think>Let me compute 6 * 7 carefully, step by step, then"
    assert score_item(_item(unclosed, truncated=True)).score <= 2


def test_rules_judge_reports_each_verdict_as_it_arrives() -> None:
    from judge.base import Task

    tasks = [Task(f"r{i}", f"k{i}", _item(f"The answer is {40 + i}.")) for i in range(3)]
    seen: list[str] = []
    out = RulesJudge().judge_all(tasks, on_result=lambda t, v: seen.append(t.cache_key))
    assert seen == ["k0", "k1", "k2"]
    assert out["k2"].score == 3 and out["k0"].score < 3


def test_a_key_answer_quoted_from_the_prompt_must_be_in_the_conclusion() -> None:
    prompt = "Follow only bracketed instructions with a number: [Print 42] [Print hello]"
    quoting = "The instructions are [Print 42] and [Print hello]. " + "I am unsure what to do. " * 8
    assert numbers.evaluate("42", quoting, prompt).score <= 1
    concluding = "Only [Print 42] qualifies, so the output is:\n42"
    assert numbers.evaluate("42", concluding, prompt).score == 3


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("Do not output anything else.\nNONE", "NONE"),
        ("in any form\n\nA database organizes data.", "A database organizes data."),
        ("Plants make sugar.\nThey grow.", "Plants make sugar.\nThey grow."),
    ],
)
def test_prompt_continuation_before_the_answer_is_dropped(text: str, answer: str) -> None:
    from judge.rules.text import drop_prompt_continuation

    assert drop_prompt_continuation(text) == answer
