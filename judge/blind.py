"""The blind view: turn a warehouse response into the only thing a judge may see.

A judge that knows which model wrote an answer can be swayed by it, so the view is built from
the question, its reference, its criteria and the response text alone. Two things in the
response text itself would still leak: the prompt echo many runners prepend (it also misleads
judges into crediting the model with the question's own words), and models naming themselves
("As Qwen, I ..."). The echo is cut and such names are replaced by a placeholder; the warehouse
keeps the original text untouched.

The cache key hashes exactly what the judge sees plus the rubric and the judge's settings, so
the same blind input is never paid for twice and any change to it forces a fresh verdict.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import fields
from functools import lru_cache

from judge.base import RUBRIC_VERSION, BlindItem, Criterion

PLACEHOLDER = "[MODEL]"


# Family names that identify a model wherever they appear.
STRONG_FAMILIES = (
    "Qwen",
    "QwQ",
    "Llama",
    "DeepSeek",
    "Gemma",
    "Mistral",
    "Mixtral",
    "Hermes",
    "NousResearch",
    "MathSmith",
    "xLAM",
    "InternLM",
    "SmolLM",
    "OLMo",
    "Devstral",
    "Codestral",
    "Magistral",
    "Nemotron",
    "ChatGLM",
    "Zhipu",
    "Alibaba Cloud",
    "Tongyi",
)
# Names that are also ordinary words or terms (phi in maths, GLM in statistics, Yi, Falcon):
# redacted only with a version attached ("Phi-4", "GLM-4.6") or in a self-introduction.
WEAK_FAMILIES = (
    "Phi",
    "GLM",
    "Yi",
    "Falcon",
    "Meta",
    "PARD",
    "Kimi",
    "MiniMax",
    "Granite",
    "Salesforce",
)

_SUFFIX = (
    r"(?:[-_ .]?(?:\d(?:[\w.]*\w)?|[A-Z]\d+\w*|R1|VL|Coder|Instruct|Distill|Thinking|Math|Chat)\b)*"
)
_STRONG_RE = re.compile(
    r"(?<![A-Za-z0-9])(?:" + "|".join(re.escape(n) for n in STRONG_FAMILIES) + r")" + _SUFFIX,
    re.IGNORECASE,
)
_WEAK_VERSIONED_RE = re.compile(
    r"(?<![A-Za-z0-9])(?:"
    + "|".join(re.escape(n) for n in WEAK_FAMILIES)
    + r")[-_ ]?\d(?:[\w.]*\w)?"
    + _SUFFIX
)
_SELF_INTRO_RE = re.compile(
    r"(?P<lead>\b(?:I am|I'm|As|my name is|called|known as|developed by|created by|trained by)"
    r"\s+(?:an?\s+|the\s+)?)(?P<name>" + "|".join(re.escape(n) for n in WEAK_FAMILIES) + r")\b",
    re.IGNORECASE,
)


_END_MARKER = "[end of text]"


def strip_end_markers(text: str) -> str:
    """Drop a trailing runner marker such as llama.cpp's ``[end of text]`` (and the whitespace
    around it). String operations, not a regex: ``\\s*...$`` backtracks quadratically over
    long whitespace runs."""
    t = text.rstrip()
    if not t.endswith(_END_MARKER):
        return text
    return t[: -len(_END_MARKER)].rstrip()


_TOKEN = re.compile(r"\S+")
MIN_PARTIAL_ECHO = 8  # tokens: a shorter overlap with the prompt may be a genuine quotation


@lru_cache(maxsize=1024)
def _prompt_tokens(p_text: str) -> tuple[str, ...]:
    # the same few hundred prompts recur across every config's responses
    return tuple(p_text.split())


def _starts(p_toks: tuple[str, ...], first: str) -> list[int]:
    """Where in the prompt a copy starting with `first` could begin, in order: every equal
    token (found by C-level `index`, a long context has thousands), and the last token when
    `first` runs on from it ("...explanation.{")."""
    out: list[int] = []
    i = -1
    while True:
        try:
            i = p_toks.index(first, i + 1)
        except ValueError:
            break
        out.append(i)
    last = len(p_toks) - 1
    if (not out or out[-1] != last) and first.startswith(p_toks[last]):
        out.append(last)
    return out


class _Tokens:
    """The response's `_TOKEN` matches up to `end`, found as far as they are asked for: a
    response that does not continue the prompt is told apart after a few tokens, not after
    tokenising twice the prompt's length (a long context's is 150 KB)."""

    CHUNK = 64

    def __init__(self, response: str, end: int) -> None:
        self._it = _TOKEN.finditer(response, 0, end)
        self.matches: list[re.Match[str]] = []
        self.words: list[str] = []

    def has(self, n: int) -> bool:
        """Whether there are at least `n` tokens (reading on as needed)."""
        while len(self.words) < n:
            m = next(self._it, None)
            if m is None:
                return False
            self.matches.append(m)
            self.words.append(m.group(0))
        return True

    def common(self, p_toks: tuple[str, ...], i: int, limit: int) -> int:
        """The largest j <= limit with the first j tokens equal to p_toks[i : i + j] (and no
        more tokens than there are), compared a chunk at a time."""
        j = 0
        while j < limit:
            k = min(self.CHUNK, limit - j)
            self.has(j + k)
            seg = self.words[j : j + k]
            if not seg:
                return j
            want = p_toks[i + j : i + j + len(seg)]
            if tuple(seg) == want:
                j += len(seg)
                if len(seg) < k:
                    return j  # the response's tokens ran out
                continue
            for a, b in zip(seg, want, strict=True):
                if a != b:
                    return j
                j += 1
        return j


def _echo_end(response: str, prompt: str) -> int:
    """Offset just past a leading copy of `prompt` (or of its tail) in `response`; 0 if none.

    Compared token by token, so whitespace differences (re-wrapped lines, a dropped trailing
    newline) do not matter. The copy must reach the prompt's last token; that token may run
    straight into the continuation ("...explanation.{" counts).
    """
    p_text = prompt.strip()
    lead = len(response) - len(response.lstrip())
    if response.startswith(p_text, lead):
        return lead + len(p_text)
    p_toks = _prompt_tokens(p_text)
    if not p_toks:
        return 0
    r = _Tokens(response, lead + 2 * len(p_text) + 200)
    if not r.has(1):
        return 0
    last = len(p_toks) - 1
    for i in _starts(p_toks, r.words[0]):
        j = r.common(p_toks, i, last - i)
        if i + j != last or not r.has(j + 1) or not r.words[j].startswith(p_toks[last]):
            continue
        if i > 0 and j + 1 < MIN_PARTIAL_ECHO:
            continue
        return r.matches[j].start() + len(p_toks[last])
    return 0


def _echo_end_plain(response: str, prompt: str) -> int:
    """`_echo_end` as first written (every token up to the bound found at once): the
    definition the lazy one is tested against."""
    p_text = prompt.strip()
    lead = len(response) - len(response.lstrip())
    if response.startswith(p_text, lead):
        return lead + len(p_text)
    p_toks = _prompt_tokens(p_text)
    if not p_toks:
        return 0
    matches = list(_TOKEN.finditer(response, 0, lead + 2 * len(p_text) + 200))
    r_toks = [m.group(0) for m in matches]
    if not r_toks:
        return 0
    last = len(p_toks) - 1
    for i in _starts(p_toks, r_toks[0]):
        j = 0
        while i + j < last and j < len(r_toks) and r_toks[j] == p_toks[i + j]:
            j += 1
        if i + j != last or j >= len(r_toks) or not r_toks[j].startswith(p_toks[last]):
            continue
        if i > 0 and j + 1 < MIN_PARTIAL_ECHO:
            continue
        return matches[j].start() + len(p_toks[last])
    return 0


def strip_echo(response: str, prompts: Iterable[str | None]) -> str:
    """Remove a leading copy of the prompt (or of its tail) from the response.

    Runners built on raw completion endpoints return prompt + continuation; some return the
    prompt from a later point (a system preamble dropped). Whitespace may differ. Only a copy
    that reaches the prompt's end is cut, so a model quoting one line of the question keeps it.
    """
    best = 0
    for prompt in prompts:
        if prompt and response:
            best = max(best, _echo_end(response, prompt))
    return response[best:]


def identity_names(values: Iterable[str | None]) -> list[str]:
    """Names worth redacting verbatim for one response: its model, family and config strings.

    Only identifier-like strings (4+ characters with a digit, `_`, `-` or `.`) are kept, so a
    plain word such as a role called 'draft' cannot blank out ordinary text; family names
    without such marks are covered by the family patterns instead.
    """
    return list(_identity_names(tuple(values)))


@lru_cache(maxsize=4096)
def _identity_names(values: tuple[str | None, ...]) -> tuple[str, ...]:
    # one config's responses share their names: computed once per config, not per response
    out = set()
    for v in values:
        if not v:
            continue
        v = v.strip()
        stem = v.rsplit("/", 1)[-1]
        stem = re.sub(r"\.gguf$", "", stem, flags=re.IGNORECASE)
        stem = re.sub(r"-\d{5}-of-\d{5}$", "", stem)
        for name in (v, stem):
            if len(name) >= 4 and re.search(r"[\d_.-]", name):
                out.add(name)
    return tuple(sorted(out, key=len, reverse=True))


@lru_cache(maxsize=4096)
def _names_re(names: tuple[str, ...]) -> re.Pattern[str] | None:
    if not names:
        return None
    return re.compile("|".join(re.escape(n) for n in names), re.IGNORECASE)


_STRONG_LOWER = tuple(n.lower() for n in STRONG_FAMILIES)
_WEAK_LOWER = tuple(n.lower() for n in WEAK_FAMILIES)
# What every `_SELF_INTRO_RE` match holds: a weak family name (same flags, so the same
# characters match) right after a whitespace character (the end of the lead's `\s+`) and
# before a word boundary. Searching for it costs a scan for whitespace; the self-introduction
# pattern itself tries its leads at every word of the text.
_SELF_INTRO_GATE = re.compile(
    r"\s(?:" + "|".join(re.escape(n) for n in WEAK_FAMILIES) + r")\b", re.IGNORECASE
)


# The gate, case-sensitive and lower-case: in lower-cased ASCII text it finds what the gate
# finds in the text (IGNORECASE is lower-casing there), ~4x faster.
_SELF_INTRO_GATE_LOWER = re.compile(
    r"\s(?:" + "|".join(re.escape(n.lower()) for n in WEAK_FAMILIES) + r")\b"
)


def _self_intro_sub(text: str, low: str | None = None) -> str:
    """`_SELF_INTRO_RE` applied to `text`; `low` is `text.lower()` when the caller has it."""
    if low is not None and text.isascii():
        if _SELF_INTRO_GATE_LOWER.search(low) is None:
            return text
    elif _SELF_INTRO_GATE.search(text) is None:
        return text  # no match is possible: the substitution would change nothing
    return _SELF_INTRO_RE.sub(lambda m: m.group("lead") + PLACEHOLDER, text)


def redact_identity(text: str, names: Iterable[str] = ()) -> str:
    """Replace model and family names that would reveal who wrote the response.

    Each pattern runs only when a cheap substring test says it could match: most responses
    mention no model at all, and this runs over every response of a run. A weak family name
    in the text (case-sensitive) is also in its lower-cased form `low`, so when `low` holds
    none, neither test of the weak names can pass and both are skipped (the family
    substitution only writes `[MODEL]`, which makes no weak name).
    """
    low = text.lower()
    present = tuple(n for n in names if n.lower() in low)
    pattern = _names_re(present)
    if pattern is not None:
        text = pattern.sub(PLACEHOLDER, text)
        low = text.lower()
    if any(n in low for n in _STRONG_LOWER):
        text = _STRONG_RE.sub(PLACEHOLDER, text)
    if any(n in low for n in _WEAK_LOWER):
        if any(n in text for n in WEAK_FAMILIES):
            before = text
            text = _WEAK_VERSIONED_RE.sub(PLACEHOLDER, text)
            if text is not before:
                low = text.lower()
        text = _self_intro_sub(text, low)
    return text


def blind_response(
    response: str | None, prompts: Iterable[str | None], names: Iterable[str] = ()
) -> str:
    """The response as the judge sees it: echo and end markers cut, identities redacted."""
    text = strip_end_markers(response or "")
    text = strip_echo(text, prompts)
    text = strip_end_markers(text)
    return redact_identity(text.strip(), names)


def parse_criteria(scoring: object) -> tuple[Criterion, ...]:
    """`raw.questions.scoring` (JSON text or a list) -> criteria; anything unusable -> ()."""
    if isinstance(scoring, str):
        try:
            scoring = json.loads(scoring)
        except ValueError:
            return ()
    if not isinstance(scoring, list):
        return ()
    out = []
    for c in scoring:
        if isinstance(c, dict) and c.get("criterion"):
            w = c.get("weight")
            try:
                weight = float(w) if w is not None else None
            except (TypeError, ValueError):
                weight = None
            out.append(Criterion(str(c["criterion"]), weight))
        elif isinstance(c, str):
            out.append(Criterion(c))
    return tuple(out)


def build_item(
    *,
    suite: str,
    question_id: str,
    prompt: str | None,
    expected: str | None,
    reference_answer: str | None,
    scoring: object,
    auto_score: str | None,
    response: str,
    truncated: bool,
) -> BlindItem:
    """Assemble the blind item. Takes keyword arguments only, none of them an identity."""
    return BlindItem(
        suite=suite,
        question_id=question_id,
        prompt=prompt or "",
        expected=expected,
        reference_answer=reference_answer,
        criteria=parse_criteria(scoring),
        auto_score=auto_score,
        response=response,
        truncated=truncated,
    )


_ITEM_FIELDS = tuple(f.name for f in fields(BlindItem))


def _item_dict(item: BlindItem) -> dict:
    """`dataclasses.asdict(item)` without its deep-copy recursion (same result, ~20x faster)."""
    out = {name: getattr(item, name) for name in _ITEM_FIELDS}
    out["criteria"] = [{"criterion": c.criterion, "weight": c.weight} for c in item.criteria]
    return out


def _slow_cache_key(item: BlindItem, judge_name: str, settings: dict) -> str:
    payload = {
        "item": _item_dict(item),
        "rubric": RUBRIC_VERSION,
        "judge": judge_name,
        "settings": settings,
    }
    raw = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


# Stands in for the response while a question's part of the key text is serialised: a string
# no ingested text holds (checked: it must occur exactly once in the serialised payload).
_RESPONSE_SLOT = "\x00rescore:response-slot\x00"
_RESPONSE_SLOT_JSON = json.dumps(_RESPONSE_SLOT)


_FRAMES: dict[tuple, tuple | None] = {}  # bounded: cleared when it holds _MAX_FRAMES
_MAX_FRAMES = 2048


def _key_frame(item: BlindItem, judge_name: str, settings: dict) -> tuple | None:
    """(sha256 state after the serialised payload's text before the response, the bytes after
    it) for the item's question (+ truncation flag) and judge: the prompt, reference and
    settings (a long context's prompt is 150 KB) are serialised and hashed once per question,
    not once per response. None when the slot is not found exactly once (the slow path)."""
    settings_json = json.dumps(settings, sort_keys=True, ensure_ascii=False, default=str)
    key = (item.suite, item.question_id, item.prompt, item.expected, item.reference_answer,
           item.criteria, item.auto_score, item.truncated, judge_name, settings_json)  # fmt: skip
    try:
        return _FRAMES[key]
    except KeyError:
        pass
    slot = BlindItem(
        suite=item.suite, question_id=item.question_id, prompt=item.prompt,
        expected=item.expected, reference_answer=item.reference_answer, criteria=item.criteria,
        auto_score=item.auto_score, response=_RESPONSE_SLOT, truncated=item.truncated,
    )  # fmt: skip
    payload = {"item": _item_dict(slot), "rubric": RUBRIC_VERSION, "judge": judge_name,
               "settings": settings}  # fmt: skip
    raw = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    head, sep, tail = raw.partition(_RESPONSE_SLOT_JSON)
    frame = None
    if sep and _RESPONSE_SLOT_JSON not in tail:
        frame = (hashlib.sha256(head.encode()), tail.encode())
    if len(_FRAMES) >= _MAX_FRAMES:
        _FRAMES.clear()
    _FRAMES[key] = frame
    return frame


def cache_key(item: BlindItem, judge_name: str, settings: dict) -> str:
    """sha256 of everything the verdict depends on: the blind item, rubric, judge and settings.

    The hashed text is `json.dumps` of {item, rubric, judge, settings} (sorted keys); the part
    that does not depend on the response is hashed once per question (`_key_frame`), then the
    response's JSON string and the rest: the same bytes, so the same key, at a fraction of the
    cost (`tests/test_judge_blind.py` compares both ways)."""
    try:
        frame = _key_frame(item, judge_name, settings)
    except TypeError:  # an unhashable field (build_item never makes one): the plain way
        frame = None
    if frame is None:
        return _slow_cache_key(item, judge_name, settings)
    prefix, tail = frame
    h = prefix.copy()
    h.update(json.dumps(item.response, ensure_ascii=False).encode())
    h.update(tail)
    return h.hexdigest()
