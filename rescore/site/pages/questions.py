"""One page per (suite, question) and a Questions index, from the per-response rows
(`marts.responses`) and, when present, `marts.questions` (mean score, difficulty rank).

A question page shows the prompt, expected and reference answers, the scoring criteria, then
every config's score, judge reason and flags in one sortable, filterable table; each row links
to the response's permalink on its config page, and shows the start of the answer collapsed
(the whole answer lives on the config page, so the site does not carry every text twice).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from rescore.site.page import Context, Page, slug
from rescore.site.toolkit import Cell, details, esc, fmt_pct, md_esc, table
from rescore.site.widgets import filter_bar

EXCERPT = 400  # characters of each answer shown on the question page


def question_uri(ctx: Context, suite: Any, question_id: Any) -> str:
    return f"questions/{slug(suite)}/{slug(question_id)}.md"


def _by_question(ctx: Context) -> dict[tuple[str, str], list[dict[str, Any]]]:
    out: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for rows in ctx.data.details.values():
        for r in rows:
            if r.get("in_suite") and not r.get("is_speed_test"):
                out[(str(r["suite"]), str(r["question_id"]))].append(r)
    return out


def _question_table(ctx: Context, page: Page, rows: list[dict[str, Any]]) -> str:
    rows = sorted(rows, key=lambda r: (r.get("score") is None, -(r.get("score") or 0), r["config"]))
    body, attrs = [], []
    for r in rows:
        label = ctx.labels.get(r["config"], r["config"])
        text = str(r.get("response") or "")
        excerpt = text[:EXCERPT] + ("\u2026" if len(text) > EXCERPT else "")
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
                Cell(details(f"Answer ({len(text)} characters)", excerpt)),
            ]
        )
        attrs.append({"score": "none" if r.get("score") is None else r["score"]})
    headers = ["Model (config)", "Score", "Judge reason", "Flags", "Answer"]
    return table(headers, body, numeric={1}, css="rescore-filterable", row_attrs=attrs)


def question_pages(ctx: Context) -> list[Page]:
    pages = []
    for (suite, qid), rows in sorted(_by_question(ctx).items()):
        first = rows[0]
        title = f"{suite} / {qid}"
        page = Page(question_uri(ctx, suite, qid), title, in_nav=False, hide_toc=True)
        md = [f"# {md_esc(title)}\n"]
        if first.get("question_name"):
            md.append(f"**{md_esc(first['question_name'])}**\n")
        for label, key in (
            ("Prompt", "prompt"),
            ("Expected", "expected"),
            ("Reference answer", "reference_answer"),
            ("Scoring criteria", "scoring_criteria"),
        ):
            if first.get(key):
                md.append(f"\n## {label}\n")
                md.append(page.block(f'<pre class="rescore-text">{esc(first[key])}</pre>'))
        judged = [r for r in rows if r.get("score") is not None]
        md.append("\n## Every config's answer\n")
        md.append(
            f"{len(rows)} configs answered, {len(judged)} judged in scoring run "
            f"{md_esc(ctx.data.scoring_run)}. Filter by score or text; each model links to "
            "the answer on its config page.\n"
        )
        md.append(
            page.block(
                # a <section>, not a <div>: material's search parser ends an exclusion at
                # the first closing tag of the same name (Element compares by tag), and the
                # filter bar and table wrappers are divs (was ~1 MB of answers in the index)
                "<section data-search-exclude>"
                + filter_bar(scores=True)
                + _question_table(ctx, page, rows)
                + "</section>"
            )
        )
        page.markdown = "\n".join(md)
        pages.append(page)
    return pages


def questions_index(ctx: Context) -> Page:
    page = Page("questions/index.md", "Questions", hide_toc=True)
    stats = {(str(r["suite"]), str(r["question_id"])): r for r in ctx.data.rows("questions")}
    body, attrs = [], []
    for (suite, qid), rows in sorted(_by_question(ctx).items()):
        st = stats.get((suite, qid), {})
        body.append(
            [
                suite,
                Cell(
                    f'<a href="{esc(ctx.href(page, question_uri(ctx, suite, qid)))}">{esc(qid)}</a>'
                ),
                rows[0].get("question_name") or "",
                Cell(str(len(rows)), len(rows)),
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
