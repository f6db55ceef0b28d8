"""Math final answers compared for equivalence, from tests/cases/rules_math.yaml."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import yaml

from judge.rules import math_equiv, v2

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "rules_math.yaml").read_text())


def cases(kind: str):
    return [pytest.param(c, id=f"{i}-{c['reason'][:40]}") for i, c in enumerate(CASES[kind])]


@pytest.mark.parametrize("case", cases("equivalent"))
def test_equivalent(case):
    got = math_equiv.equivalent(str(case["expected"]), str(case["answer"]))
    assert got is case["equivalent"], case["reason"]


@pytest.mark.parametrize("case", cases("equivalent"))
def test_equivalent_off_the_main_thread(case):
    """No alarm outside the main thread: the size caps alone must refuse hostile input."""
    out: list[bool | None] = []
    t = threading.Thread(
        target=lambda: out.append(math_equiv.equivalent(str(case["expected"]), str(case["answer"])))
    )
    t.start()
    t.join(timeout=30)
    assert not t.is_alive() and out == [case["equivalent"]], case["reason"]


@pytest.mark.parametrize("case", cases("math_answer"))
def test_final_answer_equivalence(case):
    r = v2.math_answer(str(case["expected"]), case["text"])
    assert (None if r is None else r.score) == case["score"], (case["reason"], r)
