"""The Models to avoid page, from `marts.models_to_avoid`."""

from __future__ import annotations

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
    Col("also_avoided", "Experiments folded in", "long"),
)


def models_to_avoid(ctx: Context) -> Page:
    page = Page("models-to-avoid.md", "Models to avoid", hide_toc=True)
    md = [
        "# Models to avoid\n",
        "Configs below the threshold on the suites relevant to their role, or with a "
        'critical detector rate, lowest score first. "On its suites" is the score on the '
        "suites of the role's speciality. Experiments (MoE, speculative, lookup) are listed "
        "under their base config, not as separate failures.\n",
    ]
    missing = ctx.missing("models_to_avoid")
    if missing:
        md.append(missing)
    else:
        # the short list: one row per base config (the mart's is_listed); the rest fold in
        listed = [r for r in ctx.data.rows("models_to_avoid") if r.get("is_listed", True)]
        rows = sorted(
            listed,
            key=lambda r: (r.get("pct") is None, r.get("pct") or 0, str(r.get("config"))),
        )
        for r in rows:
            r["category_title"] = ctx.cat_title(str(r["category"])) if r.get("category") else None
            group = [str(c) for c in (r.get("group_configs") or []) if c != r.get("config")]
            r["also_avoided"] = ", ".join(group) or None
        md.append(page.block(focused_table(rows, AVOID_COLS, ctx.model_cell(page))))
    page.markdown = "\n".join(md)
    return page
