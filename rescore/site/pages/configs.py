"""The All configs page and one page per config (kept out of the navigation).

A config page is titled by its model (role and config beside it) so search finds models by
name, shows every response with the prompt and reference answer, a permalink id per response
(`anchor` of `marts.responses`) and a link to the question page. A config with many long
responses is split into numbered parts so no page grows past PAGE_BUDGET characters.

A question's prompt and reference answer are the same for every config that answered it
(~14 MB of repeats over the real run's 761 config pages), so a config page does not carry
them: each is a collapsed block that assets/rescore.js fills, when opened, from one JSON file
per suite (`question_texts`); the question page, linked beside it, shows them without script.
A response whose texts differ from its question's shared ones keeps them inline.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from rescore.site.page import Context, Page, part_title, part_uri, parts_links, split_parts
from rescore.site.pages.questions import question_uri
from rescore.site.toolkit import (
    Cell,
    details,
    esc,
    fmt_num,
    fmt_pct,
    fmt_score,
    link,
    md_esc,
    table,
)
from rescore.site.widgets import filter_bar

PAGE_BUDGET = 600_000  # characters of response HTML per page (~1 MB with the theme)
# the markup of one response besides its texts (header, judge line, collapsed blocks): what
# fills a page of many short answers (10 runs of one config name), counted into the budget
RESPONSE_MARKUP = 1_200


INDEX_URI = "configs/index.md"
INDEX_ROW = 400  # characters of one All configs row besides its names (cells, link, filter)


def config_index(ctx: Context) -> list[Page]:
    """The All configs page, and `configs/index-part-N.md` pages when its rows outgrow
    PART_BUDGET (it lists the configs of every run). Every part stays in the search index,
    boosted: they stand in for the config pages the index leaves out."""
    scored = {r["config"]: r for r in ctx.data.leaderboard}
    configs = sorted(ctx.slugs)
    parts = split_parts(configs, lambda c: INDEX_ROW + 3 * len(c) + len(ctx.labels.get(c) or ""))
    uris = [part_uri(INDEX_URI, i) for i in range(1, len(parts) + 1)]
    pages = []
    for i, part in enumerate(parts):
        title = part_title("All configs", i + 1)
        page = Page(uris[i], title, hide_toc=True, search_boost=4, in_nav=i == 0)
        rows = []
        for config in part:
            facts = ctx.data.configs.get(config, {})
            r = scored.get(config, {})
            n = ctx.data.response_counts.get(config, 0)
            rows.append(
                [
                    Cell(
                        ctx.config_link(
                            page, config, ctx.labels.get(config, facts.get("model"))
                        ).html
                        + f"<small>{esc(config)}</small>",
                        None,
                        "rescore-model",
                    ),
                    facts.get("role"),
                    r.get("category") or "",
                    Cell(str(n), n),
                    Cell(fmt_pct(r.get("pct")), r.get("pct")),
                ]
            )
        md = [
            f"# {md_esc(title)}\n",
            f"{len(configs)} configs; the ones scored in {md_esc(ctx.data.scoring_run)} show "
            "their percentage. Filter by any text (model, role, config) or sort by any column.\n",
        ]
        if len(parts) > 1:
            md.append(page.block(parts_links(ctx, page, uris, i, "Configs, by name,")))
        md.append(
            page.block(
                filter_bar()
                + table(
                    ["Model (config)", "Role", "Category", "Responses", "Pct"],
                    rows,
                    numeric={3, 4},
                    css="rescore-filterable",
                )
            )
        )
        page.markdown = "\n".join(md)
        pages.append(page)
    return pages


def _facts_table(ctx: Context, page: Page, config: str) -> str:
    facts = ctx.data.configs.get(config, {})
    keys = ("role", "model", "config_name", "run_id", "model_family", "params_b")
    keys += ("active_params_b", "quant", "model_path")
    rows: list[list[Any]] = [[k, facts.get(k)] for k in keys if facts.get(k) is not None]
    for r in ctx.leaderboard_of.get(config, ()):
        rows.append(["category", ctx.category_link(page, r["category"])])
        rows.append(
            [
                f"score ({ctx.data.scoring_run})",
                f"{fmt_score(r['score'], r['max_score'])} = {fmt_pct(r['pct'])}, "
                f"rank {fmt_num(r.get('rank'), 0)}",
            ]
        )
        rows.append(["avg tokens/s", fmt_num(r.get("avg_tps"))])
        if r.get("notes"):
            rows.append(["notes", r["notes"]])
    return table(["", ""], rows)


def tokens_text(r: dict[str, Any]) -> str:
    """`412 of 512 tokens`: completion tokens against the ONE token cap of the response
    (`marts.responses.token_cap`, the cap the truncation detector used)."""
    cap = r.get("token_cap")
    return f"{fmt_num(r.get('completion_tokens'), 0)}" + (f" of {cap}" if cap else "") + " tokens"


def score_text(r: dict[str, Any]) -> str:
    if r.get("score") is None:
        return "not judged"
    return f"{r['score']}/{r.get('max_score') or 3}"


def has_question_page(r: dict[str, Any]) -> bool:
    """Question pages exist for suite questions (pages/questions.py), not speed tests."""
    return bool(r.get("in_suite")) and not r.get("is_speed_test")


def reference_text(r: dict[str, Any]) -> str:
    ref = str(r.get("reference_answer") or "")
    if r.get("expected") and r.get("expected") != ref:
        ref = f"Expected: {r['expected']}\n\n{ref}".strip()
    return ref


def question_texts_uri(ctx: Context, suite: Any) -> str:
    folder = question_uri(ctx, suite, "x").split("/")[1]
    return f"assets/questions/{folder}.json"


def question_texts(ctx: Context) -> dict[str, dict[str, dict[str, str]]]:
    """Per suite JSON file: question id -> the prompt and reference its config pages load.

    The first response of a question (in config page order) gives its texts (marts.responses
    repeats the question's row on every response); `rescore.site.stream.plan` reads them in
    one query; responses that differ keep theirs inline (`_text_block`).
    """
    return ctx.question_texts or {}


def add_question_texts(ctx: Context, r: dict[str, Any]) -> None:
    """Record a question's shared texts from its first response (see question_texts)."""
    if ctx.question_texts is None:
        ctx.question_texts = {}
    file = ctx.question_texts.setdefault(question_texts_uri(ctx, r["suite"]), {})
    file.setdefault(
        str(r["question_id"]),
        {"prompt": str(r.get("prompt") or ""), "reference": reference_text(r)},
    )


def question_text_files(ctx: Context) -> dict[str, str]:
    """The JSON files of `question_texts`, by site path."""
    files = question_texts(ctx).items()
    return {uri: json.dumps(texts, ensure_ascii=False) for uri, texts in files}


def _text_block(
    ctx: Context, page: Page, r: dict[str, Any], summary: str, field: str, text: str, q_href: str
) -> str:
    """The prompt or reference of a response: loaded on demand when it is the question's
    shared text, inline otherwise."""
    uri = question_texts_uri(ctx, r["suite"])
    shared = question_texts(ctx).get(uri, {}).get(str(r["question_id"]), {})
    if not has_question_page(r) or shared.get(field) != text:
        return details(summary, text)
    src = ctx.href(page, uri, is_page=False)
    return (
        f'<details class="rescore-response rescore-lazy" data-search-exclude'
        f' data-src="{esc(src)}" data-key="{esc(r["question_id"])}" data-field="{field}">'
        f"<summary>{esc(summary)}</summary>"
        f'<p class="rescore-lazy-note">On the {link(q_href, "question page").html}.</p>'
        "</details>"
    )


def response_html(ctx: Context, page: Page, r: dict[str, Any]) -> str:
    """One response: header with permalink and question link, judge, flags, the texts."""
    anchor = str(r.get("anchor") or f"r-{r['response_id']}")
    title = f"{r['suite']} / {r['question_id']}"
    q_href = ""
    if has_question_page(r):
        q_href = ctx.href(page, question_uri(ctx, r["suite"], r["question_id"]))
        heading = link(q_href, title).html
    else:  # a speed test or an answer to no suite question: no question page to link
        heading = esc(title)
    flags = "; ".join(str(f) for f in (r.get("flag_evidence") or r.get("flags") or []))
    extra = [
        " &middot; speed test" if r.get("is_speed_test") else "",
        " &middot; not in any suite" if not r.get("in_suite") else "",
    ]
    parts = [
        f'<div class="rescore-question" id="{esc(anchor)}" data-search-exclude>',
        f'<p><a class="rescore-permalink" href="#{esc(anchor)}" title="Permalink">#</a> ',
        f"<strong>{heading}</strong>",
        f" &mdash; {esc(r['question_name'])}" if r.get("question_name") else "",
        f" &middot; score <strong>{esc(score_text(r))}</strong>",
        f" &middot; {esc(fmt_num(r.get('tps')))} tok/s &middot; {esc(tokens_text(r))}",
        *extra,
        "</p>",
        f'<p class="rescore-reason">Judge: {esc(r["reason"]) if r.get("reason") else "not judged"}'
        "</p>",
        f'<p class="rescore-flags">Flags: {esc(flags)}</p>' if flags else "",
    ]
    if r.get("prompt"):
        parts.append(_text_block(ctx, page, r, "Prompt", "prompt", str(r["prompt"]), q_href))
    if r.get("reference_answer") or r.get("expected"):
        ref = reference_text(r)
        parts.append(_text_block(ctx, page, r, "Reference answer", "reference", ref, q_href))
    response = r.get("response")
    parts.append(details(f"Response ({len(response or '')} characters)", response))
    parts.append("</div>")
    return "".join(parts)


def text_size(r: dict[str, Any]) -> int:
    """Characters of a response's texts on its config page (the page budget counts them);
    `rescore.site.stream.plan` computes the same in SQL (`TEXT_SIZE_SQL`)."""
    # prompt and reference are loaded on demand for suite questions (_text_block)
    texts = ("response",) if has_question_page(r) else ("response", "prompt", "reference_answer")
    return RESPONSE_MARKUP + sum(len(str(r.get(k) or "")) for k in texts)


def chunk_numbers(sizes: list[int], budget: int = PAGE_BUDGET) -> list[int]:
    """The part (1, 2, ...) of each item in order, cutting parts of about `budget` each."""
    out: list[int] = []
    part, size = 1, 0
    for n in sizes:
        if out and size + n > budget:
            part, size = part + 1, 0
        out.append(part)
        size += n
    return out


def config_pages(
    ctx: Context,
    config: str,
    rows: Iterable[dict[str, Any]],
    cached: Callable[[int], Any] | None = None,
) -> Iterator[Any]:
    """The config's page, plus `-part-N` pages when its responses exceed the budget, one
    part at a time.

    `rows` are the config's `marts.responses` rows in page order (streamed from the
    warehouse); the parts are the plan's (`Context.response_part`, which links elsewhere
    use), consecutive in that order, so a part's page is made as soon as its rows are in and
    only one part's rows and page are held: a config answered in every run of a long history
    is hundreds of MB of text (at 165 runs its pages took 2 GB when made all at once).

    `cached(part)`, when given, returns what stands for a part whose output is cached (or
    None): that part's rows are passed over and its page is not built.
    """
    facts = ctx.data.configs.get(config, {})
    label = ctx.labels.get(config) or facts.get("model") or config
    title = f"{label} \u2014 {facts.get('role') or ''} / {config}"
    n_parts = max(1, ctx.config_parts.get(config, 1))
    uris = [ctx.config_part_uri(config, i) for i in range(1, n_parts + 1)]

    def stand_in_for(part: int) -> Any:
        return cached(part) if cached is not None and part <= n_parts else None

    def made(part: int, chunk: list[dict[str, Any]], stand_in: Any) -> Any:
        if stand_in is not None:
            return stand_in
        page = _config_part(ctx, config, facts, label, title, uris, part, chunk)
        page.part_key = ctx.page_keys.get(("config-part", config, str(part)), "")
        return page

    part, chunk, stand_in = 1, [], stand_in_for(1)
    for r in rows:
        at = min(max(ctx.response_part.get(str(r["response_id"]), 1), 1), n_parts)
        while at > part:  # never backwards: a row out of order stays on the current part
            yield made(part, chunk, stand_in)
            part, chunk, stand_in = part + 1, [], stand_in_for(part + 1)
        if stand_in is None:
            chunk.append(r)
    while part <= n_parts:
        yield made(part, chunk, stand_in)
        part, chunk, stand_in = part + 1, [], stand_in_for(part + 1)


def _part_nav(ctx: Context, page: Page, uris: list[str], i: int) -> str:
    """A later part's links: the first part (which lists them all), the previous and the
    next. Not the whole list, and not the number of parts: the runs of a config fill its
    parts in order, so a new run changes the last part and adds new ones, and every earlier
    part stays as it was (the page cache reuses it) instead of changing with the count."""
    links = [link(ctx.href(page, uris[0]), "part 1 (all parts)").html]
    if i > 1:
        links.append(link(ctx.href(page, uris[i - 1]), f"\u2190 part {i}").html)
    links.append(f"<strong>part {i + 1}</strong>")
    if i + 1 < len(uris):
        links.append(link(ctx.href(page, uris[i + 1]), f"part {i + 2} \u2192").html)
    return f'<p class="rescore-parts">Responses in parts: {" &middot; ".join(links)}</p>'


def _config_part(
    ctx: Context,
    config: str,
    facts: dict[str, Any],
    label: str,
    title: str,
    uris: list[str],
    part: int,
    chunk: list[dict[str, Any]],
) -> Page:
    i = part - 1
    page = Page(
        uris[i], title if i == 0 else f"{title} (part {part})", in_nav=False, search_exclude=True
    )
    md = [
        f"# {md_esc(label)}\n",
        f"Role **{md_esc(facts.get('role'))}**, config "
        f"**{md_esc(config)}**" + (f", part {part}" if i else "") + ".\n",
    ]
    if i == 0:
        md.append(page.block(_facts_table(ctx, page, config)))
        suites = ctx.suite_scores_of.get(config, [])
        if suites:
            md.append("\n## Per suite\n")
            body = [
                [
                    s["suite"],
                    Cell(esc(fmt_score(s["score"], s["max_score"])), s["pct"]),
                    Cell(fmt_pct(s["pct"]), s["pct"]),
                ]
                for s in suites
            ]
            md.append(page.block(table(["Suite", "Score", "Pct"], body, numeric={1, 2})))
    md.append("\n## Responses\n")
    if len(uris) > 1:
        if i == 0:
            md.append(page.block(parts_links(ctx, page, uris, i, "Responses")))
        else:
            md.append(page.block(_part_nav(ctx, page, uris, i)))
    if not chunk:
        md.append("No responses of this config are in the warehouse.\n")
    else:
        md.append(page.block("".join(response_html(ctx, page, r) for r in chunk)))
    page.markdown = "\n".join(md)
    return page
