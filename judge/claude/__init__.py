"""The Claude judge, one module per job, each importing only those above it:

- `prompt`: system text, cached prefix, request body, fingerprint (blind items only);
- `pricing`: what a run costs, estimated from the prompt or computed from real usage;
- `api`: the Messages API path (client, one judgment, bounded concurrency);
- `batches`: the Message Batches path (submit, poll, collect, resume);
- `judge`: `ClaudeJudge`, the `judge.base.Judge` built from the two paths.
"""

from judge.claude.judge import ClaudeJudge
from judge.claude.pricing import estimate_cost
from judge.claude.prompt import DEFAULT_MODEL, build_request, prompt_parts
from judge.errors import ClaudeJudgeError, InvalidJudgeOutput
from judge.verdict import parse_verdict

__all__ = [
    "DEFAULT_MODEL",
    "ClaudeJudge",
    "ClaudeJudgeError",
    "InvalidJudgeOutput",
    "build_request",
    "estimate_cost",
    "parse_verdict",
    "prompt_parts",
]
