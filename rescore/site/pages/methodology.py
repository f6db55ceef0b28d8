"""The Methodology page: judge, suites, thresholds, seeds, judge agreement."""

from __future__ import annotations

import json

from rescore import paths
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
    mart_rows = d.rows("thresholds")
    if mart_rows:
        thresholds = th.from_mart(mart_rows)
        md.append(
            "The marts of this site were built with these thresholds (`marts.thresholds`: "
            "the dbt vars in force, `--vars` overrides included):\n"
        )
    else:
        thresholds = [
            (k, json.dumps(v), c) for k, v, c in th.dbt_vars(paths.dbt_dir() / "dbt_project.yml")
        ]
        md.append(
            "The dbt project's thresholds (`vars` in `dbt_project.yml`). This warehouse has "
            "no `marts.thresholds`, so an override given to `dbt build --vars` is not shown.\n"
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
    t = d.marts.get("judge_agreement")
    if t is not None and len(t):
        md.append(
            "Agreement between scoring runs that scored the same responses "
            "(quadratic weighted kappa).\n"
        )
        md.append(page.block(focused_table(t.dicts(), AGREEMENT_COLS)))
    else:
        md.append("No two scoring runs scored the same responses.\n")
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
