"""The Critical issues page, from `marts.critical_issues` and the leaderboard's rates."""

from __future__ import annotations

from rescore.site import charts as ch
from rescore.site.page import Context, Page, chart_html, mart_page, mart_table, severity_key
from rescore.site.toolkit import Col

CRITICAL_COLS = (
    Col("severity", "Severity", "badge"),
    Col("issue", "Issue"),
    Col("model", "Model (config)"),
    Col("evidence", "Evidence", "long"),
)


INTRO = (
    "Issues the detectors found in the responses, most severe first. Evidence is computed "
    "from model output and shown as text. The [Findings](findings.md) page sums them up per "
    "config.\n"
)


def critical_issues(ctx: Context) -> Page:
    page = mart_page(
        ctx,
        "critical-issues.md",
        "Critical issues",
        INTRO,
        "critical_issues",
        lambda page: [_table(ctx, page)],
    )
    # the detector rates come from the leaderboard: shown whether or not the mart has rows
    md = [
        "\n## Truncation and degeneration\n",
        "Share of each scored config's responses the detectors flagged (configs without "
        "flags are not shown).\n",
        page.block(chart_html(ctx, page, ch.health_rates(ctx.data.leaderboard, ctx.labels))),
    ]
    page.markdown = "\n".join([page.markdown, *md])
    return page


def _table(ctx: Context, page: Page) -> str:
    rows = sorted(
        ctx.data.rows("critical_issues"),
        key=lambda r: (severity_key(r), str(r.get("issue")), str(r.get("config"))),
    )
    for r in rows:  # the severity column sorts by rank (critical first), not alphabetically
        r["_severity_order"] = severity_key(r)
    return mart_table(ctx, page, rows, CRITICAL_COLS, sort_by={"severity": "_severity_order"})
