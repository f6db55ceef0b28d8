"""The Models to avoid page, from `marts.models_to_avoid`.

The mart decides everything shown here: which rows make the short list (`is_listed`), which
avoided configs fold into a listed row (`listed_config`, `group_configs`, `experiments_note`),
and how firm each avoid is (`avoid_evidence`). The page only orders and words them.
"""

from __future__ import annotations

from typing import Any

from rescore.site.page import Context, Page, mart_page, mart_table
from rescore.site.toolkit import (
    Col,
    focused_table,
)

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


def _order(ctx: Context, r: dict[str, Any]) -> tuple[Any, ...]:
    """By leaderboard category (the site's order), then lowest score first."""
    cat = str(r.get("category") or "")
    cats = list(ctx.data.categories)
    return (
        cats.index(cat) if cat in cats else len(cats),
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


def models_to_avoid(ctx: Context) -> Page:
    return mart_page(
        ctx,
        "models-to-avoid.md",
        "Models to avoid",
        INTRO,
        "models_to_avoid",
        lambda page: _body(ctx, page),
    )


def _body(ctx: Context, page: Page) -> list[str]:
    rows = ctx.data.rows("models_to_avoid")
    for r in rows:
        r["category_title"] = ctx.cat_title(str(r["category"])) if r.get("category") else None
        group = [str(c) for c in (r.get("group_configs") or []) if c != r.get("config")]
        r["also_avoided"] = ", ".join(group) or None
        evidence = r.get("avoid_evidence")
        r["evidence"] = EVIDENCE_WORDS.get(str(evidence), evidence) if evidence else None
    listed = sorted((r for r in rows if r.get("is_listed")), key=lambda r: _order(ctx, r))
    rest = sorted(
        (r for r in rows if not r.get("is_listed") and not r.get("listed_config")),
        key=lambda r: _order(ctx, r),
    )
    md = []
    if listed:
        md.append(mart_table(ctx, page, listed, AVOID_COLS))
    else:
        md.append("No config has clear evidence against it in this version.\n")
    if rest:
        md.append(
            page.block(
                f"<details><summary>Also flagged, not on the short list ({len(rest)})"
                "</summary><p>Never picked, but the evidence is not clear: a score within "
                "noise of the threshold, or too few judged responses.</p>"
                f"{focused_table(rest, REST_COLS, ctx.model_cell(page))}</details>"
            )
        )
    return md
