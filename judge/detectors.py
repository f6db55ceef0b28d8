"""Response-health detectors: cheap, judge-independent facts about a response.

A judge (human, Claude or rules) should not have to rediscover that a response hit the token
cap or looped on one phrase for 2,000 tokens. The detectors find these once, store them in
`raw.response_flags` with a short human-readable evidence string, and feed the rules judge's
score caps (truncated <= 2; empty, echo-only, degenerate = 0).

Each detector is a pure function of the response (raw and blind text) and a few numbers, so
the same facts are found whatever judge runs after them.

Truncation rule (no `finish_reason` exists in the real runs): a response is truncated when
`completion_tokens >= cap - 1`, where the cap is `raw.responses.max_tokens` if the runner
recorded it, else the suite's `max_tokens` — but never above 2048, because the run in
`../shared/data/epyc` generated at most 2047/2048 tokens although its suites declare 4096, and
vision suites were cut at 1023/1024 although they declare 1500. So the effective cap is the
smallest of the declared cap and the runner caps {1024 for suites whose declared cap is below
2048, else 2048}; see :func:`effective_cap`. A `<think>` block that is opened and never
closed is also truncation: the model ran out of tokens while still thinking.
"""

from __future__ import annotations

import re
import zlib
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

DETECTOR_VERSION = "detectors-v2"  # v2: runner_artefact

FLAGS = (
    "truncated",
    "empty",
    "echo_only",
    "degenerate",
    "wrong_modality",
    "missing_tool_call",
    "runner_artefact",
)

RUNNER_CAP = 2048  # observed hard cap of the real run, whatever the suite declares
SMALL_RUNNER_CAP = 1024  # observed for suites declaring caps between 1024 and 2048


@dataclass(frozen=True)
class Flag:
    flag: str
    evidence: str


def effective_cap(declared: int | None) -> int:
    """The generation cap that actually applied, given the one the suite or runner declared."""
    if declared is None or declared <= 0:
        return RUNNER_CAP
    if declared >= RUNNER_CAP:
        return RUNNER_CAP
    if declared > SMALL_RUNNER_CAP:
        return SMALL_RUNNER_CAP
    return declared


def detect_truncated(
    raw_response: str, completion_tokens: int | None, declared_cap: int | None
) -> Flag | None:
    """Hit the token cap, or stopped inside an unclosed `<think>` block."""
    if completion_tokens is not None:
        cap = effective_cap(declared_cap)
        if completion_tokens >= cap - 1:
            return Flag("truncated", f"completion_tokens {completion_tokens} = cap {cap}")
    opens = raw_response.count("<think>")
    if opens and raw_response.count("</think>") < opens:
        return Flag("truncated", "<think> block never closed")
    return None


def detect_empty(raw_response: str | None) -> Flag | None:
    """Nothing at all came back (whitespace and end markers only)."""
    text = (raw_response or "").replace("[end of text]", "").strip()
    if not text:
        return Flag("empty", "response is empty")
    return None


def detect_echo_only(raw_response: str | None, blind_text: str) -> Flag | None:
    """The response is the prompt copied back, with nothing added."""
    if detect_empty(raw_response) is None and len(blind_text.strip()) == 0:
        return Flag("echo_only", f"prompt echo of {len(raw_response or '')} chars, nothing added")
    return None


_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# Bytes that can be part of a `_WORD` match stay, every other byte becomes a space: a match
# never contains a space, so `_WORD` over the pieces finds exactly what it finds over the text.
_WORD_BYTES = bytes(
    c if chr(c) in "abcdefghijklmnopqrstuvwxyz0123456789'" else 32 for c in range(256)
)


# In the translated text, an apostrophe `_WORD` would not keep inside one piece
# `[a-z0-9]+'[a-z]+`: at a piece's start, before a non-letter, or a second one / a digit after
# the letters. Without any, every piece is one whole match and `split` finds the words.
# (A piece starting with one is a space before it, tested with `in`.)
_ODD_APOSTROPHE = re.compile(r"'(?:(?![a-z])|[a-z]+[0-9'])")


def word_list(low: str) -> list[str]:
    """`_WORD.findall(low)` for lower-cased text, ~3x faster: non-ASCII characters (one `?`
    each after `encode`) and punctuation are mapped to spaces by one C-level `translate`; the
    regex runs only when an apostrophe is not the inside of a word ("don't")."""
    kept = low.encode("ascii", "replace").translate(_WORD_BYTES).decode("ascii")
    if "'" in kept and (kept[0] == "'" or " '" in kept or _ODD_APOSTROPHE.search(kept) is not None):
        return _WORD.findall(kept)
    return kept.split()


MIN_DEGENERATE_CHARS = 200  # shorter text cannot be judged repetitive with confidence
NGRAM_SHARE = 0.30  # one trigram's repetitions cover this share of all trigrams...
NGRAM_MIN_REPEATS = 15  # ...and it repeats at least this often
ZLIB_RATIO = 0.12  # compressed/original below this for 1,000+ chars: a loop, not prose
ZLIB_MIN_CHARS = 1000
LOOP_BLOCK = 256  # bytes per block when locating where a loop starts
LOOP_BLOCK_RATIO = 0.15  # a block compressing below this, given what came before, repeats it
LOOP_MIN_CHARS = 1024  # a loop must run at least this long to the end of the text


def _top_trigram(words: list[str]) -> tuple[str, int, int]:
    grams = Counter(zip(words, words[1:], words[2:], strict=False))
    if not grams:
        return "", 0, 0
    (gram, n) = grams.most_common(1)[0]
    return " ".join(gram), n, sum(grams.values())


def _trigram_possible(words: list[str], counts: Counter[str], need: float) -> bool:
    """False when no trigram of `words` can pass the share test (it must occur `need` times):
    each of its three words occurs at least as often as it does, so each of its occurrences
    starts a place where three words in a row are all that common. Those places are counted
    with C-level byte and integer operations; counting every trigram costs a tuple and a hash
    per word. (A bound a hair below `need` keeps float rounding on the safe side: a filter.)"""
    bar = need - 1e-6
    common = {w for w, c in counts.items() if c >= bar}
    mask = int.from_bytes(bytes(map(common.__contains__, words)), "big")
    runs = mask & (mask >> 8) & (mask >> 16)  # one 1-byte per three common words in a row
    return runs.bit_count() >= bar


def _zlib_ratio(text: str) -> float:
    raw = text.encode()
    return len(zlib.compress(raw, 6)) / max(1, len(raw))


ZLIB_WINDOW = 32768  # deflate's history: a block's cost depends on no byte further back
# A block's cost recomputed on its own must clear the ratio by this many bytes before it is
# trusted to end a loop (see `_block_cost`; on the real run both ways agree to the byte).
LOOP_FAST_MARGIN = 8


def _block_cost(raw: bytes, i: int) -> int:
    """Bytes block `i` of `raw` costs when compressed after what precedes it, computed without
    compressing what precedes it: a raw deflate stream primed (`zdict`) with the 32 KB before
    the block. After a sync flush the shared stream holds exactly that: the window of
    earlier bytes and their hash chains (levels 4-9 insert every position); no match runs
    across the flush. So this is what the shared stream's block costs (compared for every
    block of every response on the real run: equal)."""
    start = i * LOOP_BLOCK
    co = zlib.compressobj(6, zlib.DEFLATED, -15, zdict=raw[max(0, start - ZLIB_WINDOW) : start])
    return len(co.compress(raw[start : start + LOOP_BLOCK])) + len(co.flush(zlib.Z_SYNC_FLUSH))


def _ends_without_loop(raw: bytes, full: int) -> bool:
    """True when a block clearly above the loop ratio comes within the last
    LOOP_MIN_CHARS of blocks: then no loop of LOOP_MIN_CHARS runs to the end, whatever the
    blocks after it cost. Blocks are costed on their own (`_block_cost`), from the end; a
    block that is not clearly above is treated as a possible loop block (no shortcut)."""
    bar = LOOP_BLOCK_RATIO * LOOP_BLOCK + LOOP_FAST_MARGIN
    need = -(-LOOP_MIN_CHARS // LOOP_BLOCK)  # blocks a loop must span
    for i in range(full - 1, max(0, full - need) - 1, -1):
        if i == 0:
            break  # the first block carries the stream header: no shortcut
        if _block_cost(raw, i) >= bar:
            return True
    return False


@lru_cache(maxsize=8192)
def loop_start(text: str) -> int | None:
    """Character offset where a repetition loop running to the end begins; None if none.

    The text is compressed block by block with one shared zlib stream: a block that only
    repeats earlier text (at any period up to zlib's 32 KB window) costs a few bytes. Walking
    back from the end over such blocks finds where the loop took over. Most texts end in a
    block of fresh text: that is found by costing the last blocks alone (`_ends_without_loop`)
    instead of compressing the whole text block by block.
    """
    raw = text.encode()
    full = len(raw) // LOOP_BLOCK
    if full * LOOP_BLOCK < LOOP_MIN_CHARS:
        return None
    if _ends_without_loop(raw, full):
        return None
    return _loop_start_streamed(raw)


def _loop_start_streamed(raw: bytes) -> int | None:
    """`loop_start` by its definition: every block through one shared stream."""
    full = len(raw) // LOOP_BLOCK
    if full * LOOP_BLOCK < LOOP_MIN_CHARS:
        return None
    co = zlib.compressobj(6)
    ratios = []
    for i in range(full):
        chunk = raw[i * LOOP_BLOCK : (i + 1) * LOOP_BLOCK]
        n = len(co.compress(chunk)) + len(co.flush(zlib.Z_SYNC_FLUSH))
        ratios.append(n / LOOP_BLOCK)
    k = full
    while k > 0 and ratios[k - 1] < LOOP_BLOCK_RATIO:
        k -= 1
    if (full - k) * LOOP_BLOCK < LOOP_MIN_CHARS:
        return None
    return len(raw[: k * LOOP_BLOCK].decode(errors="ignore"))


@lru_cache(maxsize=8192)
def detect_degenerate(blind_text: str) -> Flag | None:
    """Repetition loops: one phrase repeated, or a stretch that repeats itself to the end.

    Judged on the blind text (echo removed) so a repetitive prompt does not count. Signals,
    any one suffices: one trigram covering a large share of the text ("No assertions. No
    assertions."); a final stretch of 1 KB+ that only repeats earlier text (the common way a
    model that starts well loops until the cap); a whole-text zlib ratio far below prose.
    """
    text = blind_text.strip()
    if len(text) < MIN_DEGENERATE_CHARS:
        return None
    words = word_list(text.lower())
    # A trigram repeats no more often than its commonest word: count trigrams (the costly
    # part) only when some word is common enough for one to pass the share test.
    need = max(NGRAM_MIN_REPEATS, NGRAM_SHARE * (len(words) - 2) / 3)
    counts = Counter(words) if len(words) >= 3 else None
    if counts and max(counts.values()) >= need and _trigram_possible(words, counts, need):
        gram, n, total = _top_trigram(words)
        if n >= NGRAM_MIN_REPEATS and total and n * 3 / total >= NGRAM_SHARE:
            return Flag("degenerate", f"trigram '{gram}' x {n}")
    start = loop_start(text)
    if start is not None:
        gram, n, _ = _top_trigram(word_list(text[start:].lower()))
        shown = f", trigram '{gram}' x {n}" if gram else ""
        return Flag(
            "degenerate",
            f"repeats itself from char {start} to the end ({len(text) - start} of "
            f"{len(text)} chars){shown}",
        )
    if len(text) >= ZLIB_MIN_CHARS:
        ratio = _zlib_ratio(text)
        if ratio < ZLIB_RATIO:
            return Flag("degenerate", f"zlib ratio {ratio:.3f} over {len(text)} chars")
    return None


_IMAGE_REQUEST = re.compile(
    r"(?:please\s+(?:provide|upload|share|attach|send)\s+(?:the|an?|your)?\s*"
    r"(?:image|picture|photo|screenshot|diagram|chart))"
    r"|(?:(?:no|without\s+an?)\s+(?:image|picture|photo)\s+(?:was|has been|is|were)?\s*"
    r"(?:provided|attached|uploaded|included|shared))"
    r"|(?:i\s+(?:can(?:no|')t|am unable to|do not|don't)\s+(?:see|view|access)\s+"
    r"(?:the|any|an?)?\s*(?:image|picture|photo))"
    # talking about an image that does not exist ("Classify the plant disease in this image")
    r"|(?:\b(?:in|from|of|describe|classify)\s+(?:this|the\s+(?:attached|given|provided|"
    r"uploaded))\s+(?:image|picture|photo|screenshot)\b)",
    re.IGNORECASE,
)


# The same pattern, case-sensitive (its text is lower-case): searched in lower-cased ASCII text
# it finds what `_IMAGE_REQUEST` finds in the text, ~3x faster than IGNORECASE.
_IMAGE_REQUEST_LOWER = re.compile(_IMAGE_REQUEST.pattern)
assert _IMAGE_REQUEST.pattern == _IMAGE_REQUEST.pattern.lower()


@lru_cache(maxsize=4096)
def detect_wrong_modality(blind_text: str, has_image: bool) -> Flag | None:
    """A text task answered as if it were a vision task (asking for an image).

    Memoised: the rules judge asks again about the answer, which for most responses is the
    blind text itself (no reasoning block, no loop cut off)."""
    if has_image:
        return None
    low = blind_text.lower()
    if not any(w in low for w in ("image", "picture", "photo", "screenshot", "diagram", "chart")):
        return None
    if blind_text.isascii() and _IMAGE_REQUEST_LOWER.search(low) is None:
        return None  # on ASCII text IGNORECASE is lower-casing: no match in `low`, none at all
    m = _IMAGE_REQUEST.search(blind_text)
    if m:
        shown = m.group(0)[:60]
        return Flag("wrong_modality", f"image requested or imagined on a text task: '{shown}'")
    return None


_TOOL_HINT = re.compile(r'"name"\s*:\s*"[A-Za-z_][\w.-]*"')


def expects_tool_call(expected: str | None, reference_answer: str | None) -> bool:
    """The question's expected answer or reference is a JSON tool call (`"name": "..."`)."""
    return any(_TOOL_HINT.search(x or "") for x in (expected, reference_answer))


def detect_missing_tool_call(blind_text: str, expects_tool: bool) -> Flag | None:
    """The suite expects a JSON tool call and the response holds none."""
    if not expects_tool:
        return None
    from judge.rules.tool_calls import extract_tool_calls

    if not extract_tool_calls(blind_text):
        return Flag("missing_tool_call", "no JSON tool call with a tool name found")
    return None


def detect_runner_artefact(blind_text: str) -> Flag | None:
    """The runner's own output instead of the model's (help banner, 0-character timeout)."""
    from judge.rules.artefacts import runner_artefact

    evidence = runner_artefact(blind_text)
    return Flag("runner_artefact", evidence) if evidence else None


def detect_all(
    *,
    raw_response: str | None,
    blind_text: str,
    completion_tokens: int | None,
    declared_cap: int | None,
    has_image: bool = False,
    expects_tool: bool = False,
) -> list[Flag]:
    """Every detector over one response; at most one flag of each kind."""
    raw = raw_response or ""
    found = [
        detect_truncated(raw, completion_tokens, declared_cap),
        detect_empty(raw),
        detect_echo_only(raw, blind_text),
        detect_degenerate(blind_text),
        detect_wrong_modality(blind_text, has_image),
        detect_runner_artefact(blind_text),
    ]
    if blind_text.strip():
        found.append(detect_missing_tool_call(blind_text, expects_tool))
    return [f for f in found if f is not None]


def replace_flags(con, response_ids: list[str], rows: list[tuple[str, str, str]], flagged_at):
    """Idempotent bulk write: delete these responses' flags, insert the new ones, one commit.

    `response_ids` are the responses whose old flags go (the rows' responses must be among
    them or have none); with none to delete, the delete (a scan of the table) is skipped."""
    import pyarrow as pa

    ids = pa.table({"response_id": pa.array(response_ids, pa.string())})
    flags = pa.table(
        {
            "response_id": pa.array([r[0] for r in rows], pa.string()),
            "flag": pa.array([r[1] for r in rows], pa.string()),
            "evidence": pa.array([r[2] for r in rows], pa.string()),
        }
    )
    con = con.cursor()  # a private connection: the caller may hold an unfinished result
    con.register("_flag_ids", ids)
    con.register("_flag_rows", flags)
    try:
        con.execute("begin")
        if response_ids:
            con.execute(
                "delete from raw.response_flags where response_id in "
                "(select response_id from _flag_ids)"
            )
        con.execute(
            "insert into raw.response_flags "
            "select response_id, flag, evidence, ?, ? from _flag_rows",
            [DETECTOR_VERSION, flagged_at],
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        con.unregister("_flag_ids")
        con.unregister("_flag_rows")
        con.close()
