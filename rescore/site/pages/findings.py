"""The Findings page, from `marts.findings`."""

from __future__ import annotations

from typing import Any

from rescore.site.page import (
    Context,
    Page,
    part_uri,
    parts_links,
    row_size,
    severity_key,
    split_parts,
)
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


def _numbered(findings: list[dict[str, Any]]) -> list[tuple[str, int, dict[str, Any] | None]]:
    """(section, number, finding) in page order; a section with nothing: one (section, 0,
    None) entry, which says so."""
    out: list[tuple[str, int, dict[str, Any] | None]] = []
    sections = (
        ("Key drift observations", [f for f in findings if f.get("kind") in DRIFT_KINDS]),
        (
            "Critical issues discovered",
            [f for f in findings if f.get("kind") not in DRIFT_KINDS + ("totals",)],
        ),
    )
    for title, items in sections:
        if not items:
            out.append((title, 0, None))
            continue
        items.sort(
            key=lambda f: (
                severity_key(f),
                str(f.get("kind")),
                f.get("metric") if f.get("metric") is not None else 0,
                str(f.get("finding_id")),
            )
        )
        out += [(title, i, f) for i, f in enumerate(items, 1)]
    return out


def _finding_sections(
    ctx: Context, page: Page, items: list[tuple[str, int, dict[str, Any] | None]]
) -> list[str]:
    md: list[str] = []
    section = None
    for title, i, f in items:
        if title != section:
            md.append(f"\n## {title}\n")
            section = title
        if f is None:
            md.append("Nothing found for this scoring run.\n")
            continue
        md.append(f"\n### {i}. {md_esc(f.get('headline'))}\n")
        md.append(page.block(_finding_html(ctx, page, f)))
    return md


INTRO = (
    "What the numbers say, in sentences computed by `marts.findings` from the other marts "
    "(thresholds are dbt vars, see [Methodology](methodology.md)). Most severe first.\n"
)


def findings(ctx: Context) -> list[Page]:
    """The page, and `-part-N` pages when the findings outgrow PART_BUDGET (they grow with
    the runs)."""
    page = Page("findings.md", "Findings")
    md = ["# Findings\n", INTRO]
    missing = ctx.missing("findings")
    rows = [] if missing else ctx.data.rows("findings")
    totals = [f for f in rows if f.get("kind") == "totals"]
    for t in totals:
        md.append(f"**{md_esc(t.get('headline'))}** ({md_esc(t.get('evidence'))}).\n")
    if missing:
        md.append(missing)
        page.markdown = "\n".join(md)
        return [page]
    parts = split_parts(_numbered(rows), lambda item: row_size(item[2] or {}))
    uris = [part_uri("findings.md", i) for i in range(1, len(parts) + 1)]
    pages = []
    for i, items in enumerate(parts):
        if i:
            title = f"Findings (part {i + 1})"
            page = Page(uris[i], title, in_nav=False, search_exclude=True)
            md = [f"# {title}\n", INTRO]
        if len(parts) > 1:
            md.append(page.block(parts_links(ctx, page, uris, i, "Findings")))
        md += _finding_sections(ctx, page, items)
        page.markdown = "\n".join(md)
        pages.append(page)
    return pages
