"""Deterministic synthetic benchmark runs in the real run-file shape, at any size.

Why: the real data is one run of 6,094 responses; scale questions (1M responses, a warehouse
that grows by a run a week) need more, and copying the real files under new names repeats
every response text, which flatters every content-keyed cache. So the generator takes the
*shape* of a source run at run time and writes new text:

- structure from the source run folder: every per-config file's role, config name, model path,
  key order and which (suite, question_id) records it holds (so ~84% of the real files are
  single speed-test records, the rest answer 40-70 questions); the other-shape aggregate files
  are rebuilt in their own shape from the synthetic responses of the same run;
- per record, jointly, the source record's numbers (completion tokens with their cap hits,
  prompt tokens, tokens/s, time, algorithmic score and reason, nulls, value types) and text
  features (length, prompt echo, closed or unclosed `<think>`, code fences, a repetition loop
  at the end, empty); lengths and speeds get a small jitter, capped records keep their length;
- the response text is new pseudo-prose from a fixed vocabulary, unique per record, that
  quotes the question's `expected` answer about half the time so judges give mixed scores.

Nothing of the source is copied into the repository: the profile is read from the source
folder every time (the real `../shared/data/epyc` run, or the bundled `examples/` in tests).
The same (source, seed, size) gives byte-identical files; every file has its own RNG, seeded
from (seed, run index, file index), so any run can be regenerated alone.
"""

from __future__ import annotations

import contextlib
import json
import random
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

SPEED_SUITE = "speed_test"
BASE_TIME = datetime(2030, 1, 7, 9, 0, 0)  # far from real run ids; one run a week after it
CAPPED_TOKENS = {511, 512, 1023, 1024, 2047, 2048}
NUMERIC = (
    "tokens_per_second",
    "prompt_tokens",
    "completion_tokens",
    "total_time_ms",
    "algorithmic_score",
    "acceptance_rate",
)

# A fixed vocabulary: prose-like, with the markup and the non-ASCII characters real answers use.
_WORDS = (
    "the of and to a in is that for it as with be on not this are by or an which from at "
    "can if we but all has more its one would so their there when they will also been than "
    "each then these only what because first such into some time two how may about should "
    "model answer result value step case problem data system function test number error "
    "approach method reason example output input process memory cache token request policy "
    "risk cost rate total price tax discount percent average sample study effect cause group "
    "control variable evidence claim argument premise conclusion therefore however thus hence "
    "consider note assume suppose given compute calculate check verify estimate compare "
    "increase decrease higher lower larger smaller first second third final key main clear "
    "simple direct correct wrong likely unlikely possible necessary sufficient explicit "
    "implicit within between across under over after before during while until unless "
    "server client thread queue lock batch stream file record field column table index "
    "query join filter group sort merge split parse format encode decode hash key 42 3.14 "
    "100 2048 0.75 12 7 1.5 × — ≈ → café naïve"
)
VOCAB = tuple(_WORDS.split())
CODE_LINES = (
    "def solve(items, limit):",
    "    seen = set()",
    "    for i, x in enumerate(items):",
    "        if x in seen:",
    "            return i",
    "        seen.add(x)",
    "    return -1",
    "class Cache:",
    "    def __init__(self, size: int) -> None:",
    "        self.size = size",
    "        self.data = {}",
    "result = [f(x) for x in range(10) if x % 2 == 0]",
    "assert solve([1, 2, 3, 2], 4) == 3",
    'print(f"total: {total:.2f}")',
)


@dataclass(frozen=True)
class RecordShape:
    """One source record's numbers and text features; the synthetic record keeps them."""

    suite: str
    question_id: str
    prompt: str
    length: int
    numbers: dict[str, Any]
    score_reason: Any
    echo: bool  # the response starts with the prompt copied back
    echo_tail: str | None  # bare echo: the runner's short tail after it (verbatim), else None
    think: str  # "", "closed" or "open"
    code: bool
    loop: float | None  # share of the text before a repetition loop takes over
    response: str | None  # kept verbatim only for speed-test placeholders


@dataclass(frozen=True)
class FileTemplate:
    """One per-config run file of the source: its identity and its records, in order."""

    stem: str
    head: dict[str, Any]  # model_role, model_path, config_name (and key order)
    keys: tuple[str, ...]
    summary: dict[str, Any] | None
    time_offset_s: float
    records: tuple[RecordShape, ...]


@dataclass(frozen=True)
class OtherTemplate:
    """An other-shape file of the source (an aggregate), rebuilt in the same shape."""

    name: str
    kind: str  # "by_question" {qid: {config: rec}}, "by_name" {model: {qid: rec}}, "list"
    suite: str
    top: int
    inner: int


@dataclass
class Profile:
    """Everything the generator takes from a source run and its suites."""

    files: list[FileTemplate]
    others: list[OtherTemplate]
    expected: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def run_size(self) -> int:
        return sum(len(f.records) for f in self.files)


def _loop_from(response: str) -> float | None:
    """Where a repetition loop starts, as a share of the text; None when there is none.

    Two signals, as a reader would see them: a final stretch of 1 KB+ whose 256-byte blocks
    compress to almost nothing given what came before (a loop until the cap), or one short
    phrase repeated all through the text (share 0).
    """
    raw = response.encode()
    blocks = len(raw) // 256
    if blocks >= 4:
        co = zlib.compressobj(6)
        ratios = [
            (len(co.compress(raw[i * 256 : (i + 1) * 256])) + len(co.flush(zlib.Z_SYNC_FLUSH)))
            / 256
            for i in range(blocks)
        ]
        k = blocks
        while k > 0 and ratios[k - 1] < 0.15:
            k -= 1
        if blocks - k >= 4:
            return k / blocks
    words = response.lower().split()
    if len(response) >= 200 and len(words) >= 3:
        grams = Counter(zip(words, words[1:], words[2:], strict=False))
        top = grams.most_common(1)[0][1]
        if top >= 15 and top * 3 >= 0.3 * len(words):
            return 0.0
    return None


def _features(response: str, prompt: str) -> tuple[bool, str | None, str, bool, float | None]:
    """echo, echo_tail, think, code, loop of a source response (cheap heuristics).

    echo_tail is the short text after a bare prompt echo (the runner's end marker), kept
    verbatim; None when the echo is followed by an answer or there is no echo.
    """
    head = (prompt or "").strip()[:80]
    echo, tail = False, None
    if len(head) >= 20 and response.lstrip().startswith(head):
        echo = True
        rest = response.lstrip()[len(prompt.strip()) :]
        tail = rest if len(rest) <= 40 else None
    opens = response.count("<think>")
    think = "" if not opens else ("closed" if response.count("</think>") >= opens else "open")
    return echo, tail, think, "```" in response, _loop_from(response)


def _suite_names(stem: str, suites: set[str]) -> str | None:
    for s in sorted(suites, key=len, reverse=True):
        if stem.startswith(s + "_"):
            return s
    return None


def _load_expected(suites_dir: Path) -> dict[tuple[str, str], str]:
    out: dict[tuple[str, str], str] = {}
    for path in sorted(suites_dir.glob("*.yaml")):
        try:
            doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
        except (yaml.YAMLError, UnicodeDecodeError):
            continue
        prompts = doc.get("prompts") if isinstance(doc, dict) else None
        if not isinstance(prompts, dict):
            continue
        for qid, q in prompts.items():
            if isinstance(q, dict) and q.get("expected") is not None:
                out[(path.stem, str(qid))] = str(q["expected"])
    return out


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def build_profile(source_run: Path, suites_dir: Path) -> Profile:
    """Read the shape of a source run folder (per-config files and aggregates)."""
    files: list[FileTemplate] = []
    pending_others: list[tuple[str, Any]] = []
    start: datetime | None = None
    for path in sorted(source_run.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"), strict=False)
        if not (isinstance(doc, dict) and isinstance(doc.get("results"), dict)):
            pending_others.append((path.name, doc))
            continue
        stamp = None
        with contextlib.suppress(ValueError):
            stamp = datetime.fromisoformat(str(doc.get("timestamp")))
        if stamp and (start is None or stamp < start):
            start = stamp
        records = []
        for suite, questions in doc["results"].items():
            if not isinstance(questions, dict):
                continue
            for qid, rec in questions.items():
                if not isinstance(rec, dict):
                    continue
                response = rec.get("response")
                response = response if isinstance(response, str) else ""
                prompt = rec.get("prompt") if isinstance(rec.get("prompt"), str) else ""
                echo, tail, think, code, loop = _features(response, prompt)
                records.append(
                    RecordShape(
                        suite=str(suite),
                        question_id=str(qid),
                        prompt=prompt,
                        length=len(response),
                        numbers={k: rec.get(k) for k in NUMERIC if k in rec},
                        score_reason=rec.get("score_reason"),
                        echo=echo,
                        echo_tail=tail,
                        think=think,
                        code=code,
                        loop=loop,
                        response=response if suite == SPEED_SUITE else None,
                    )
                )
        files.append(
            FileTemplate(
                stem=path.stem,
                head={k: doc.get(k) for k in ("model_role", "model_path", "config_name")},
                keys=tuple(doc),
                summary=doc.get("summary") if isinstance(doc.get("summary"), dict) else None,
                time_offset_s=0.0 if stamp is None else stamp.timestamp(),
                records=tuple(records),
            )
        )
    base = start.timestamp() if start else 0.0
    files = [
        FileTemplate(f.stem, f.head, f.keys, f.summary, max(0.0, f.time_offset_s - base), f.records)
        for f in files
    ]
    suites = {r.suite for f in files for r in f.records} - {SPEED_SUITE}
    others = []
    for name, doc in pending_others:
        if not isinstance(doc, dict) or not doc:
            continue
        suite = _suite_names(Path(name).stem, suites) or (sorted(suites) or ["general"])[0]
        first = next(iter(doc.values()))
        by_q = all(isinstance(k, str) and k[:2] in {"t1", "t2", "t3"} for k in doc)
        kind = ("list" if isinstance(first, list) else "by_question") if by_q else "by_name"
        inner = max((len(v) for v in doc.values() if isinstance(v, (dict, list))), default=1)
        others.append(OtherTemplate(name, kind, suite, len(doc), inner))
    return Profile(files, others, _load_expected(suites_dir))


# --- text -------------------------------------------------------------------------------


def _prose(rng: random.Random, n: int) -> str:
    """About n characters of sentences and paragraphs (a little more; callers cut)."""
    if n <= 0:
        return ""
    words = rng.choices(VOCAB, k=n // 5 + 8)
    out: list[str] = []
    size = i = 0
    while size < n and i < len(words):
        k = rng.randint(5, 17)
        chunk = words[i : i + k]
        i += k
        s = " ".join(chunk)
        s = s[:1].upper() + s[1:] + (". " if rng.random() > 0.1 else ":\n- ")
        if rng.random() < 0.12:
            s += "\n\n" + (f"**Step {rng.randint(1, 9)}**\n" if rng.random() < 0.3 else "")
        out.append(s)
        size += len(s)
        if i >= len(words):
            words += rng.choices(VOCAB, k=n // 5 + 8)
    return "".join(out)


def _code(rng: random.Random, n: int) -> str:
    lines = ["```python"]
    size = 0
    while size < n:
        line = rng.choice(CODE_LINES)
        lines.append(line)
        size += len(line) + 1
    lines.append("```")
    return "\n" + "\n".join(lines) + "\n"


def synth_text(rng: random.Random, shape: RecordShape, length: int, expected: str | None) -> str:
    """A new response with the source record's features at about `length` characters."""
    if shape.response is not None:
        return shape.response
    if length <= 0:
        return ""
    parts: list[str] = []
    if shape.echo_tail is not None:
        return shape.prompt.strip() + shape.echo_tail
    if shape.echo:
        parts.append(shape.prompt + "\n\n")
    body_n = max(0, length - sum(map(len, parts)))
    answer = f"The answer is {expected}. " if expected and rng.random() < 0.5 else ""
    if shape.think:
        think_n = int(body_n * (0.9 if shape.think == "open" else rng.uniform(0.4, 0.8)))
        parts.append("<think>\n" + _prose(rng, think_n)[:think_n])
        if shape.think == "closed":
            parts.append("\n</think>\n\n")
        body_n = max(0, length - sum(map(len, parts)))
    if shape.loop is not None:
        lead = _prose(rng, int(body_n * shape.loop))
        unit = _prose(rng, rng.randint(40, 160))
        reps = (body_n - len(lead)) // max(1, len(unit)) + 1
        parts.append(answer + lead + unit * reps)
    elif shape.code and body_n > 200:
        code_n = int(body_n * 0.35)
        parts.append(answer + _prose(rng, body_n - code_n) + _code(rng, code_n))
    else:
        parts.append(answer + _prose(rng, body_n))
    text = "".join(parts)
    if shape.think == "closed" and len(text) > length:
        return text[: max(length, text.index("</think>") + 9)]
    return text[:length]


# --- numbers ----------------------------------------------------------------------------


def _jitter(value: Any, factor: float) -> Any:
    """Scale a number kept in its source type (float, int or a numeric string)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return value * factor if isinstance(value, float) else value
    if isinstance(value, str):
        try:
            return f"{float(value) * factor:.2f}"
        except ValueError:
            return value
    return value


def _record(
    rng: random.Random, shape: RecordShape, expected: dict[tuple[str, str], str]
) -> dict[str, Any]:
    nums = dict(shape.numbers)
    capped = str(nums.get("completion_tokens")) in {str(c) for c in CAPPED_TOKENS}
    length = shape.length if capped else int(shape.length * rng.uniform(0.85, 1.15))
    if "tokens_per_second" in nums:
        nums["tokens_per_second"] = _jitter(nums["tokens_per_second"], rng.uniform(0.95, 1.05))
    text = synth_text(rng, shape, length, expected.get((shape.suite, shape.question_id)))
    rec: dict[str, Any] = {"question_id": shape.question_id, "prompt": shape.prompt}
    rec["response"] = text
    for k in ("tokens_per_second", "prompt_tokens", "completion_tokens", "total_time_ms"):
        if k in nums:
            rec[k] = nums[k]
    if "algorithmic_score" in nums:
        rec["algorithmic_score"] = nums["algorithmic_score"]
    rec["score_reason"] = shape.score_reason
    if "acceptance_rate" in nums:
        rec["acceptance_rate"] = nums["acceptance_rate"]
    return rec


# --- runs -------------------------------------------------------------------------------


def run_id_for(index: int) -> str:
    """Run k is a week after run k-1, so ids sort in time like the real runner's."""
    return (BASE_TIME + timedelta(days=7 * index)).strftime("%Y%m%d_%H%M%S")


def plan(
    profile: Profile, responses: int, seed: int, first_run: int = 0
) -> list[list[tuple[int, int]]]:
    """Runs of (template index, records kept): whole source-sized runs, then a partial one.

    The partial run takes templates in a seeded shuffled order until it holds the remainder,
    the last one cut short; so a 1% run is a few dozen configs, like a small real run.
    """
    size = profile.run_size
    if size == 0:
        raise ValueError("the source run holds no per-config records")
    full, rest = divmod(responses, size)
    runs = [[(i, len(f.records)) for i, f in enumerate(profile.files)] for _ in range(full)]
    if rest:
        order = list(range(len(profile.files)))
        random.Random(f"{seed}:plan:{first_run + full}").shuffle(order)
        part: list[tuple[int, int]] = []
        left = rest
        for i in order:
            n = len(profile.files[i].records)
            if n == 0:
                continue
            part.append((i, min(n, left)))
            left -= min(n, left)
            if left == 0:
                break
        runs.append(part)
    return runs


def _config_doc(
    rng: random.Random, tpl: FileTemplate, keep: int, run_id: str, profile: Profile
) -> tuple[dict, list[tuple[str, str, dict]]]:
    results: dict[str, dict[str, Any]] = {}
    made: list[tuple[str, str, dict]] = []
    for shape in tpl.records[:keep]:
        rec = _record(rng, shape, profile.expected)
        results.setdefault(shape.suite, {})[shape.question_id] = rec
        made.append((shape.suite, shape.question_id, rec))
    tps = [
        float(r["tokens_per_second"])
        for _, _, r in made
        if isinstance(r.get("tokens_per_second"), (int, float))
    ]
    summary = dict(tpl.summary) if tpl.summary is not None else None
    if summary is not None:
        if "avg_tokens_per_second" in summary:
            summary["avg_tokens_per_second"] = sum(tps) / len(tps) if tps else None
        if "questions_tested" in summary:
            summary["questions_tested"] = len(made)
    stamp = datetime.strptime(run_id, "%Y%m%d_%H%M%S")
    values = {
        **tpl.head,
        "run_id": run_id,
        "timestamp": (stamp + timedelta(seconds=tpl.time_offset_s)).isoformat(),
        "results": results,
        "summary": summary,
    }
    keys = tpl.keys or tuple(values)
    return {k: values.get(k) for k in keys}, made


def _other_doc(rng: random.Random, tpl: OtherTemplate, made: list[tuple[str, str, str, dict]]):
    """An aggregate in the source's shape, from this run's synthetic records of one suite."""
    rows = [m for m in made if m[1] == tpl.suite]
    doc: dict[str, Any] = {}
    for config, _suite, qid, rec in rows:
        entry = {"response": rec.get("response"), "tps": str(rec.get("tokens_per_second"))}
        if tpl.kind == "by_name":
            key, inner = config, qid
        else:
            key, inner = qid, config
        if key not in doc and len(doc) >= tpl.top:
            continue
        if tpl.kind == "list":
            bucket = doc.setdefault(key, [])
            if len(bucket) < tpl.inner:
                bucket.append({"model": config, **entry, "filename": f"{config}.json"})
        else:
            bucket = doc.setdefault(key, {})
            if len(bucket) < tpl.inner:
                bucket[inner] = entry
    return doc


def write_run(
    profile: Profile, out_dir: Path, run_index: int, files: list[tuple[int, int]], seed: int
) -> int:
    """Write one run folder; returns the number of response records written."""
    run_id = run_id_for(run_index)
    folder = out_dir / run_id
    folder.mkdir(parents=True, exist_ok=True)
    made: list[tuple[str, str, str, dict]] = []
    n = 0
    for i, keep in files:
        tpl = profile.files[i]
        rng = random.Random(f"{seed}:{run_index}:{i}")
        doc, recs = _config_doc(rng, tpl, keep, run_id, profile)
        (folder / f"{tpl.stem}.json").write_text(
            json.dumps(doc, indent=2, ensure_ascii=True), encoding="utf-8"
        )
        made += [(tpl.stem, s, q, r) for s, q, r in recs]
        n += len(recs)
    for j, other in enumerate(profile.others):
        doc = _other_doc(random.Random(f"{seed}:{run_index}:other{j}"), other, made)
        if doc:
            (folder / other.name).write_text(
                json.dumps(doc, indent=2, ensure_ascii=True), encoding="utf-8"
            )
    return n


def generate(
    profile: Profile, out_dir: Path, responses: int, *, seed: int = 0, first_run: int = 0
) -> list[Path]:
    """Write `responses` records as run folders under out_dir; returns the run folders."""
    folders = []
    for k, files in enumerate(plan(profile, responses, seed, first_run)):
        write_run(profile, out_dir, first_run + k, files, seed)
        folders.append(out_dir / run_id_for(first_run + k))
    return folders
