"""The Critical issues page, from `marts.critical_issues` and the leaderboard's rates."""

from __future__ import annotations

from rescore.site import charts as ch
from rescore.site.page import (
    Context,
    Page,
    chart_html,
    mart_page,
    mart_table,
    part_uri,
    parts_links,
    row_size,
    severity_key,
    split_parts,
)
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


def critical_issues(ctx: Context) -> list[Page]:
    """The page, and `-part-N` pages when the table outgrows PART_BUDGET (it grows with the
    runs: every run's configs have their issues)."""
    rows = _rows(ctx)
    parts = split_parts(rows, row_size)
    uris = [part_uri("critical-issues.md", i) for i in range(1, len(parts) + 1)]

    def body(page: Page, i: int) -> list[str]:
        md = []
        if len(parts) > 1:
            md.append(page.block(parts_links(ctx, page, uris, i, "Issues, most severe first,")))
        md.append(_table(ctx, page, parts[i]))
        return md

    page = mart_page(
        ctx,
        "critical-issues.md",
        "Critical issues",
        INTRO,
        "critical_issues",
        lambda page: body(page, 0),
    )
    # the detector rates come from the leaderboard: shown whether or not the mart has rows
    md = [
        "\n## Truncation and degeneration\n",
        "Share of each scored config's responses the detectors flagged (configs without "
        "flags are not shown).\n",
        page.block(chart_html(ctx, page, ch.health_rates(ctx.data.leaderboard, ctx.labels))),
    ]
    page.markdown = "\n".join([page.markdown, *md])
    pages = [page]
    for i in range(1, len(parts)):
        part = Page(
            uris[i],
            f"Critical issues (part {i + 1})",
            in_nav=False,
            hide_toc=True,
            search_exclude=True,
        )
        part.markdown = "\n".join([f"# Critical issues (part {i + 1})\n", INTRO, *body(part, i)])
        pages.append(part)
    return pages


def _rows(ctx: Context) -> list[dict]:
    rows = sorted(
        ctx.data.rows("critical_issues"),
        key=lambda r: (severity_key(r), str(r.get("issue")), str(r.get("config"))),
    )
    for r in rows:  # the severity column sorts by rank (critical first), not alphabetically
        r["_severity_order"] = severity_key(r)
    return rows


def _table(ctx: Context, page: Page, rows: list[dict]) -> str:
    return mart_table(ctx, page, rows, CRITICAL_COLS, sort_by={"severity": "_severity_order"})
