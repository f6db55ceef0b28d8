"""The Findings page, from `marts.findings`."""

from __future__ import annotations

from typing import Any

from rescore.site.page import Context, Page, severity_key
from rescore.site.toolkit import (
    badge,
    esc,
    link,
    md_esc,
)

DRIFT_KINDS = ("category_drift", "category_truncation", "suite_all_low", "group_suite_failure")


def _finding_html(ctx: Context, page: Page, f: dict[str, Any]) -> str:
    """A finding as the report writes one: severity badge, then evidence bullets."""
    sev = str(f.get("severity") or "info")
    bullets = [p.strip() for p in str(f.get("evidence") or "").split(";") if p.strip()]
    scope, subject = f.get("scope"), f.get("subject")
    where = None
    if scope == "config" and subject in ctx.slugs:
        where = f"Config: {ctx.config_link(page, str(subject), ctx.labels.get(str(subject))).html}"
    elif scope in ("category", "category_baseline") and subject in ctx.data.categories:
        where = (
            "Category: "
            + link(ctx.href(page, f"categories/{subject}.md"), ctx.cat_title(str(subject))).html
        )
    elif scope == "suite":
        where = "Suite: " + link(ctx.href(page, "suites.md"), subject).html
    if f.get("baseline") and f.get("kind") == "category_drift":
        where = (where + " &middot; " if where else "") + "Baseline: " + esc(f["baseline"])
    items = "".join(f"<li>{esc(b)}</li>" for b in bullets)
    if where:
        items += f"<li>{where}</li>"
    return (
        f'<div class="rescore-finding"><p><strong>Severity: {badge(sev.upper(), sev)}'
        f"</strong></p><ul>{items}</ul></div>"
    )


def _finding_sections(ctx: Context, page: Page, findings: list[dict[str, Any]]) -> list[str]:
    md: list[str] = []
    sections = (
        ("Key drift observations", [f for f in findings if f.get("kind") in DRIFT_KINDS]),
        (
            "Critical issues discovered",
            [f for f in findings if f.get("kind") not in DRIFT_KINDS + ("totals",)],
        ),
    )
    for title, items in sections:
        md.append(f"\n## {title}\n")
        if not items:
            md.append("Nothing found for this scoring run.\n")
            continue
        items.sort(
            key=lambda f: (
                severity_key(f),
                str(f.get("kind")),
                f.get("metric") if f.get("metric") is not None else 0,
                str(f.get("finding_id")),
            )
        )
        for i, f in enumerate(items, 1):
            md.append(f"\n### {i}. {md_esc(f.get('headline'))}\n")
            md.append(page.block(_finding_html(ctx, page, f)))
    return md


def findings(ctx: Context) -> Page:
    page = Page("findings.md", "Findings")
    md = [
        "# Findings\n",
        "What the numbers say, in sentences computed by `marts.findings` from the other marts "
        "(thresholds are dbt vars, see [Methodology](methodology.md)). Most severe first.\n",
    ]
    missing = ctx.missing("findings")
    rows = [] if missing else ctx.data.rows("findings")
    totals = [f for f in rows if f.get("kind") == "totals"]
    for t in totals:
        md.append(f"**{md_esc(t.get('headline'))}** ({md_esc(t.get('evidence'))}).\n")
    if missing:
        md.append(missing)
    else:
        md += _finding_sections(ctx, page, rows)
    page.markdown = "\n".join(md)
    return page
