"""The Models to avoid page, from `marts.models_to_avoid`.

The mart decides everything shown here: which rows make the short list (`is_listed`), which
avoided configs fold into a listed row (`listed_config`, `group_configs`, `experiments_note`),
and how firm each avoid is (`avoid_evidence`). The page only orders and words them.
"""

from __future__ import annotations

from typing import Any

from rescore.site.page import (
    Context,
    Page,
    mart_page,
    mart_table,
    part_title,
    part_uri,
    parts_links,
    row_size,
    split_parts,
)
from rescore.site.toolkit import Col, focused_table, md_esc

AVOID_COLS = (
    Col("model", "Model (config)"),
    Col("category_title", "Category"),
    Col("pct", "Score", "pct"),
    Col("relevant_pct", "On its suites", "pct"),
    Col("reason", "Reason", "long"),
    Col("also_avoided", "Folded in", "long"),
    Col("experiments_note", "Experiments", "long"),
)

REST_COLS = (
    Col("model", "Model (config)"),
    Col("category_title", "Category"),
    Col("pct", "Score", "pct"),
    Col("relevant_pct", "On its suites", "pct"),
    Col("evidence", "Why not on the short list", "long"),
    Col("reason", "Flagged for", "long"),
)

EVIDENCE_WORDS = {
    "within_noise": "within noise: its score's 95% interval reaches the threshold",
    "not_enough_judged": "not enough judged responses to rank it",
}


def _order(rank: dict[str, int], r: dict[str, Any]) -> tuple[Any, ...]:
    """By leaderboard category (the site's order: `rank`), then lowest score first."""
    cat = str(r.get("category") or "")
    return (
        rank.get(cat, len(rank)),
        r.get("pct") is None,
        r.get("pct") or 0,
        str(r.get("config")),
    )


INTRO = (
    "The short list: configs not to deploy, with clear evidence. Each one degenerates "
    "instead of answering, echoes the prompt or answers empty at a critical rate, or "
    "scores below the threshold on the suites relevant to its role with its whole 95% "
    'interval below it. "On its suites" is the score on the suites of the role\'s '
    "speciality. Experiments (MoE, speculative, lookup) are folded into one row under "
    "their base config, not listed as separate failures.\n"
)


URI = "models-to-avoid.md"
TITLE = "Models to avoid"


def models_to_avoid(ctx: Context) -> list[Page]:
    """The page, and `-part-N` pages when its rows outgrow PART_BUDGET (they grow with the
    configs of every run): the short list first, then the rows not on it, in the same order
    across the parts; each part holds its share of both tables."""
    listed, rest = _rows(ctx)
    items = [(True, r) for r in listed] + [(False, r) for r in rest]
    parts = split_parts(items, lambda item: row_size(item[1]))
    uris = [part_uri(URI, i) for i in range(1, len(parts) + 1)]

    def body(page: Page, i: int) -> list[str]:
        md = []
        if len(parts) > 1:
            what = f"{len(listed)} listed and {len(rest)} flagged configs"
            md.append(page.block(parts_links(ctx, page, uris, i, what)))
        md += _tables(
            ctx,
            page,
            [r for is_listed, r in parts[i] if is_listed],
            [r for is_listed, r in parts[i] if not is_listed],
            first=i == 0,
            rest_total=len(rest),
        )
        return md

    pages = [mart_page(ctx, URI, TITLE, INTRO, "models_to_avoid", lambda page: body(page, 0))]
    for i in range(1, len(parts)):
        title = part_title(TITLE, i + 1)
        part = Page(uris[i], title, in_nav=False, hide_toc=True, search_exclude=True)
        part.markdown = "\n".join([f"# {md_esc(title)}\n", INTRO, *body(part, i)])
        pages.append(part)
    return pages


def _rows(ctx: Context) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The short list and the flagged rows not folded into a listed one, each in order."""
    rows = ctx.data.rows("models_to_avoid") if not ctx.missing("models_to_avoid") else []
    for r in rows:
        r["category_title"] = ctx.cat_title(str(r["category"])) if r.get("category") else None
        group = [str(c) for c in (r.get("group_configs") or []) if c != r.get("config")]
        r["also_avoided"] = ", ".join(group) or None
        evidence = r.get("avoid_evidence")
        r["evidence"] = EVIDENCE_WORDS.get(str(evidence), evidence) if evidence else None
    rank = {c: i for i, c in enumerate(ctx.data.categories)}
    listed = sorted((r for r in rows if r.get("is_listed")), key=lambda r: _order(rank, r))
    rest = sorted(
        (r for r in rows if not r.get("is_listed") and not r.get("listed_config")),
        key=lambda r: _order(rank, r),
    )
    return listed, rest


def _tables(
    ctx: Context,
    page: Page,
    listed: list[dict[str, Any]],
    rest: list[dict[str, Any]],
    *,
    first: bool,
    rest_total: int,
) -> list[str]:
    md = []
    if listed:
        md.append(mart_table(ctx, page, listed, AVOID_COLS))
    elif first:
        md.append("No config has clear evidence against it in this version.\n")
    if rest:
        md.append(
            page.block(
                f"<details><summary>Also flagged, not on the short list ({rest_total})"
                "</summary><p>Never picked, but the evidence is not clear: a score within "
                "noise of the threshold, or too few judged responses.</p>"
                f"{focused_table(rest, REST_COLS, ctx.model_cell(page))}</details>"
            )
        )
    return md
