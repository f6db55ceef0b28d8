"""Model judges at scale (issue 13.8): wall time against responses x latency / concurrency.

1. The OpenAI-compatible judge against the loopback fake (`tests/fake_openai.py`) answering every
   request after a fixed latency: for each concurrency, the wall time beside the ideal
   `responses x latency / concurrency`, and the efficiency (ideal / wall).
2. The Claude Message Batches path: how `ClaudeJudge` splits a submission, checked at the API's
   limits (at most 100,000 requests and 256 MB per batch).

Usage:
    .venv/bin/python benchmarks/judge_latency.py [--responses 64] [--latency 0.5]
        [--concurrency 1 4 8 16]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fake_openai import FakeOpenAI  # noqa: E402

from judge.base import BlindItem, Task  # noqa: E402
from judge.claude import ClaudeJudge  # noqa: E402
from judge.claude.batches import MAX_BATCH_BYTES, MAX_BATCH_REQUESTS  # noqa: E402
from judge.openai_compat import OpenAIJudge  # noqa: E402


def tasks(n: int) -> list[Task]:
    return [
        Task(
            f"r{i}",
            f"k{i}",
            BlindItem(
                suite="general",
                question_id=f"q{i % 20}",
                prompt=f"Question {i % 20}: explain it.",
                expected="an explanation",
                reference_answer=None,
                response=f"Answer number {i}, with enough words to be an answer.",
            ),
        )
        for i in range(n)
    ]


def openai_latency(n: int, latency: float, concurrencies: list[int]) -> None:
    print(f"OpenAI-compatible judge, {n} responses, fixed latency {latency:.3f} s per request")
    print(f"  {'concurrency':>11}  {'wall s':>7}  {'ideal s':>7}  efficiency")
    with FakeOpenAI() as fake:
        fake.latency = latency
        for c in concurrencies:
            judge = OpenAIJudge(base_url=fake.base_url, concurrency=c, timeout=30)
            judge.settings()  # model id and build: asked once, outside the timing
            work = tasks(n)
            t0 = time.perf_counter()
            out = judge.judge_all(work)
            wall = time.perf_counter() - t0
            assert len(out) == n and all(v.score is not None for v in out.values())
            ideal = n * latency / c
            print(f"  {c:>11}  {wall:7.2f}  {ideal:7.2f}  {ideal / wall:9.0%}")


def batch_split() -> None:
    judge = ClaudeJudge("claude-sonnet-5-5", batch=True)
    n = MAX_BATCH_REQUESTS + 1
    keys = [f"k{i}" for i in range(n)]
    small = dict.fromkeys(keys, {"x": 1})
    t0 = time.perf_counter()
    sizes = [len(c) for c in judge._chunks(keys, small)]
    print(
        f"Claude batches: {n:,} small requests -> batches of {sizes} "
        f"(limit {MAX_BATCH_REQUESTS:,}; {time.perf_counter() - t0:.2f} s to split)"
    )
    big = {f"b{i}": {"text": "x" * 100_000_000} for i in range(5)}
    sizes = [len(c) for c in judge._chunks(list(big), big)]
    print(
        f"Claude batches: 5 requests of 100 MB -> batches of {sizes} requests "
        f"(limit {MAX_BATCH_BYTES / 1e6:.0f} MB per batch)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--responses", type=int, default=64)
    ap.add_argument("--latency", type=float, default=0.5)
    ap.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 8, 16])
    args = ap.parse_args()
    openai_latency(args.responses, args.latency, args.concurrency)
    batch_split()


if __name__ == "__main__":
    main()
