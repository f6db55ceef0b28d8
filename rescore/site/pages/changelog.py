"""The "What changed" page, from `marts.changelog` (house): this scoring run against the
previous published one: picks changed, configs newly avoided or cleared, biggest rank and pct
moves. The mart owns the pairing and the ordering (`move_order`); the page only groups rows.
"""

from __future__ import annotations

from rescore.site.page import Context, Page, mart_page, mart_table
from rescore.site.toolkit import Col, md_esc

KINDS = (
    ("pick_changed", "Picks changed"),
    ("newly_avoided", "Newly avoided"),
    ("cleared", "Cleared"),
    ("rank_move", "Biggest rank moves"),
    ("pct_move", "Biggest score moves"),
)
COLS = (
    Col("model", "Model (config)"),
    Col("pick_group", "Pick group"),
    Col("previous_value", "Before"),
    Col("value", "Now"),
    Col("previous_rank", "Rank before", "int"),
    Col("rank", "Rank now", "int"),
    Col("rank_delta", "Rank change", "int"),
    Col("previous_pct", "Pct before", "pct"),
    Col("pct", "Pct now", "pct"),
    Col("pct_delta", "Change", "delta"),
    Col("description", "What changed", "long"),
)


NO_EARLIER = "No earlier scoring run to compare this one with.\n"


def changelog(ctx: Context, previous: str | None = None) -> Page:
    return mart_page(
        ctx,
        "changes.md",
        "What changed",
        "",
        "changelog",
        lambda page: _body(ctx, page, previous),
        when_empty=NO_EARLIER,
    )


def _body(ctx: Context, page: Page, previous: str | None) -> list[str]:
    rows = ctx.data.rows("changelog")
    runs = sorted({str(r.get("previous_scoring_run")) for r in rows})
    latest = [r for r in rows if r.get("is_latest_previous")]  # the mart's default pair
    default = str(latest[0]["previous_scoring_run"]) if latest else None
    chosen = previous if previous in runs else default
    if chosen is None:
        return [NO_EARLIER]
    rows = [r for r in rows if str(r.get("previous_scoring_run")) == chosen]
    md = [f"Scoring run **{md_esc(ctx.data.scoring_run)}** against **{md_esc(chosen)}**.\n"]
    for kind, title in KINDS:
        mine = sorted(
            (r for r in rows if r.get("change_kind") == kind),
            key=lambda r: (r.get("move_order") is None, r.get("move_order") or 0),
        )
        md.append(f"\n## {title}\n")
        md.append(mart_table(ctx, page, mine, COLS) if mine else "None.\n")
    return md
