"""Text helpers shared by the rules: the final answer, words, lines, code blocks."""

from __future__ import annotations

import re

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


def words(text: str) -> list[str]:
    """Words as a reader counts them: hyphenated and apostrophe forms are one word."""
    return _WORD.findall(text)


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
