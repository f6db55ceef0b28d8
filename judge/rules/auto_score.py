"""The suites' own `auto_score` specs, executed.

Specs as the suites write them (instruction_precision, tool_compliance)::

    word_count:20:25                         forbidden_words:sunlight,sun,solar
    exact_match:NONE                         format_pattern:^[A-Za-z]+ \\(\\d{4}\\)$
    format_lines:ERROR_TYPE:,ROOT_CAUSE:,FIX:
    multi:count_items:5,alphabetical,no_punctuation
    multi:word_count:1:12,starts_with:A,ends_with:data,forbidden_words:store,storage
    contains_pattern:list_dir\\s*\\(;forbidden_pattern:import |os\\.listdir

Each check returns a credit in [0, 1] (near misses earn part of it) and a short note; the
spec's credit is the mean over its checks. `manual` (or an unknown check) means "no automatic
verdict": :func:`parse` returns no checks and the judge falls back to other rules.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from dataclasses import dataclass

from judge.rules.base import RuleResult, credit_to_score
from judge.rules.text import lines, unfence, words

NO_ARG_CHECKS = {"alphabetical", "no_punctuation"}


@dataclass(frozen=True)
class Check:
    name: str
    args: tuple[str, ...]


def parse(spec: str | None) -> list[Check]:
    """A spec string -> its checks; [] for `manual`, empty or unparseable specs."""
    if not spec:
        return []
    spec = spec.split("  #", 1)[0].strip()
    if not spec or spec == "manual":
        return []
    if spec.startswith("multi:"):
        checks: list[Check] = []
        for token in spec[len("multi:") :].split(","):
            name, _, rest = token.partition(":")
            if name in CHECKS and (rest or name in NO_ARG_CHECKS):
                checks.append(Check(name, tuple(rest.split(":")) if rest else ()))
            elif checks and checks[-1].name == "forbidden_words":
                # forbidden_words:store,storage -> the comma continues the word list
                checks[-1] = Check("forbidden_words", (checks[-1].args[0] + "," + token,))
            else:
                return []
        return checks
    if ";" in spec and all(p.partition(":")[0] in CHECKS for p in spec.split(";")):
        return [Check(p.partition(":")[0], (p.partition(":")[2],)) for p in spec.split(";")]
    name, _, rest = spec.partition(":")
    if name not in CHECKS:
        return []
    if name == "word_count":
        return [Check(name, tuple(rest.split(":")))]
    return [Check(name, (rest,))]


def _word_count(text: str, lo: str, hi: str) -> tuple[float, str]:
    n, a, b = len(words(text)), int(lo), int(hi)
    if a <= n <= b:
        return 1.0, f"{n} words (wanted {a}-{b})"
    miss = (a - n) if n < a else (n - b)
    credit = 0.5 if miss <= max(2, round(0.15 * b)) else 0.0
    return credit, f"{n} words, wanted {a}-{b}"


def _forbidden_words(text: str, wordlist: str) -> tuple[float, str]:
    banned = [w.strip() for w in wordlist.split(",") if w.strip()]
    found = [
        w
        for w in banned
        if re.search(r"(?<![A-Za-z])" + re.escape(w) + r"(?![A-Za-z])", text, re.I)
    ]
    if found:
        return 0.0, "uses forbidden " + ", ".join(repr(w) for w in found)
    return 1.0, "avoids " + ", ".join(repr(w) for w in banned)


def _normalise(s: str) -> str:
    s = unfence(s).strip()
    s = s.strip("\"'`*").strip()
    return s.rstrip(".").strip()


def _exact_match(text: str, target: str) -> tuple[float, str]:
    got = _normalise(text)
    if got == target or got.lower() == target.lower():
        return 1.0, f"exactly {target!r}"
    first = _normalise(got.split("\n", 1)[0])
    if first.lower() == target.lower():
        return 0.5, f"{target!r} first, then {len(words(got)) - len(words(target))} more words"
    if re.search(r"(?<![\w])" + re.escape(target) + r"(?![\w])", got, re.I):
        extra = len(words(got)) - len(words(target))
        if extra <= 8:
            return 0.5, f"{target!r} with {extra} extra words"
        return 0.25, f"{target!r} buried in {len(words(got))} words"
    return 0.0, f"answer is not {target!r}"


def _format_pattern(text: str, pattern: str) -> tuple[float, str]:
    ls = lines(unfence(text))
    if not ls:
        return 0.0, "no lines"
    ok = sum(1 for ln in ls if re.fullmatch(pattern, ln) or re.search(pattern, ln))
    if ok == len(ls):
        return 1.0, f"all {ok} lines match the format"
    return ok / len(ls) * 0.9, f"{ok}/{len(ls)} lines match the format"


def _format_lines(text: str, *prefixes: str) -> tuple[float, str]:
    want = [p for p in ",".join(prefixes).split(",") if p]
    ls = lines(unfence(text))
    present = [p for p in want if any(ln.startswith(p) for ln in ls)]
    if len(present) == len(want) and len(ls) == len(want):
        in_order = all(ls[i].startswith(p) for i, p in enumerate(want))
        if in_order:
            return 1.0, f"exactly the {len(want)} labelled lines"
    if len(present) == len(want):
        return 0.6, f"all labels present but {len(ls)} lines (wanted {len(want)})"
    return len(present) / len(want) * 0.5, f"{len(present)}/{len(want)} labels present"


def _items(text: str) -> list[str]:
    return lines(unfence(text))


def _count_items(text: str, n: str) -> tuple[float, str]:
    got, want = len(_items(text)), int(n)
    if got == want:
        return 1.0, f"{got} items"
    return (0.5 if abs(got - want) == 1 else 0.0), f"{got} items, wanted {want}"


def _alphabetical(text: str) -> tuple[float, str]:
    items = [re.sub(r"^[\W\d_]+", "", i).lower() for i in _items(text)]
    if len(items) < 2:
        return 0.0, "too few items to be in order"
    if items == sorted(items):
        return 1.0, "alphabetical"
    return 0.0, "not alphabetical"


def _no_punctuation(text: str) -> tuple[float, str]:
    marks = [c for c in unfence(text) if c in string.punctuation]
    if not marks:
        return 1.0, "no punctuation"
    return 0.0, f"punctuation {''.join(sorted(set(marks)))!r}"


def _starts_with(text: str, prefix: str) -> tuple[float, str]:
    t = _normalise(text)
    if t.startswith(prefix):
        return 1.0, f"starts with {prefix!r}"
    return 0.0, f"does not start with {prefix!r}"


def _ends_with(text: str, suffix: str) -> tuple[float, str]:
    t = _normalise(text).rstrip("!?.\"' ")
    if t.lower().endswith(suffix.lower()):
        return 1.0, f"ends with {suffix!r}"
    return 0.0, f"does not end with {suffix!r}"


def _contains_pattern(text: str, pattern: str) -> tuple[float, str]:
    if re.search(pattern, text):
        return 1.0, f"uses /{pattern}/"
    return 0.0, f"missing /{pattern}/"


def _forbidden_pattern(text: str, pattern: str) -> tuple[float, str]:
    m = re.search(pattern, text)
    if m:
        return 0.0, f"forbidden {m.group(0).strip()!r}"
    return 1.0, "no forbidden pattern"


CHECKS: dict[str, Callable[..., tuple[float, str]]] = {
    "word_count": _word_count,
    "forbidden_words": _forbidden_words,
    "exact_match": _exact_match,
    "format_pattern": _format_pattern,
    "format_lines": _format_lines,
    "count_items": _count_items,
    "alphabetical": _alphabetical,
    "no_punctuation": _no_punctuation,
    "starts_with": _starts_with,
    "ends_with": _ends_with,
    "contains_pattern": _contains_pattern,
    "forbidden_pattern": _forbidden_pattern,
}


def run_check(check: Check, text: str) -> tuple[float, str]:
    """One check over the answer text; a malformed spec argument scores as no verdict (0)."""
    try:
        return CHECKS[check.name](text, *check.args)
    except (re.error, ValueError, TypeError) as exc:
        return 0.0, f"{check.name}: unusable spec ({exc})"


def evaluate(spec: str | None, text: str) -> RuleResult | None:
    """Score `text` against an auto_score spec; None when the spec gives no automatic verdict."""
    checks = parse(spec)
    if not checks:
        return None
    results = [run_check(c, text) for c in checks]
    credit = sum(c for c, _ in results) / len(results)
    passed = sum(1 for c, _ in results if c >= 0.999)
    score = credit_to_score(credit, attempted=bool(text.strip()))
    notes = "; ".join(n for _, n in results)
    return RuleResult(score, f"auto_score {passed}/{len(results)} checks pass: {notes}")
