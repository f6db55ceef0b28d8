"""The pages that grow with the responses, built one at a time from `marts.responses`.

A config page shows every answer of the config and a question page every config's answer to
it: together they are most of a site's pages and bytes (~840 of ~980 pages, 4 GB of answer
text at 100x). They are never all in memory: :func:`plan` reads what the other pages need of
them in light queries (which page part shows each response, the questions and their shared
texts), and :func:`outputs` then streams the rows ordered by config (then by question),
yielding each config's pages and compare-view JSON, then each question's pages, as soon as
its rows are in. The mkdocs hook renders them outside mkdocs (`rescore.site.render`).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from rescore.site.page import Context, Page, slugs
from rescore.site.pages.compare import add_compare_answer, compare_json
from rescore.site.pages.configs import (
    RESPONSE_MARKUP,
    add_question_texts,
    chunk_numbers,
    config_pages,
)
from rescore.site.pages.questions import EXCERPT, question_pages
from rescore.site.sql import sql_literal

BATCH = 2048  # rows per fetch: a few MB of answer text at most
STREAM_MEMORY = "600MB"  # DuckDB's share while streaming
# Rows are read in slices of whole configs (questions) of about this many characters of text
# (rows): DuckDB cannot sort all answers within a bounded memory (at 10 runs 560 MB of text
# does not sort in 600 MB), one slice at a time it can. A slice is what the streamed pages
# hold at once (a spooled slice twice: read, then a sorted batch of it: `_sorted_rows`).
SLICE_CHARS = 16_000_000
SLICE_ROWS = 4_000
READ_ROWS = 512  # rows of a spooled slice turned into Python at once
SPOOL_MIN_SLICES = 3  # from this many slices on, rows are read once into files (`_sliced`)
ORDER = "config, run_id, suite, question_id, response_id"  # config page order
QUESTION_PAGE = "coalesce(in_suite, false) and not coalesce(is_speed_test, false)"
# the characters a response puts on its config page (pages.configs.text_size, in SQL)
TEXT_SIZE_SQL = (
    f"{RESPONSE_MARKUP} + length(coalesce(response, '')) + case when {QUESTION_PAGE} then 0 else"
    " length(coalesce(prompt, '')) + length(coalesce(reference_answer, '')) end"
)


@dataclass(frozen=True)
class TextFile:
    """A generated non-page file (site path, text), written beside the streamed pages."""

    uri: str
    text: str


@dataclass(frozen=True)
class CachedPart:
    """Stands for a config page part whose output the cache holds under `key` (the page's
    `part_key`): the renderer links it; the page was not built."""

    key: str


@dataclass(frozen=True)
class Group:
    """What one config (its pages and compare JSON) or one question (its pages) puts in the
    site, under the key of everything it is made from (:func:`page_keys`). `reused`: the
    caller's cache holds the key, so nothing was read or generated and `items` is empty."""

    key: str
    items: Iterable[Page | TextFile]  # lazy for configs and questions: iterate once
    reused: bool = False


def _where(ctx: Context) -> tuple[str, list[Any]]:
    if "scoring_run" in ctx.data.marts["responses"].columns:
        return " where scoring_run = ?", [ctx.data.scoring_run]
    return " where true", []


def _batches(cur: duckdb.DuckDBPyConnection) -> Iterator[dict[str, Any]]:
    names = [d[0] for d in cur.description]
    while True:
        rows = cur.fetchmany(BATCH)
        if not rows:
            return
        for row in rows:
            yield dict(zip(names, row, strict=True))


def _groups(rows: Iterator[dict[str, Any]], key: Any) -> Iterator[tuple[Any, list[dict]]]:
    """Consecutive rows with the same key (the query orders by it)."""
    current: Any = object()
    group: list[dict[str, Any]] = []
    for row in rows:
        k = key(row)
        if k != current and group:
            yield current, group
            group = []
        current = k
        group.append(row)
    if group:
        yield current, group


def plan(con: duckdb.DuckDBPyConnection, ctx: Context) -> None:
    """What the in-memory pages and the links need of the streamed pages, in light queries:
    each config page's parts (`Context.config_parts`, `response_part`), the questions with
    their answer counts (`Context.questions`) and the shared texts of each question (the
    first answer's, `Context.question_texts`). No answer text is read here."""
    where, params = _where(ctx)
    cur = con.execute(
        f"select config, response_id, {TEXT_SIZE_SQL} as n, hash(t) as h"
        f" from marts.responses as t{where} order by {ORDER}",
        params,
    )
    ctx.config_sizes = []
    for config, rows in _groups(_batches(cur), lambda r: r["config"]):
        sizes = [r["n"] for r in rows]
        ctx.config_sizes.append((config, sum(sizes)))
        parts = chunk_numbers(sizes)
        ctx.config_parts[config] = parts[-1]
        sums = [0] * parts[-1]
        ids: list[list[str]] = [[] for _ in sums]
        for r, part in zip(rows, parts, strict=True):
            sums[part - 1] += r["h"]
            if part > 1:
                rid = str(r["response_id"])
                ctx.response_part[rid] = part
                ids[part - 1].append(rid)
        ctx.config_rows_hash[config] = str(sum(sums))
        ctx.part_rows_hash[config] = [str(h) for h in sums]
        if len(ids) > 1:
            ctx.part_responses[config] = ids
    cur = con.execute(
        "select suite, question_id, count(*) as n,"
        f" first(question_name order by {ORDER}) as question_name,"
        f" first(prompt order by {ORDER}) as prompt,"
        f" first(expected order by {ORDER}) as expected,"
        f" first(reference_answer order by {ORDER}) as reference_answer"
        f" from marts.responses{where} and {QUESTION_PAGE} group by suite, question_id",
        params,
    )
    ctx.question_texts = {}
    for r in sorted(_batches(cur), key=lambda r: (str(r["suite"]), str(r["question_id"]))):
        ctx.questions[(str(r["suite"]), str(r["question_id"]))] = (r["n"], r["question_name"])
        add_question_texts(ctx, r)
    cur = con.execute(
        "select suite, question_id, run_id, count(*) as n"
        f" from marts.responses{where} and {QUESTION_PAGE} group by suite, question_id, run_id"
        " order by suite, question_id, run_id",
        params,
    )
    ctx.question_runs = {}
    for r in _batches(cur):
        q = (str(r["suite"]), str(r["question_id"]))
        ctx.question_runs.setdefault(q, []).append((str(r["run_id"]), r["n"]))
    ctx.run_slugs = slugs({run for runs in ctx.question_runs.values() for run, _ in runs})


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def page_keys(con: duckdb.DuckDBPyConnection, ctx: Context) -> None:
    """The key of each config's and each question's outputs (`Context.page_keys`), from
    cheap inputs, so that an unchanged page is neither generated nor rendered.

    A key covers everything its pages are made from: the page's `marts.responses` rows (a
    sum of DuckDB row hashes in SQL, no text leaves the warehouse), the other marts' rows
    the page shows (the config's facts, leaderboard and suite rows), the names and links of
    the configs a question page shows (their labels and slugs, and the config page part of
    each answer it links to: not the configs' whole rows, which a later run changes), and
    what every page shares (the site code, the scoring run, version, URL style, audit
    banner, category titles, the questions' shared texts).
    The renderer adds the skeletons and the Markdown setup (`render.Renderer.group_key`).
    """
    from rescore import build_state
    from rescore.site.pages import audit_banner

    where, params = _where(ctx)
    rows_of = ctx.config_rows_hash  # summed by `plan`, which reads every row's hash anyway
    common = _digest(
        {
            "code": build_state.tree_hash(Path(__file__).parent, suffixes={".py"}),
            "duckdb": duckdb.__version__,  # hash() is DuckDB's
            "scoring_run": ctx.data.scoring_run,
            "version": ctx.version,
            "urls": ctx.use_directory_urls,
            "banner": audit_banner(ctx),
            "titles": ctx.titles,
            "texts": ctx.question_texts,
        }
    )
    keys: dict[tuple[str, ...], str] = {}
    shown: dict[str, str] = {}  # what a question page shows of a config
    for config, slug in ctx.slugs.items():
        label = ctx.labels.get(config)
        shown[config] = _digest([config, slug, label])
        keys[("config", config)] = _digest(
            [
                common,
                shown[config],
                rows_of.get(config),
                ctx.data.configs.get(config),
                ctx.leaderboard_of.get(config),
                ctx.suite_scores_of.get(config),
                ctx.config_parts.get(config),
            ]
        )
        # a part after the first shows its own rows, the config's names and links to the
        # first, previous and next parts (`pages.configs._part_nav`): its key, so that a run
        # that adds answers at the end leaves the earlier parts ungenerated
        facts = ctx.data.configs.get(config) or {}
        n_parts = ctx.config_parts.get(config, 1)
        for part, rows_hash in enumerate(ctx.part_rows_hash.get(config, []), start=1):
            if part == 1:  # the facts, scores and the list of every part: the config's key
                key = [keys[("config", config)], rows_hash]
            else:
                name = [config, slug, label, facts.get("model"), facts.get("role")]
                key = [common, name, part, part == n_parts, rows_hash]
            keys[("config-part", config, str(part))] = _digest(key)
    # a question's page shows its newest run's answers and links to a page per earlier run
    # (pages.questions): each has its own key, so a run added leaves the earlier runs' pages
    cur = con.execute(
        "select suite, question_id, run_id, sum(hash(t)::hugeint)::varchar as h,"
        " list(distinct config order by config) as configs,"
        " list(response_id order by response_id) as ids"
        f" from marts.responses t{where} and {QUESTION_PAGE} group by suite, question_id, run_id",
        params,
    )
    part_of = ctx.response_part  # a response's config page part when not the first
    for r in _batches(cur):
        suite, qid, run = str(r["suite"]), str(r["question_id"]), str(r["run_id"])
        runs = ctx.question_runs.get((suite, qid), [])
        configs = [shown.get(str(c), str(c)) for c in r["configs"]]
        configs.append([part_of.get(str(i), 1) for i in r["ids"]])
        unit = question_key(ctx, suite, qid, run)
        if unit[0] == "question":  # the newest run: the page, with the earlier runs' links
            names = [ctx.run_slugs.get(run_id) for run_id, _ in runs]
            keys[unit] = _digest([common, suite, qid, r["h"], configs, runs, names])
        else:
            keys[unit] = _digest([common, suite, qid, run, ctx.run_slugs.get(run), r["h"], configs])
    ctx.page_keys = keys


def connect(
    warehouse: Path, work_dir: Path, *, memory: str = STREAM_MEMORY, one_thread: bool = True
) -> duckdb.DuckDBPyConnection:
    """A read-only connection whose sorts spill to the build's scratch folder, bounded
    (`memory`; one thread by default: a sort buffer per thread otherwise)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    tmp = work_dir / "duckdb-tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    con.execute(f"set temp_directory = {sql_literal(tmp)}")
    con.execute(f"set memory_limit = '{memory}'")
    if one_thread:
        con.execute("set threads = 1")
    return con


def _slices(items: list[tuple[Any, int]], limit: int) -> Iterator[list[Any]]:
    """Consecutive keys whose sizes add up to about `limit` (at least one key each)."""
    out: list[Any] = []
    total = 0
    for key, size in items:
        if out and total + size > limit:
            yield out
            out, total = [], 0
        out.append(key)
        total += size
    if out:
        yield out


# the last answer of each (config, question) in page order: what the compare view shows
# (pages.compare.add_compare_answer: a later answer replaces an earlier one)
COMPARE_ANSWERS = (
    "select response_id from marts.responses{where} and " + QUESTION_PAGE + " qualify"
    " row_number() over (partition by config, suite, question_id"
    " order by run_id desc, response_id desc) = 1"
)


def _config_rows(
    ctx: Context,
    con: duckdb.DuckDBPyConnection,
    skip: frozenset[str] = frozenset(),
    unread: list[str] | None = None,
) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Each config's rows in page order (but the `skip` configs'), one slice of configs at
    a time; without the `unread` responses (those of cached page parts), but for the ones
    the compare view shows (COMPARE_ANSWERS), which it gathers from the same rows."""
    where, params = _where(ctx)
    wanted = [(c, n) for c, n in ctx.config_sizes if c not in skip]
    slices = [[(c,) for c in configs] for configs in _slices(wanted, SLICE_CHARS)]
    query = f"select * from marts.responses{where}"
    if unread:
        query += (
            " and (response_id not in (select response_id from _rescore_unread)"
            f" or response_id in ({COMPARE_ANSWERS.format(where=where)}))"
        )
        params = [*params, *params]
        con.register("_rescore_unread", pa.table({"response_id": pa.array(unread, pa.string())}))
    try:
        for rows in _sliced(con, query, params, ["config"], slices, ORDER):
            yield from itertools.groupby(rows, lambda r: r["config"])
    finally:
        if unread:
            con.unregister("_rescore_unread")


def question_units(ctx: Context) -> list[tuple[str, str, str]]:
    """Each question's runs as (suite, question_id, run_id), in page order: the newest run's
    answers are the question's page, each earlier run's a page of its own."""
    return [(s, q, run) for (s, q), runs in sorted(ctx.question_runs.items()) for run, _ in runs]


def question_key(ctx: Context, suite: str, qid: str, run: str) -> tuple[str, ...]:
    """Which `Context.page_keys` entry stands for a question's answers in a run: the
    question's page (`question`) for its newest run, else the run's own page."""
    runs = ctx.question_runs.get((suite, qid), [])
    if runs and run == runs[-1][0]:
        return ("question", suite, qid)
    return ("question-run", suite, qid, run)


def _question_rows(
    ctx: Context,
    con: duckdb.DuckDBPyConnection,
    skip: frozenset[tuple[str, str, str]] = frozenset(),
) -> Iterator[tuple[tuple[str, str, str], list[dict[str, Any]]]]:
    """The answers (an excerpt of each text) of each question in each run (`question_units`)
    but the `skip` ones, one slice of them at a time."""
    where, params = _where(ctx)
    by_suite: dict[str, list[tuple[tuple[str, str], int]]] = {}
    for (suite, qid), runs in sorted(ctx.question_runs.items()):
        for run, n in runs:
            if (suite, qid, run) not in skip:
                by_suite.setdefault(suite, []).append(((qid, run), n))
    slices = [
        [(suite, qid, run) for qid, run in units]
        for suite, questions in by_suite.items()
        for units in _slices(questions, SLICE_ROWS)
    ]
    query = (
        f"select * replace (left(response, {EXCERPT + 1}) as response),"
        f" length(response) as response_chars from marts.responses{where} and {QUESTION_PAGE}"
    )
    order = "suite, question_id, run_id, config, response_id"  # ORDER within a run
    columns = ["suite", "question_id", "run_id"]
    for rows in _sliced(con, query, params, columns, slices, order):
        yield from _groups(
            rows, lambda r: (str(r["suite"]), str(r["question_id"]), str(r["run_id"]))
        )


def _sliced(
    con: duckdb.DuckDBPyConnection,
    query: str,
    params: list[Any],
    key_columns: list[str],
    slices: list[list[tuple[str, ...]]],
    order: str,
) -> Iterator[Iterator[dict[str, Any]]]:
    """The rows of `query` whose keys are in each slice, slice after slice, each in `order`.

    A slice's rows are spread over the whole table (a config answered in every run, a
    question by every config), and the answer texts are compressed in blocks: a query for
    one slice decompresses nearly every text, so one query per slice made the site grow
    with the square of the data (30x: 0.85 s per slice, the same as a full scan; 55% of
    the site). From `SPOOL_MIN_SLICES` slices on, the rows are read once, in
    storage order, into one Arrow file per slice (`_spool`), and each slice is sorted from
    its file; with fewer, a query per slice costs less than writing the files.
    """
    if not slices:
        return
    names = [*key_columns, "_slice"]
    keys = [(*k, i) for i, keys_ in enumerate(slices) for k in keys_]
    table = pa.table({name: [k[j] for k in keys] for j, name in enumerate(names)})
    joined = (
        f"select k._slice, q.* from ({query}) as q"
        f" inner join _rescore_slice_keys as k using ({', '.join(key_columns)})"
    )
    con.register("_rescore_slice_keys", table)
    try:
        if len(slices) < SPOOL_MIN_SLICES:
            for i in range(len(slices)):
                cur = con.execute(
                    f"select * exclude (_slice) from ({joined}) where _slice = ? order by {order}",
                    [*params, i],
                )
                yield _batches(cur)
            return
        yield from _spool(con, joined, params, len(slices), order)
    finally:
        con.unregister("_rescore_slice_keys")


def _spool(
    con: duckdb.DuckDBPyConnection, joined: str, params: list[Any], n: int, order: str
) -> Iterator[Iterator[dict[str, Any]]]:
    """One pass over `joined` (rows tagged with their `_slice`) into an LZ4 Arrow file per
    slice in the connection's scratch folder, then each slice sorted from its file (Arrow's
    sort: byte order for text and nulls last, as DuckDB's `order by`) and its file removed.
    Memory: one fetch batch while writing; one slice and one batch of it while reading.
    Arrow's copies use the system allocator, which gives them back (its default pool kept
    ~150 MB more at 10x)."""
    scratch = Path(con.execute("select current_setting('temp_directory')").fetchall()[0][0])
    pool = pa.system_memory_pool()
    keys = [(column.strip(), "ascending") for column in order.split(",")]
    with tempfile.TemporaryDirectory(
        prefix="rescore-spool-", dir=scratch if scratch.is_absolute() and scratch.is_dir() else None
    ) as tmp:
        options = pa.ipc.IpcWriteOptions(compression="lz4")
        writers: dict[int, pa.ipc.RecordBatchStreamWriter] = {}
        try:
            reader = con.sql(joined, params=params).to_arrow_reader(BATCH)
            schema = reader.schema.remove(0)
            for batch in reader:
                tags = batch.column(0)
                by_slice = pc.sort_indices(tags, memory_pool=pool)
                rows = pc.take(batch.remove_column(0), by_slice, memory_pool=pool)
                runs = pc.run_end_encode(pc.take(tags, by_slice, memory_pool=pool))
                start = 0
                for i, end in zip(runs.values.to_pylist(), runs.run_ends.to_pylist(), strict=True):
                    writer = writers.get(i)
                    if writer is None:
                        path = Path(tmp) / f"{i}.arrow"
                        writer = writers[i] = pa.ipc.new_stream(str(path), schema, options=options)
                    writer.write_batch(rows.slice(start, end - start))
                    start = end
                del batch, rows
        finally:
            for writer in writers.values():
                writer.close()
        for i in range(n):
            path = Path(tmp) / f"{i}.arrow"
            if path.exists():
                yield _sorted_rows(path, keys, pool)


def _sorted_rows(
    path: Path, keys: list[tuple[str, str]], pool: pa.MemoryPool
) -> Iterator[dict[str, Any]]:
    """The rows of one spooled slice in `keys` order, a batch at a time; the file goes once
    it is read."""
    with pa.OSFile(str(path)) as source:
        rows = pa.ipc.open_stream(source, memory_pool=pool).read_all()
    path.unlink()
    order = pc.sort_indices(rows, sort_keys=keys, memory_pool=pool)
    for start in range(0, len(order), READ_ROWS):
        yield from pc.take(rows, order[start : start + READ_ROWS], memory_pool=pool).to_pylist()


def _config_items(
    ctx: Context,
    config: str,
    rows: Iterable[dict[str, Any]],
    cached: Callable[[int], CachedPart | None] | None = None,
) -> Iterator[Page | TextFile | CachedPart]:
    """A config's pages, one part at a time as its rows stream by (a `CachedPart` for a
    part `cached` names), then its compare JSON (gathered from the same rows on the way)."""
    answers: dict[str, Any] = {}

    def tapped() -> Iterator[dict[str, Any]]:
        for r in rows:
            add_compare_answer(ctx, config, answers, r)
            yield r

    yield from config_pages(ctx, config, tapped(), cached)
    yield TextFile(*compare_json(ctx, config, answers))


def groups(
    ctx: Context, con: duckdb.DuckDBPyConnection, cached: Callable[[str], bool] | None = None
) -> Iterator[Group]:
    """Every config's outputs (its pages and compare JSON), then every question's, one
    group at a time; a group whose key `cached` holds is neither read nor generated."""

    def key(*k: str) -> str:
        return ctx.page_keys.get(k, "")

    answers: dict[str, bool] = {}

    def reuse(k: str) -> bool:  # asked once per key: a part is asked before and while read
        if k not in answers:
            answers[k] = cached is not None and bool(k) and cached(k)
        return answers[k]

    def part_of(config: str) -> Callable[[int], CachedPart | None]:
        def cached_part(part: int) -> CachedPart | None:
            k = key("config-part", config, str(part))
            return CachedPart(k) if reuse(k) else None

        return cached_part

    skip = frozenset(c for c in ctx.slugs if reuse(key("config", c)))
    # the rows of a changed config's cached parts stay in the warehouse: a run added to a
    # long history changes a config's first and last parts, not the ones between
    unread = [
        rid
        for config, ids in ctx.part_responses.items()
        if config in ctx.slugs and config not in skip
        for part in range(2, len(ids) + 1)
        if reuse(key("config-part", config, str(part)))
        for rid in ids[part - 1]
    ]
    seen: set[str] = set()
    for config, rows in _config_rows(ctx, con, skip, unread):
        if config not in ctx.slugs:
            continue
        seen.add(config)
        # lazy: the caller writes each part while the next is read (one part in memory)
        items = _config_items(ctx, config, rows, part_of(config) if cached else None)
        yield Group(key("config", config), items)
    for config in sorted(set(ctx.slugs) - seen):  # configs without a response: a page each
        if config in skip:
            yield Group(key("config", config), [], reused=True)
        else:
            yield Group(key("config", config), list(config_pages(ctx, config, [])))

    def unit_key(suite: str, qid: str, run: str) -> str:
        return key(*question_key(ctx, suite, qid, run))

    qskip = frozenset(u for u in question_units(ctx) if reuse(unit_key(*u)))
    for (suite, qid, run), rows in _question_rows(ctx, con, qskip):
        pages = question_pages(ctx, suite, qid, run, rows)
        yield Group(unit_key(suite, qid, run), pages)
    for unit in sorted(qskip):
        yield Group(unit_key(*unit), [], reused=True)


def outputs(ctx: Context, con: duckdb.DuckDBPyConnection) -> Iterator[Page | TextFile]:
    """Every config page (with its compare JSON), then every question page, one at a time."""
    for group in groups(ctx, con):
        yield from group.items
