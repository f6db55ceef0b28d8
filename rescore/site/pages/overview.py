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
    runs = sr.get("run_ids") or sorted({str(r["run_id"]) for r in d.leaderboard})
    runs = list(runs) if not isinstance(runs, str) else [runs]
    responses = f["responses"]  # marts.responses: one row per response
    md = [
        f"# Blind rescore: {md_esc(d.scoring_run)}\n",
        f"Scoring run **{md_esc(d.scoring_run)}**{version}, judged by "
        f"**{md_esc(sr.get('judge'))}** with rubric **{md_esc(sr.get('rubric_version'))}**.\n",
    ]
    facts = [
        ("benchmark runs", f"{len(runs)} ({', '.join(runs)})"),
        ("configs ingested", f["configs"]),
        ("responses of these runs", responses),
        ("responses judged in this scoring run", sr.get("judgments")),
        ("configs scored", len({r["config"] for r in d.leaderboard})),
        ("distinct models scored", len({r.get("model") for r in d.leaderboard})),
        ("suites / questions", f"{len(d.suites)} / {f['questions']}"),
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
        n = len([r for r in d.leaderboard if r["category"] == cat])  # its leaderboard rows
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
