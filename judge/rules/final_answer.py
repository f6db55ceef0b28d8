"""The final answer of a response: what counts where a question has key answers (rules-v2).

rules-v1 credits a key answer wherever it appears, so pasting the reference before a wrong final
answer, "some might say 42, but that is wrong", or a list of 200 candidate numbers scores 3.
A reader grades the answer the response commits to: its `\\boxed{}`, its "final answer:" line,
or else its last line that states a result. This module finds that, and says when a response
commits to nothing (a bare list of candidates).
"""

from __future__ import annotations

import re

_BOXED = re.compile(r"\\boxed\{")
_MARKER = re.compile(
    r"(?im)^.*?\b(?:final answer|the answer is|answer\s*:|therefore,? the answer|"
    r"so the answer|result\s*:)\s*(?P<rest>.*)$"
)
_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)*")
# A key answer stated and then disowned in the same sentence.
_DISOWNED = re.compile(
    r"\b(?:but|however)\b[^.\n]{0,40}\b(?:wrong|incorrect|not (?:right|correct|the answer))\b"
    r"|\b(?:is|are) (?:wrong|incorrect)\b|\bnot\s+(?:equal to|the (?:right|correct) answer)\b",
    re.IGNORECASE,
)
CANDIDATE_LIST = 12  # a final stretch naming this many distinct numbers is a list, not an answer


def _boxed(text: str) -> str | None:
    """Content of the last `\\boxed{...}` (nested braces balanced), or None."""
    starts = [m.end() for m in _BOXED.finditer(text)]
    if not starts:
        return None
    i = starts[-1]
    depth = 1
    j = i
    while j < len(text) and depth:
        depth += {"{": 1, "}": -1}.get(text[j], 0)
        j += 1
    return text[i : j - 1] if depth == 0 else text[i:]


_LEAD = re.compile(r"^(?:[\s:=\-–—*]|(?:is|was|would be)\b)+", re.IGNORECASE)
_SENTENCE_END = re.compile(r"\.(?:\s|$)")


def _first_sentence(rest: str) -> str:
    """What a marker line commits to: its first sentence, without the marker's colon.

    A heading ("3. Calculate the final answer:") commits to nothing (empty), and a run-on line
    ("The final answer is 146.4. I hope it is correct. 1. 20% of 150 ...") to its first
    sentence, not to the working that follows it.
    """
    rest = _LEAD.sub("", rest)
    m = _SENTENCE_END.search(rest)
    return (rest[: m.start()] if m else rest).strip()


def final_answer(text: str) -> tuple[str, str] | None:
    """(final answer text, how it was found) or None when the response commits to nothing.

    Order: the last `\\boxed{}`; the first sentence of the last "final answer:" / "the answer
    is" line that states something (a heading states nothing); the last line that holds a
    number. A line disowning what it states ("..., but that is wrong") is no answer.
    """
    boxed = _boxed(text)
    if boxed is not None and boxed.strip():
        return boxed.strip(), "\\boxed{}"
    marked = [_first_sentence(m.group("rest")) for m in _MARKER.finditer(text)]
    marked = [m for m in marked if m and not _DISOWNED.search(m)]
    if marked:
        return marked[-1], "final-answer line"
    for line in reversed([ln.strip() for ln in text.splitlines() if ln.strip()]):
        if _NUMBER.search(line) and not _DISOWNED.search(line):
            return line, "last result line"
    return None


def is_candidate_list(answer: str) -> bool:
    """The committed answer names many distinct numbers: a list of guesses, not one answer."""
    return len(set(_NUMBER.findall(answer))) >= CANDIDATE_LIST


def disowned(text: str) -> bool:
    """The text states something and calls it wrong ("some might say X, but that is wrong")."""
    return _DISOWNED.search(text) is not None
