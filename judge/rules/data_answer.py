"""Data answers: where the answer is data in a named format, compare the data, not the words.

A question like "Transform this flat data into nested YAML grouped by department" (expected
"Valid nested YAML with departments as keys", a reference with the YAML in a fenced block) has
a deterministic answer: the reference's data. Word overlap cannot tell a right grouping from one
that invents employees or never gives YAML at all; parsing can. The comparison is over the
input's data (the reference's keys and values that the prompt contains: names, departments,
levels), so any valid structure that keeps them, with or without a wrapper key, is right.
"""

from __future__ import annotations

import re
from functools import lru_cache

from judge.rules.base import RuleResult
from judge.rules.text import words

_FORMAT = re.compile(r"\b(YAML|JSON)\b", re.IGNORECASE)
_FENCE = re.compile(r"```([\w+-]*)[ \t]*\n(.*?)```", re.DOTALL)
_LANGS = {"yaml": ("yaml", "yml"), "json": ("json",)}
_DATA_LINE = re.compile(r"^\s*(?:-\s+\S|[\w\"'][\w \"'.-]*:(?:\s|$))")
MAX_CHARS = 20_000  # parse no more than this per candidate: a data answer is short


@lru_cache(maxsize=512)
def _parse(text: str) -> object | None:
    """YAML (JSON is YAML) of `text` when it is a mapping or a list, else None. Memoised: a
    response's fenced block and its run of data lines are often the same text, and rules-v2
    asks about the same answer more than once (pure-Python PyYAML is the costly part; the
    parsed data is only read)."""
    if len(text) > MAX_CHARS:
        return None
    import yaml  # here, not at the top: a run with nothing to judge never parses YAML

    try:
        data = yaml.safe_load(text)  # JSON is YAML: one parser for both
    except yaml.YAMLError:
        return None
    return data if isinstance(data, dict | list) else None


def _scalars(data: object) -> tuple[set[str], set[str]]:
    """(mapping keys, leaf values) of a parsed document, lower-cased strings."""
    keys: set[str] = set()
    values: set[str] = set()
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            keys.update(str(k).strip().lower() for k in node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        elif node is not None:
            values.add(str(node).strip().lower())
    return keys, values


def _depth(data: object) -> int:
    if isinstance(data, dict):
        return 1 + max((_depth(v) for v in data.values()), default=0)
    if isinstance(data, list):
        return 1 + max((_depth(v) for v in data), default=0)
    return 0


def _is_tool_call(data: object) -> bool:
    items = data if isinstance(data, list) else [data]
    return any(
        isinstance(d, dict) and "name" in d and ("parameters" in d or "arguments" in d)
        for d in items
    )


@lru_cache(maxsize=256)
def reference_data(expected: str, reference: str) -> tuple[str, object] | None:
    """(format, parsed data) when `expected` names YAML or JSON and the reference gives that
    format in a fenced block of nested data; None otherwise (the rule does not apply). A tool
    call (`name` + `parameters`) is no data answer: the tool-call rule, which knows the ways a
    call may be written, judges those."""
    m = _FORMAT.search(expected)
    if m is None:
        return None
    fmt = m.group(1).lower()
    for lang, body in _FENCE.findall(reference):
        if lang.lower() in _LANGS[fmt]:
            data = _parse(body)
            if data is not None and _depth(data) >= 2 and not _is_tool_call(data):
                return fmt, data
    return None


def candidates(text: str) -> list[object]:
    """Parsed data in a response: fenced blocks, the whole text, and runs of data-looking lines
    (an unfenced YAML document between sentences)."""
    found = [_parse(body) for _, body in _FENCE.findall(text)]
    found.append(_parse(text))
    run: list[str] = []
    for line in [*text.split("\n"), ""]:
        if line.strip() and (_DATA_LINE.match(line) or (run and line.startswith((" ", "\t")))):
            run.append(line)
            continue
        if len(run) >= 2:
            found.append(_parse("\n".join(run)))
        run = []
    return [d for d in found if d is not None]


def evaluate(
    expected: str | None, reference: str | None, prompt: str, text: str
) -> RuleResult | None:
    """The response's data against the reference's, on the rubric's scale: 3 when it holds all
    of the input's data that the reference holds, nothing invented, as nested (give or take a
    wrapper key); 2 (partially correct) when it also holds values the input does not have, is
    less nested, or keeps at least half of the input's data; 1 when it gives no data in the
    format, keeps less than half, or invents values while losing input ones. None when the rule
    does not apply."""
    if not expected or not reference:
        return None
    ref = reference_data(expected, reference)
    if ref is None:
        return None
    fmt, ref_doc = ref
    prompt_words = {w.lower() for w in words(prompt)}
    ref_keys, ref_values = _scalars(ref_doc)
    wanted = {s for s in ref_keys | ref_values if s in prompt_words}
    if not wanted:
        return None
    best: tuple[int, object] | None = None
    for doc in candidates(text):
        keys, values = _scalars(doc)
        hit = len(wanted & (keys | values))
        if best is None or hit > best[0]:
            best = (hit, doc)
    if best is None or best[0] == 0:
        return RuleResult(1, f"no {fmt.upper()} data holding the input's values in the answer")
    hit, doc = best
    keys, values = _scalars(doc)
    invented = sorted(v for v in values - ref_values - ref_keys if v not in prompt_words)
    missing = sorted(wanted - keys - values)
    shown = f"{hit} of {len(wanted)} input values"
    if invented:  # the input transformed, plus data it does not have: partially correct
        return RuleResult(
            1 if missing else 2,
            f"{fmt.upper()} data with values the input does not have: {invented[:5]} ({shown})",
        )
    if missing:
        score = 2 if hit * 2 >= len(wanted) else 1
        return RuleResult(score, f"{fmt.upper()} data missing {missing[:5]} ({shown})")
    if _depth(doc) < _depth(ref_doc) - 1:
        return RuleResult(2, f"{fmt.upper()} data complete but less nested ({shown})")
    return RuleResult(3, f"{fmt.upper()} data matches the reference's ({shown}, nothing invented)")
