"""The All configs page and one page per config (kept out of the navigation)."""

from __future__ import annotations

from rescore.site.page import Context, Page
from rescore.site.toolkit import (
    Cell,
    details,
    esc,
    fmt_num,
    fmt_pct,
    fmt_score,
    md_esc,
    table,
)


def config_index(ctx: Context) -> Page:
    page = Page("configs/index.md", "All configs")
    scored = {r["config"]: r for r in ctx.data.leaderboard}
    rows = []
    for config in sorted(ctx.slugs):
        facts = ctx.data.configs.get(config, {})
        r = scored.get(config, {})
        n = len(ctx.data.details.get(config, []))
        rows.append(
            [
                Cell(ctx.config_link(page, config).html),
                facts.get("role"),
                facts.get("model"),
                r.get("category"),
                Cell(str(n), n),
                Cell(fmt_pct(r.get("pct")), r.get("pct")),
            ]
        )
    md = [
        "# All configs\n",
        f"{len(rows)} configs; the ones scored in {md_esc(ctx.data.scoring_run)} show their "
        "percentage.\n",
        page.block(
            table(["Config", "Role", "Model", "Category", "Responses", "Pct"], rows, numeric={4, 5})
        ),
    ]
    page.markdown = "\n".join(md)
    return page


def config_page(ctx: Context, config: str) -> Page:
    page = Page(f"configs/{ctx.slugs[config]}.md", config, in_nav=False)
    facts = ctx.data.configs.get(config, {})
    scored = [r for r in ctx.data.leaderboard if r["config"] == config]
    md = [f"# {md_esc(config)}\n"]
    fact_rows = [
        (k, facts.get(k))
        for k in (
            "role",
            "model",
            "config_name",
            "run_id",
            "model_family",
            "params_b",
            "active_params_b",
            "quant",
            "model_path",
        )
        if facts.get(k) is not None
    ]
    for r in scored:
        fact_rows.append(
            (
                "category",
                ctx.category_link(page, r["category"]),
            )
        )
        fact_rows.append(
            (
                f"score ({ctx.data.scoring_run})",
                f"{fmt_score(r['score'], r['max_score'])} = {fmt_pct(r['pct'])}, "
                f"rank {fmt_num(r.get('rank'), 0)}",
            )
        )
        fact_rows.append(("avg tokens/s", fmt_num(r.get("avg_tps"))))
        if r.get("notes"):
            fact_rows.append(("notes", r["notes"]))
    md.append(page.block(table(["", ""], [[k, v] for k, v in fact_rows])))
    suites = [s for s in ctx.data.suite_scores if s["config"] == config]
    if suites:
        md.append("\n## Per suite\n")
        md.append(
            page.block(
                table(
                    ["Suite", "Score", "Pct"],
                    [
                        [
                            s["suite"],
                            Cell(esc(fmt_score(s["score"], s["max_score"])), s["score"]),
                            Cell(fmt_pct(s["pct"]), s["pct"]),
                        ]
                        for s in suites
                    ],
                    numeric={1, 2},
                )
            )
        )
    details_list = ctx.data.details.get(config, [])
    md.append("\n## Responses\n")
    if not details_list:
        md.append("No responses of this config are in the warehouse.\n")
    parts = []
    for d in details_list:
        flags = ", ".join(f + (f" ({e})" if e else "") for f, e in d.flags) or ""
        title = f"{d.suite} / {d.question_id}"
        score = DASH_SCORE if d.score is None else f"{d.score}/3"
        cap = f" of {d.max_tokens}" if d.max_tokens else ""
        parts.append(
            '<div class="rescore-question">'
            f"<p><strong>{esc(title)}</strong>"
            f"{' — ' + esc(d.question_name) if d.question_name else ''}"
            f" &middot; score <strong>{esc(score)}</strong>"
            f" &middot; {esc(fmt_num(d.tokens_per_second))} tok/s"
            f" &middot; {esc(fmt_num(d.completion_tokens, 0))}{esc(cap)} tokens"
            f"{' &middot; speed test' if d.is_speed_test else ''}"
            f"{' &middot; not in any suite' if not d.in_suite else ''}</p>"
            f'<p class="rescore-reason">Judge: {esc(d.reason) if d.reason else "not judged"}</p>'
            + (f'<p class="rescore-flags">Flags: {esc(flags)}</p>' if flags else "")
            + details(f"Response ({len(d.response or '')} characters)", d.response)
            + "</div>"
        )
    if parts:
        md.append(page.block("".join(parts)))
    page.markdown = "\n".join(md)
    return page


DASH_SCORE = "not judged"
