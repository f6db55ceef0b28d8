"""The Top performers page, from `marts.top_performers`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rescore.site.page import Context, Page
from rescore.site.toolkit import (
    Cell,
    badge,
    esc,
    fmt_pct,
    format_cell,
    link,
    table,
)

SPEED_PICKS = ("speed", "group_speed")


def _pick_score(row: dict[str, Any]) -> str:
    """`87.1%`, or for a speed pick the report's `75.0% @ 157 t/s`."""
    text = fmt_pct(row.get("pct"))
    if str(row.get("pick") or "") in SPEED_PICKS and row.get("avg_tps") is not None:
        text += f" @ {float(row['avg_tps']):.0f} t/s"
    return text


def _rules(rows: list[dict[str, Any]], label: Callable[[dict[str, Any]], str]) -> str:
    """Each distinct tie-break rule once, with the picks it applies to."""
    by_rule: dict[str, list[str]] = {}
    for r in rows:
        if r.get("rule"):
            by_rule.setdefault(str(r["rule"]), []).append(label(r))
    if not by_rule:
        return ""
    if len(by_rule) == 1:
        return f'<p class="rescore-rule">Rule: {esc(next(iter(by_rule)))}.</p>'
    items = "".join(
        f"<li><strong>{esc(', '.join(dict.fromkeys(labels)))}</strong>: {esc(rule)}</li>"
        for rule, labels in by_rule.items()
    )
    return f'<p class="rescore-rule">Rules:</p><ul class="rescore-rule">{items}</ul>'


def top_performers(ctx: Context) -> Page:
    page = Page("top-performers.md", "Top performers", hide_toc=True)
    md = ["# Top performers\n"]
    missing = ctx.missing("top_performers")
    if missing:
        page.markdown = "\n".join(md + [missing])
        return page
    rows = ctx.data.rows("top_performers")
    grouped = "pick_group" in rows[0]
    groups = sorted(
        (r for r in rows if grouped and r.get("pick_group") is not None),
        key=lambda r: (
            r.get("pick_order") is None,
            r.get("pick_order") or 0,
            str(r.get("pick_label")),
        ),
    )
    per_category = [r for r in rows if not grouped or r.get("pick_group") is None]
    model = ctx.model_cell(page)
    if groups:
        md.append("## Top performers by category\n")
        md.append(
            "The best config of each pick group (roles grouped as the report groups them), "
            "and for drafts also the fastest config that still scores well.\n"
        )
        body, thin = [], False
        for r in groups:
            label = esc(r.get("pick_label") or r.get("pick_group"))
            if r.get("has_min_judged") is False:
                thin = True
                label += " " + badge("few judged", "warning")
            body.append(
                [
                    Cell(f"<strong>{label}</strong>"),
                    Cell(
                        model(r) + _tie_note(ctx, r)
                        if r.get("config") is not None
                        else f'<span class="rescore-long">No pick: {esc(r.get("no_pick_reason"))}'
                        "</span>",
                        None,
                        "rescore-model",
                    ),
                    Cell(esc(_pick_score(r)), r.get("pct")),
                ]
            )
        html_parts = [
            table(["Category", "Model (config)", "Score"], body, numeric={2}, css="rescore-picks"),
            _rules(groups, lambda r: str(r.get("pick_label") or r.get("pick_group"))),
        ]
        if thin:
            html_parts.append(
                '<p class="rescore-rule">"few judged": no config of the group '
                "reached the minimum number of judged responses, so the pick "
                "rests on few answers.</p>"
            )
        md.append(page.block("".join(html_parts)))
    if per_category:
        md.append("\n## Per leaderboard category\n" if groups else "")
        md.append("The quality pick of each leaderboard category, and the draft speed pick.\n")
        per_category.sort(
            key=lambda r: (
                ctx.data.categories.index(r["category"])
                if r.get("category") in ctx.data.categories
                else 99,
                str(r.get("pick") or ""),
            )
        )
        body = [
            [
                Cell(
                    link(
                        ctx.href(page, f"categories/{r['category']}.md"),
                        ctx.cat_title(str(r["category"])),
                    ).html
                ),
                esc(r.get("pick") or "quality"),
                Cell(model(r), None, "rescore-model"),
                Cell(esc(_pick_score(r)), r.get("pct")),
                format_cell("num", r.get("avg_tps")),
            ]
            for r in per_category
        ]
        md.append(
            page.block(
                table(
                    ["Category", "Pick", "Model (config)", "Score", "Avg TPS"],
                    body,
                    numeric={3, 4},
                    css="rescore-compact",
                )
                + _rules(
                    per_category,
                    lambda r: (
                        f"{ctx.cat_title(str(r.get('category')))} ({r.get('pick') or 'quality'})"
                    ),
                )
            )
        )
    page.markdown = "\n".join(md)
    return page


def _tie_note(ctx: Context, r: dict[str, Any]) -> str:
    """ "tied within noise with X" when the mart says the pick is not a clear winner."""
    runner = r.get("runner_up_config")
    if r.get("is_clear_winner") is False and runner:
        who = ctx.labels.get(str(runner), str(runner))
        return " " + badge(f"tied within noise with {who}", "warning")
    return ""
