"""The Methodology page: judge, suites, thresholds, seeds, judge agreement."""

from __future__ import annotations

from rescore.site import thresholds as th
from rescore.site.page import Context, Page
from rescore.site.toolkit import (
    Cell,
    Col,
    esc,
    focused_table,
    generic_table,
    md_esc,
    table,
)

SUITES_COLS = (
    Col("suite", "Suite"),
    Col("description", "Description", "long"),
    Col("max_tokens", "Max tokens", "int"),
    Col("questions", "Questions", "int"),
)
AGREEMENT_COLS = (
    Col("scoring_run_a", "Scoring run A"),
    Col("scoring_run_b", "Scoring run B"),
    Col("judge_a", "Judge A"),
    Col("judge_b", "Judge B"),
    Col("n", "Responses", "int"),
    Col("exact_agreement", "Exact", "rate"),
    Col("within_one", "Within one", "rate"),
    Col("weighted_kappa", "Weighted kappa", "ratio"),
)


def methodology(ctx: Context) -> Page:
    d = ctx.data
    page = Page("methodology.md", "Methodology")
    sr = d.scoring_row
    md = ["# Methodology\n", _judging(d.facts, sr)]
    audit = d.rows("scoring_run_audit")
    if audit:
        md.append("## Audit of this scoring run\n")
        md.append(page.block(focused_table(audit, AUDIT_COLS)))
    coverage = [r for r in d.rows("coverage") if r.get("message")]
    if coverage:
        md.append("## Coverage\n")
        md.append(page.block(focused_table(coverage, COVERAGE_COLS)))
    md.append("## Suites\n")
    md.append(page.block(focused_table(d.suites.dicts(), SUITES_COLS)))
    md.append("\n## Thresholds\n")
    thresholds = th.from_mart(d.rows("thresholds"))
    md.append(
        "The marts of this site were built with these thresholds (`marts.thresholds`: "
        "the dbt vars in force, `--vars` overrides included):\n"
    )
    if thresholds:
        md.append(
            page.block(
                table(
                    ["Var", "Value", "Meaning"],
                    [[k, Cell(f"<code>{esc(v)}</code>"), c] for k, v, c in thresholds],
                )
            )
        )
    md.append("\n## Mappings\n")
    if d.seeds:
        md.append("As the warehouse holds them (dbt seeds):\n")
        for name, t in d.seeds.items():
            md.append(f"\n### {md_esc(name)}\n")
            md.append(page.block(generic_table(t.columns, t.rows)))
    else:
        md.append("The warehouse holds no mapping seeds.\n")
    md.append("\n## Judge agreement\n")
    agreement = d.rows("judge_agreement")
    mine = [
        r for r in agreement if d.scoring_run in (r.get("scoring_run_a"), r.get("scoring_run_b"))
    ]
    if mine:
        md.append(
            f"How the judge of this scoring run ({md_esc(sr.get('judge'))}) agrees with the "
            "judges of the other scoring runs on the responses both scored "
            "(`marts.judge_agreement`, quadratic weighted kappa):\n"
        )
        md.append(page.block(focused_table(mine, AGREEMENT_COLS)))
    else:
        md.append("No other scoring run scored the same responses as this one.\n")
    others = [r for r in agreement if r not in mine]
    if others:
        md.append("\nBetween the other scoring runs of this warehouse:\n")
        md.append(page.block(focused_table(others, AGREEMENT_COLS)))
    md.append("\n## Which path decided each score\n")
    md.append(_paths(page, d.rows("judge_paths"), d.rows("judge_path_agreement")))
    md.append("\n## Rubric\n")
    rubric = sr.get("rubric")
    if rubric:
        md.append(
            "The rubric the judge scored against, as stored with the scoring run "
            "(`marts.scoring_runs.rubric`):\n"
        )
        md.append(page.block(f'<pre class="rescore-text">{esc(rubric)}</pre>'))
    else:
        md.append(
            f"This scoring run stores no rubric text (rubric version "
            f"**{md_esc(sr.get('rubric_version'))}**; imported scores carry none).\n"
        )
    md.append("\n## Warehouse\n")
    if ctx.dbt_docs:
        href = ctx.href(page, "dbt-docs/index.html", is_page=False)
        md.append(
            f"The marts and their lineage are documented in the "
            f'<a href="{esc(href)}">dbt docs of the warehouse</a>.\n'
        )
    md.append(
        "Every number on this site is read from the marts of the DuckDB warehouse; see "
        "[Downloads](downloads.md) for the data and example SQL.\n"
    )
    page.markdown = "\n".join(md)
    return page


AUDIT_COLS = (
    Col("verdict", "Verdict", "badge"),
    Col("reason", "Reason", "long"),
    Col("judgments", "Judgments", "int"),
    Col("distinct_reason_ratio", "Distinct reasons", "ratio"),
    Col("broken_scored_high_share", "Broken answers scored 2+", "rate"),
    Col("check_contradictions", "Contradicted checks", "int"),
)
COVERAGE_COLS = (
    Col("suite", "Suite"),
    Col("responses", "Responses", "int"),
    Col("absent_question_responses", "Answers to absent ids", "int"),
    Col("judged_counting", "Judged, counting", "int"),
    Col("message", "Note", "long"),
)


PATH_COLS = (
    Col("decided_by", "Decided by", "badge"),
    Col("judgments", "Judgments", "int"),
    Col("share_of_run", "Share", "rate"),
)
PATH_AGREEMENT_COLS = (
    Col("other_scoring_run", "Other scoring run"),
    Col("decided_by", "Decided by", "badge"),
    Col("n", "Responses", "int"),
    Col("exact_agreement", "Exact", "rate"),
    Col("within_one", "Within one", "rate"),
    Col("mean_abs_difference", "Mean difference", "ratio"),
)
_PATHS = (
    "`rules`: a deterministic rule (auto_score checks, tool calls, JSON fields, key answers, "
    "data answers, empty or looping responses); `overlap`: the rules judge's word-overlap "
    "estimate of free text; `model`: a model judge; `not recorded`: imported scores"
)


def _paths(page: Page, paths: list[dict], agreement: list[dict]) -> str:
    """The share of this run's judgments each path decided, and its agreement per path."""
    if not paths:
        return "This scoring run has no judgments.\n"
    out = [
        "The path that decided each judgment of this scoring run (`decided_by`, summed in "
        f"`marts.judge_paths`; {_PATHS}):\n",
        page.block(focused_table(paths, PATH_COLS)),
    ]
    if agreement:
        out.append(
            "\nAgreement with the other scoring runs on the responses both scored, split by the "
            "path that decided this run's judgment (`marts.judge_path_agreement`):\n"
        )
        rows = sorted(agreement, key=lambda r: (str(r["other_scoring_run"]), str(r["decided_by"])))
        out.append(page.block(focused_table(rows, PATH_AGREEMENT_COLS)))
    return "\n".join(out)


def _judging(facts: dict, sr: dict) -> str:
    """Who judged, and blindness stated only for judges rescore ran itself."""
    judge = md_esc(sr.get("judge"))
    rubric = md_esc(sr.get("rubric_version"))
    blind = sr.get("is_blind_by_rescore")
    if blind is None:
        blind = sr.get("origin") == "judge"
    if blind:
        return (
            f"Responses were judged blind by **{judge}** (rubric **{rubric}**): the judge saw "
            "the question, its reference answer, the scoring criteria and the response, never "
            "the model, role, config, file name or speed.\n"
        )
    return (
        f"The scores of this scoring run were imported (judge **{judge}**, rubric "
        f"**{rubric}**); rescore did not run that judge and cannot say what it saw.\n"
    )
