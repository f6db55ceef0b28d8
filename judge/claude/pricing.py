"""What a Claude judging run costs (pricing sits below the prompt: it imports the prompt,
never the judge): before it (an estimate) and after it (from real usage).

Prices are US dollars per million tokens, copied from Anthropic's pricing and model pages
(platform.claude.com/docs/en/about-claude/pricing, the per-model overview pages and the
Sonnet 5.5 migration guide). Four token classes are billed differently:

- ``input``: uncached prompt tokens (``usage.input_tokens``);
- ``cache_write``: prompt tokens written to the 5-minute cache (``cache_creation_input_tokens``),
  1.25x input;
- ``cache_read``: prompt tokens served from the cache (``cache_read_input_tokens``);
- ``output``: generated tokens, thinking included (``output_tokens``).

The Message Batches API halves every price (the docs state 50% off input and output; the
pricing page says the batch discount stacks with prompt caching, so it is applied to the cache
classes too). Prices change: this table is the one place to update, and an unknown model id is
reported as unpriced (``None``), never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from judge.claude.prompt import DEFAULT_MODEL, prompt_parts

if TYPE_CHECKING:
    from judge.base import Task

BATCH_DISCOUNT = 0.5

# Output tokens assumed per judgment in an estimate: a one-line JSON verdict plus the little
# adaptive thinking a low-effort request does. Real output tokens are recorded after the run.
ESTIMATED_OUTPUT_TOKENS = 200

# Rough token count of text: the usual ~4 characters per token for English and code.
CHARS_PER_TOKEN = 4


@dataclass(frozen=True)
class Price:
    """Dollars per million tokens for one model, and its minimum cacheable prompt length."""

    input: float
    output: float
    cache_write: float  # 5-minute ephemeral cache write
    cache_read: float
    min_cache_tokens: int  # a shorter cached prefix is silently not cached


# Keys are model ids without a date suffix; `price_for` strips one ("-20250929").
PRICES: dict[str, Price] = {
    # Current generation (5.x).
    "claude-fable-5-1": Price(10.0, 50.0, 12.50, 0.25, 512),
    "claude-fable-5": Price(10.0, 50.0, 12.50, 1.00, 512),
    "claude-opus-5-5": Price(4.0, 20.0, 5.00, 0.20, 512),
    "claude-opus-5": Price(5.0, 25.0, 6.25, 0.50, 512),
    "claude-sonnet-5-5": Price(2.0, 10.0, 2.50, 0.10, 512),
    "claude-sonnet-5": Price(2.0, 10.0, 2.50, 0.20, 1024),
    # Haiku 5.5 is priced by prompt length; these are the rates for prompts up to 100,000
    # tokens, which every judge prompt is.
    "claude-haiku-5-5": Price(0.10, 0.50, 0.125, 0.01, 512),
    # 4.x generation.
    "claude-opus-4-8": Price(5.0, 25.0, 6.25, 0.50, 1024),
    "claude-opus-4-7": Price(5.0, 25.0, 6.25, 0.50, 4096),
    "claude-opus-4-6": Price(5.0, 25.0, 6.25, 0.50, 4096),
    "claude-opus-4-5": Price(5.0, 25.0, 6.25, 0.50, 4096),
    "claude-sonnet-4-6": Price(3.0, 15.0, 3.75, 0.30, 1024),
    "claude-sonnet-4-5": Price(3.0, 15.0, 3.75, 0.30, 1024),
    "claude-haiku-4-5": Price(1.0, 5.0, 1.25, 0.10, 4096),
}

_DATE_SUFFIX = re.compile(r"-\d{8}$")


def price_for(model: str) -> Price | None:
    """The price of `model`, or None when the table does not know it (then cost is unknown)."""
    return PRICES.get(_DATE_SUFFIX.sub("", model))


def cost_usd(
    model: str,
    *,
    input_tokens: int,
    output_tokens: int,
    cache_write_tokens: int = 0,
    cache_read_tokens: int = 0,
    batch: bool = False,
) -> float | None:
    """Dollars for one request's (or a sum of requests') usage; None for an unpriced model."""
    price = price_for(model)
    if price is None:
        return None
    dollars = (
        input_tokens * price.input
        + output_tokens * price.output
        + cache_write_tokens * price.cache_write
        + cache_read_tokens * price.cache_read
    ) / 1_000_000
    return dollars * (BATCH_DISCOUNT if batch else 1.0)


def estimate_tokens(text: str) -> int:
    """Approximate token count (chars / 4, rounded up): good enough for a budget, not billing."""
    return -(-len(text) // CHARS_PER_TOKEN)


def estimate_cost(
    tasks: Iterable[Task],
    model: str | None = None,
    *,
    batch: bool = False,
    output_tokens_per_request: int = ESTIMATED_OUTPUT_TOKENS,
) -> dict:
    """Requests, tokens and dollars a Claude run over `tasks` would cost, before making it.

    One request per distinct cache key (identical work is judged once). Requests are grouped by
    their cached prefix (rubric + question + reference + criteria): the first request of a group
    writes the prefix to the cache and the rest read it, which is how `ClaudeJudge` orders the
    work. A prefix shorter than the model's minimum cacheable length is billed as plain input.

    Returns ``requests``, ``input_tokens`` (all prompt tokens, cached or not),
    ``cache_write_tokens`` and ``cache_read_tokens`` (the parts of ``input_tokens`` billed at
    cache rates), ``output_tokens``, ``usd`` (None for an unpriced model), ``model``, ``batch``.
    """
    model = model or DEFAULT_MODEL
    price = price_for(model)
    min_cache = price.min_cache_tokens if price else 1024

    seen: set[str] = set()
    warm_prefixes: set[str] = set()
    requests = prompt_tokens = write_tokens = read_tokens = 0
    for task in tasks:
        if task.cache_key in seen:
            continue
        seen.add(task.cache_key)
        system, prefix, response = prompt_parts(task.item)
        prefix_tokens = estimate_tokens(system) + estimate_tokens(prefix)
        tokens = prefix_tokens + estimate_tokens(response)
        requests += 1
        prompt_tokens += tokens
        if prefix_tokens >= min_cache:
            if prefix in warm_prefixes:
                read_tokens += prefix_tokens
            else:
                warm_prefixes.add(prefix)
                write_tokens += prefix_tokens
    output_tokens = requests * output_tokens_per_request
    usd = cost_usd(
        model,
        input_tokens=prompt_tokens - write_tokens - read_tokens,
        output_tokens=output_tokens,
        cache_write_tokens=write_tokens,
        cache_read_tokens=read_tokens,
        batch=batch,
    )
    return {
        "requests": requests,
        "input_tokens": prompt_tokens,
        "cache_write_tokens": write_tokens,
        "cache_read_tokens": read_tokens,
        "output_tokens": output_tokens,
        "usd": usd,
        "model": model,
        "batch": batch,
    }
