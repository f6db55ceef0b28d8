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


def _plain_redact_identity(text: str, names=()) -> str:
    """`redact_identity` as first written: every substring test, every pattern."""
    from judge.blind import (
        _SELF_INTRO_RE,
        _STRONG_LOWER,
        _STRONG_RE,
        _WEAK_VERSIONED_RE,
        PLACEHOLDER,
        WEAK_FAMILIES,
        _names_re,
    )

    low = text.lower()
    pattern = _names_re(tuple(n for n in names if n.lower() in low))
    if pattern is not None:
        text = pattern.sub(PLACEHOLDER, text)
        low = text.lower()
    if any(n in low for n in _STRONG_LOWER):
        text = _STRONG_RE.sub(PLACEHOLDER, text)
    if any(n in text for n in WEAK_FAMILIES):
        text = _WEAK_VERSIONED_RE.sub(PLACEHOLDER, text)
        text = _SELF_INTRO_RE.sub(lambda m: m.group("lead") + PLACEHOLDER, text)
    elif any(n.lower() in low for n in WEAK_FAMILIES):
        text = _SELF_INTRO_RE.sub(lambda m: m.group("lead") + PLACEHOLDER, text)
    return text


_REDACT_PIECES = [
    "Qwen", "qwen3", "QwQ", "Llama-3.1", "DeepSeek R1", "Mistral", "Coder", "Instruct",
    "Phi", "phi-4", "PHI", "GLM-4.6", "glm", "Yi", "yi", "Meta", "MiniMax", "Kimi", "Granite",
    "I am", "I'm", "As", "as a", "known as the", "created by", "my name is",
    " ", "  ", "\t", "\n", "\u00a0", "-", "_", ".", "[", "]", "(", "2", "8B",
    "İ", "ı", "ſ", "\u212a", "Kımı", "graphics", "yield", "metadata", "trying", "My-Model_v2",
]  # fmt: skip


def test_redact_identity_gates_change_nothing():
    from judge.blind import redact_identity

    rng = random.Random(11)
    names = ("My-Model_v2", "qwen3-8b-q8_0")
    for _ in range(6000):
        text = "".join(rng.choice(_REDACT_PIECES) for _ in range(rng.randint(0, 12)))
        assert redact_identity(text, names) == _plain_redact_identity(text, names), repr(text)


def _loop_texts():
    rng = random.Random(5)
    vocab = [
        "the", "model", "answer", "loop", "cache", "token", "prompt", "value", "result",
        "check", "data", "step", "naïve", "café", "✓", "42", "3.14", "{x}", "[y]", "--", "```",
    ]  # fmt: skip
    for _ in range(400):
        prose = " ".join(rng.choice(vocab) for _ in range(rng.randint(0, 1500)))
        motif = " ".join(rng.choice(vocab) for _ in range(rng.randint(1, 60)))
        loop = (motif + rng.choice([" ", "\n", ""])) * rng.randint(0, 200)
        tail = " ".join(rng.choice(vocab) for _ in range(rng.choice([0, 0, 3, 40, 400])))
        yield prose + loop + tail
    # longer than zlib's 32 KB window, before and inside the loop
    fresh = " ".join(f"w{rng.randint(0, 10**6)}" for _ in range(9000))
    yield fresh
    yield fresh + "stuck again and again " * 3000
    yield ("stuck again " * 200) + fresh


def test_loop_start_shortcut_is_the_streamed_definition():
    from judge.detectors import _loop_start_streamed, loop_start

    seen_loop = seen_none = 0
    for text in _loop_texts():
        want = _loop_start_streamed(text.encode())
        assert loop_start.__wrapped__(text) == want, text[:80]
        seen_loop += want is not None
        seen_none += want is None and len(text) > 1024
    assert seen_loop > 50 and seen_none > 50  # both outcomes exercised


def test_lazy_echo_end_is_the_plain_definition():
    from judge.blind import _echo_end, _echo_end_plain

    rng = random.Random(3)
    vocab = ["The", "the", "model", "answer.", "x", "{", "answer.{", "\n", "  ", "y"]
    seen_cut = 0
    for _ in range(3000):
        prompt = " ".join(rng.choice(vocab) for _ in range(rng.randint(0, 300)))
        toks = prompt.split()
        start = rng.choice([0, 0, rng.randint(0, max(0, len(toks)))])
        copy = rng.choice([" ", "\n", "  "]).join(toks[start:])
        if rng.random() < 0.3 and copy:  # a mismatch somewhere in the copy
            k = rng.randint(0, len(copy) - 1)
            copy = copy[:k] + "Z" + copy[k + 1 :]
        tail = rng.choice(["", " more text", "{json}", " ".join(rng.choices(vocab, k=200))])
        response = rng.choice(["", " ", "\n"]) + copy + tail
        want = _echo_end_plain(response, prompt)
        assert _echo_end(response, prompt) == want, (prompt[:60], response[:60])
        seen_cut += want > 0
    assert seen_cut > 500


def test_reasoning_marker_bound_changes_nothing():
    from judge.rules_judge import _REASONING, _reasoning_markers_at_least

    rng = random.Random(2)
    pieces = ["wait", "Wait,", "WAIT", "hmm", "Hmmm", "let me check", "Let's see", "actually,",
              "Actually ", "on second thought", "double-check", " ", "\n", "x", "İ", "waıt",
              "let me", "lets see", "awaited", "hmm."]  # fmt: skip
    hits = 0
    for _ in range(5000):
        tail = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        for n in (1, 3):
            want = len(_REASONING.findall(tail)) >= n
            assert _reasoning_markers_at_least(tail, n) == want, repr(tail)
            hits += want
    assert hits > 1000


def _plain_trigram_flag(blind_text: str):
    """The trigram signal of `detect_degenerate` as it was before the trigram filter: every
    trigram counted whenever some word is common enough. None when it does not fire."""
    from collections import Counter

    from judge import detectors as d

    text = blind_text.strip()
    if len(text) < d.MIN_DEGENERATE_CHARS:
        return None
    words = d.word_list(text.lower())
    need = max(d.NGRAM_MIN_REPEATS, d.NGRAM_SHARE * (len(words) - 2) / 3)
    if len(words) >= 3 and max(Counter(words).values()) >= need:
        gram, n, total = d._top_trigram(words)
        if n >= d.NGRAM_MIN_REPEATS and total and n * 3 / total >= d.NGRAM_SHARE:
            return d.Flag("degenerate", f"trigram '{gram}' x {n}")
    return None


def _repetitive_texts():
    rng = random.Random(9)
    vocab = ["the", "a", "no", "assertions.", "x", "of", "the the", "loop", "42", "naïve"]
    for _ in range(1500):
        motif = " ".join(rng.choice(vocab) for _ in range(rng.randint(1, 5)))
        prose = " ".join(rng.choice(vocab + [f"w{i}" for i in range(40)]) for _ in range(300))
        k = rng.randint(0, 120)
        cut = rng.randint(0, len(prose))
        yield prose[:cut] + (" " + motif) * k + " " + prose[cut:]
    yield "the " * 5000
    yield "a b " * 3000
    yield "a b c " * 14 + "filler " * 100


def test_trigram_filter_changes_nothing():
    from judge.detectors import detect_degenerate

    flagged = 0
    for text in [*_repetitive_texts(), *_loop_texts()]:
        want = _plain_trigram_flag(text)
        got = detect_degenerate.__wrapped__(text)
        if want is not None:
            assert got == want, text[:80]
            flagged += 1
        else:  # no trigram flag either way; the later signals are the same code
            assert got is None or not got.evidence.startswith("trigram"), text[:80]
    assert flagged > 200


def test_json_spans_jump_scan_is_the_plain_definition():
    from judge.rules.tool_calls import _json_spans, _json_spans_cached, _json_spans_plain

    rng = random.Random(13)
    pieces = ['{', '}', '[', ']', '"', '\\', '\\"', 'a', ':', ',', '1', ' ', '\n', 'é',
              '{"name": "x", "parameters": {"q": "a\\"b"}}', '[1, 2]', '"}"',
              '{"k": [}']  # fmt: skip
    parsed = 0
    for _ in range(6000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 25)))
        want = _json_spans_plain(text)
        assert list(_json_spans_cached.__wrapped__(text)) == want, repr(text)
        assert _json_spans(text) == want
        parsed += bool(want)
    assert parsed > 1000
    first = _json_spans('{"a": 1} [2]')
    first.append("mutated")
    assert _json_spans('{"a": 1} [2]') == [{"a": 1}, [2]]  # a fresh list each call


def test_wrong_modality_gate_changes_nothing():
    from judge.detectors import _IMAGE_REQUEST, detect_wrong_modality

    rng = random.Random(17)
    pieces = ["please ", "Please ", "PLEASE ", "provide ", "upload ", "the ", "an ", "image",
              "Image", "IMAGE", "picture", " ", "\n", "no ", "was ", "provided", "I ", "i ",
              "can't ", "cannot ", "see ", "in ", "this ", "photo", "ſ", "İ", "\u212a",
              "classify ", "the attached ", "screenshot", "chart", "x",
              "Please upload the image", "No image was provided", "I can't see the picture",
              "in this photo", "ſee "]  # fmt: skip
    found = 0
    for _ in range(8000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        m = _IMAGE_REQUEST.search(text)
        got = detect_wrong_modality.__wrapped__(text, False)
        assert (got is None) == (m is None), repr(text)
        if m is not None:
            assert m.group(0)[:60] in got.evidence
            found += 1
    assert found > 1000
