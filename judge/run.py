"""`rescore judge`: detectors, blind view, cache and a judge over every ingested response.

Order of work, each step bulk and idempotent:

1. read `raw.responses` joined to questions, suites and configs in one query; skip speed-test
   records and responses to questions of no suite (counted, reported);
2. build each blind item (echo cut, identities redacted) and run the detectors; replace the
   responses' rows in `raw.response_flags`;
3. record the scoring run; responses already judged in it with the same cache key are done
   (resume), cache hits are written straight away, the rest go to the judge;
4. every verdict is persisted as it arrives (`on_result`), buffered into small transactions
   for the rules judge and one per verdict for an API judge, so kill -9 loses nothing
   committed and a re-run picks up where it stopped. Failures go to `raw.judge_failures`,
   never into `raw.judgments`.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pyarrow as pa

from judge import cache
from judge.base import RUBRIC, RUBRIC_VERSION, Judge, Task, Verdict
from judge.blind import blind_response, build_item, cache_key, identity_names
from judge.detectors import detect_all, expects_tool_call, replace_flags
from judge.errors import JudgeError, JudgeUsageError

if TYPE_CHECKING:  # the pool is imported only when a run uses it (a no-op run starts faster)
    from collections.abc import Collection
    from concurrent.futures import Executor, ProcessPoolExecutor

JUDGES = ("rules", "rules-v1", "rules-v2", "claude", "openai", "cascade")
MODEL_JUDGES = ("claude", "openai")
RULES_CHUNK = 1000  # verdicts per transaction for the rules judge (resumability vs speed)

_LOAD_SQL = """
select
    r.response_id, r.suite, r.question_id, r.prompt as record_prompt, r.response,
    r.completion_tokens, r.max_tokens, r.is_speed_test, r.in_suite,
    q.prompt as question_prompt, q.expected, q.reference_answer,
    cast(q.scoring as varchar) as scoring, q.auto_score, q.image_path,
    s.max_tokens as suite_max_tokens,
    c.model, c.model_family, c.model_path, c.role, r.config
from raw.responses as r
left join raw.questions as q on q.suite = r.suite and q.question_id = r.question_id
left join raw.suites as s on s.suite = r.suite
left join raw.configs as c on c.run_id = r.run_id and c.config = r.config
order by r.suite, r.question_id, r.response_id
"""


# The judgeable responses with a hash of every raw input their blind item and flags are built
# from, plus the judge's settings ($1): equal hash, equal item, equal verdict. Computed by DuckDB
# over all rows at once, so a re-run finds its done work without reading a response into Python.
# DuckDB's 64-bit `hash` (5x cheaper than sha256 over the text): the key is compared only with
# the same response's earlier key, and a key from another DuckDB version just misses (re-judged).
# A response's texts enter through its run file's sha256 (`raw.configs.file_sha256`): they
# change only with the file, and reading them made a no-op re-run read every text (at 609,400
# responses: 212 s of a 243 s no-op, against 1.6 s with the file hash). A changed file re-keys
# all its responses; those whose blind item is unchanged keep their verdict (same cache_key,
# counted as already done). Each question's fields are hashed once, not once per response.
_KEYS_BODY = """
with question_keys as (
    select
        q.suite,
        q.question_id,
        q.prompt is null and q.expected is null as unjudgeable,
        hash(coalesce(q.prompt, chr(0)), coalesce(q.expected, chr(0)),
            coalesce(q.reference_answer, chr(0)), coalesce(cast(q.scoring as varchar), chr(0)),
            coalesce(q.auto_score, chr(0)), coalesce(q.image_path, chr(0)),
            coalesce(cast(s.max_tokens as varchar), chr(0))) as question_key
    from raw.questions as q
    left join raw.suites as s on s.suite = q.suite
)
select
    r.response_id,
    r.run_id,
    r.suite,
    r.question_id,
    cast(hash($1, r.response_id, r.config, coalesce(c.file_sha256, chr(0)),
        coalesce(cast(r.completion_tokens as varchar), chr(0)),
        coalesce(cast(r.max_tokens as varchar), chr(0)),
        k.question_key,
        coalesce(c.model, chr(0)), coalesce(c.model_family, chr(0)),
        coalesce(c.model_path, chr(0)), coalesce(c.role, chr(0))) as varchar) as input_key
from raw.responses as r
inner join question_keys as k on k.suite = r.suite and k.question_id = r.question_id
left join raw.configs as c on c.run_id = r.run_id and c.config = r.config
where not r.is_speed_test and r.in_suite and not k.unjudgeable
"""
# The keys of a run, kept in DuckDB (a temp table of the run's private connection), so that
# what is already done is found by a join there: a no-op re-run at 1M responses fetched
# every key and every judgment of the scoring run into Python (2 x 1M tuples) to compare them.
_KEYED_TABLE = "_judge_keyed"
_KEYED_SQL = f"""
create or replace temp table {_KEYED_TABLE} as
select response_id, run_id, input_key, suite, question_id
from ({_KEYS_BODY})
"""
# The order responses are judged in (and `--limit` counts in), applied to what is left to do
# only: a row number over every key sorted the whole warehouse on every run, half the SQL of
# a no-op judge. The to-do query joins judgments (which have a response_id too): it names the
# keyed table's columns.
_JUDGE_ORDER_COLUMNS = ("suite", "question_id", "response_id")
_JUDGE_ORDER = ", ".join(_JUDGE_ORDER_COLUMNS)
# The keyed responses not done in this scoring run ($1): no judgment, or one with another input
# key (NULL: written before input_key existed); with that judgment's cache key, if any, and
# the response's run (`_stream_rows` reads only those runs' texts).
_TODO_SQL = f"""
select k.response_id, k.input_key, j.cache_key, k.run_id
from {_KEYED_TABLE} as k
left join raw.judgments as j on j.scoring_run = $1 and j.response_id = k.response_id
where j.input_key is null or j.input_key <> k.input_key
order by {", ".join(f"k.{c}" for c in _JUDGE_ORDER_COLUMNS)}
"""
# Not done here, but judged with the same inputs in another scoring run: its cache key.
_REUSE_SQL = f"""
select k.response_id, max(j.cache_key) as cache_key
from {_KEYED_TABLE} as k
inner join raw.judgments as j
    on j.response_id = k.response_id and j.input_key = k.input_key and j.scoring_run <> $1
where not exists (
    select 1 from raw.judgments as d
    where d.scoring_run = $1 and d.response_id = k.response_id and d.input_key = k.input_key
)
group by k.response_id
"""
_FLAG_COUNTS_SQL = f"""
select flag, count(*) from raw.response_flags
where response_id in (select response_id from {_KEYED_TABLE})
group by flag
"""

_SKIPPED_SQL = """
select
    count(*) filter (where r.is_speed_test) as speed,
    count(*) filter (
        where not r.is_speed_test
        and (not r.in_suite or (q.prompt is null and q.expected is null))
    ) as no_suite
from raw.responses as r
left join raw.questions as q on q.suite = r.suite and q.question_id = r.question_id
"""

# What the responses share, read once per run instead of once per response: the question data
# (a long context's reference and criteria repeat for every config that answered it) and the
# identity strings of each config. The stream then carries only the response's own columns.
_QUESTIONS_SQL = """
select
    q.suite, q.question_id, q.prompt as question_prompt, q.expected, q.reference_answer,
    cast(q.scoring as varchar) as scoring, q.auto_score, q.image_path,
    s.max_tokens as suite_max_tokens
from raw.questions as q
left join raw.suites as s on s.suite = q.suite
"""
_CONFIGS_SQL = """
select run_id, config, model, model_family, model_path, role from raw.configs
"""
_STREAM_SQL = """
select
    r.response_id, r.suite, r.question_id, r.run_id, r.config, r.prompt as record_prompt,
    r.response, r.completion_tokens, r.max_tokens
from raw.responses as r
where r.response_id in (select response_id from _judge_ids)
"""
# Narrows the scan to the runs of the responses wanted: DuckDB pushes the run ids' range into
# the scan, so row groups of other runs (ingested run by run) are skipped before their texts
# are read. Without it one more run at 1M responses read every text: 9.7 s and 1.9 GB
# against 0.5 s and 0.3 GB for 9,041 responses of 2 runs.
_STREAM_RUNS_SQL = " and r.run_id in (select unnest(?::varchar[]))"
_QUESTION_COLUMNS = ("question_prompt", "expected", "reference_answer", "scoring", "auto_score",
                     "image_path")  # fmt: skip
_NO_CONFIG = {"model": None, "model_family": None, "model_path": None, "role": None}


@dataclass
class _Context:
    """Question and config columns by key: what `_full_row` adds to a streamed response row.

    Built once per run in the main process and handed to the worker processes when they
    start, so a batch sent to a worker holds only the responses' own text."""

    questions: dict[tuple[str, str], dict]
    configs: dict[tuple[str, str], dict]

    @classmethod
    def load(cls, con) -> _Context:
        def rows(sql: str) -> list[dict]:
            cur = con.execute(sql)
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

        questions = {(q.pop("suite"), q.pop("question_id")): q for q in rows(_QUESTIONS_SQL)}
        configs = {(c.pop("run_id"), c.pop("config")): c for c in rows(_CONFIGS_SQL)}
        return cls(questions, configs)

    def full_row(self, r: dict) -> dict:
        """The load query's row for a streamed response row (same keys, same values)."""
        q = self.questions.get((r["suite"], r["question_id"]))
        if q is None:  # not judgeable (`_KEYS_BODY` keeps only responses with a question)
            q = dict.fromkeys((*_QUESTION_COLUMNS, "suite_max_tokens"))
        return {**r, **q, **self.configs.get((r["run_id"], r["config"]), _NO_CONFIG)}


_WORKER_CONTEXT: _Context | None = None  # set in each worker process by `_init_worker`


def _init_worker(context: _Context) -> None:
    global _WORKER_CONTEXT
    _WORKER_CONTEXT = context


FETCH_CHUNK = 2000  # responses read and prepared at a time: memory stays bounded
WORKER_CHUNK = 250  # responses per task sent to a worker process (rules judges)
MIN_PARALLEL = 1000  # fewer fresh responses than this: the workers would cost more than they save


@dataclass
class JudgeOptions:
    """What `rescore judge` was asked to do (mirrors its flags)."""

    judge: str
    scoring_run: str
    model: str | None = None
    batch: bool = False
    concurrency: int = 8
    dry_run: bool = False
    limit: int | None = None
    progress: bool = True
    batch_state: str | None = None  # file remembering submitted batches, so a rerun resumes them
    rules_version: str = "v2"  # --judge rules: v1 or v2 (rules-v1 / rules-v2 name one directly)
    model_judge: str = "claude"  # --judge cascade: the judge for what no rule verified
    base_url: str | None = None  # --judge openai: the server's /v1 URL (else OPENAI_BASE_URL)
    price_input: float = 0.0  # --judge openai: US dollars per million prompt tokens
    price_output: float = 0.0  # --judge openai: US dollars per million completion tokens
    # rules judges: processes that prepare and score (None = RESCORE_JUDGE_WORKERS, else up to
    # 2 cores); 1 = all in this process. Same verdicts either way: results come back in order.
    workers: int | None = None


@dataclass
class Prepared:
    """One response ready for judging: its task and its detector flags."""

    task: Task
    flags: list[tuple[str, str, str]]


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _model_judge(kind: str, options: JudgeOptions) -> Judge:
    if kind == "claude":
        from judge.claude import ClaudeJudge

        return ClaudeJudge(
            options.model,
            batch=options.batch,
            concurrency=options.concurrency,
            batch_state=options.batch_state,
        )
    if kind == "openai":
        from judge.openai_compat import OpenAIJudge, TokenPrice

        return OpenAIJudge(
            options.model,
            base_url=options.base_url,
            concurrency=options.concurrency,
            price=TokenPrice(options.price_input, options.price_output),
        )
    raise JudgeUsageError(f"unknown model judge {kind!r}: choose one of {', '.join(MODEL_JUDGES)}")


def make_judge(options: JudgeOptions) -> Judge:
    """The judge object for `--judge`; API clients are imported only when asked for.

    `rules` is rules-`options.rules_version`; `rules-v1`/`rules-v2` name a version directly, so
    an old scoring run stays reproducible by name. `cascade` is rules-v2 first, then
    `options.model_judge` for the responses no rule verified.
    """
    from judge.rules_judge import RulesJudge

    if options.judge in ("rules", "rules-v1", "rules-v2"):
        version = options.rules_version if options.judge == "rules" else options.judge[-2:]
        try:
            return RulesJudge(version)
        except ValueError as exc:
            raise JudgeUsageError(str(exc)) from None
    if options.judge in MODEL_JUDGES:
        return _model_judge(options.judge, options)
    if options.judge == "cascade":
        from judge.cascade import CascadeJudge

        return CascadeJudge(_model_judge(options.model_judge, options), RulesJudge("v2"))
    raise JudgeUsageError(f"unknown judge {options.judge!r}: choose one of {', '.join(JUDGES)}")


def _prepare_row(
    r: dict, judge_name: str, settings: dict, input_key: str | None = None
) -> Prepared:
    """Blind item, cache key and detector flags of one judgeable response row."""
    names = identity_names([r["model"], r["model_family"], r["model_path"], r["role"], r["config"]])
    text = blind_response(r["response"], [r["record_prompt"], r["question_prompt"]], names)
    declared = r["max_tokens"] or r["suite_max_tokens"]
    flags = detect_all(
        raw_response=r["response"],
        blind_text=text,
        completion_tokens=r["completion_tokens"],
        declared_cap=declared,
        has_image=bool(r["image_path"]),
        expects_tool=expects_tool_call(r["expected"], None),
    )
    item = build_item(
        suite=r["suite"],
        question_id=r["question_id"],
        prompt=r["question_prompt"],
        expected=r["expected"],
        reference_answer=r["reference_answer"],
        scoring=r["scoring"],
        auto_score=r["auto_score"],
        response=text,
        truncated=any(f.flag == "truncated" for f in flags),
    )
    task = Task(r["response_id"], cache_key(item, judge_name, settings), item, input_key)
    return Prepared(task, [(r["response_id"], f.flag, f.evidence) for f in flags])


@dataclass(frozen=True)
class Keys:
    """What the writer needs of a task scored in a worker process: the response, its cache key
    and input key. The blind item stays in the worker (nothing to send back)."""

    response_id: str
    cache_key: str
    input_key: str | None = None


def _prepare_and_score(
    rows: list[dict], judge: Judge, settings: dict, input_keys: list[str | None]
) -> list[tuple[Keys, list[tuple[str, str, str]], Verdict]]:
    """A worker's share of a batch: each streamed row completed from the worker's context,
    prepared and scored, in the rows' order; sent back as keys, flags and verdict."""
    context = _WORKER_CONTEXT
    prepared = [
        _prepare_row(context.full_row(r) if context is not None else r, judge.name, settings, k)
        for r, k in zip(rows, input_keys, strict=True)
    ]
    verdicts: list[Verdict] = []
    judge.judge_all([p.task for p in prepared], on_result=lambda t, v: verdicts.append(v))
    return [
        (Keys(p.task.response_id, p.task.cache_key, p.task.input_key), p.flags, v)
        for p, v in zip(prepared, verdicts, strict=True)
    ]


def _workers(options: JudgeOptions, judge: Judge, n_fresh: int) -> int:
    """How many worker processes score this run: only the shipped rules judges (their
    objects pickle by name; a test's instrumented judge stays in this process)."""
    from judge.rules_judge import RulesJudge

    if options.dry_run or type(judge) is not RulesJudge or n_fresh < MIN_PARALLEL:
        return 1
    n = options.workers
    if n is None:
        env = os.environ.get("RESCORE_JUDGE_WORKERS", "").strip()
        n = int(env) if env.isdigit() else min(2, len(os.sched_getaffinity(0)))
    return max(1, n)


def _scored_batches(rows_iter, judge: Judge, settings: dict, input_of: dict, pool: Executor):
    """(rows, [(keys, flags, verdict)]) per batch, computed by `pool` one batch ahead: while the
    caller writes batch k, the workers score batch k+1 (at most two batches in memory)."""
    ahead = None
    for rows in rows_iter:
        futures = [
            pool.submit(
                _prepare_and_score, part, judge, settings,
                [input_of[r["response_id"]] for r in part],
            )
            for part in (rows[i : i + WORKER_CHUNK] for i in range(0, len(rows), WORKER_CHUNK))
        ]  # fmt: skip
        if ahead is not None:
            yield ahead[0], [x for f in ahead[1] for x in f.result()]
        ahead = (rows, futures)
    if ahead is not None:
        yield ahead[0], [x for f in ahead[1] for x in f.result()]


def prepare(con, judge: Judge) -> tuple[list[Prepared], Counter[str]]:
    """Blind items, cache keys and flags for every judgeable response; counts of skipped ones.

    Everything in memory at once: for tests and small tools. `run_judge` streams instead.
    """
    cur = con.execute(_LOAD_SQL)
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    skipped: Counter[str] = Counter()
    settings = judge.settings()
    out: list[Prepared] = []
    for r in rows:
        if r["is_speed_test"]:
            skipped["speed test record"] += 1
            continue
        if not r["in_suite"] or r["question_prompt"] is None and r["expected"] is None:
            skipped["question in no suite"] += 1
            continue
        out.append(_prepare_row(r, judge.name, settings))
    return out, skipped


def _settings_token(judge: Judge) -> str:
    """The judge's identity and settings, and the detectors, as one string for `input_key`."""
    from judge.detectors import DETECTOR_VERSION

    payload = {"judge": judge.name, "settings": judge.settings(), "rubric": RUBRIC_VERSION,
               "detectors": DETECTOR_VERSION}  # fmt: skip
    return json.dumps(payload, sort_keys=True, default=str)


def _stream_rows(con, ids: list[str], runs: Collection[str] | None = None):
    """The responses' own columns for `ids` (`_STREAM_SQL`), FETCH_CHUNK rows at a time
    (bounded memory); `_Context.full_row` adds the question and config columns. `runs`, when
    given, must hold the run of every id: only those runs are scanned (`_STREAM_RUNS_SQL`).

    Unordered and as Arrow record batches: an `order by` would make DuckDB sort every
    response text before the first row (the judge's peak memory grew with the warehouse);
    a scan streamed batch by batch holds one batch. Verdicts do not depend on the order."""
    if not ids:  # nothing fresh (a re-run): no scan of the response texts at all
        return
    cur = con.cursor()
    cur.register("_judge_ids", pa.table({"response_id": pa.array(ids, pa.string())}))
    try:
        if runs is None:
            rel = cur.sql(_STREAM_SQL)
        else:
            rel = cur.sql(_STREAM_SQL + _STREAM_RUNS_SQL, params=[sorted(runs)])
        reader = rel.to_arrow_reader(FETCH_CHUNK)
        pending: list[dict] = []
        for batch in reader:
            pending += batch.to_pylist()
            while len(pending) >= FETCH_CHUNK:
                yield pending[:FETCH_CHUNK]
                pending = pending[FETCH_CHUNK:]
        if pending:
            yield pending
    finally:
        cur.unregister("_judge_ids")
        cur.close()


def _backfill_input_keys(
    con, scoring_run: str, tasks: list[Task | Keys], todo: list[Task | Keys]
) -> None:
    """Judgments written before `input_key` existed gain it, so the next run skips them."""
    redo = {t.response_id for t in todo}
    rows = [(t.response_id, t.input_key) for t in tasks if t.response_id not in redo]
    cur = con.cursor()
    cur.register("_backfill", pa.table({
        "response_id": pa.array([r[0] for r in rows], pa.string()),
        "input_key": pa.array([r[1] for r in rows], pa.string()),
    }))  # fmt: skip
    try:
        cur.execute(
            "update raw.judgments as j set input_key = b.input_key from _backfill as b "
            "where j.scoring_run = ? and j.response_id = b.response_id",
            [scoring_run],
        )
    finally:
        cur.unregister("_backfill")
        cur.close()


def _flagged(con, ids: list[str]) -> set[str]:
    """Which of `ids` have flags in `raw.response_flags` (one scan, at the start of a run)."""
    cur = con.cursor()
    cur.register("_flagged_ids", pa.table({"response_id": pa.array(ids, pa.string())}))
    try:
        rows = cur.execute(
            "select distinct f.response_id from raw.response_flags as f "
            "inner join _flagged_ids as i using (response_id)"
        ).fetchall()
    finally:
        cur.unregister("_flagged_ids")
        cur.close()
    return {r[0] for r in rows}


class Persister:
    """Writes verdicts as they arrive: judgments + cache (or failures), in small transactions.

    Thread-safe, since an API judge may report from worker threads.
    """

    def __init__(self, con, scoring_run: str, judge_name: str, flush_every: int) -> None:
        self.con = con
        self.scoring_run = scoring_run
        self.judge_name = judge_name
        self.flush_every = flush_every
        self.buffer: list[tuple[Task | Keys, Verdict, bool]] = []
        self.lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self.cost = 0.0
        self.on_progress = None

    def add(self, task: Task | Keys, verdict: Verdict, *, from_cache: bool = False) -> None:
        with self.lock:
            self.buffer.append((task, verdict, from_cache))
            if verdict.score is None:
                self.counts["failed"] += 1
            else:
                self.counts["cached" if from_cache else "judged"] += 1
            if not from_cache and verdict.cost_usd:
                self.cost += verdict.cost_usd  # failed attempts were paid for too
            # a paid or slow verdict (a model's, or a failure) is committed at once
            if (
                len(self.buffer) >= self.flush_every
                or verdict.decided_by == "model"
                or verdict.score is None
            ):
                self._flush()
        if self.on_progress is not None and not from_cache:
            self.on_progress()

    def flush(self) -> None:
        with self.lock:
            self._flush()

    def add_reused(self, rows: list[tuple[str, str, str]]) -> None:
        """(response_id, cache_key, input_key) answered from raw.judge_cache, in one statement:
        no verdict passes through Python (a fully cached run stays well under a second)."""
        if not rows:
            return
        con = self.con
        con.register("_reused", pa.table({
            "response_id": pa.array([r[0] for r in rows], pa.string()),
            "cache_key": pa.array([r[1] for r in rows], pa.string()),
            "input_key": pa.array([r[2] for r in rows], pa.string()),
        }))  # fmt: skip
        con.execute("begin")
        try:
            con.execute(
                "insert or replace into raw.judgments (scoring_run, response_id, judge, "
                "rubric_version, score, reason, judged_at, cache_key, input_tokens, "
                "output_tokens, cache_read_tokens, cache_creation_tokens, cost_usd, decided_by, "
                "input_key) "
                "select ?, r.response_id, ?, ?, c.score, c.reason, ?, c.cache_key, "
                "c.input_tokens, c.output_tokens, c.cache_read_tokens, c.cache_creation_tokens, "
                "0.0, c.decided_by, r.input_key "
                "from _reused as r inner join raw.judge_cache as c using (cache_key)",
                [self.scoring_run, self.judge_name, RUBRIC_VERSION, _now()],
            )
            con.execute(
                "delete from raw.judge_failures where scoring_run = ? and response_id in "
                "(select response_id from _reused)",
                [self.scoring_run],
            )
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
        finally:
            con.unregister("_reused")
        self.counts["cached"] += len(rows)

    def _flush(self) -> None:
        if not self.buffer:
            return
        now = _now()
        ok = [(t, v, c) for t, v, c in self.buffer if v.score is not None]
        bad = [(t, v) for t, v, c in self.buffer if v.score is None]
        con = self.con
        con.execute("begin")
        try:
            if ok:
                con.register("_judgments", self._judgments_table(ok, now))
                con.execute(
                    "insert or replace into raw.judgments (scoring_run, response_id, judge, "
                    "rubric_version, score, reason, judged_at, cache_key, input_tokens, "
                    "output_tokens, cache_read_tokens, cache_creation_tokens, cost_usd, "
                    "decided_by, input_key) "
                    "select * from _judgments"
                )
                con.execute(
                    "delete from raw.judge_failures where scoring_run = ? and response_id in "
                    "(select response_id from _judgments)",
                    [self.scoring_run],
                )
                con.unregister("_judgments")
                fresh = [
                    (t.cache_key, self.judge_name, RUBRIC_VERSION, v) for t, v, c in ok if not c
                ]
                cache.store(con, fresh, now)
            if bad:
                con.executemany(
                    "insert or replace into raw.judge_failures "
                    "(scoring_run, response_id, judge, attempts, error, failed_at) "
                    "values (?, ?, ?, ?, ?, ?)",
                    [
                        (self.scoring_run, t.response_id, self.judge_name, v.attempts,
                         (v.error or v.reason or "unknown error")[:2000], now)
                        for t, v in bad
                    ],
                )  # fmt: skip
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
        self.buffer.clear()

    def _judgments_table(
        self, ok: list[tuple[Task | Keys, Verdict, bool]], now: datetime
    ) -> pa.Table:
        n = len(ok)
        tasks = [t for t, _, _ in ok]
        verdicts = [v for _, v, _ in ok]

        def verdict_col(name: str, typ) -> pa.Array:
            return pa.array([getattr(v, name) for v in verdicts], typ)

        return pa.table(
            {
                "scoring_run": pa.array([self.scoring_run] * n, pa.string()),
                "response_id": pa.array([t.response_id for t in tasks], pa.string()),
                "judge": pa.array([self.judge_name] * n, pa.string()),
                "rubric_version": pa.array([RUBRIC_VERSION] * n, pa.string()),
                "score": verdict_col("score", pa.int32()),
                "reason": verdict_col("reason", pa.string()),
                "judged_at": pa.array([now] * n, pa.timestamp("us")),
                "cache_key": pa.array([t.cache_key for t in tasks], pa.string()),
                "input_tokens": verdict_col("input_tokens", pa.int32()),
                "output_tokens": verdict_col("output_tokens", pa.int32()),
                "cache_read_tokens": verdict_col("cache_read_tokens", pa.int32()),
                "cache_creation_tokens": verdict_col("cache_creation_tokens", pa.int32()),
                # a cache hit cost nothing in this run; the cache keeps what it once cost
                "cost_usd": pa.array([0.0 if c else v.cost_usd for _, v, c in ok], pa.float64()),
                "decided_by": verdict_col("decided_by", pa.string()),
                "input_key": pa.array([t.input_key for t in tasks], pa.string()),
            }
        )


def _check_scoring_run(con, options: JudgeOptions, judge: Judge) -> str | None:
    row = con.execute(
        "select origin, judge from raw.scoring_runs where scoring_run = ?", [options.scoring_run]
    ).fetchone()
    if row is None:
        return None
    origin, existing = row
    if origin != "judge":
        return f"scoring run {options.scoring_run!r} holds imported scores; choose another name"
    if existing != judge.name:
        return (
            f"scoring run {options.scoring_run!r} was judged by {existing}, not {judge.name}; "
            "choose another name"
        )
    return None


def _record_scoring_run(con, options: JudgeOptions, judge: Judge) -> None:
    now = _now()
    settings = json.dumps(
        {
            "judge": options.judge,
            **judge.settings(),
            "batch": options.batch,
            "limit": options.limit,
        },
        sort_keys=True,
    )
    con.execute(
        "insert into raw.scoring_runs (scoring_run, judge, rubric_version, origin, source_files, "
        "settings, created_at, updated_at, rubric) values (?, ?, ?, 'judge', null, ?, ?, ?, ?) "
        "on conflict (scoring_run) do update set judge = excluded.judge, "
        "rubric_version = excluded.rubric_version, settings = excluded.settings, "
        "updated_at = excluded.updated_at, rubric = excluded.rubric",
        [options.scoring_run, judge.name, RUBRIC_VERSION, settings, now, now, RUBRIC],
    )


def _already_judged(con, scoring_run: str) -> dict[str, str]:
    rows = con.execute(
        "select response_id, cache_key from raw.judgments where scoring_run = ?", [scoring_run]
    ).fetchall()
    return {r[0]: r[1] for r in rows}


def _model_cost(kind: str, tasks: list[Task], options: JudgeOptions) -> str:
    """'N requests, ~T input tokens, $X' for a model judge over `tasks`."""
    if kind == "claude":
        from judge.claude import estimate_cost

        est = estimate_cost(tasks, options.model, batch=options.batch)
        usd = est.get("usd")
        dollars = f"~${usd:.2f}" if usd is not None else "cost unknown (model has no price)"
        return (
            f"{est.get('requests', len(tasks))} requests, "
            f"~{est.get('input_tokens', 0):,} input tokens, "
            f"~{est.get('output_tokens', 0):,} output tokens, {dollars}"
        )
    from judge.openai_compat import DEFAULT_MAX_TOKENS, estimate_tokens

    n = len({t.cache_key for t in tasks})
    tokens = estimate_tokens(tasks)
    usd = (tokens * options.price_input + n * 200 * options.price_output) / 1_000_000
    return f"{n} requests, ~{tokens:,} input tokens (<= {DEFAULT_MAX_TOKENS} out each), ~${usd:.2f}"


def _print_estimate(tasks: list[Task], options: JudgeOptions, n_cached: int, judge: Judge) -> None:
    if hasattr(judge, "route"):  # the cascade: how many go to the model, and what that saves
        routing = judge.route(tasks)
        kind = options.model_judge
        print(
            f"dry run: {len(tasks)} responses to judge ({n_cached} more answered from the "
            f"cache): {len(routing.rules)} decided by the rules, {len(routing.model)} go to "
            f"the model judge ({kind})"
        )
        print(f"  cascade:        {_model_cost(kind, routing.model, options)}")
        print(f"  all with {kind}: {_model_cost(kind, tasks, options)}")
        n_all = len({t.cache_key for t in tasks})
        n_model = len({t.cache_key for t in routing.model})
        saved = 1 - n_model / n_all if n_all else 0.0
        print(f"  the rules save {saved:.0%} of the model requests ({n_all - n_model} of {n_all})")
    elif options.judge in MODEL_JUDGES:
        print(
            f"dry run: {_model_cost(options.judge, tasks, options)} "
            f"({n_cached} more answered from the cache)"
        )
    else:
        print(f"dry run: {len(tasks)} responses to judge offline ({n_cached} cached), $0.00")


def _progress(enabled: bool, total: int):
    """A rich progress bar on a terminal, else None."""
    if not enabled or total == 0 or not sys.stdout.isatty():
        return None
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("judging"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        transient=True,
    )


def run_judge(con, options: JudgeOptions, judge: Judge | None = None) -> int:
    """Judge every ingested response into scoring run `options.scoring_run`. Exit code 0/1/2.

    `judge` overrides the one `options.judge` names (tests pass instrumented judges).
    """
    con = con.cursor()  # a private connection: the caller may hold an unfinished result
    try:
        if judge is None:
            judge = make_judge(options)
        judge.settings()  # a model judge asks its server which model and build it serves
    except JudgeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    problem = _check_scoring_run(con, options, judge)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2

    settings = judge.settings()
    con.execute(_KEYED_SQL, [_settings_token(judge)])
    try:
        return _judge_keyed(con, options, judge, settings)
    finally:
        con.execute(f"drop table if exists {_KEYED_TABLE}")


def _judge_keyed(con, options: JudgeOptions, judge: Judge, settings: dict) -> int:
    """`run_judge` once the keys are in `_KEYED_TABLE`."""
    (n_keyed,) = con.execute(f"select count(*) from {_KEYED_TABLE}").fetchone()
    speed, no_suite = con.execute(_SKIPPED_SQL).fetchone()
    skipped = Counter({"speed test record": speed, "question in no suite": no_suite})
    skipped = +skipped  # drop zero counts
    if not n_keyed and not skipped:
        print(
            "nothing to judge: the warehouse holds no responses yet; "
            "run `rescore ingest SUITES_DIR RUN_DIR...` first",
            file=sys.stderr,
        )
        return 1
    if options.limit is not None:
        con.execute(
            f"delete from {_KEYED_TABLE} where response_id not in (select response_id from "
            f"{_KEYED_TABLE} order by {_JUDGE_ORDER} limit ?)",
            [max(0, options.limit)],
        )
        (n_keyed,) = con.execute(f"select count(*) from {_KEYED_TABLE}").fetchone()

    # Done in this scoring run with the same inputs: nothing to rebuild (only the rest leaves
    # DuckDB). Judged with the same inputs in another scoring run (same judge and settings,
    # as the key says): its verdict.
    todo_rows = con.execute(_TODO_SQL, [options.scoring_run]).fetchall()
    input_of = {rid: ik for rid, ik, _, _ in todo_rows}
    done_by_key = {rid: ck for rid, _, ck, _ in todo_rows if ck is not None}  # before input_key
    reuse = dict(con.execute(_REUSE_SQL, [options.scoring_run]).fetchall()) if todo_rows else {}
    cached_keys = cache.present(con, list(set(reuse.values())))
    reused = {rid: ck for rid, ck in reuse.items() if ck in cached_keys}
    fresh_ids = [rid for rid, _, _, _ in todo_rows if rid not in reused]
    fresh_runs = {run for rid, _, _, run in todo_rows if rid not in reused}
    resumed = n_keyed - len(todo_rows)

    offline = bool(getattr(judge, "offline", False))
    cascade = hasattr(judge, "route")  # rules verdicts in chunks, model verdicts one by one
    flush_every = RULES_CHUNK if offline or cascade else 1
    persister = Persister(con, options.scoring_run, judge.name, flush_every)
    pending_all: list[Task] = []  # API judges and dry runs: the work after streaming
    n_cached = len(reused)
    if not options.dry_run:
        _record_scoring_run(con, options, judge)
        persister.add_reused([(rid, ck, input_of[rid]) for rid, ck in reused.items()])

    flagged_before = _flagged(con, fresh_ids) if fresh_ids and not options.dry_run else set()
    bar = _progress(options.progress and not options.dry_run, len(fresh_ids))
    pool: ProcessPoolExecutor | None = None
    try:
        if bar is not None:
            bar.start()
            bar_task = bar.add_task("judging", total=len(fresh_ids))
            persister.on_progress = lambda: bar.advance(bar_task)
        n_workers = _workers(options, judge, len(fresh_ids))
        context = _Context.load(con) if fresh_ids else _Context({}, {})
        if n_workers > 1:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            # fork: the workers start warm (modules and prompt caches loaded) and get the
            # question and config columns once; they run judge code only, never DuckDB, and
            # exit with os._exit, so no finalizer touches the file
            pool = ProcessPoolExecutor(
                n_workers, mp_context=multiprocessing.get_context("fork"),
                initializer=_init_worker, initargs=(context,),
            )  # fmt: skip
            streamed = _stream_rows(con, fresh_ids, fresh_runs)
            batches = _scored_batches(streamed, judge, settings, input_of, pool)
        else:
            batches = ((rows, None) for rows in _stream_rows(con, fresh_ids, fresh_runs))
        for rows, scored in batches:
            # (task, flags) per response; `computed`: the workers' verdicts by response
            if scored is None:
                keyed_flags = []
                for r in rows:
                    p = _prepare_row(
                        context.full_row(r), judge.name, settings, input_of[r["response_id"]]
                    )
                    keyed_flags.append((p.task, p.flags))
                computed = None
            else:
                keyed_flags = [(k, flags) for k, flags, _ in scored]
                computed = {k.response_id: v for k, _, v in scored}
            tasks = [t for t, _ in keyed_flags]
            todo = [t for t in tasks if done_by_key.get(t.response_id) != t.cache_key]
            resumed += len(tasks) - len(todo)
            if not options.dry_run and len(todo) < len(tasks):
                _backfill_input_keys(con, options.scoring_run, tasks, todo)
            hits = cache.lookup(con, [t.cache_key for t in todo])
            pending = [t for t in todo if t.cache_key not in hits]
            n_cached += len(todo) - len(pending)
            if options.dry_run:
                pending_all += pending
                continue
            # only responses that had flags when the run began can have any to delete: the
            # delete scans the whole table, which grows with the warehouse
            replace_flags(
                con, [t.response_id for t in tasks if t.response_id in flagged_before],
                [f for _, flags in keyed_flags for f in flags], _now(),
            )  # fmt: skip
            for t in todo:
                if t.cache_key in hits:
                    persister.add(t, hits[t.cache_key], from_cache=True)
            persister.flush()
            if computed is not None:
                for t in pending:
                    persister.add(t, computed[t.response_id])
            elif offline:
                judge.judge_all(pending, on_result=persister.add)
            else:
                pending_all += pending
        if options.dry_run:
            _print_estimate(pending_all, options, n_cached, judge)
            return 0
        if pending_all:
            judge.judge_all(pending_all, on_result=persister.add)
    except JudgeError as exc:  # the API refused the whole run (bad key, unknown model)
        persister.flush()
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        persister.flush()
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        if bar is not None:
            bar.stop()

    counts = persister.counts
    n_flags = Counter(dict(con.execute(_FLAG_COUNTS_SQL).fetchall()))
    skipped_text = ", ".join(f"{n} {why}" for why, n in sorted(skipped.items())) or "none"
    flags_text = ", ".join(f"{k} {v}" for k, v in sorted(n_flags.items())) or "none"
    print(
        f"judge {judge.name} -> scoring run {options.scoring_run!r}: "
        f"judged {counts['judged']}, cached {counts['cached']}, "
        f"already done {resumed}, failed {counts['failed']}, "
        f"skipped {sum(skipped.values())} ({skipped_text}), cost ${persister.cost:.4f}"
    )
    print(f"flags: {flags_text}")
    if counts["failed"]:
        print(
            f"{counts['failed']} judgments failed; see raw.judge_failures and re-run the same "
            "command to retry them"
        )
        return 1
    return 0
