"""One leaderboard page per category, from `marts.leaderboard`."""

from __future__ import annotations

from typing import Any

from rescore.site import charts as ch
from rescore.site.page import (
    Context,
    Page,
    chart_html,
    part_title,
    part_uri,
    parts_links,
    row_size,
    split_parts,
)
from rescore.site.toolkit import (
    Cell,
    badges,
    esc,
    fmt_num,
    fmt_pct,
    fmt_score,
    md_esc,
    table,
)


def category_page(ctx: Context, cat: str) -> list[Page]:
    """The category's leaderboard, and `-part-N` pages holding the rest of its table when
    the rows outgrow PART_BUDGET (every run's configs are ranked here); the chart stays on
    the first page."""
    title = ctx.cat_title(cat)
    uri = f"categories/{cat}.md"
    page = Page(uri, title, hide_toc=True)
    rows = [r for r in ctx.data.leaderboard if r["category"] == cat]
    parts = split_parts(rows, row_size)
    uris = [part_uri(uri, i) for i in range(1, len(parts) + 1)]
    md = [
        f"# {md_esc(title)} models\n",
        f"{len(rows)} configs scored in scoring run {md_esc(ctx.data.scoring_run)}, ranked by "
        "percentage of the maximum score (3 points per judged response). Every row links to "
        "the config's page with each question, score, judge reason and response.\n",
    ]
    dup_here = sorted({r.get("model") for r in rows if r.get("model") in ctx.duplicated})
    if dup_here:
        roles = "; ".join(
            f"{md_esc(m)} ({', '.join(md_esc(r) for r in ctx.model_roles[m])})" for m in dup_here
        )
        md.append(
            f'!!! note "Models under two roles"\n    {roles}: each role is its own '
            "config, shown with the role after the model name.\n"
        )
    md.extend(coverage_notes(ctx, rows))
    md += _table(ctx, page, parts, uris, 0)
    md.append("\n## Chart\n")
    md.append(page.block(chart_html(ctx, page, ch.leaderboard_bars(cat, rows, ctx.duplicated))))
    if cat == "draft":
        md.append("\n## Quality against speed\n")
        md.append(
            "The Pareto front (`marts.leaderboard.is_pareto`) joins the ranked configs that no "
            "other ranked config beats on both token-weighted speed and quality.\n"
        )
        md.append(page.block(chart_html(ctx, page, ch.quality_vs_speed(rows, ctx.duplicated))))
    page.markdown = "\n".join(md)
    pages = [page]
    for i in range(1, len(parts)):
        heading = part_title(f"{title} models", i + 1)
        part = Page(uris[i], part_title(title, i + 1), in_nav=False, hide_toc=True)
        part.search_exclude = True
        part.markdown = "\n".join([f"# {md_esc(heading)}\n", *_table(ctx, part, parts, uris, i)])
        pages.append(part)
    return pages


def _table(
    ctx: Context, page: Page, parts: list[list[dict[str, Any]]], uris: list[str], i: int
) -> list[str]:
    """Part `i` of the leaderboard table (the links to the other parts above it)."""
    rows = parts[i]
    md = []
    if len(parts) > 1:
        md.append(page.block(parts_links(ctx, page, uris, i, "The leaderboard, best first,")))
    body = []
    for r in rows:
        model = ctx.config_link(page, r["config"], ctx.labels[r["config"]]).html
        body.append(
            [
                Cell(rank_text(r), r.get("rank")),
                Cell(f"{model}<small>{esc(r['config'])}</small>", None, "rescore-model"),
                Cell(pct_with_interval(r), r["pct"]),
                Cell(esc(fmt_score(r["score"], r["max_score"])), r["pct"]),
                Cell(fmt_num(r.get("avg_tps")), r.get("avg_tps")),
                Cell(badges(r.get("notes")), None, "rescore-notes"),
                Cell(
                    f"{fmt_num(r.get('judged'), 0)}/{fmt_num(r.get('responses'), 0)}",
                    r.get("judged"),
                ),
                Cell(fmt_num(r.get("truncated"), 0), r.get("truncated")),
            ]
        )
    md.append(
        page.block(
            ctx.filter_bar_for(rows)
            + table(
                ["#", "Model (config)", "Pct", "Score", "Avg TPS", "Notes", "Judged", "Truncated"],
                body,
                numeric={0, 2, 3, 4, 6, 7},
                css="rescore-filterable rescore-leaderboard",
                row_attrs=[ctx.filter_attrs(r) for r in rows],
            )
        )
    )
    return md


def rank_text(r: dict[str, Any]) -> str:
    """The rank, with the mart's rank range when it has one (`3 (2-5)`)."""
    text = fmt_num(r.get("rank"), 0)
    low, high = r.get("rank_low"), r.get("rank_high")
    if low is not None and high is not None and low != high:
        text += (
            f' <small class="rescore-interval">({fmt_num(low, 0)}\u2013{fmt_num(high, 0)})</small>'
        )
    return text


def pct_with_interval(r: dict[str, Any]) -> str:
    """The pct, with the mart's interval when it has one (`87.1% 82.0-91.3`)."""
    text = fmt_pct(r.get("pct"))
    low, high = r.get("pct_ci_low"), r.get("pct_ci_high")
    if low is not None and high is not None:
        text += f' <small class="rescore-interval">{fmt_pct(low)}\u2013{fmt_pct(high)}</small>'
    return text


def coverage_notes(ctx: Context, rows: list[dict[str, Any]]) -> list[str]:
    """`marts.coverage` messages of the suites this category's configs answered (e.g. "120 vl
    responses answer question ids absent from vl.yaml: not judged"), as notes."""
    configs = {r["config"] for r in rows}
    suites = {s for c in configs for s in ctx.data.response_suites.get(c, ())}
    return [
        f'!!! warning "Coverage: {md_esc(r["suite"])}"\n    {md_esc(r["message"])}\n'
        for r in ctx.data.rows("coverage")
        if r.get("message") and r.get("suite") in suites
    ]
