"""`rescore`: a thin dispatcher over the pipeline stages.

Each subcommand parses its arguments and calls one function of a stage package. Stage modules
are imported lazily so `rescore --help` stays fast. Exit codes: 0 success, 1 data problems found
(with a summary), 2 usage errors.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

EPILOG = """\
typical use:
  rescore report examples/prompts examples/runs/20260101_120000   # everything, rules judge
  rescore ingest PROMPTS_DIR RUN_DIR                               # then step by step
  rescore judge --judge rules --scoring-run my-scoring
  rescore build && rescore site --scoring-run my-scoring
  rescore site --out build/published --version my-scoring         # a versioned site (mike)

The warehouse is warehouse/rescore.duckdb unless --warehouse or RESCORE_WAREHOUSE says otherwise.
"""


def _add_warehouse(p: argparse.ArgumentParser, *, top: bool = False) -> None:
    # Sub-commands must not reset a --warehouse given before the command name.
    p.add_argument(
        "--warehouse",
        metavar="PATH",
        default=None if top else argparse.SUPPRESS,
        help="DuckDB warehouse file (default: $RESCORE_WAREHOUSE or warehouse/rescore.duckdb)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rescore",
        description="Turn raw LLM benchmark runs into blind-judged, versioned, published reports.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_warehouse(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser(
        "ingest",
        help="load prompt suites and benchmark run folders into the warehouse",
        description="Load every suite YAML of SUITES_DIR and every per-config run file of each "
        "RUN_DIR (or generic .jsonl run file) into schema raw. Files of other shapes are "
        "skipped with a reason; bad records are quarantined in raw.ingest_errors. Re-running "
        "is idempotent; a changed file replaces its rows.",
    )
    p.add_argument("suites_dir", metavar="SUITES_DIR", help="folder of prompt suite YAML files")
    p.add_argument("run_dirs", metavar="RUN_DIR", nargs="+", help="run folder(s) or .jsonl files")
    _add_warehouse(p)

    p = sub.add_parser(
        "import-scores",
        help="import judge score CSVs (0-3) as a scoring run",
        description="Import judge-score CSVs (files or folders, searched recursively) as one "
        "scoring run. Every data row is loaded, joined to its response, or quarantined with "
        "file, line and reason (no matching response, a scale other than 0-3, a response "
        "already scored by this scoring run, a malformed line).",
    )
    p.add_argument("paths", metavar="CSV_OR_DIR", nargs="+")
    p.add_argument("--scoring-run", required=True, metavar="NAME")
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
    _add_warehouse(p)

    p = sub.add_parser(
        "import-summary",
        help="import an earlier summary CSV of percentages as a baseline (for drift)",
        description="Import a summary.csv-style file (percentages per config or per model) as "
        "baseline NAME. marts.drift compares scoring runs against it.",
    )
    p.add_argument("csv", metavar="CSV")
    p.add_argument("--baseline", required=True, metavar="NAME")
    _add_warehouse(p)

    p = sub.add_parser(
        "judge",
        help="score every ingested response 0-3, blind, and run the response detectors",
        description="Blind-judge every ingested response with the offline rules judge (default) "
        "or Claude, and store response-health flags. Cached by content: re-runs are free and "
        "an interrupted run resumes.",
    )
    p.add_argument(
        "--judge",
        choices=["rules", "rules-v1", "rules-v2", "claude", "openai", "cascade"],
        default="rules",
        help="rules: offline, free (default; version from --rules-version); rules-v1, "
        "rules-v2: that rules version by name, so an old scoring run stays reproducible; "
        "claude: the Anthropic API, ANTHROPIC_API_KEY; openai: any OpenAI-compatible server "
        "(llama-server, vLLM, Ollama), --base-url; cascade: rules-v2 decides where a "
        "deterministic rule applies, --model-judge scores the rest",
    )
    p.add_argument(
        "--rules-version",
        choices=["v1", "v2"],
        default="v1",
        help="rules version for --judge rules (default v1)",
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
    _add_warehouse(p)

    p = sub.add_parser(
        "build",
        help="run dbt build (models and data tests) on the warehouse",
        description="Run `dbt build` in dbt/ against the warehouse: staging, intermediate and "
        "mart models, seeds, and every data and unit test. Failures are listed by name.",
    )
    p.add_argument("--select", default=None, help="dbt node selection (default: everything)")
    _add_warehouse(p)

    p = sub.add_parser(
        "site",
        help="build the versioned report site from the marts",
        description="Render the report site from the warehouse marts with mkdocs-material. "
        "With --out DIR, the site is published with mike as version NAME into DIR (other "
        "versions stay), alias latest on the newest; without it, a plain build into build/site.",
    )
    p.add_argument("--out", default=None, metavar="DIR")
    p.add_argument("--version", default=None, metavar="NAME", help="site version name")
    p.add_argument("--scoring-run", default=None, metavar="NAME", help="scoring run to show")
    p.add_argument(
        "--site-dir",
        default=None,
        metavar="DIR",
        help="plain build folder without --out (default build/site)",
    )
    _add_warehouse(p)

    p = sub.add_parser(
        "report",
        help="all of it: ingest, judge (rules), build, site",
        description="Ingest SUITES_DIR and RUN_DIRs, judge them (rules judge unless --judge "
        "claude), run dbt build and build the site.",
    )
    p.add_argument("suites_dir", metavar="SUITES_DIR")
    p.add_argument("run_dirs", metavar="RUN_DIR", nargs="+")
    p.add_argument("--judge", choices=["rules", "claude"], default="rules")
    p.add_argument("--scoring-run", default=None, metavar="NAME")
    p.add_argument(
        "--scores",
        nargs="*",
        default=[],
        metavar="CSV_OR_DIR",
        help="also import these judge-score CSVs as scoring run 'imported'",
    )
    p.add_argument("--summary", default=None, metavar="CSV", help="baseline summary for drift")
    p.add_argument("--out", default=None, metavar="DIR", help="publish the site into DIR")
    p.add_argument("--site-dir", default=None, metavar="DIR", help="plain site build folder")
    _add_warehouse(p)
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
    except commands.UsageError as exc:
        print(f"rescore {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
