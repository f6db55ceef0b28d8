"""One page per (suite, question) and a Questions index, from the per-response rows
(`marts.responses`) and, when present, `marts.questions` (mean score, difficulty rank).

A question page shows the prompt, expected and reference answers, the scoring criteria, then
every config's score, judge reason and flags in the question's newest run in one sortable,
filterable table; each row links to the response's permalink on its config page, and shows
the start of the answer collapsed (the whole answer lives on the config page, so the site
does not carry every text twice). Each earlier run's answers are on a page of their own,
linked from it: a run added changes the question's page and adds one, and leaves the earlier
runs' pages as they were (the page cache keeps them), where one table over every run changed
in every part. Past PAGE_BUDGET a table is cut into numbered parts, best scores first, like
the config pages.

The rows are streamed one question at a time (`rescore.site.stream`), each with the first
EXCERPT characters of its answer (`response`) and the answer's length (`response_chars`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rescore.site.page import Context, Page, part_links, part_uri, slug, split_parts
from rescore.site.toolkit import Cell, details, esc, fmt_pct, link, md_esc, table
from rescore.site.widgets import filter_bar

EXCERPT = 400  # characters of each answer shown on the question page


def question_uri(ctx: Context, suite: Any, question_id: Any) -> str:
    return f"questions/{slug(suite)}/{slug(question_id)}.md"


# the question's texts, each a section when the question has it (rescore.site.render: the
# skeleton pages are one per combination)
TEXT_SECTIONS = (
    ("Prompt", "prompt"),
    ("Expected", "expected"),
    ("Reference answer", "reference_answer"),
    ("Scoring criteria", "scoring_criteria"),
)
ANSWERS_HEADING = "Every config's answer"
PAGE_BUDGET = 400_000  # characters of table HTML per question page part (~1 MB with the theme)


def _row_size(r: dict[str, Any]) -> int:
    """About the HTML characters of a row of the answers table (the part budget counts them)."""
    texts = (r.get("response"), r.get("reason"), r.get("flag_evidence") or r.get("flags"))
    return 600 + sum(len(str(t)) for t in texts if t)


def _question_table(ctx: Context, page: Page, rows: list[dict[str, Any]]) -> str:
    body, attrs = [], []
    for r in rows:
        label = ctx.labels.get(r["config"], r["config"])
        text = str(r.get("response") or "")
        chars = r.get("response_chars", len(text)) or 0
        excerpt = text[:EXCERPT] + ("\u2026" if chars > EXCERPT else "")
        flags = "; ".join(str(f) for f in (r.get("flag_evidence") or r.get("flags") or []))
        body.append(
            [
                Cell(
                    ctx.response_link(page, r, label).html + f"<small>{esc(r['config'])}</small>",
                    None,
                    "rescore-model",
                ),
                Cell(esc("not judged" if r.get("score") is None else r["score"]), r.get("score")),
                Cell(f'<span class="rescore-long">{esc(r.get("reason"))}</span>'),
                Cell(esc(flags) if flags else ""),
                Cell(details(f"Answer ({chars} characters)", excerpt)),
            ]
        )
        attrs.append({"score": "none" if r.get("score") is None else r["score"]})
    headers = ["Model (config)", "Score", "Judge reason", "Flags", "Answer"]
    return table(headers, body, numeric={1}, css="rescore-filterable", row_attrs=attrs)


def question_run_uri(ctx: Context, suite: Any, question_id: Any, run: str) -> str:
    """The page of an earlier run's answers to a question (the question's page shows the
    newest run's). `--` never occurs in a slug, so no question's page can take this name."""
    run_slug = ctx.run_slugs.get(run) or slug(run)
    return f"{question_uri(ctx, suite, question_id)[:-3]}--run-{run_slug}.md"


def question_pages(
    ctx: Context, suite: str, qid: str, run: str, rows: list[dict[str, Any]]
) -> Iterator[Page]:
    """The answers to one question in one run (rows: in config page order), in parts, one
    part at a time (each is written before the next is made): the question's page when the
    run is its newest (`Context.question_runs`), with its texts and a link to each earlier
    run's page, else that earlier run's page, which links back to it. An earlier run's
    answers do not change when a run is added, so their pages come from the page cache."""
    runs = ctx.question_runs.get((suite, qid)) or [(run, len(rows))]
    newest = run == runs[-1][0]
    home = question_uri(ctx, suite, qid)
    first = rows[0]
    rows = sorted(rows, key=lambda r: (r.get("score") is None, -(r.get("score") or 0), r["config"]))
    parts = chunk_rows(rows)
    base = home if newest else question_run_uri(ctx, suite, qid, run)
    uris = [part_uri(base, i) for i in range(1, len(parts) + 1)]
    judged = sum(1 for r in rows if r.get("score") is not None)
    title = f"{suite} / {qid}" if newest else f"{suite} / {qid}: run {run}"
    for i, (uri, part) in enumerate(zip(uris, parts, strict=True)):
        page = Page(
            uri,
            title if i == 0 else f"{title} (part {i + 1})",
            in_nav=False,
            hide_toc=True,
            search_exclude=True,
        )
        md = [f"# {md_esc(title)}\n"]
        if first.get("question_name"):
            md.append(f"**{md_esc(first['question_name'])}**\n")
        for label, key in TEXT_SECTIONS:
            if first.get(key) and i == 0 and newest:
                md.append(f"\n## {label}\n")
                md.append(page.block(f'<pre class="rescore-text">{esc(first[key])}</pre>'))
        md.append(f"\n## {ANSWERS_HEADING}\n")
        where = f"in run {md_esc(run)}" + (
            f", the newest of {len(runs)} runs" if newest and len(runs) > 1 else ""
        )
        md.append(
            f"{len(rows)} configs answered {where}, {judged} judged in scoring run "
            f"{md_esc(ctx.data.scoring_run)}. Filter by score or text; each model links to "
            "the answer on its config page.\n"
        )
        if newest and len(runs) > 1:
            earlier = ", ".join(
                link(ctx.href(page, question_run_uri(ctx, suite, qid, r)), f"{r} ({n})").html
                for r, n in reversed(runs[:-1])
            )
            md.append(page.block(f'<p class="rescore-runs">Earlier runs\' answers: {earlier}</p>'))
        elif not newest:
            back = link(ctx.href(page, home), "the question's page").html
            md.append(
                page.block(
                    f"<p class=\"rescore-runs\">The question's texts and its newest run's"
                    f" answers are on {back}.</p>"
                )
            )
        if len(parts) > 1:
            links = part_links(ctx, page, uris, i)
            md.append(
                page.block(
                    f'<p class="rescore-parts">Answers in parts, best scores first: {links}</p>'
                )
            )
        md.append(
            page.block(
                # a <section>, not a <div>: material's search parser ends an exclusion at
                # the first closing tag of the same name (Element compares by tag), and the
                # filter bar and table wrappers are divs (was ~1 MB of answers in the index)
                "<section data-search-exclude>"
                + filter_bar(scores=True)
                + _question_table(ctx, page, part)
                + "</section>"
            )
        )
        page.markdown = "\n".join(md)
        yield page


def chunk_rows(rows: list[dict[str, Any]], budget: int = PAGE_BUDGET) -> list[list[dict]]:
    """A question's answers cut into pages of about `budget` characters."""
    return split_parts(rows, _row_size, budget)


def questions_index(ctx: Context) -> Page:
    page = Page("questions/index.md", "Questions", hide_toc=True, search_boost=2)
    stats = {(str(r["suite"]), str(r["question_id"])): r for r in ctx.data.rows("questions")}
    body, attrs = [], []
    for (suite, qid), (answers, name) in sorted(ctx.questions.items()):
        st = stats.get((suite, qid), {})
        body.append(
            [
                suite,
                Cell(
                    f'<a href="{esc(ctx.href(page, question_uri(ctx, suite, qid)))}">{esc(qid)}</a>'
                ),
                name or "",
                Cell(str(answers), answers),
                Cell(fmt_pct(st.get("pct")), st.get("pct")),
                Cell(esc(st.get("difficulty_rank")), st.get("difficulty_rank")),
            ]
        )
        attrs.append({})
    md = [
        "# Questions\n",
        "Every question of the suites, with the configs' answers on its page. Pct and "
        "difficulty (1 = hardest in its suite) come from `marts.questions`.\n",
        page.block(
            filter_bar()
            + table(
                ["Suite", "Question", "Name", "Answers", "Pct", "Difficulty"],
                body,
                numeric={3, 4, 5},
                css="rescore-filterable",
                row_attrs=attrs,
            )
        ),
    ]
    page.markdown = "\n".join(md)
    return page
