"""The Overview page: what was scored, by whom, and the best config per category."""

from __future__ import annotations

import re

from rescore.site.page import Context, Page
from rescore.site.toolkit import (
    Cell,
    esc,
    fmt_pct,
    generic_table,
    link,
    md_esc,
    table,
)


def overview(ctx: Context) -> Page:
    d, f = ctx.data, ctx.data.facts
    page = Page("index.md", "Overview")
    sr = d.scoring_row
    version = f" (site version {md_esc(ctx.version)})" if ctx.version else ""
    md = [
        f"# Blind rescore: {md_esc(d.scoring_run)}\n",
        f"Scoring run **{md_esc(d.scoring_run)}**{version}, judged by "
        f"**{md_esc(f['judge'] or sr.get('judge'))}** with rubric "
        f"**{md_esc(f['rubric_version'] or sr.get('rubric_version'))}**.\n",
    ]
    facts = [
        ("benchmark runs", f"{f['runs']} ({f['run_ids'] or ''})"),
        ("configs ingested", f["configs"]),
        ("responses ingested", f["responses"]),
        ("responses judged in this scoring run", f["judged"]),
        ("configs scored", f["configs_scored"]),
        ("distinct models scored", f["models_scored"]),
        ("suites / questions", f"{f['suites']} / {f['questions']}"),
        ("response-health flags", f["flags"]),
        (
            "records quarantined at ingest",
            link(ctx.href(page, "data-quality.md"), f["ingest_errors"]),
        ),
    ]
    totals = [f for f in ctx.data.rows("findings") if f.get("kind") == "totals"]
    for t in totals:
        md.append(
            f"**{md_esc(t.get('headline'))}** ({md_esc(t.get('evidence'))}); see "
            "[Findings](findings.md) for what stands out.\n"
        )
    md.append(page.block(table(["fact", "value"], [[k, v] for k, v in facts])))
    md.append("\n## Rubric\n")
    rubric = sr.get("rubric")
    if rubric:  # the rubric stored with the scoring run (judge helper), not today's code
        md.append(page.block(f'<pre class="rescore-text">{esc(rubric)}</pre>'))
    else:
        md.append(page.block(table(["Score", "Meaning"], [[s, m] for s, m in _rubric_rows()])))
    md.append("\n## Categories\n")
    rows = []
    # The best config per category is the mart's quality pick (ties broken there, in dbt).
    best_of = {
        r["category"]: r
        for r in d.rows("top_performers")
        if r.get("pick") == "quality" and r.get("pick_group") is None
    }
    for cat in d.categories:
        n = sum(1 for r in d.leaderboard if r["category"] == cat)
        best = best_of.get(cat)
        rows.append(
            [
                Cell(ctx.category_link(page, cat).html),
                Cell(str(n), n),
                Cell(
                    ctx.config_link(page, best["config"], ctx.labels.get(best["config"])).html
                    if best
                    else esc(None)
                ),
                Cell(fmt_pct(best["pct"]) if best else esc(None), best["pct"] if best else None),
            ]
        )
    md.append(page.block(table(["Category", "Configs", "Best", "Pct"], rows, numeric={1, 3})))
    if ctx.model_roles:
        md.append("\n## Models under more than one role\n")
        md.append(
            "These models were run in several roles; each role is its own config and "
            "row, labelled with the role.\n"
        )
        md.append(
            page.block(
                table(
                    ["Model", "Roles"],
                    [[m, ", ".join(r)] for m, r in sorted(ctx.model_roles.items())],
                )
            )
        )
    scoring = d.scoring_runs
    if len(scoring):
        md.append("\n## Scoring runs in this warehouse\n")
        md.append(
            page.block(
                generic_table(scoring.columns, scoring.rows, skip=("source_files", "settings"))
            )
        )
    page.markdown = "\n".join(md)
    return page


def _rubric_rows() -> list[tuple[int, str]]:
    try:
        from judge.base import RUBRIC
    except ImportError:  # pragma: no cover - the judge package ships with rescore
        return []
    rows = []
    for line in RUBRIC.splitlines():
        m = re.match(r"\s*([0-3])\s*=\s*(.+)", line)
        if m:
            rows.append((int(m.group(1)), m.group(2)))
    return sorted(rows, reverse=True)
