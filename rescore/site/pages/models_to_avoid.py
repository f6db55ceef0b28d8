"""The Models to avoid page, from `marts.models_to_avoid`.

The mart decides everything shown here: which rows make the short list (`is_listed`), which
avoided configs fold into a listed row (`listed_config`, `group_configs`, `experiments_note`),
and how firm each avoid is (`avoid_evidence`). The page only orders and words them.
"""

from __future__ import annotations

from typing import Any

from rescore.site.page import Context, Page
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


def models_to_avoid(ctx: Context) -> Page:
    page = Page("models-to-avoid.md", "Models to avoid", hide_toc=True)
    md = [
        "# Models to avoid\n",
        "The short list: configs not to deploy, with clear evidence. Each one degenerates "
        "instead of answering, echoes the prompt or answers empty at a critical rate, or "
        "scores below the threshold on the suites relevant to its role with its whole 95% "
        'interval below it. "On its suites" is the score on the suites of the role\'s '
        "speciality. Experiments (MoE, speculative, lookup) are folded into one row under "
        "their base config, not listed as separate failures.\n",
    ]
    missing = ctx.missing("models_to_avoid")
    if missing:
        md.append(missing)
        page.markdown = "\n".join(md)
        return page
    rows = ctx.data.rows("models_to_avoid")
    for r in rows:
        r["category_title"] = ctx.cat_title(str(r["category"])) if r.get("category") else None
        group = [str(c) for c in (r.get("group_configs") or []) if c != r.get("config")]
        r["also_avoided"] = ", ".join(group) or None
        evidence = r.get("avoid_evidence")
        r["evidence"] = EVIDENCE_WORDS.get(str(evidence), evidence) if evidence else None
    # an older mart without is_listed: every row is listed, as before
    listed = sorted((r for r in rows if r.get("is_listed", True)), key=lambda r: _order(ctx, r))
    rest = sorted(
        (r for r in rows if "is_listed" in r and not r["is_listed"] and not r.get("listed_config")),
        key=lambda r: _order(ctx, r),
    )
    model = ctx.model_cell(page)
    if listed:
        md.append(page.block(focused_table(listed, AVOID_COLS, model)))
    else:
        md.append("No config has clear evidence against it in this version.\n")
    if rest:
        md.append(
            page.block(
                f"<details><summary>Also flagged, not on the short list ({len(rest)})"
                "</summary><p>Never picked, but the evidence is not clear: a score within "
                "noise of the threshold, or too few judged responses.</p>"
                f"{focused_table(rest, REST_COLS, model)}</details>"
            )
        )
    page.markdown = "\n".join(md)
    return page
