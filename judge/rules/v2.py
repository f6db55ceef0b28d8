"""The rule changes of rules-v2, each a small function over the rules-v1 families.

rules-v1 stays as it was (reproducible by name); rules-v2 applies these principled changes,
none of them fitted to any judge's scores (issue 12.3, issue 11.7):

- :func:`key_answers`: the final answer counts where a question has one key answer; a list of
  candidates or a disowned mention is no answer;
- :func:`math_answer`: a final answer compared with a mathematical `expected` (expression,
  fraction, interval) for equivalence with sympy, bounded in size and time;
- :func:`tool_calls`: `{"tool_call": {...}}` / `{"function_call": {...}}` wrappers unwrapped and
  calls written as strings (`name{json}`, `name(args)`) parsed, capped at 2 as a format deviation;
- :func:`coverage`: rubric words (matched as whole words, not by stem: "consistency" is no
  "considers") never count as coverage; points of `expected` that describe a good answer
  ("Valid schedule respecting all constraints") are uncheckable by words, save the identifiers
  they name, and so are the criteria (grader guidance, not answer text): left out, not missed.
  Where `expected` or the reference states the answer, the prompt's words are answer content;
- `judge.rules.data_answer` (its own module): where `expected` names YAML or JSON and the
  reference gives it, the response's data is parsed and compared with the reference's;
- :func:`instructions`: an IFEval-style "loose" re-check after removing a leading "Here is..."
  line or a trailing note, said in the reason when it decides.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache

from judge.rules import auto_score, math_equiv, numbers, overlap
from judge.rules import tool_calls as v1_tool_calls
from judge.rules.base import RuleResult
from judge.rules.final_answer import disowned, final_answer, is_candidate_list
from judge.rules.text import code_blocks, looks_like_code, words

# ----------------------------------------------------------------------------- key answers


def key_answers(expected: str | None, text: str, prompt: str = "") -> RuleResult | None:
    """rules-v1's key-answer rule, then the answer the response commits to decides.

    - the committed answer (see `final_answer`) naming many numbers is a candidate list: <= 1;
    - a key answer only ever mentioned in a disowning sentence is not given: <= 1;
    - with one key answer, a final answer (boxed or "final answer:" line) that does not state it
      is a different answer: <= 1, however often the key appears before it.
    """
    result = numbers.evaluate(expected, text, prompt)
    if result is None or result.score <= 1:
        return result
    parts = numbers.key_parts(expected)
    committed = final_answer(text)
    if committed is None:
        if disowned(text):
            return result.capped(1, "the key answer is only mentioned to be disowned")
        return result
    answer, how = committed
    if is_candidate_list(answer):
        return result.capped(1, f"the answer is a list of candidates ({how}), not one answer")
    if len(parts) == 1 and how != "last result line" and not numbers.part_found(parts[0], answer):
        return result.capped(
            1, f"the final answer ({how}: {answer[:60]!r}) is not the key answer {parts[0].text!r}"
        )
    return result


_PLAIN_NUMBER = re.compile(r"^\s*[-+]?\$?[\d,]*\.?\d+\s*%?\s*$")
_MATHY = re.compile(r"[A-Za-z\\^\[\]]|\d\s*/\s*\(|\)\s*/")


def math_answer(expected: str | None, text: str) -> RuleResult | None:
    """Where `expected` is one mathematical expression or interval (not a plain number or a
    list of them: the key-answer rule handles those with its tolerance), the final answer is
    compared with it for equivalence (`math_equiv`): equivalent -> 3, a different parsed
    answer -> 1. None when either side is not a bounded, parseable expression."""
    if not expected or len(expected) > math_equiv.MAX_CHARS or _PLAIN_NUMBER.match(expected):
        return None
    if not _MATHY.search(expected) or math_equiv.equivalent(expected, expected) is not True:
        return None
    committed = final_answer(text)
    if committed is None:
        return None
    answer, how = committed
    tails = [answer]
    for sep in ("=", " is "):
        if sep in answer:
            tails.append(answer.rsplit(sep, 1)[1])
    for candidate in tails:
        same = math_equiv.equivalent(expected, candidate)
        if same is True:
            return RuleResult(
                3, f"the final answer ({how}: {candidate[:60]!r}) equals {expected!r}"
            )
        if same is False:
            return RuleResult(
                1, f"the final answer ({how}: {candidate[:60]!r}) is not equivalent to {expected!r}"
            )
    return None


# ----------------------------------------------------------------------------- tool calls

_WRAPPERS = ("tool_call", "function_call", "toolcall", "call", "tool_use")
_STRING_JSON_CALL = re.compile(r"(?<![\w.\"])([A-Za-z_][\w.]*)\s*(\{)")
_STRING_PY_CALL = re.compile(r"(?<![\w.\"])([A-Za-z_][\w.]*)\(([^()]*)\)")
_KWARG = re.compile(r"([A-Za-z_]\w*)\s*=\s*(\"[^\"]*\"|'[^']*'|[^,]+)")


def _unwrap(obj: object) -> object:
    if isinstance(obj, list):
        return [_unwrap(o) for o in obj]
    if isinstance(obj, dict) and len(obj) == 1:
        ((key, val),) = obj.items()
        if key.lower() in _WRAPPERS and isinstance(val, dict | list):
            return _unwrap(val)
    return obj


def _literal(v: str) -> object:
    v = v.strip()
    if v[:1] in "\"'" and v[-1:] == v[:1]:
        return v[1:-1]
    try:
        return json.loads(v)
    except ValueError:
        return v


def _string_calls(text: str, names: set[str]) -> list[dict]:
    """Calls written as `name{json}` or `name(k=v, ...)`, for the tools the question expects."""
    calls: list[tuple[int, dict]] = []
    for m in _STRING_JSON_CALL.finditer(text):
        if m.group(1) not in names:
            continue
        spans = v1_tool_calls._json_spans(text[m.start(2) :])
        if spans and isinstance(spans[0], dict):
            calls.append((m.start(), {"name": m.group(1), "parameters": spans[0]}))
    for m in _STRING_PY_CALL.finditer(text):
        if m.group(1) not in names:
            continue
        args = {k: _literal(v) for k, v in _KWARG.findall(m.group(2))}
        calls.append((m.start(), {"name": m.group(1), "parameters": args}))
    return [c for _, c in sorted(calls, key=lambda x: x[0])]


def normalised_calls(text: str, expected: str | None, reference: str | None) -> str | None:
    """The response's calls rewritten as plain JSON calls, or None when nothing was rewritten."""
    spans = v1_tool_calls._json_spans(text)
    unwrapped = [_unwrap(o) for o in spans]
    calls = [c for o in unwrapped for c in v1_tool_calls._calls_in(o)]
    rewritten = unwrapped != spans
    if not calls:
        names = {c.name for c in v1_tool_calls.expected_calls(expected, reference)}
        strings = _string_calls(text, names)
        if not strings:
            return None
        return json.dumps(strings)
    if not rewritten:
        return None
    return json.dumps([{"name": c.name, "parameters": c.parameters} for c in calls])


def tool_calls(expected: str | None, reference: str | None, text: str) -> RuleResult | None:
    """rules-v1's tool-call rule; when it falls short, the same rule over the normalised calls,
    capped at 2 (the calls were right but not in the format asked for)."""
    result = v1_tool_calls.evaluate(expected, reference, text)
    if result is None or result.score >= 2:
        return result
    rewritten = normalised_calls(text, expected, reference)
    if rewritten is None:
        return result
    again = v1_tool_calls.evaluate(expected, reference, rewritten)
    if again is None or again.score <= result.score:
        return result
    return again.capped(2, "format deviation: calls wrapped or written as strings")


# ----------------------------------------------------------------------------- free text

# Words that describe any good answer, so they are no evidence of this one.
RUBRIC_WORDS = frozenset(
    """valid correct correctly complete completely accurate accurately detailed detail details
    clear clearly proper properly appropriate good well right reasonable thorough comprehensive
    respecting respects satisfies satisfy constraints constraint requirements requirement
    approach solution answer explanation explains explained reasoning logical logically
    identifies identified mentions mentioned discusses discussed addresses addressed includes
    included considers considered demonstrates demonstrated specific relevant key important
    """.split()  # noqa: SIM905 - a word list reads better as text
)
# Words naming the kind of answer rather than its content ("Balanced comparison", "Phased
# plan", "Integrated analysis"): with a rubric word they mark a point that describes the answer.
GENRE_WORDS = frozenset(
    """analysis comparison plan description extraction summary overview discussion
    identification estimation framing critique design""".split()  # noqa: SIM905
)


def _word_in(word: str, vocabulary: frozenset[str]) -> bool:
    """A word of `vocabulary`, or its plural ("answers", "plans")."""
    return word in vocabulary or (word.endswith("s") and word[:-1] in vocabulary)


def is_rubric_word(word: str) -> bool:
    """Whether a lower-case word is a rubric word, matched as a whole word.

    Not by its five-letter stem: "considers" shares its stem with "consistency", "complete"
    with "complexity", "approach" with "approval", "explains" with "explainability",
    "accurate" with "accuracy", "important" with "import": answer content that a stem match
    would throw away with the rubric's words.
    """
    return _word_in(word, RUBRIC_WORDS)


class _StemTable(dict):
    """Word (as `words` finds it) -> its content stem, "" when it is no content (shorter than
    `min_len`, a stopword, a number, a rubric word). Filled on first sight of a word: a run's
    responses share most of their vocabulary, so each word is lower-cased and tested once, not
    once per response that uses it. Cleared when full, so memory stays bounded."""

    MAX = 200_000

    def __init__(self, min_len: int) -> None:
        super().__init__()
        self.min_len = min_len

    def __missing__(self, word: str) -> str:
        if len(self) >= self.MAX:
            self.clear()
        w = word.lower()
        stem = (
            w[: overlap.STEM]
            if len(w) >= self.min_len
            and w not in overlap.STOPWORDS
            and not w.isdigit()
            and not is_rubric_word(w)
            else ""
        )
        self[word] = stem
        return stem


_STEM_TABLES: dict[int, _StemTable] = {}
_NO_STEM = frozenset({""})


@lru_cache(maxsize=4096)
def content_stems(text: str, min_len: int = 3) -> frozenset[str]:
    """`overlap.stems` of `text` (words of at least `min_len` letters) without its rubric
    words, matched as whole words (see `is_rubric_word`): a stem stays when any word it comes
    from is content, so "consistency" keeps "consi" although "considers" is a rubric word."""
    table = _STEM_TABLES.get(min_len)
    if table is None:
        table = _STEM_TABLES.setdefault(min_len, _StemTable(min_len))
    return frozenset(map(table.__getitem__, set(words(text)))) - _NO_STEM


# An identifier the answer has to choose: snake_case, camelCase, dotted or slashed names,
# letters with digits (`search_users`, `getLogs`, `node-7`, `/users`, `v1.2.3`).
_IDENTIFIER = re.compile(
    r"(?<![\w/.-])(?:[A-Za-z]\w*_\w+|[a-z]+[A-Z]\w*|\w+(?:[./]\w+)+|/\w[\w/]*|"
    r"[A-Za-z]+-?\d[\w-]*|\d+[A-Za-z][\w-]*)"
)


def is_description(point: str) -> bool:
    """Whether a point of `expected` describes a good answer instead of stating it.

    "Valid schedule respecting all constraints", "Balanced comparison with trade-offs" say what
    any right answer is like (a rubric or genre word); "Selection bias", "check_dns" are what
    the answer says. Only in a description are the prompt's words the task's wording rather
    than answer content.
    """
    return any(
        is_rubric_word(w) or _word_in(w, GENRE_WORDS) for w in (x.lower() for x in words(point))
    )


def identifier_stems(text: str) -> frozenset[str]:
    """Stems of the identifiers in `text` (tool names, paths, versions, labelled options).

    When the prompt offers them (a tool list, options, named entities) the answer consists of
    choosing among them, so naming them is answer content even though the prompt has them.
    """
    return frozenset(s for m in _IDENTIFIER.finditer(text) for s in overlap.stems(m.group(0)))


def _phrase_coverage(expected: str | None, response: frozenset[str]) -> tuple[float, int]:
    """Share of `expected`'s checkable points that the response covers.

    A point's rubric words are dropped. A point that describes a good answer (see
    `is_description`: "Balanced comparison with trade-offs", "Phased approach addressing all
    constraints") says what any right answer is like, not what this one must say: its words,
    the prompt's or not, are the task's wording or qualities ("balanced", "sophisticated")
    that no answer states, so the point is uncheckable by words and left out, not missed,
    except for the identifiers it names (`identifier_stems`: "Logical next step (check_dns,
    ...)"). A point that states the answer ("Selection bias", "check_dns") is checked on all
    its words, the prompt's included: naming what the prompt offers is how an answer chooses.
    """
    if not expected:
        return 0.0, 0
    points = _checkable_points(expected)
    hit = sum(1 for s in points if len(s & response) * 2 >= len(s))
    return (hit / len(points) if points else 0.0), len(points)


@lru_cache(maxsize=1024)
def _checkable_points(expected: str) -> tuple[frozenset[str], ...]:
    """The content stems of each checkable point of `expected` (see `_phrase_coverage`), in
    order: a property of the question, computed once per question, not per response."""
    out = []
    for p in overlap.phrases(expected):
        s = content_stems(p)
        if is_description(p):
            s &= identifier_stems(p)  # the tools or options it names are still answer content
        if s:
            out.append(s)
    return tuple(out)


_WANTS_CODE = re.compile(
    r"\b(implement|write (a|the)? ?(python|function|class|code)|fix it)\b", re.IGNORECASE
)


@lru_cache(maxsize=1024)
def _wants_code(reference_answer: str | None, prompt: str) -> bool:
    """The question asks for code: its reference holds a code block or its prompt says so
    (per question, computed once)."""
    return bool(code_blocks(reference_answer or "")) or bool(_WANTS_CODE.search(prompt))


def coverage(
    *,
    expected: str | None,
    reference_answer: str | None,
    criteria: list[str],
    prompt: str,
    text: str,
) -> RuleResult:
    """rules-v1's coverage estimate over what can be checked by words: the points of
    `expected` that state the answer (not those describing a good answer, see
    `_phrase_coverage`) and the reference answer's words, without the rubric's words. The
    criteria are grader guidance ("Captures key trade-offs", "Concise (2-3 sentences)"), not
    answer text, so they are not matched at all (`criteria` is taken for the signature's sake
    and named in the reason). What holds nothing checkable is left out, not counted as missed;
    with nothing checkable at all, a substantive answer gets 2 ("cannot verify"), not 3 or 1."""
    ws = words(text)  # one pass: the word count and the stems (as `overlap.stems` makes them)
    n_words = len(ws)
    if n_words < 3:
        return RuleResult(0, f"no substantive answer ({n_words} words)", "overlap")
    prompt_stems = overlap.stems(prompt)
    rs = content_stems(text)
    cov, n_points = _phrase_coverage(expected, rs)
    # The reference is an answer, not a description: the prompt's words in it are content.
    ref = content_stems(reference_answer, min_len=6) if reference_answer else frozenset()
    rec = len(ref & rs) / len(ref) if ref else 0.0
    wants_code = _wants_code(reference_answer, prompt)
    has_code = looks_like_code(text)
    # Only what is checkable counts, each part with rules-v1's weight (its criteria part goes:
    # criteria are guidance): what is no evidence either way is left out, not missed.
    parts = [
        (w, x)
        for w, x, checkable in (
            (0.45, cov, n_points > 0),
            (0.35, min(1.0, rec / 0.35), len(ref) >= 3),
        )
        if checkable
    ]
    notes = (
        f"expected points {cov:.0%} of {n_points} checkable, reference words {rec:.0%} of "
        f"{len(ref)}, {n_words} words (rubric words, descriptive points and "
        f"{len(criteria)} criteria not matched)"
    )
    structured = has_code or bool(re.search(r"[{\[]\s*\"", text))
    if len(rs - prompt_stems) < 5 and not structured and n_words > 8:
        return RuleResult(1, "restates the question without an answer; " + notes, "overlap")
    if not parts:
        score = 2 if n_words >= 40 else 1
        return RuleResult(
            score, "an answer nothing checkable can verify (expected only describes a good "
            "answer, no reference); " + notes, "overlap",
        )  # fmt: skip
    credit = sum(w * x for w, x in parts) / sum(w for w, _ in parts)
    if wants_code and not has_code:
        credit = min(credit, 0.55)
        notes += ", no code where code is asked for"
    if credit >= 0.5 and n_words >= 40:
        return RuleResult(3, "covers the expected content; " + notes, "overlap")
    if credit >= 0.3:
        return RuleResult(2, "partly covers the expected content; " + notes, "overlap")
    return RuleResult(1, "misses most expected content; " + notes, "overlap")


# ----------------------------------------------------------------------------- instructions

_PREAMBLE = re.compile(
    r"^\s*(?:here(?:'s| is| are)|sure|certainly|okay|ok|below is|of course)\b.*$|^.*:\s*$",
    re.IGNORECASE,
)
_NOTE = re.compile(
    r"^\s*[(*_]*\s*(?:note|n\.b\.|i hope|let me know|hope this|feel free|this (?:list|answer))",
    re.IGNORECASE,
)


def instructions(spec: str | None, text: str) -> RuleResult | None:
    """The suite's auto_score spec (strict), then IFEval's loose re-check: without a leading
    "Here is..." line and/or a trailing note. The loose result decides only when it is better,
    and the reason says what was removed."""
    strict = auto_score.evaluate(spec, text)
    if strict is None or strict.score == 3:
        return strict
    lines_ = text.strip().split("\n")
    variants: list[tuple[str, str]] = []
    lead = len(lines_) > 1 and _PREAMBLE.match(lines_[0]) is not None
    tail = len(lines_) > 1 and _NOTE.match(lines_[-1]) is not None
    if lead:
        variants.append(("leading line", "\n".join(lines_[1:])))
    if tail:
        variants.append(("trailing note", "\n".join(lines_[:-1])))
    if lead and tail and len(lines_) > 2:
        variants.append(("leading line and trailing note", "\n".join(lines_[1:-1])))
    best = strict
    for what, variant in variants:
        r = auto_score.evaluate(spec, variant.strip())
        if r is not None and r.score > best.score:
            best = RuleResult(r.score, f"{r.reason} (loose check: {what} removed)")
    return best
