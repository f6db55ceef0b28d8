"""The detectors' fast paths give exactly what the plain definitions give."""

from __future__ import annotations

import random

import pytest

from judge.blind import _identity_names, identity_names
from judge.detectors import _WORD, word_list

CASES = [
    "",
    "'",
    "plain words only 12 and 3.5",
    "don't stop, it's fine",
    "rock'n'roll 'quoted' a''b 12'ab ab'12",
    "it's2 it's' x'y'z 3'a a' 'tis",
    "İstanbul \u212a Kelvin ÀB'cd'ef naïve café",
    "lone surrogate x\ud800y and ʼ modifier",
    "tabs\tand\nnewlines\r\nand\u2028separators",
]


@pytest.mark.parametrize("text", CASES)
def test_word_list_is_the_word_regex(text):
    low = text.lower()
    assert word_list(low) == _WORD.findall(low)


def test_word_list_on_random_text():
    rng = random.Random(7)
    alphabet = "ab z09'' .,-\n\u00e9\u212a\u0130"
    for _ in range(2000):
        low = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))).lower()
        assert word_list(low) == _WORD.findall(low), repr(low)


def test_identity_names_memo_returns_a_fresh_list():
    values = ["/models/Qwen3-8B-Q8_0.gguf", "Qwen3-8B-Q8_0", None, "general_qwen3_8b"]
    first = identity_names(values)
    first.append("mutated")
    assert identity_names(values) == list(_identity_names(tuple(values)))
    assert "mutated" not in identity_names(values)
    assert identity_names(values)[0] == "/models/Qwen3-8B-Q8_0.gguf"
