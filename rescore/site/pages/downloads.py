"""The Downloads page: every mart as CSV and Parquet, with example SQL."""

from __future__ import annotations

from rescore.site.page import Context, Page
from rescore.site.sql import sql_literal
from rescore.site.toolkit import (
    Cell,
    esc,
    link,
    table,
)

EXAMPLE_SQL = """\
-- the {category} leaderboard of scoring run {run}
select rank, model, role, score, max_score, round(pct, 1) as pct, round(avg_tps, 1) as avg_tps
from marts.leaderboard
where scoring_run = {run} and category = {category}
order by rank;

-- from a number down to the responses and judge reasons behind it
select r.suite, r.question_id, j.score, j.reason, r.response
from raw.responses as r
inner join raw.judgments as j on j.response_id = r.response_id
where j.scoring_run = {run} and r.config = {config}
order by r.suite, r.question_id;

-- the downloaded Parquet files work without the warehouse
select category, count(*) as configs, round(avg(pct), 1) as mean_pct
from 'leaderboard.parquet' group by category order by mean_pct desc;
"""


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
    md.append("\n## Example SQL\n")
    first = ctx.data.leaderboard[0] if ctx.data.leaderboard else {}
    sql = EXAMPLE_SQL.format(
        run=sql_literal(ctx.data.scoring_run),
        category=sql_literal(first.get("category", "draft")),
        config=sql_literal(first.get("config", "CONFIG")),
    )
    md.append(
        "Run it with Python's `duckdb` module, which rescore installs (no duckdb CLI and no "
        "numpy needed; `print` shows the result as a table):\n"
    )
    py = (
        "import duckdb\n"
        f"con = duckdb.connect({sql_literal(ctx.data.warehouse.name)}, read_only=True)\n"
        'print(con.sql("select * from marts.leaderboard limit 5"))\n'
        'rows = con.sql("select config, pct from marts.leaderboard").fetchall()\n'
    )
    md.append(page.block(f'<pre><code class="language-python">{esc(py)}</code></pre>'))
    md.append(page.block(f'<pre><code class="language-sql">{esc(sql)}</code></pre>'))
    page.markdown = "\n".join(md)
    return page
