"""The judge stage's own errors. The CLI maps them to exit codes; judge/ never imports rescore/.

`JudgeError` stops a whole run (bad key, unknown model, a server that is not there): every
other request would fail the same way. `InvalidJudgeOutput` is per judgment: the model
answered, but not with a valid verdict; it is retried, then recorded as a judge failure.
"""

from __future__ import annotations


class JudgeError(RuntimeError):
    """A problem that stops the whole judging run; the message says what to do.

    `exit_code` 2: the run cannot start or go on as asked (the CLI maps it; `run_judge` itself
    prints the message and returns 2)."""

    exit_code = 2


class JudgeUsageError(JudgeError):
    """The run was asked for something impossible (unknown judge, scoring run name taken)."""


class ClaudeJudgeError(JudgeError):
    """The Claude judge cannot go on (no key, bad key, unknown model, batch API failure)."""


class OpenAIJudgeError(JudgeError):
    """The OpenAI-compatible judge cannot go on (no server, bad key, unknown model)."""


class InvalidJudgeOutput(ValueError):
    """The model answered, but not with a valid verdict."""
