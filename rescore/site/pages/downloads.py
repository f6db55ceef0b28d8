"""The Downloads page: every mart as CSV and Parquet, with example SQL."""

from __future__ import annotations

import json

from rescore.site.page import Context, Page
from rescore.site.sql import sql_literal
from rescore.site.toolkit import (
    Cell,
    esc,
    link,
    table,
)

# Each example is a Python script that runs as printed (tests/test_site.py runs every one):
# `warehouse` ones in the folder holding the warehouse, `downloads` ones in the folder of the
# downloaded files. Python's duckdb module comes with rescore: no duckdb CLI, no numpy.
WAREHOUSE_EXAMPLE = """\
import duckdb

con = duckdb.connect({warehouse}, read_only=True)
# the {category_text} leaderboard of scoring run {run_text}
print(con.sql(
    "select rank, model, role, score, max_score, round(pct, 1) as pct,"
    " round(avg_tps, 1) as avg_tps from marts.leaderboard"
    " where scoring_run = {run} and category = {category} order by rank"
))
# from a number down to the responses and judge reasons behind it
print(con.sql(
    "select suite, question_id, score, reason, left(response, 60) as response"
    " from marts.responses where scoring_run = {run} and config = {config}"
    " order by suite, question_id"
))
rows = con.sql("select config, pct from marts.leaderboard").fetchall()  # plain tuples
"""

DOWNLOADS_EXAMPLE = """\
import duckdb

# the downloaded Parquet (or CSV) files work without the warehouse
print(duckdb.sql(
    "select category, count(*) as configs, round(avg(pct), 1) as mean_pct"
    " from 'leaderboard.parquet' where scoring_run = {run}"
    " group by category order by mean_pct desc"
))
"""


def _example(where: str, code: str) -> str:
    return f'<pre data-run-in="{where}"><code class="language-python">{esc(code)}</code></pre>'


def downloads(ctx: Context) -> Page:
    page = Page("downloads.md", "Downloads")
    md = [
        "# Data downloads\n",
        "Every mart of the warehouse, all scoring runs, written by DuckDB `COPY` when this "
        "site was built.\n",
    ]
    rows = []
    for mart in sorted(ctx.downloads):
        info = ctx.downloads.get(mart)
        if not info:
            continue
        csv_href = ctx.href(page, f"downloads/{mart}.csv", is_page=False)
        pq_href = ctx.href(page, f"downloads/{mart}.parquet", is_page=False)
        rows.append(
            [
                f"marts.{mart}",
                Cell(str(info["rows"]), info["rows"]),
                Cell(link(csv_href, "CSV").html if info["csv"] else "Parquet only (large)"),
                Cell(link(pq_href, "Parquet").html),
                ", ".join(c for c, _ in ctx.data.mart_columns.get(mart, [])),
            ]
        )
    md.append(page.block(table(["Mart", "Rows", "CSV", "Parquet", "Columns"], rows, numeric={1})))
    md.append("\n## Examples\n")
    first = ctx.data.leaderboard[0] if ctx.data.leaderboard else {}
    run = ctx.data.scoring_run
    category = str(first.get("category", "draft"))
    values = {
        "run": _q(run),
        "run_text": _comment(run),
        "category": _q(category),
        "category_text": _comment(category),
        "config": _q(str(first.get("config", "CONFIG"))),
        "warehouse": repr(ctx.data.warehouse.name),
    }
    md.append(
        "Python scripts for the `duckdb` module that rescore installs (no duckdb CLI and no "
        "numpy needed; `print` shows a result as a table). In the folder holding the "
        "warehouse:\n"
    )
    md.append(page.block(_example("warehouse", WAREHOUSE_EXAMPLE.format(**values))))
    md.append("\nIn the folder of the downloaded files:\n")
    md.append(page.block(_example("downloads", DOWNLOADS_EXAMPLE.format(**values))))
    page.markdown = "\n".join(md)
    return page


def _q(value: str) -> str:
    """A SQL string literal that can sit inside a double-quoted Python string (names are
    untrusted: JSON's escapes are Python's, so no quote or newline ends the string)."""
    return json.dumps(sql_literal(value))[1:-1]


def _comment(value: str) -> str:
    """Text for a `#` comment: one line whatever the name holds."""
    return " ".join(str(value).split())
