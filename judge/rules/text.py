"""Text helpers shared by the rules: the final answer, words, lines, code blocks."""

from __future__ import annotations

import re
from functools import lru_cache

_THINK_BLOCK = re.compile(r"<think>.*?</think>", re.DOTALL)
_WORD = re.compile(r"[A-Za-z0-9]+(?:['’-][A-Za-z0-9]+)*")
_FENCE = re.compile(r"```[\w+-]*\n?(.*?)```", re.DOTALL)


def answer_text(text: str) -> str:
    """The part of a response that is its answer: closed `<think>` blocks removed.

    An unclosed `<think>` (a truncated thinker) leaves only its reasoning, which is returned so
    a rule can still see what the model got to; the truncation cap handles the rest.
    """
    out = _THINK_BLOCK.sub("", text)
    if "</think>" in out:  # a closing tag without its opening one (template strips <think>)
        out = out.rsplit("</think>", 1)[1]
    out = out.replace("<think>", "")
    return out.strip()


_CONTINUATION = re.compile(
    r"^(?:[a-z(,;:.\-*]|(?:do not|don't|no |never|only|output|include|use|make sure|ensure|"
    r"remember|be |keep|respond|reply|answer|provide|show|explain|format|note:|\d+\.\s))",
    re.IGNORECASE,
)


def drop_prompt_continuation(text: str) -> str:
    """Drop leading lines that continue the question rather than answer it.

    Completion-style runners let a model extend the prompt before answering ("Do not output
    anything else.\nNONE", "in any form\n\nA database ..."). A first line that starts in
    lower case or reads as one more instruction, and is short, is not part of the answer.
    Only lines before the first line that looks like an answer are dropped, at most three.
    """
    lines_ = text.split("\n")
    drop = 0
    while drop < min(3, len(lines_) - 1):
        ln = lines_[drop].strip()
        if ln and not (
            len(ln.split()) <= 25
            and _CONTINUATION.match(ln)
            and ln[0].islower()
            or re.match(
                r"(?i)(do not|don't|no other|only output|output only|"
                r"remember|make sure|ensure|include|keep it)\b",
                ln,
            )
        ):
            break
        drop += 1
    rest = "\n".join(lines_[drop:]).strip()
    return rest or text.strip()


def words(text: str) -> list[str]:
    """Words as a reader counts them: hyphenated and apostrophe forms are one word."""
    return list(_words(text))


@lru_cache(maxsize=4096)
def _words(text: str) -> tuple[str, ...]:
    # several rules count the same answer's words: the regex runs once per text
    return tuple(_WORD.findall(text))


def lines(text: str) -> list[str]:
    """Non-blank lines, stripped."""
    return [ln.strip() for ln in text.splitlines() if ln.strip()]


def unfence(text: str) -> str:
    """The content of a response wrapped entirely in one code fence, else the text itself."""
    t = text.strip()
    m = re.fullmatch(r"```[\w+-]*\n?(.*?)\n?```", t, re.DOTALL)
    return m.group(1).strip() if m else t


def code_blocks(text: str) -> list[str]:
    """Contents of fenced code blocks."""
    return [m.group(1) for m in _FENCE.finditer(text)]


def looks_like_code(text: str) -> bool:
    """Fenced code, or several lines that read as source (def/class/return/braces)."""
    if code_blocks(text):
        return True
    hits = re.findall(
        r"^\s*(?:def |class |return\b|import |from \w+ import|for .+:|if .+:|while .+:"
        r"|#include|public |private |fn |func |let |const |var |\w+\s*=\s*.+;|[{}]\s*$)",
        text,
        re.MULTILINE,
    )
    return len(hits) >= 3
