"""Key answers: numbers (with tolerance), tuples, times and identifiers from `expected`.

Many questions state their answer as a short list in `expected`: ``$120, $129.60, 86.4%``,
``2/9 (~0.222), 1/3 (~0.333)``, ``(3, 4), (4, 3), (-3, -4), (-4, -3)``, ``11:34 AM``,
``node-7, 03:47:22``. Such an `expected` is split at top-level commas into key parts; a part
is found when the response contains any of its alternatives (a number within tolerance, the
fraction's value, the tuple, the time, the identifier). Long prose `expected` values are not
key answers: :func:`key_parts` returns [] for them and other rules take over.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from judge.rules.base import RuleResult

REL_TOL = 0.005  # 0.5 %: rounding of a correct answer ("0.222" for 2/9)
APPROX_REL_TOL = 0.02  # values the question itself marks as approximate (~, ≈)

_NUM = r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?|-?\.\d+"
_NUMBER_RE = re.compile(r"(?<![\w.])(" + _NUM + r")(?![\d])")
_FRACTION_RE = re.compile(r"(?<![\w.])(-?\d+)\s*/\s*(\d+)(?![\d.])")
_LATEX_FRAC_RE = re.compile(r"\\d?frac\{\s*(-?\d+)\s*\}\{\s*(\d+)\s*\}")
_TUPLE_RE = re.compile(r"\(\s*(" + _NUM + r")\s*,\s*(" + _NUM + r")\s*\)")
_TIME_RE = re.compile(r"\b(\d{1,2}):(\d{2})(?::(\d{2}))?\b")
_IDENT_RE = re.compile(r"\b[A-Za-z][\w]*(?:-[\w]+)+\b|\b(?=\w*\d)(?=\w*[A-Za-z])\w{6,}\b")

# Words allowed in a key-answer `expected` besides the answers themselves.
_LABEL_WORDS = {
    "mean", "median", "std", "mode", "width", "length", "area", "height", "outliers",
    "outlier", "total", "items", "sq", "am", "pm", "and", "or", "no", "yes", "approx",
    "about", "min", "max", "node", "answer",
}  # fmt: skip


@dataclass(frozen=True)
class Part:
    """One key answer: satisfied by any of its numbers, tuples, times or identifiers."""

    text: str
    numbers: tuple[tuple[float, bool], ...] = ()  # (value, approximate?)
    tuples: tuple[tuple[float, float], ...] = ()
    times: tuple[str, ...] = ()
    idents: tuple[str, ...] = ()
    literal: str | None = None  # a short part with nothing numeric: matched as text

    @property
    def has_keys(self) -> bool:
        return bool(self.numbers or self.tuples or self.times or self.idents or self.literal)


def _to_float(s: str) -> float:
    return float(s.replace(",", ""))


def _split_top_level(s: str) -> list[str]:
    parts, depth, cur = [], 0, []
    for ch in s:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(0, depth - 1)
        if ch in ",;\n" and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return [p.strip() for p in parts if p.strip()]


def _parse_part(text: str) -> Part:
    tuples = tuple((_to_float(a), _to_float(b)) for a, b in _TUPLE_RE.findall(text))
    rest = _TUPLE_RE.sub(" ", text)
    times = tuple(m.group(0) for m in _TIME_RE.finditer(rest))
    rest = _TIME_RE.sub(" ", rest)
    idents = tuple(m.group(0) for m in _IDENT_RE.finditer(rest) if re.search(r"\d", m.group(0)))
    for ident in idents:
        rest = rest.replace(ident, " ")
    approx = bool(re.search(r"[~≈]|approx", text))
    nums: list[tuple[float, bool]] = []
    for a, b in _FRACTION_RE.findall(rest):
        if int(b):
            nums.append((float(Fraction(int(a), int(b))), approx))
    rest = _FRACTION_RE.sub(" ", rest)
    for m in _NUMBER_RE.finditer(rest):
        after = rest[m.end() : m.end() + 1]
        is_approx = approx or "~" in rest[max(0, m.start() - 2) : m.start()]
        value = _to_float(m.group(1))
        nums.append((value, is_approx))
        if after == "%":
            nums.append((value / 100, is_approx))
    return Part(text, tuple(nums), tuples, times, idents)


def key_parts(expected: str | None) -> list[Part]:
    """The key answers of a short, answer-like `expected`; [] for prose."""
    if not expected or len(expected) > 120:
        return []
    return list(_key_parts(expected))


@lru_cache(maxsize=1024)
def _key_parts(expected: str) -> tuple[Part, ...]:
    # a property of the question, asked for by two rules per response: parsed once
    return tuple(_parse_key_parts(expected))


def _parse_key_parts(expected: str) -> list[Part]:
    stripped = _TUPLE_RE.sub(" ", expected)
    stripped = _IDENT_RE.sub(
        lambda m: " " if re.search(r"\d", m.group(0)) else m.group(0), stripped
    )
    prose = [w for w in re.findall(r"[A-Za-z]{3,}", stripped) if w.lower() not in _LABEL_WORDS]
    if len(prose) > 1:
        return []
    parts = [_parse_part(p) for p in _split_top_level(expected)]
    if not any(p.numbers or p.tuples or p.times or p.idents for p in parts):
        return []
    out = []
    for p in parts:
        if p.numbers or p.tuples or p.times or p.idents:
            out.append(p)
        elif 0 < len(p.text) <= 40 and len(p.text.split()) >= 2:
            out.append(Part(p.text, literal=p.text))
    return out


def response_numbers(text: str) -> list[float]:
    """Every number in a response, fractions (a/b, \\frac{a}{b}) as their values too."""
    return list(_numbers_of(text))


@lru_cache(maxsize=1024)
def _numbers_of(text: str) -> tuple[float, ...]:
    # memoised: each key part asks about the question's prompt and the answer's conclusion
    vals = [_to_float(m.group(1)) for m in _NUMBER_RE.finditer(text)]
    for a, b in _FRACTION_RE.findall(text) + _LATEX_FRAC_RE.findall(text):
        if int(b):
            vals.append(float(Fraction(int(a), int(b))))
    return tuple(vals)


def _close(a: float, b: float, approx: bool) -> bool:
    tol = APPROX_REL_TOL if approx else REL_TOL
    return abs(a - b) <= max(tol * abs(b), 1e-9)


def _time_found(t: str, text: str) -> bool:
    hh, rest = t.split(":", 1)
    return (
        re.search(r"(?<!\d)0?" + str(int(hh)) + ":" + re.escape(rest) + r"(?!\d)", text) is not None
    )


def part_found(part: Part, text: str, numbers: list[float] | None = None) -> bool:
    """Whether the response states this key answer in any accepted form."""
    nums = response_numbers(text) if numbers is None else numbers
    if any(_close(v, want, approx) for want, approx in part.numbers for v in nums):
        return True
    for x, y in part.tuples:
        for a, b in _TUPLE_RE.findall(text):
            if _close(_to_float(a), x, False) and _close(_to_float(b), y, False):
                return True
    if any(_time_found(t, text) for t in part.times):
        return True
    for ident in part.idents:
        loose = re.escape(ident).replace(r"\-", r"[-\s_]?")
        if re.search(loose, text, re.IGNORECASE):
            return True
    if part.literal:
        flat = " ".join(text.split()).lower()
        return " ".join(part.literal.split()).lower() in flat
    return False


CONCLUSION_SHARE = 0.3  # the final stretch of an answer where its conclusion sits


def evaluate(expected: str | None, text: str, prompt: str = "") -> RuleResult | None:
    """Score by the share of key answers found; None when `expected` holds no key answers.

    All found: 3. At least half: 2. Fewer: 1 for an attempt, 0 for (next to) nothing. A key
    answer that the prompt itself contains (the "42" of "[Print 42]") proves nothing when
    quoted, so it must appear in the answer's conclusion (its last 30 %) to count.
    """
    parts = key_parts(expected)
    if not parts:
        return None
    nums = response_numbers(text)
    tail = text[int(len(text) * (1 - CONCLUSION_SHARE)) :]
    found = [
        p
        for p in parts
        if (part_found(p, tail) if prompt and part_found(p, prompt) else part_found(p, text, nums))
    ]
    missing = [p.text for p in parts if p not in found]
    n, k = len(parts), len(found)
    if k == n:
        return RuleResult(3, f"all {n} key answers found ({expected})")
    share = k / n
    if share >= 0.5:
        return RuleResult(2, f"{k}/{n} key answers found; missing {', '.join(missing)}")
    attempted = len(text.split()) >= 5
    return RuleResult(
        1 if attempted else 0,
        f"{k}/{n} key answers found; missing {', '.join(missing)}",
    )
