"""The Drift page, from `marts.drift`: one table and dumbbell chart per baseline."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import altair as alt

from rescore.site import charts as ch
from rescore.site.page import Context, Page, chart_html, mart_page, mart_table, slug
from rescore.site.toolkit import (
    Col,
    fmt_delta,
    fmt_num,
    fmt_pct,
    md_esc,
)

DRIFT_COLS = (
    Col("model", "Model (config)"),
    Col("previous", "Previous"),
    Col("pct", "Now", "pct"),
    Col("delta_pct", "Delta", "delta"),
    Col("likely_cause", "Likely cause", "long"),
)


INTRO = (
    "This scoring run against earlier scores (imported summaries or earlier scoring "
    "runs), one table per baseline, biggest change first. Delta is in percentage points.\n"
)


def drift(ctx: Context) -> Page:
    return mart_page(ctx, "drift.md", "Drift", INTRO, "drift", lambda page: _body(ctx, page))


def _body(ctx: Context, page: Page) -> list[str]:
    md: list[str] = []
    by_baseline: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in ctx.data.rows("drift"):
        by_baseline[str(r.get("baseline"))].append(r)
    summaries = {str(r.get("baseline")): r for r in ctx.data.rows("drift_summary")}
    for n, (baseline, rows) in enumerate(sorted(by_baseline.items())):
        for r in rows:
            text = r.get("previous_pct_text")
            r["previous"] = text if text else fmt_pct(r.get("previous_pct"))
        # the mart's order: enough judged first, then significant, then the largest move
        rows.sort(key=lambda r: (r.get("lead_rank") is None, r.get("lead_rank") or 0))
        md.append(f"\n## Against {md_esc(baseline)}\n")
        summary = summaries.get(baseline)
        if summary:
            md.append(summary_text(summary))
        md.append(mart_table(ctx, page, rows, DRIFT_COLS))
        name = "drift-dumbbell" if n == 0 else f"drift-dumbbell-{slug(baseline)}"
        chart = drift_dumbbell(
            rows, ctx.labels, name=name, title=f"Drift against {baseline}: previous score and now"
        )
        md.append(page.block(chart_html(ctx, page, chart)))
    return md


def summary_text(r: dict[str, Any]) -> str:
    """One baseline's `marts.drift_summary` row in words: counts, significance, mean change."""
    text = (
        f"{fmt_num(r.get('compared'), 0)} configs compared: {fmt_num(r.get('regressions'), 0)} "
        f"regressions, {fmt_num(r.get('gains'), 0)} gains, {fmt_num(r.get('unchanged'), 0)} "
        "unchanged within noise"
    )
    if r.get("significant") is not None:
        text += (
            f" ({fmt_num(r.get('significant'), 0)} significant: "
            f"{fmt_num(r.get('significant_regressions'), 0)} down, "
            f"{fmt_num(r.get('significant_gains'), 0)} up)"
        )
    return text + f"; mean change {fmt_delta(r.get('mean_delta_pct'))} points.\n"


def drift_dumbbell(
    drift_rows: Sequence[dict[str, Any]],
    labels: dict[str, str],
    name: str = "drift-dumbbell",
    title: str = "Drift: previous score against now",
) -> ch.Chart | None:
    rows = [r for r in drift_rows if r.get("previous_pct") is not None and r.get("pct") is not None]
    if not rows:
        return None
    axis = ch.unique_labels(rows, labels)
    values = []
    for r in rows:
        config = r.get("config")
        subject = axis.get(str(config)) if config is not None else None
        subject = subject or str(r.get("model") or r.get("subject"))
        if len({x.get("baseline") for x in rows}) > 1:
            subject = f"{subject} vs {r.get('baseline')}"
        base = {
            "subject": subject,
            "label": labels.get(str(config), subject),
            "baseline": r.get("baseline"),
            "config": r.get("config"),
            "previous": r["previous_pct"],
            "now": r["pct"],
            "delta": r.get("delta_pct", r["pct"] - r["previous_pct"]),
        }
        values.append(base)
    base = alt.Chart(alt.Data(name=ch.ROWS))
    y = alt.Y("subject:N", title=None, sort=alt.EncodingSortField("delta", order="ascending"))
    tooltip = [
        alt.Tooltip("subject:N", title="model"),
        alt.Tooltip("config:N"),
        alt.Tooltip("baseline:N"),
        alt.Tooltip("previous:Q", format=".1f"),
        alt.Tooltip("now:Q", format=".1f"),
        alt.Tooltip("delta:Q", format="+.1f"),
    ]
    rule = base.mark_rule(color="#8c8c8c").encode(
        x=alt.X("previous:Q", title="score (% of max)", scale=alt.Scale(domain=[0, 100])),
        x2="now:Q",
        y=y,
        tooltip=tooltip,
    )
    folded = base.transform_fold(["previous", "now"], as_=["when", "value"])
    dots = folded.mark_point(filled=True, size=70).encode(
        x="value:Q",
        y=y,
        color=alt.Color(
            "when:N",
            title=None,
            scale=alt.Scale(domain=["previous", "now"], range=["#8c8c8c", "#e4572e"]),
        ),
        tooltip=tooltip,
    )
    chart = (rule + dots).properties(width="container", height=max(60, ch.ROW_PX * len(values)))
    return ch.finish(chart, name, title, values)
