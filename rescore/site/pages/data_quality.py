"""The Data quality page: what ingest quarantined or skipped, per file and reason, from
`marts.data_quality` (house), with every record downloadable (`marts.ingest_errors`). The
overview's "records quarantined" count links here.
"""

from __future__ import annotations

from rescore.site.page import Context, Page
from rescore.site.toolkit import Col, esc, focused_table, link

COLS = (
    Col("command", "Command"),
    Col("source_file", "File", "long"),
    Col("kind", "Kind", "badge"),
    Col("records", "Records", "int"),
    Col("example_location", "Example place"),
    Col("example_message", "Example reason", "long"),
)


def data_quality(ctx: Context) -> Page:
    page = Page("data-quality.md", "Data quality", hide_toc=True)
    md = [
        "# Data quality\n",
        "Every input record ends loaded or quarantined with its file, place, kind and reason. "
        "This page counts what was quarantined or skipped, per file and kind.\n",
    ]
    rows = ctx.data.rows("data_quality")
    info = ctx.downloads.get("ingest_errors")
    if info:
        pq = ctx.href(page, "downloads/ingest_errors.parquet", is_page=False)
        links = link(pq, "ingest_errors.parquet").html
        if info["csv"]:
            csv = ctx.href(page, "downloads/ingest_errors.csv", is_page=False)
            links = f"{link(csv, 'ingest_errors.csv').html} &middot; {links}"
        md.append(page.block(f"<p>Every record: {links} ({esc(info['rows'])} rows).</p>"))
    missing = ctx.missing("data_quality")
    if missing and not rows:
        md.append(missing)
    else:
        rows.sort(key=lambda r: (-(r.get("records") or 0), str(r.get("source_file"))))
        md.append(page.block(focused_table(rows, COLS)))
    page.markdown = "\n".join(md)
    return page
