"""Runner artefacts: text the benchmark runner produced instead of the model (rules-v2).

A llama-cli that never received its prompt prints its interactive help (`/image <path> load an
image`, `/clear`, `/quit or /exit`); a runner that gave up prints a zero-character timeout
marker (`[PARTIAL OUTPUT - timed out after collecting 0 chars]`). Neither is an answer, and
neither is the model's fault: the score is 0 and the detector flag `runner_artefact` lets marts
report infrastructure failures apart from model failures.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Two or more lines of llama-cli's interactive help, which a model answer never is.
_HELP_LINES = re.compile(
    r"^\s*(?:/image <path>\s+load an image|/clear\s+clear the chat history|"
    r"/quit or /exit\s+exit the program|/audio <path>\s+load an audio|"
    r"/read <file>\s+|/regen\s+regenerate)",
    re.MULTILINE | re.IGNORECASE,
)
_TIMEOUT_EMPTY = re.compile(
    r"^\s*\[PARTIAL OUTPUT - timed out after collecting 0 chars\]\s*$", re.IGNORECASE
)
_TIMEOUT_ANY = re.compile(r"\[PARTIAL OUTPUT - timed out after collecting (\d+) chars\]")


@lru_cache(maxsize=4096)
def runner_artefact(text: str | None) -> str | None:
    """Evidence that `text` is a runner artefact rather than a model's answer; None if not.

    Memoised: the detector asks about the blind text and rules-v2 asks again about the same
    text when it scores it."""
    t = (text or "").strip()
    if not t:
        return None
    if t.startswith("[") and _TIMEOUT_EMPTY.match(t):
        return "runner timed out before the model produced any text (0-character marker)"
    if ("/clear" in t or "/image" in t or "/quit" in t) and len(_HELP_LINES.findall(t)) >= 2:
        rest = _HELP_LINES.sub("", t)
        # what is left besides help lines: the prompt marker '>' and option text
        if len(re.findall(r"[A-Za-z]{3,}", rest)) <= 40:
            return "llama-cli interactive help banner instead of an answer (runner problem)"
    return None
