"""The compare view (`compare/?configs=a,b`): two or more configs' answers side by side.

Static and offline: the page is a small script (assets/compare.js) over JSON written at build
time from the per-response rows (`marts.responses`, streamed one config at a time with the
config pages): one index of configs and one file per config, fetched only for the configs
picked. "Disagreements only" keeps questions whose scores differ; "failures only" keeps
questions where a picked config scored below 2.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from rescore.site.page import Context, Page
from rescore.site.toolkit import esc

EXCERPT = 1500  # characters of each answer in the compare data (the config page has it all)


def compare_index(ctx: Context) -> dict[str, str]:
    """The compare view's index of configs (every config with answers), by site path."""
    configs = []
    pct = {r["config"]: r.get("pct") for r in ctx.data.leaderboard}
    for config in sorted(ctx.data.response_counts):
        if config not in ctx.slugs:
            continue
        facts = ctx.data.configs.get(config, {})
        configs.append(
            {
                "config": config,
                "slug": ctx.slugs[config],
                "label": ctx.labels.get(config) or facts.get("model") or config,
                "role": facts.get("role"),
                "pct": pct.get(config),
            }
        )
    return {"assets/compare/index.json": json.dumps(configs, default=str)}


def compare_file(ctx: Context, config: str, rows: Iterable[dict[str, Any]]) -> tuple[str, str]:
    """One config's answers for the compare view (path, JSON), from its streamed rows."""
    answers: dict[str, Any] = {}
    for r in rows:
        add_compare_answer(ctx, config, answers, r)
    return compare_json(ctx, config, answers)


def add_compare_answer(
    ctx: Context, config: str, answers: dict[str, Any], r: dict[str, Any]
) -> None:
    """Put one response in a config's compare answers (a later run's answer to the same
    question replaces an earlier one): the rows pass by once, while their pages are made."""
    if r.get("is_speed_test") or not r.get("in_suite"):
        return
    text = str(r.get("response") or "")
    uri = ctx.response_uri(r) or ctx.config_uri(config)
    anchor = str(r.get("anchor") or f"r-{r['response_id']}")
    answers[f"{r['suite']} / {r['question_id']}"] = {
        "score": r.get("score"),
        "reason": r.get("reason"),
        "flags": list(r.get("flags") or []),
        "answer": text[:EXCERPT],
        "truncated": len(text) > EXCERPT,
        "page": uri[:-3] + "/" if ctx.use_directory_urls else uri[:-3] + ".html",
        "anchor": anchor,
    }


def compare_json(ctx: Context, config: str, answers: dict[str, Any]) -> tuple[str, str]:
    """The file of a config's answers, by question in name order (compare.js sorts them
    too): the same whichever of the config's rows came by, so that a stream that leaves
    cached page parts unread writes the same bytes (stream._config_rows)."""
    path = f"assets/compare/{ctx.slugs[config]}.json"
    return path, json.dumps(dict(sorted(answers.items())), default=str)


def compare_page(ctx: Context) -> Page:
    page = Page("compare/index.md", "Compare configs", hide_toc=True)
    base = ctx.href(page, "index.md")
    script = ctx.href(page, "assets/compare.js", is_page=False)
    md = [
        "# Compare configs\n",
        "Pick two or more configs (or open `compare/?configs=a,b`) to see their answers to the "
        "same questions side by side with their scores. Works offline: the data was written "
        "when the site was built.\n",
        page.block(
            f'<div id="rescore-compare" data-base="{esc(base)}">'
            '<div class="rescore-filters">'
            '<input type="search" class="rescore-compare-pick" list="rescore-compare-configs" '
            'placeholder="Add a config (model or config name)\u2026" aria-label="Add a config">'
            '<datalist id="rescore-compare-configs"></datalist>'
            '<label><input type="checkbox" class="rescore-compare-disagree"> disagreements only'
            "</label>"
            '<label><input type="checkbox" class="rescore-compare-fail"> failures only</label>'
            '<span class="rescore-compare-chosen"></span></div>'
            '<div class="rescore-compare-grid"><p>No configs picked yet.</p></div></div>'
            f'<script src="{esc(script)}"></script>'
        ),
    ]
    page.markdown = "\n".join(md)
    return page
