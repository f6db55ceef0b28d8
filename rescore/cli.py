"""`rescore`: a thin dispatcher over the pipeline stages.

Each subcommand parses its arguments and calls one function of `rescore.commands`. Stage
modules are imported lazily so `rescore --help` stays fast. Exit codes (CONTRACT.md): 0 success,
1 data problems found (with a summary), 2 usage errors (including a missing or unusable
warehouse), 3 internal error (one line; RESCORE_DEBUG=1 shows the traceback), 4 warehouse busy.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

EPILOG = """\
typical use:
  rescore example demo                                             # bundled example data
  rescore report demo/prompts demo/runs/20260101_120000            # everything, rules judge
  rescore ingest PROMPTS_DIR RUN_DIR                               # then step by step
  rescore judge --judge rules --scoring-run my-scoring
  rescore build && rescore site --scoring-run my-scoring
  rescore site --out build/published --version my-scoring         # a versioned site (mike)
  rescore dbt test                                                 # dbt itself, on the warehouse
  rescore doctor --publish-dir build/published                     # check warehouse and site

The warehouse is warehouse/rescore.duckdb (under the current folder) unless --warehouse or
RESCORE_WAREHOUSE says otherwise.

exit codes: 0 ok, 1 data problems found (all accounted, see raw.ingest_errors), 2 usage error or
missing/unusable warehouse, 3 internal error (RESCORE_DEBUG=1 for the traceback), 4 warehouse
busy (another rescore command or process holds it; see --wait).
"""

IMPORT_SCORES_EPILOG = """\
accepted CSV shapes (header names in any order, case-insensitive; '#' lines are comments):
  per config   suite,question_id,[tokens_per_second|latency_ms|turns|tier...],claude_score,
               score_reason          the config is the file name (a _rescored suffix is dropped)
  aggregated   model,suite,question_id,claude_score,score_reason          model = the config
  ids          question_id,score,reason     ids written suite/question_id; config from the name
  matrix       model,<question id>,<question id>,...,[total,pct,...,notes]   one row per config,
               one 0-3 score per question column (e.g. vl_benchmark_*.csv)
  relative     model,question_id,score,score_reason    suite from the file-name prefix; 0-10
               files are quarantined row by row
Scores must be 0-3. Every data row is loaded or quarantined in raw.ingest_errors with its file,
line and reason; the first score of a response wins.
"""


JUDGE_CHOICES = ["rules", "rules-v1", "rules-v2", "claude", "openai", "cascade"]


def _add_common(p: argparse.ArgumentParser, *, top: bool = False) -> None:
    # Sub-commands must not reset a --warehouse given before the command name.
    p.add_argument(
        "--warehouse",
        metavar="PATH",
        default=None if top else argparse.SUPPRESS,
        help="DuckDB warehouse file (default: $RESCORE_WAREHOUSE or warehouse/rescore.duckdb)",
    )
    p.add_argument(
        "--wait",
        metavar="SECONDS",
        type=float,
        default=0.0 if top else argparse.SUPPRESS,
        help="when another command holds the warehouse, wait up to SECONDS for it "
        "(default 0: exit 4 at once)",
    )


def _add_site_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="publish into DIR as one version of a versioned site (mike; DIR gets its own git "
        "repository, other versions stay)",
    )
    p.add_argument(
        "--site-dir",
        default=None,
        metavar="DIR",
        help="plain build folder when not publishing (default build/site)",
    )
    p.add_argument(
        "--site-url",
        default=None,
        metavar="URL",
        help="where the site will be served (e.g. https://example.org/report/): the version "
        "switch then keeps the reader's page, and the sitemap is filled",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rescore",
        description="Turn raw LLM benchmark runs into blind-judged, versioned, published reports.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_common(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser(
        "ingest",
        help="load prompt suites and benchmark run folders into the warehouse",
        description="Load every suite YAML of SUITES_DIR and every per-config run file of each "
        "RUN_DIR (or generic .jsonl run file) into schema raw. Files of other shapes are "
        "skipped with a reason; bad records are quarantined in raw.ingest_errors. Re-running "
        "is idempotent; a changed file replaces its rows, an unchanged one (same path, size, "
        "mtime and parser version) is not read again. Creates the warehouse if needed.",
    )
    p.add_argument("suites_dir", metavar="SUITES_DIR", help="folder of prompt suite YAML files")
    p.add_argument(
        "--full",
        action="store_true",
        help="read every run file again, even those unchanged since the last ingest",
    )
    p.add_argument(
        "run_dirs",
        metavar="RUN_DIR",
        nargs="+",
        help="run folder(s) of per-config JSON files, or generic .jsonl run files",
    )
    _add_common(p)

    p = sub.add_parser(
        "import-scores",
        help="import judge score CSVs (0-3) as a scoring run",
        description="Import judge-score CSVs (files or folders, searched recursively) as one "
        "scoring run. Every data row is loaded, joined to its response, or quarantined with "
        "file, line and reason (no matching response, a scale other than 0-3, a response "
        "already scored by this scoring run, a malformed line).",
        epilog=IMPORT_SCORES_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "paths",
        metavar="CSV_OR_DIR",
        nargs="+",
        help="score CSV files, or folders searched recursively for them",
    )
    p.add_argument(
        "--scoring-run",
        required=True,
        metavar="NAME",
        help="name of the scoring run these scores form (a site version can show it)",
    )
    p.add_argument(
        "--on-conflict",
        choices=["first", "last", "error"],
        default="first",
        help="when several files of this import score one response: keep the 'first' score "
        "(default; files in the order given, a folder's files in name order, then its "
        "sub-folders), the 'last' one, or on 'error' load none of a response's scores when "
        "they differ. Every other score is quarantined naming the kept one; per file pair, "
        "agreed and disagreed duplicates are printed and stored in raw.score_conflicts. "
        "Scores already imported into this scoring run from other files are always kept.",
    )
    _add_common(p)

    p = sub.add_parser(
        "import-summary",
        help="import an earlier summary CSV of percentages as a baseline (for drift)",
        description="Import a summary.csv-style file (percentages per config or per model) as "
        "baseline NAME. marts.drift compares scoring runs against it.",
    )
    p.add_argument("csv", metavar="CSV", help="summary CSV (model or config, suites, total, pct)")
    p.add_argument(
        "--baseline", required=True, metavar="NAME", help="name of this baseline in marts.drift"
    )
    _add_common(p)

    p = sub.add_parser(
        "judge",
        help="score every ingested response 0-3, blind, and run the response detectors",
        description="Blind-judge every ingested response with the offline rules judge (default) "
        "or Claude, and store response-health flags. Cached by content: re-runs are free and "
        "an interrupted run resumes.",
    )
    p.add_argument(
        "--judge",
        choices=JUDGE_CHOICES,
        default="rules",
        help="rules: offline, free (default; version from --rules-version, default v2); rules-v1, "
        "rules-v2: that rules version by name, so an old scoring run stays reproducible; "
        "claude: the Anthropic API, ANTHROPIC_API_KEY; openai: any OpenAI-compatible server "
        "(llama-server, vLLM, Ollama), --base-url; cascade: rules-v2 decides where a "
        "deterministic rule applies, --model-judge scores the rest",
    )
    p.add_argument(
        "--rules-version",
        choices=["v1", "v2"],
        default="v2",
        help="rules version for --judge rules (default v2; v1 stays reproducible by name)",
    )
    p.add_argument(
        "--model-judge",
        choices=["claude", "openai"],
        default="claude",
        help="the model judge of --judge cascade (default claude)",
    )
    p.add_argument(
        "--base-url",
        default=None,
        metavar="URL",
        help="OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1 (default: OPENAI_BASE_URL; "
        "a key, when needed, comes from OPENAI_API_KEY)",
    )
    p.add_argument(
        "--price-per-mtok",
        nargs=2,
        type=float,
        default=(0.0, 0.0),
        metavar=("INPUT", "OUTPUT"),
        help="openai judge: US dollars per million prompt and completion tokens (default 0 0)",
    )
    p.add_argument(
        "--scoring-run", required=True, metavar="NAME", help="name this scoring (site version)"
    )
    p.add_argument(
        "--model",
        default=None,
        help="model id: Claude (default: a current Sonnet) or the OpenAI-compatible server's "
        "(default: the first of its /v1/models)",
    )
    p.add_argument("--batch", action="store_true", help="use the Message Batches API (claude)")
    p.add_argument("--concurrency", type=int, default=8, help="parallel requests (claude, openai)")
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="print the cost estimate (cascade: how many go to the model, and the saving) and stop",
    )
    p.add_argument("--limit", type=int, default=None, help="judge at most N responses")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    _add_common(p)

    p = sub.add_parser(
        "build",
        help="run dbt build (models and data tests) on the warehouse",
        description="Run `dbt build` on the installed dbt project against the warehouse: "
        "seeds, staging, intermediate and mart models, and every data and unit test. Prints "
        "'N models, M data tests, U unit tests, S seeds passed' and names every failure. dbt's "
        "artifacts go to a folder beside the warehouse (.NAME.duckdb.dbt/).",
    )
    p.add_argument(
        "--select", default=None, metavar="SELECTOR", help="dbt node selection (default: all)"
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="build even when nothing changed since the last build (and re-run unit tests)",
    )
    p.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild incremental models from scratch (dbt --full-refresh)",
    )
    _add_common(p)

    p = sub.add_parser(
        "dbt",
        help="run dbt itself (test, ls, docs generate...) on the installed project and warehouse",
        description="Pass DBT_ARGS to dbt with the installed dbt project, its profile pointed at "
        "the warehouse, and dbt's artifacts beside the warehouse: `rescore dbt test`, "
        "`rescore dbt test --select leaderboard`, `rescore dbt ls`. Put rescore's own options "
        "(--warehouse) before `dbt`.",
        usage="rescore [--warehouse PATH] dbt DBT_ARGS...",
    )
    p.add_argument(
        "dbt_args",
        metavar="DBT_ARGS",
        nargs=argparse.REMAINDER,
        help="dbt command and its flags, as you would give them to dbt",
    )

    p = sub.add_parser(
        "site",
        help="build the versioned report site from the marts",
        description="Render the report site from the warehouse marts with mkdocs-material. "
        "With --out DIR, the site is published with mike as version NAME into DIR (other "
        "versions stay), alias latest on the newest; without it, a plain build into build/site.",
    )
    _add_site_flags(p)
    p.add_argument(
        "--version",
        default=None,
        metavar="NAME",
        help="site version name (letters, digits, . _ - ; default: the scoring run)",
    )
    p.add_argument(
        "--scoring-run",
        default=None,
        metavar="NAME",
        help="scoring run to show (default: the newest)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="build even when this output is up to date with the marts, code and options",
    )
    _add_common(p)

    p = sub.add_parser(
        "report",
        help="all of it: ingest, judge (rules), build, site",
        description="Ingest SUITES_DIR and RUN_DIRs, judge them (rules judge unless --judge "
        "claude), run dbt build and build the site. Writes ./warehouse/ and ./build/site "
        "under the current folder unless told otherwise.",
    )
    p.add_argument("suites_dir", metavar="SUITES_DIR", help="folder of prompt suite YAML files")
    p.add_argument(
        "run_dirs", metavar="RUN_DIR", nargs="+", help="run folder(s) or .jsonl run files"
    )
    p.add_argument(
        "--judge",
        choices=JUDGE_CHOICES,
        default="rules",
        help="the judges of `rescore judge`: rules (offline, free; default), rules-v1, rules-v2, "
        "claude (ANTHROPIC_API_KEY), openai (--base-url), cascade (--model-judge)",
    )
    p.add_argument("--rules-version", choices=["v1", "v2"], default="v2",
                   help="for --judge rules (default v2)")  # fmt: skip
    p.add_argument("--model-judge", choices=["claude", "openai"], default="claude",
                   help="the model judge of --judge cascade (default claude)")  # fmt: skip
    p.add_argument("--base-url", default=None, metavar="URL",
                   help="OpenAI-compatible server (default: OPENAI_BASE_URL)")  # fmt: skip
    p.add_argument("--model", default=None, help="model id of the claude/openai judge")
    p.add_argument(
        "--scoring-run",
        default=None,
        metavar="NAME",
        help="name of the judge's scoring run and site version (default JUDGE-blind)",
    )
    p.add_argument(
        "--scores",
        nargs="*",
        default=[],
        metavar="CSV_OR_DIR",
        help="also import these judge-score CSVs as scoring run 'imported'",
    )
    p.add_argument("--summary", default=None, metavar="CSV", help="baseline summary for drift")
    _add_site_flags(p)
    _add_common(p)

    p = sub.add_parser(
        "doctor",
        help="check a warehouse (and publish folders) and say how to fix what is wrong",
        description="Check the warehouse: schemas and tables, row accounting per source file, "
        "judgments without a response, marts older than the latest raw load, and (with "
        "--publish-dir) leftover locks and missing versions in a published site. Prints each "
        "problem with its fix; exit 1 when something is wrong.",
    )
    p.add_argument(
        "--publish-dir",
        action="append",
        default=[],
        metavar="DIR",
        help="a folder published with `rescore site --out` to check too (repeatable)",
    )
    _add_common(p)

    p = sub.add_parser(
        "example",
        help="write the bundled example data into a folder, to try the tool",
        description="Copy the example prompt suites, run folder, judge CSVs and summary that "
        "ship with rescore into DIR, and print the `rescore report` command that uses them.",
    )
    p.add_argument("dir", metavar="DIR", help="new or empty folder to write the examples into")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    from rescore import commands

    try:
        return getattr(commands, args.command.replace("-", "_"))(args)
    except KeyboardInterrupt:
        print(f"rescore {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the one place every error becomes an exit code
        code = commands.exit_code_for(exc)
        if os.environ.get("RESCORE_DEBUG") == "1":
            import traceback

            traceback.print_exc()
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        if code == commands.INTERNAL:
            hint = (
                ""
                if os.environ.get("RESCORE_DEBUG") == "1"
                else " (RESCORE_DEBUG=1 shows the traceback)"
            )
            print(
                f"rescore {args.command}: internal error: {type(exc).__name__}: {message}{hint}",
                file=sys.stderr,
            )
        else:
            print(f"rescore {args.command}: {message}", file=sys.stderr)
        return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
