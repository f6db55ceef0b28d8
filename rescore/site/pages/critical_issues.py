"""The Critical issues page, from `marts.critical_issues` and the leaderboard's rates."""

from __future__ import annotations

from rescore.site import charts as ch
from rescore.site.page import Context, Page, chart_html, severity_key
from rescore.site.toolkit import (
    Col,
    focused_table,
)

CRITICAL_COLS = (
    Col("severity", "Severity", "badge"),
    Col("issue", "Issue"),
    Col("model", "Model (config)"),
    Col("evidence", "Evidence", "long"),
)


def critical_issues(ctx: Context) -> Page:
    page = Page("critical-issues.md", "Critical issues", hide_toc=True)
    md = [
        "# Critical issues\n",
        "Issues the detectors found in the responses, most severe first. Evidence is "
        "computed from model output and shown as text. The [Findings](findings.md) page "
        "sums them up per config.\n",
    ]
    missing = ctx.missing("critical_issues")
    if missing:
        md.append(missing)
    else:
        rows = sorted(
            ctx.data.rows("critical_issues"),
            key=lambda r: (severity_key(r), str(r.get("issue")), str(r.get("config"))),
        )
        md.append(page.block(focused_table(rows, CRITICAL_COLS, ctx.model_cell(page))))
    md.append("\n## Truncation and degeneration\n")
    md.append(
        "Share of each scored config's responses the detectors flagged (configs without "
        "flags are not shown).\n"
    )
    md.append(page.block(chart_html(ctx, page, ch.health_rates(ctx.data.leaderboard, ctx.labels))))
    page.markdown = "\n".join(md)
    return page
