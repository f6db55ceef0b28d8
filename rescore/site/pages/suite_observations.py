"""The Suite observations page, from `marts.suite_observations` and `marts.suite_scores`."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from rescore.site import charts as ch
from rescore.site.page import Context, Page, chart_html
from rescore.site.toolkit import (
    Cell,
    Col,
    esc,
    fmt_num,
    fmt_pct,
    focused_table,
    md_esc,
    table,
)

SUITE_COLS = (
    Col("suite", "Suite"),
    Col("configs", "Configs", "int"),
    Col("avg_pct", "Mean", "pct"),
    Col("pct_range", "Range", "short"),
    Col("hardest_question", "Hardest question"),
    Col("hardest_question_pct", "Its mean", "pct"),
    Col("never_full", "Never full marks", "short"),
    Col("observation", "Observation", "long"),
)


def suite_observations(ctx: Context) -> Page:
    page = Page("suites.md", "Suite observations", hide_toc=True)
    by_suite: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for s in ctx.data.suite_scores:
        by_suite[s["suite"]].append(s)
    md = [
        "# Suite observations\n",
        "How the configs of this scoring run did on each suite, hardest suite first.\n",
    ]
    observations = ctx.data.rows("suite_observations")
    stats = _from_mart(observations)  # hardest first (the mart's difficulty_rank)
    if stats:
        mean, suite, n, median, best, worst = stats[0]
        md.append(
            f"The hardest suite is **{md_esc(suite)}**: mean {fmt_pct(mean)} over {n} "
            f"configs; the best config there reached {fmt_pct(best['pct'])}.\n"
        )
        # the mart decides which suites' best config is below the easiest suite's mean
        below = [r for r in observations if r.get("is_best_below_easiest_mean")]
        if below:
            names = ", ".join(f"**{md_esc(r['suite'])}**" for r in below)
            md.append(
                f"On {names}, even the best config scored below the mean of the easiest "
                f"suite ({md_esc(stats[-1][1])}, "
                f"{fmt_pct(below[0].get('easiest_suite_avg_pct'))}).\n"
            )
    if observations:
        for r in observations:
            if r.get("questions_never_full_marks") is not None:
                r["never_full"] = (
                    f"{r['questions_never_full_marks']} of {fmt_num(r.get('questions'), 0)}"
                )
        observations.sort(key=lambda r: (r.get("avg_pct") is None, r.get("avg_pct") or 0))
        md.append(page.block(focused_table(observations, SUITE_COLS)))
    md.append("\n## Best and worst config per suite\n")
    rows = []
    for mean, suite, n, median, best, worst in stats:
        rows.append(
            [
                suite,
                Cell(str(n), n),
                Cell(fmt_pct(mean), mean),
                Cell(fmt_pct(median), median),
                Cell(
                    f"{_short_link(ctx, page, best['config'])} ({fmt_pct(best['pct'])})",
                    best["pct"],
                    "rescore-text",
                ),
                Cell(
                    f"{_short_link(ctx, page, worst['config'])} ({fmt_pct(worst['pct'])})",
                    worst["pct"],
                    "rescore-text",
                ),
            ]
        )
    md.append(
        page.block(
            table(
                ["Suite", "Configs", "Mean", "Median", "Best", "Worst"],
                rows,
                numeric={1, 2, 3, 4, 5},
            )
        )
    )
    md.append("\n## Config x suite\n")
    md.append(
        page.block(chart_html(ctx, page, ch.suite_heatmap(ctx.data.suite_scores, ctx.labels)))
    )
    page.markdown = "\n".join(md)
    return page


def _short_link(ctx: Context, page: Page, config: str) -> str:
    """The model label linked to the config page, the config name as its tooltip."""
    html_link = ctx.config_link(page, config, ctx.labels.get(config, config)).html
    return f'<span title="{esc(config)}">{html_link}</span>'


def _from_mart(rows: list[dict[str, Any]]) -> list[tuple]:
    """(mean, suite, configs, median, best, worst) from the house's suite_observations
    columns (median_pct, best/worst config and pct, difficulty_rank), hardest first."""
    out = []
    for r in sorted(
        rows, key=lambda r: (r.get("difficulty_rank") is None, r.get("difficulty_rank") or 0)
    ):
        best = {"config": r.get("best_config"), "pct": r.get("best_pct")}
        worst = {"config": r.get("worst_config"), "pct": r.get("worst_pct")}
        out.append(
            (r.get("avg_pct"), r["suite"], r.get("configs"), r.get("median_pct"), best, worst)
        )
    return out
