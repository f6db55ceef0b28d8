"""JSON tool calls: found in free text, compared with the expected calls by name and parameters.

Models wrap tool calls in code fences, prose, or emit several objects in a row; some use the
`{"tool_name": {...params}}` shape instead of `{"name": ..., "parameters": {...}}`. The
extractor scans every balanced `{...}`/`[...]` span that parses as JSON and normalises calls to
`(name, parameters)`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache

from judge.rules.base import RuleResult


@dataclass(frozen=True)
class Call:
    name: str
    parameters: dict


_PARAM_KEYS = ("parameters", "arguments", "args", "params", "input")
_NAME_KEYS = ("name", "tool", "tool_name", "function", "type", "id")


def _as_call(obj: object) -> Call | None:
    if not isinstance(obj, dict):
        return None
    name = obj.get("name") or obj.get("tool") or obj.get("tool_name") or obj.get("function")
    if isinstance(name, dict):  # OpenAI style {"function": {"name":..., "arguments":...}}
        return _as_call(name)
    if isinstance(name, str) and re.fullmatch(r"[A-Za-z_][\w.-]*", name):
        key = next((k for k in _PARAM_KEYS if k in obj), None)
        if key is not None:
            params = obj[key]
        else:  # flat shape: {"tool": "grep_search", "pattern": "ERROR", "path": "..."}
            params = {k: v for k, v in obj.items() if k not in _NAME_KEYS}
        if isinstance(params, str):
            try:
                params = json.loads(params)
            except ValueError:
                params = {"_raw": params}
        return Call(name, params if isinstance(params, dict) else {"_value": params})
    if len(obj) == 1:  # {"read_file": {"path": ...}}
        ((key, val),) = obj.items()
        if isinstance(val, dict) and re.fullmatch(r"[A-Za-z_][\w.-]*", key):
            return Call(key, val)
    return None


def _json_spans(text: str) -> list[object]:
    """Every outermost balanced {...} or [...] that parses as JSON, in order.

    Memoised (the detector and up to three rules ask about the same text); a fresh list each
    call, its parsed objects shared (no caller changes them)."""
    return list(_json_spans_cached(text))


_OPENER = re.compile(r"[\[{]")
_STRUCTURAL = re.compile(r'[\[\]{}"\\]')  # the only characters that change the scan's state


def _span_end(text: str, i: int) -> int:
    """Index of the bracket that closes the one at `i` (brackets of either kind counted alike,
    strings and their escapes skipped), or -1: `_json_spans_plain`'s inner scan, jumping from
    one structural character to the next instead of stepping through every character."""
    depth, j, in_str = 0, i, False
    search = _STRUCTURAL.search
    while True:
        m = search(text, j)
        if m is None:
            return -1
        j = m.start()
        c = text[j]
        if in_str:
            if c == "\\":
                j += 2  # the escaped character, whatever it is, is skipped
                continue
            if c == '"':
                in_str = False
        elif c == '"':
            in_str = True
        elif c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
            if depth == 0:
                return j
        j += 1


@lru_cache(maxsize=1024)
def _json_spans_cached(text: str) -> tuple[object, ...]:
    out: list[object] = []
    i = 0
    while True:
        m = _OPENER.search(text, i)
        if m is None:
            return tuple(out)
        i = m.start()
        j = _span_end(text, i)
        if j >= 0:
            try:
                out.append(json.loads(text[i : j + 1]))
                i = j + 1
                continue
            except ValueError:
                pass
        i += 1


def _json_spans_plain(text: str) -> list[object]:
    """`_json_spans` as first written, one character at a time: the definition the fast one is
    tested against."""
    out: list[object] = []
    i, n = 0, len(text)
    while i < n:
        if text[i] not in "[{":
            i += 1
            continue
        depth, j, in_str, esc = 0, i, False, False
        while j < n:
            c = text[j]
            if in_str:
                if esc:
                    esc = False
                elif c == "\\":
                    esc = True
                elif c == '"':
                    in_str = False
            elif c == '"':
                in_str = True
            elif c in "[{":
                depth += 1
            elif c in "]}":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        if depth == 0 and j < n:
            try:
                out.append(json.loads(text[i : j + 1]))
                i = j + 1
                continue
            except ValueError:
                pass
        i += 1
    return out


def _calls_in(obj: object) -> list[Call]:
    if isinstance(obj, list):
        return [c for item in obj for c in _calls_in(item)]
    if isinstance(obj, dict):
        call = _as_call(obj)
        if call:
            return [call]
        for key in ("tool_calls", "calls", "actions", "steps"):
            if isinstance(obj.get(key), list):
                return _calls_in(obj[key])
    return []


def extract_tool_calls(text: str) -> list[Call]:
    """All tool calls in a response, in order of appearance."""
    return [c for obj in _json_spans(text) for c in _calls_in(obj)]


def expected_calls(expected: str | None, reference_answer: str | None) -> list[Call]:
    """The calls a question expects: from its reference's JSON, else names in `expected`."""
    for source in (reference_answer, expected):
        calls = extract_tool_calls(source or "")
        if calls:
            return calls
    names = re.findall(r'"name"\s*:\s*"([A-Za-z_][\w.-]*)"', expected or "")
    return [Call(n, {}) for n in names]


def _norm(v: object) -> object:
    if isinstance(v, str):
        return v.strip().lower()
    if isinstance(v, dict):
        return {str(k).lower(): _norm(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_norm(x) for x in v]
    return v


def _param_credit(want: dict, got: dict) -> float:
    """Share of expected parameters present with an equal value (keys and values normalised)."""
    if not want:
        return 1.0
    w, g = _norm(want), _norm(got)
    assert isinstance(w, dict) and isinstance(g, dict)
    hits = 0.0
    for k, v in w.items():
        if k in g:
            hits += 1.0 if g[k] == v or v in ("", None) and g[k] in ("", None) else 0.5
    return hits / len(w)


def evaluate(expected: str | None, reference_answer: str | None, text: str) -> RuleResult | None:
    """Compare the response's calls with the expected ones; None if the question expects none.

    3: every expected tool called, in order, parameters (nearly) right.
    2: every expected tool called but order or parameters off; or most tools right.
    1: JSON calls made but the wrong tools, or a minority right.
    0: no tool call at all.
    """
    if not re.search(r'"name"\s*:', expected or ""):
        return None
    want = expected_calls(expected, reference_answer)
    if not want:
        return None
    got = extract_tool_calls(text)
    if not got:
        bare = [o for o in _json_spans(text) if isinstance(o, dict)]
        if len(want) == 1 and want[0].parameters and bare:
            credit = max(_param_credit(want[0].parameters, o) for o in bare)
            if credit >= 0.75:
                return RuleResult(2, f"parameters right ({credit:.0%}) but no tool name given")
            return RuleResult(1, f"JSON without a tool name; parameters {credit:.0%} right")
        return RuleResult(0, "no JSON tool call found")
    got_names = [c.name for c in got]
    want_names = [c.name for c in want]
    matched = [w for w in want if w.name in got_names]
    name_share = len(matched) / len(want)
    in_order = [n for n in got_names if n in want_names][: len(want_names)] == want_names
    params = [
        max(_param_credit(w.parameters, g.parameters) for g in got if g.name == w.name)
        for w in matched
    ]
    param_share = sum(params) / len(want) if want else 0.0
    detail = f"calls {got_names} vs expected {want_names}; params {param_share:.0%}" + (
        "" if in_order else "; order differs"
    )
    if name_share == 1 and in_order and param_share >= 0.75:
        return RuleResult(3, "tool calls match: " + detail)
    if name_share == 1 or name_share >= 0.5 and param_share >= 0.5:
        return RuleResult(2, "tool calls partly match: " + detail)
    return RuleResult(1, "tool calls do not match: " + detail)
