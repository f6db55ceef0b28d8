"""The DuckDB warehouse: where it lives, how to open and lock it, and the `raw` schema contract.

Every stage opens the warehouse through :func:`connect`, which creates the `raw` tables when
they are missing, so any command can be the first one run against a new file. The DDL here is
the contract with dbt's sources (`dbt/models/_sources.yml`) and with SQL users: add columns,
do not rename them.

Every CLI command holds :func:`warehouse_lock` for its whole run (dbt and mkdocs children
included), so two commands on one warehouse never interleave: the second says who holds it
(or waits, with a timeout) instead of dying on DuckDB's lock error halfway through.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb

from ingest.ids import response_id

__all__ = ["DEFAULT_WAREHOUSE", "ENV_VAR", "connect", "response_id", "warehouse_path"]

DEFAULT_WAREHOUSE = Path("warehouse/rescore.duckdb")
ENV_VAR = "RESCORE_WAREHOUSE"
_DUCKDB_PID = re.compile(r"\(PID (\d+)\)")


class WarehouseError(Exception):
    """The warehouse file cannot be used (missing, not a DuckDB file, unreadable): exit 2."""


class WarehouseBusy(Exception):
    """Another process holds the warehouse (exit 4); says which, and what to do."""

    def __init__(self, path: Path, holder: str) -> None:
        self.path = path
        self.holder = holder
        super().__init__(
            f"warehouse {path} is busy (held by {holder}); wait for it to finish or stop it, "
            "or pass --wait SECONDS"
        )


def warehouse_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Resolve the warehouse file: the flag, then `RESCORE_WAREHOUSE`, then the default."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    return DEFAULT_WAREHOUSE


def lock_path(warehouse: Path) -> Path:
    """The advisory lock file beside the warehouse (`rescore.duckdb.lock`)."""
    return warehouse.with_name(warehouse.name + ".lock")


def lock_holder(warehouse: Path) -> str | None:
    """Who holds the warehouse lock now ('PID 123: rescore build'), or None when it is free."""
    path = lock_path(Path(warehouse))
    if not path.exists():
        return None
    with open(path, "a+", encoding="utf-8") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            return _describe(f.read())
        fcntl.flock(f, fcntl.LOCK_UN)
    return None


def _describe(text: str) -> str:
    pid, _, what = text.strip().partition(" ")
    return f"PID {pid}: {what}" if pid.isdigit() else "another process"


@contextlib.contextmanager
def warehouse_lock(
    warehouse: str | os.PathLike[str], *, command: str = "rescore", wait: float = 0.0
) -> Iterator[None]:
    """Hold the warehouse for one command; WarehouseBusy if another holds it beyond `wait` s.

    An OS file lock (flock): it is released when the holder exits, however it exits (kill -9
    included), so a stale lock file never blocks anyone. The file records the holder's PID
    and command for the busy message; it is never deleted (deleting a lock file races).
    """
    path = lock_path(Path(warehouse))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + max(wait, 0.0)
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = _describe(os.pread(fd, 4096, 0).decode("utf-8", "replace"))
                    raise WarehouseBusy(Path(warehouse), holder) from None
                time.sleep(0.1)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {command}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def check_warehouse(warehouse: str | os.PathLike[str]) -> Path:
    """The warehouse path if it is an existing file, else WarehouseError saying what to run."""
    path = Path(warehouse)
    if not path.exists():
        raise WarehouseError(
            f"no warehouse at {path}: run `rescore ingest` or `rescore report` first, "
            "or pass --warehouse PATH (or set RESCORE_WAREHOUSE)"
        )
    if not path.is_file():
        raise WarehouseError(f"warehouse {path} is not a file; pass the .duckdb file itself")
    return path


def _open(target: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    """duckdb.connect with its lock and format errors turned into one-line warehouse errors."""
    try:
        return duckdb.connect(str(target), read_only=read_only)
    except duckdb.IOException as exc:
        text = str(exc)
        if "lock" in text.lower():
            pid = _DUCKDB_PID.search(text)
            holder = f"PID {pid.group(1)}" if pid else "another process"
            raise WarehouseBusy(target, holder) from None
        raise WarehouseError(f"cannot open warehouse {target}: {text.splitlines()[0]}") from None
    except duckdb.Error as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise WarehouseError(f"cannot open warehouse {target}: {first}") from None


RAW_DDL = """
create schema if not exists raw;

create table if not exists raw.suites (
    suite varchar primary key,          -- file stem, e.g. 'math'
    version varchar,
    domain varchar,
    description varchar,
    max_tokens integer,                 -- inference_params.max_tokens, when given
    temperature double,
    inference_params json,
    question_count integer,
    source_file varchar not null,
    file_sha256 varchar not null,
    loaded_at timestamp not null
);

create table if not exists raw.questions (
    suite varchar not null,
    question_id varchar not null,
    tier integer,
    name varchar,
    prompt varchar,
    expected varchar,
    reference_answer varchar,
    scoring json,                       -- [{criterion, weight}, ...]
    auto_score varchar,                 -- e.g. 'word_count:20:25', 'manual'
    context_tokens integer,
    context_type varchar,
    needle varchar,
    needle_position varchar,
    image_path varchar,
    source_file varchar not null,
    source_path varchar not null,       -- JSON-path-like place in the YAML: prompts.<id>
    primary key (suite, question_id)
);

create table if not exists raw.runs (
    run_id varchar primary key,
    run_dir varchar not null,
    config_files integer,
    skipped_files integer,
    loaded_at timestamp not null
);

create table if not exists raw.configs (
    run_id varchar not null,
    config varchar not null,            -- run-file stem, e.g. 'architect_general_baseline'
    role varchar,                       -- model_role
    config_name varchar,                -- e.g. 'baseline', 'moe4', 'spec_draft_qwen25_k8'
    model_path varchar,
    model varchar,                      -- file name without folder, .gguf and shard suffix
    model_family varchar,               -- e.g. 'Qwen3', 'DeepSeek-R1-Distill-Qwen'
    params_b double,                    -- total parameters in billions, e.g. 235
    active_params_b double,             -- active parameters of MoE models ('A22B' -> 22)
    quant varchar,                      -- e.g. 'Q4_K_M', 'Q8_0', 'fp16'
    started_at timestamp,               -- the run file's timestamp
    summary json,
    response_count integer,
    source_file varchar not null,
    file_sha256 varchar not null,
    loaded_at timestamp not null,
    primary key (run_id, config)
);

create table if not exists raw.responses (
    response_id varchar primary key,
    run_id varchar not null,
    config varchar not null,
    suite varchar not null,
    question_id varchar not null,
    prompt varchar,
    response varchar,
    tokens_per_second double,
    prompt_tokens integer,
    completion_tokens integer,
    total_time_ms double,
    algorithmic_score double,
    score_reason varchar,
    acceptance_rate double,
    max_tokens integer,                 -- generation cap when the runner recorded it (JSONL)
    finish_reason varchar,              -- when the runner recorded it (JSONL)
    is_speed_test boolean not null,     -- the single 'quality inherited' record of a config
    in_suite boolean not null,          -- (suite, question_id) exists in raw.questions
    source_file varchar not null,
    source_path varchar not null        -- e.g. results.math.t1_q1_word_problem, or line 12
);

create table if not exists raw.scoring_runs (
    scoring_run varchar primary key,
    judge varchar,                      -- 'rules-v1', 'claude:<model-id>', 'imported'
    rubric_version varchar,
    origin varchar not null,            -- 'judge' or 'import'
    source_files json,                  -- imported files, for 'import'
    settings json,
    created_at timestamp not null,
    updated_at timestamp not null,
    rubric varchar                      -- the rubric text the judge scored against (judge runs)
);

create table if not exists raw.judgments (
    scoring_run varchar not null,
    response_id varchar not null,
    judge varchar not null,
    rubric_version varchar not null,
    score integer not null check (score between 0 and 3),
    reason varchar,
    judged_at timestamp not null,
    cache_key varchar,
    input_tokens integer,
    output_tokens integer,
    cache_read_tokens integer,
    cache_creation_tokens integer,
    cost_usd double,
    source_file varchar,                -- imported judgments: the CSV
    source_line integer,
    decided_by varchar,                 -- 'rules', 'overlap' or 'model'; null for imports
    input_key varchar,                  -- hash of the judge's raw inputs + settings (re-runs)
    primary key (scoring_run, response_id)
);

create table if not exists raw.score_conflicts (
    scoring_run varchar not null,       -- an imported scoring run
    file_a varchar not null,            -- the file that scored the responses first
    file_b varchar not null,            -- a later file scoring the same responses
    on_conflict varchar not null,       -- the rule in force: first, last or error
    duplicates integer not null,        -- responses both files scored
    agreed integer not null,            -- ... with the same score
    disagreed integer not null,         -- ... with different scores
    disagreed_by_2plus integer not null,-- ... 2 or more points apart
    recorded_at timestamp not null,
    primary key (scoring_run, file_a, file_b)
);

create table if not exists raw.judge_cache (
    cache_key varchar primary key,      -- hash(response, question, reference, rubric, judge cfg)
    judge varchar not null,
    rubric_version varchar not null,
    score integer not null,
    reason varchar,
    input_tokens integer,
    output_tokens integer,
    cache_read_tokens integer,
    cache_creation_tokens integer,
    cost_usd double,
    created_at timestamp not null,
    decided_by varchar                  -- as raw.judgments.decided_by
);

create table if not exists raw.judge_failures (
    scoring_run varchar not null,
    response_id varchar not null,
    judge varchar not null,
    attempts integer,
    error varchar,
    failed_at timestamp not null,
    primary key (scoring_run, response_id)
);

create table if not exists raw.response_flags (
    response_id varchar not null,
    flag varchar not null,              -- truncated, empty, echo_only, degenerate, ...
    evidence varchar,
    detector_version varchar not null,
    flagged_at timestamp not null,
    primary key (response_id, flag)
);

create table if not exists raw.baselines (
    baseline varchar not null,
    subject varchar not null,           -- a config or a model name, as the file has it
    subject_kind varchar not null,      -- 'config' or 'model'
    score double,
    max_score double,
    pct double,                         -- 0-100
    pct_text varchar,                   -- as written, e.g. '93%+', '45%†'
    avg_tps double,
    suite_scores json,                  -- {suite: 'n/m'} where the file has them
    source_file varchar not null,
    source_line integer not null,
    loaded_at timestamp not null,
    primary key (baseline, subject)
);

create table if not exists raw.ingest_errors (
    command varchar not null,           -- ingest, import-scores, import-summary, judge
    source_file varchar not null,
    location varchar,                   -- 'line 12', 'results.math.t1_q1', 'prompts.t1_q1'
    kind varchar not null,              -- short machine-readable kind
    message varchar not null,           -- what is wrong and what to do
    excerpt varchar,                    -- at most a few hundred characters of the input
    batch varchar,                      -- scoring run or baseline the row belonged to
    logged_at timestamp not null
);

create table if not exists raw.ingest_files (
    source_file varchar primary key,    -- resolved path, as raw.configs.source_file
    size_bytes bigint not null,         -- os.stat when read: a re-ingest skips the file unread
    mtime_ns bigint not null,           --   while size, mtime_ns and parser_version still match
    read_at_ns bigint not null,         -- clock when read (a file changed just before is re-read)
    file_sha256 varchar not null,       -- content hash of the bytes read
    parser_version varchar not null,    -- ingest.runs.PARSER_VERSION that read it
    quarantined integer not null        -- problems quarantined when read (kept in ingest_errors)
);

-- columns added after the first release: warehouses created before them gain them here
alter table raw.scoring_runs add column if not exists rubric varchar;
alter table raw.scoring_runs add column if not exists scored_at timestamp;  -- a stated date
alter table raw.judgments add column if not exists decided_by varchar;
alter table raw.judgments add column if not exists input_key varchar;
alter table raw.judge_cache add column if not exists decided_by varchar;
-- a file of another shape (not a run file): why it was skipped; null for a run file
alter table raw.ingest_files add column if not exists other_shape varchar;
"""


DEFAULT_BATCH_MEMORY = "2GB"


def bound_memory(con) -> None:
    """Cap DuckDB's own memory for a bulk stage (ingest, judge): its buffer pool otherwise
    grows to 80% of the machine's RAM as the warehouse grows, and the stage's peak RSS with
    it; over the cap it spills to `<warehouse>.tmp`. `RESCORE_DUCKDB_MEMORY` overrides the
    cap (a DuckDB size such as '4GB'; 'none' leaves DuckDB's default)."""
    limit = os.environ.get("RESCORE_DUCKDB_MEMORY", DEFAULT_BATCH_MEMORY).strip()
    if limit and limit.lower() != "none":
        con.execute(f"set memory_limit = '{limit.replace(chr(39), '')}'")


def connect(path: str | os.PathLike[str] | None = None, *, read_only: bool = False):
    """Open (and create if needed) the warehouse with the `raw` schema in place.

    Raises WarehouseBusy when another process has the file open, WarehouseError when it is
    not a DuckDB database (or, read-only, when it does not exist).
    """
    target = warehouse_path(path)
    if read_only:
        return _open(check_warehouse(target), read_only=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    con = _open(target, read_only=False)
    con.execute(RAW_DDL)
    return con
