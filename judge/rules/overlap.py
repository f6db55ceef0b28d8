"""Free-text questions: how much of the expected content the response covers.

Most questions (analysis, design, proofs, critiques) have no mechanically checkable answer,
only an `expected` summary ("Selection bias, SES confounds, reverse causation, ...") and a long
`reference_answer`. This heuristic measures coverage of both with crude stemming (a word
matches on its first five letters, so "confounds"/"confounding" agree) and combines it with
whether the response is a substantive answer at all. It cannot verify reasoning; it estimates
whether the response talks about what a correct answer talks about.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache

from judge.rules.base import RuleResult
from judge.rules.text import code_blocks, looks_like_code, words

STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "also",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "either",
        "else",
        "etc",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "here",
        "how",
        "however",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "may",
        "might",
        "more",
        "most",
        "must",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "out",
        "over",
        "own",
        "same",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "use",
        "used",
        "uses",
        "using",
        "very",
        "via",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "yes",
        "you",
        "your",
        "e.g",
        "i.e",
        "vs",
        "correct",
        "answer",
        "response",
        "question",
        "show",
        "explain",
        "identify",
        "provide",
        "give",
        "each",
        "step",
        "steps",
    ]
)

STEM = 5


class _StemOf(dict):
    """Word (as `words` finds it) -> its stem, "" for no content word (shorter than 3 letters,
    a stopword, a number): each word of a run's shared vocabulary is tested once, not once per
    response. Cleared when full (bounded memory)."""

    MAX = 200_000

    def __missing__(self, word: str) -> str:
        if len(self) >= self.MAX:
            self.clear()
        w = word.lower()
        stem = w[:STEM] if len(w) >= 3 and w not in STOPWORDS and not w.isdigit() else ""
        self[word] = stem
        return stem


_STEM_OF = _StemOf()
_NO_STEM = frozenset({""})


@lru_cache(maxsize=16384)
def stems(text: str) -> frozenset[str]:
    """Content-word stems: lowercase, stopwords dropped, first five letters kept."""
    return frozenset(map(_STEM_OF.__getitem__, set(words(text)))) - _NO_STEM


def phrases(expected: str) -> list[str]:
    """`expected` split into the separate points it lists."""
    parts = re.split(r"[,;\n]|\band\b|\bor\b|\bOR\b|->|→|\+|\. ", expected)
    return [p.strip() for p in parts if stems(p)]


def phrase_coverage(expected: str | None, response_stems: frozenset[str]) -> tuple[float, int]:
    """Share of `expected`'s points whose words (at least half of them) the response uses."""
    if not expected:
        return 0.0, 0
    ps = phrases(expected)
    if not ps:
        return 0.0, 0
    hit = 0
    for p in ps:
        s = stems(p)
        if len(s & response_stems) * 2 >= len(s):
            hit += 1
    return hit / len(ps), len(ps)


@lru_cache(maxsize=1024)
def _reference_stems(reference: str) -> frozenset[str]:
    return frozenset(w[:STEM] for w in (x.lower() for x in words(reference)) if len(w) >= 6)


def reference_recall(reference: str | None, response_stems: frozenset[str]) -> float:
    """Share of the reference's distinctive words (6+ letters) that the response also uses."""
    if not reference:
        return 0.0
    ref = _reference_stems(reference)
    if not ref:
        return 0.0
    return len(ref & response_stems) / len(ref)


def _json_object(s: str | None) -> dict | None:
    if not s:
        return None
    try:
        obj = json.loads(s)
    except ValueError:
        return None
    return obj if isinstance(obj, dict) else None


def json_fields(expected: str | None, text: str) -> RuleResult | None:
    """When `expected` is a JSON object, compare the response's JSON field by field."""
    want = _json_object(expected)
    if want is None:
        return None
    from judge.rules.tool_calls import _json_spans

    objs = [o for o in _json_spans(text) if isinstance(o, dict)]
    if not objs:
        return RuleResult(1 if text.strip() else 0, "expected a JSON object, found none")

    def agree(o: dict) -> int:
        return sum(
            1 for k, v in want.items() if str(o.get(k, "")).strip().lower() == str(v).lower()
        )

    best = max(objs, key=agree)
    hits = agree(best)
    if hits == len(want):
        extra = "" if text.strip().startswith(("{", "```")) else " (with surrounding text)"
        return RuleResult(3, f"JSON has all {hits} expected fields{extra}")
    if hits * 2 >= len(want):
        return RuleResult(2, f"JSON has {hits}/{len(want)} expected field values")
    return RuleResult(1, f"JSON has {hits}/{len(want)} expected field values")


def evaluate(
    *,
    expected: str | None,
    reference_answer: str | None,
    criteria: list[str],
    prompt: str,
    text: str,
) -> RuleResult:
    """Coverage of expected points, reference words and criteria -> 0-3."""
    n_words = len(words(text))
    if n_words < 3:
        return RuleResult(0, f"no substantive answer ({n_words} words)")
    rs = stems(text)
    cov, n_points = phrase_coverage(expected, rs)
    rec = reference_recall(reference_answer, rs)
    crit_cov, _ = phrase_coverage("\n".join(criteria), rs)
    # The prompt's own words are free: a response that only restates the question scores low.
    novel = rs - stems(prompt)
    wants_code = bool(code_blocks(reference_answer or "")) or bool(
        re.search(
            r"\b(implement|write (a|the)? ?(python|function|class|code)|fix it)\b", prompt, re.I
        )
    )
    has_code = looks_like_code(text)
    credit = 0.45 * cov + 0.35 * min(1.0, rec / 0.35) + 0.20 * crit_cov
    notes = (
        f"expected points {cov:.0%} of {n_points}, reference words {rec:.0%}, "
        f"criteria {crit_cov:.0%}, {n_words} words"
    )
    structured = has_code or bool(re.search(r"[{\[]\s*\"", text))
    if len(novel) < 5 and not structured and n_words > 8:
        return RuleResult(1, "restates the question without an answer; " + notes)
    if wants_code and not has_code:
        credit = min(credit, 0.55)
        notes += ", no code where code is asked for"
    if credit >= 0.5 and n_words >= 40:
        return RuleResult(3, "covers the expected content; " + notes)
    if credit >= 0.3:
        return RuleResult(2, "partly covers the expected content; " + notes)
    return RuleResult(1, "misses most expected content; " + notes)
